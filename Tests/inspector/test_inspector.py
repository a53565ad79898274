"""The web inspector (`/ui` on whs serve, docs/INSPECTOR.md) in a real browser: headless
Chromium driven by Selenium, mail sent by the official SDK, pushes received by a receiver written
here. What a person sees: mail arriving live, its timeline, a redeliver; markup in a mail shown
as text and never run; one account's session unable to see another's mail; the cookie's flags;
the pages at 360 and 1,440 px.
"""
import os
import tempfile
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "delivery"))
from receiver import free_port, receiver, server, store, wait_for  # noqa: E402,F401 (fixtures)
from browser import browser, http, png_is_not_blank, sign_in  # noqa: E402,F401 (browser is a fixture)

from engagelab_email import EngageLabEmailClient  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

ALL_EVENTS = [1, 3, 4, 5, 10, 11, 12, 18, 32]
# The docs' screenshot is rewritten only when scripts/demo-images asks (WHS_WRITE_DOC_IMAGES=1), so
# that a test run leaves the tree as it found it; otherwise the same shot goes to a scratch file.
DOCS_IMAGE = (os.path.join(HERE, "..", "..", "docs", "images", "inspector-mail.png") if os.environ.get("WHS_WRITE_DOC_IMAGES") == "1"
              else os.path.join(tempfile.gettempdir(), f"whs-inspector-mail-{os.getpid()}.png"))


def sdk(whs_serve, user="alice"):
    return EngageLabEmailClient(user, f"{user}-key", base_url=whs_serve.base)


def texts(driver, selector):
    """The text of each match, read at once (the live page may replace them between reads)."""
    return driver.execute_script("return Array.from(document.querySelectorAll(arguments[0]), e => e.innerText.trim())", selector)


def wait_live(driver):
    wait_for(lambda: driver.execute_script("return document.body.getAttribute('data-live-ready')") == "1", 10, "the live stream")


def test_mail_appears_live_then_its_timeline_and_a_redeliver(server, receiver, browser):
    target = receiver()
    whs_serve = server()
    assert whs_serve.call("POST", "/v1/webhooks", "alice", {"url": target.url(), "event": ALL_EVENTS})[0] == 200
    driver = browser()
    sign_in(driver, whs_serve.base, "alice")
    assert driver.current_url.endswith("/ui/mails")
    assert "No mail yet" in driver.find_element(By.ID, "main").text
    wait_live(driver)
    # A mark on this page's window: a reload would lose it.
    driver.execute_script("window.notReloaded = true")

    answer = sdk(whs_serve).send({"from": "Shop <shop@example.com>", "to": ["ann+open@example.com"],
                                  "body": {"subject": "Your order o-7", "content": {"html": "<p>Thanks</p>", "text": "Thanks"}}})
    email_id = answer["email_ids"][0]
    wait_for(lambda: "Your order o-7" in texts(driver, "td.subject"), 10, "the mail on the page")
    assert driver.execute_script("return window.notReloaded") is True
    wait_for(lambda: texts(driver, "tr[data-row] .chips li") == ["request", "sent", "deliver", "open"], 10, "the row's timeline")

    driver.find_element(By.LINK_TEXT, "Your order o-7").click()
    assert driver.find_element(By.CSS_SELECTOR, "h1.subject").text == "Your order o-7"
    headers = driver.find_element(By.CSS_SELECTOR, "dl.headers").text
    assert email_id in headers and "shop@example.com" in headers
    # Every event with its push, each pushed once and received (200), its request shown and signed right.
    wait_for(lambda: len(target.requests) == 4, 10, "four pushes")
    driver.refresh()
    assert texts(driver, "li.event .event-head .ev") == ["request", "sent", "deliver", "open"]
    assert texts(driver, "section.push .state") == ["succeeded"] * 4
    assert texts(driver, "table.attempts td.status") == ["200"] * 4
    summaries = driver.find_elements(By.CSS_SELECTOR, "details.request summary")
    assert len(summaries) == 4 and all("verifies (md5)" in summary.text for summary in summaries)
    summaries[0].click()
    request = driver.find_element(By.CSS_SELECTOR, "details.request pre").text
    pushed = target.requests[0]
    assert f"X-WebHook-Timestamp: {pushed['headers']['x-webhook-timestamp']}" in request
    assert f"X-WebHook-Signature: {pushed['headers']['x-webhook-signature']}" in request
    assert '"message_status": "target"' in request

    # Redeliver the first push: a fifth push arrives, and the page shows its attempt.
    wait_live(driver)
    driver.find_elements(By.CSS_SELECTOR, "button.redeliver")[0].click()
    wait_for(lambda: len(target.requests) == 5, 10, "the redelivered push")
    wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, "section.push")) == 5, 10, "the new push on the page")
    wait_for(lambda: texts(driver, "section.push .state") == ["succeeded"] * 5, 10, "the new attempt on the page")
    assert target.requests[4]["body"] == target.requests[0]["body"]
    assert len(texts(driver, "table.attempts td.status")) == 5


def test_markup_in_a_mail_is_text_and_its_script_never_runs(server, receiver, browser):
    whs_serve = server()
    subject = '<img src=x onerror="window.top.xssSubject=1">'
    html = ('<p style="color: rgb(200, 0, 0)" id="styled">Red text</p><script>window.top.xssContent = 1; document.body.append("ran")</script>'
            '<img src=x onerror="window.top.xssImage=1"><img src="http://127.0.0.1:9/remote.png" id="remote">')
    sdk(whs_serve).send({"from": "shop@example.com", "to": ["bo@example.com"],
                         "body": {"subject": subject, "content": {"html": html, "text": "<b>not bold</b>"}},
                         "custom_args": {"note": "<script>window.top.xssArgs=1</script>"}})
    driver = browser()
    sign_in(driver, whs_serve.base, "alice")
    assert texts(driver, "td.subject") == [subject]
    driver.find_element(By.CSS_SELECTOR, "td.subject a").click()
    assert driver.find_element(By.CSS_SELECTOR, "h1.subject").text == subject
    assert "<script>window.top.xssArgs=1</script>" in driver.find_element(By.CSS_SELECTOR, "dl.headers").text
    assert driver.find_element(By.CSS_SELECTOR, "pre.text-part").text == "<b>not bold</b>"
    frame = driver.find_element(By.CSS_SELECTOR, "iframe.content")
    assert frame.get_attribute("sandbox") == ""
    time.sleep(0.5)
    markers = driver.execute_script("return [window.xssSubject, window.xssContent, window.xssImage, window.xssArgs]")
    assert markers == [None, None, None, None]
    driver.switch_to.frame(frame)
    # The mail's own inline style applies; its script did not run; nothing remote was loaded.
    assert driver.find_element(By.ID, "styled").value_of_css_property("color") == "rgba(200, 0, 0, 1)"
    assert "ran" not in driver.find_element(By.TAG_NAME, "body").text
    driver.switch_to.default_content()
    # Opened on its own, the content route carries its own policy: no scripts, nothing remote.
    status, headers, _ = http(whs_serve.base, "GET", frame.get_attribute("src").replace(whs_serve.base, ""),
                              headers={"Cookie": "whs_session=" + driver.get_cookie("whs_session")["value"]})
    policy = headers["Content-Security-Policy"]
    assert status == 200 and "default-src 'none'" in policy and "sandbox" in policy and "script-src" not in policy
    assert "img-src data:" in policy
    page_policy = http(whs_serve.base, "GET", "/ui/sign-in")[1]["Content-Security-Policy"]
    assert "unsafe-inline" not in page_policy and "script-src 'self'" in page_policy


def test_another_account_gets_404_and_a_signed_out_request_goes_to_sign_in(server, browser):
    whs_serve = server()
    sdk(whs_serve).send({"from": "shop@example.com", "to": ["ann@example.com"], "body": {"subject": "Only acme's", "content": {"html": "<p>x</p>"}}})
    mail_id = whs_serve.call("GET", "/v1/mails", "alice")[1]["mails"][0]["id"]
    driver = browser()
    driver.get(f"{whs_serve.base}/ui/mails/{mail_id}")
    assert f"/ui/sign-in?next=%2Fui%2Fmails%2F{mail_id}" in driver.current_url
    # A wrong key: refused, without saying which part was wrong.
    sign_in(driver, whs_serve.base, "olga", "not-the-key")
    assert driver.find_element(By.ID, "sign-in-error").text == "That API_USER and key do not sign in."
    sign_in(driver, whs_serve.base, "olga")
    driver.get(f"{whs_serve.base}/ui/mails/{mail_id}")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Not found"
    assert "Only acme's" not in driver.page_source
    assert http(whs_serve.base, "GET", f"/ui/mails/{mail_id}/content",
                headers={"Cookie": "whs_session=" + driver.get_cookie("whs_session")["value"]})[0] == 404
    driver.get(f"{whs_serve.base}/ui/mails")
    assert "No mail yet" in driver.find_element(By.ID, "main").text
    # Signing out ends the session: the old cookie no longer signs in.
    cookie = driver.get_cookie("whs_session")["value"]
    driver.find_element(By.CSS_SELECTOR, "form.sign-out button").click()
    wait_for(lambda: "/ui/sign-in" in driver.current_url, 5, "the sign-in page after signing out")
    status, headers, _ = http(whs_serve.base, "GET", "/ui/mails", headers={"Cookie": "whs_session=" + cookie})
    assert status == 303 and headers["Location"].startswith("/ui/sign-in")


def test_cookie_flags_csrf_and_no_ui(server):
    plain = server()
    status, headers, _ = http(plain.base, "POST", "/ui/sign-in", {"api_user": "alice", "api_key": "alice-key"})
    assert status == 303
    cookie = headers["Set-Cookie"]
    parts = [part.strip() for part in cookie.split(";")]
    assert parts[0].startswith("whs_session=") and len(parts[0]) == len("whs_session=") + 64
    assert "HttpOnly" in parts and "SameSite=Strict" in parts and "Path=/ui" in parts and "Secure" not in parts
    # X-Forwarded-Proto from a peer that is not trusted changes nothing.
    untrusted = http(plain.base, "POST", "/ui/sign-in", {"api_user": "alice", "api_key": "alice-key"}, headers={"X-Forwarded-Proto": "https"})
    assert "Secure" not in untrusted[1]["Set-Cookie"]
    # A form without the session's token is refused, even with the cookie.
    session = {"Cookie": parts[0]}
    assert http(plain.base, "POST", "/ui/webhooks", {"url": "https://x.example/h", "events": "open"}, headers=session)[0] == 403
    assert http(plain.base, "POST", "/ui/webhooks", {"url": "https://x.example/h", "events": "open", "csrf": "0" * 64}, headers=session)[0] == 403
    # Another site's form is refused, as the browser marks it.
    assert http(plain.base, "POST", "/ui/sign-in", {"api_user": "alice", "api_key": "alice-key"},
                headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})[0] == 403
    assert plain.call("GET", "/v1/webhooks", "alice")[1]["total"] == 0

    proxied = server("--trust-proxy", "127.0.0.1")
    secure = http(proxied.base, "POST", "/ui/sign-in", {"api_user": "alice", "api_key": "alice-key"}, headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in [part.strip() for part in secure[1]["Set-Cookie"].split(";")]
    assert "Secure" not in http(proxied.base, "POST", "/ui/sign-in", {"api_user": "alice", "api_key": "alice-key"})[1]["Set-Cookie"]

    off = server("--no-ui")
    assert http(off.base, "GET", "/ui/sign-in")[0] == 401
    assert off.call("GET", "/ui/mails", "alice")[0] == 404


def test_webhook_and_template_forms_show_the_api_messages_beside_the_field(server, browser):
    whs_serve = server()
    driver = browser()
    sign_in(driver, whs_serve.base, "alice")
    driver.get(whs_serve.base + "/ui/webhooks")
    form = driver.find_element(By.CSS_SELECTOR, "#webhook-new form")
    form.find_element(By.NAME, "url").send_keys("ftp://files.example/x")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    error = driver.find_element(By.ID, "url-new-error").text
    assert error.startswith("url must be an absolute http(s) URL") and "ftp://files.example/x" in error
    assert driver.find_element(By.ID, "url-new").get_attribute("aria-invalid") == "true"
    url = driver.find_element(By.ID, "url-new")
    url.clear()
    url.send_keys("https://hooks.example/in")
    for box in driver.find_elements(By.CSS_SELECTOR, "#webhook-new input[name=events]"):
        if box.is_selected():
            box.click()
    driver.find_element(By.CSS_SELECTOR, "#webhook-new button[type=submit]").click()
    assert driver.find_element(By.ID, "events-new-error").text.startswith("event must not be empty")
    driver.find_element(By.CSS_SELECTOR, "#webhook-new input[value=open]").click()
    driver.find_element(By.CSS_SELECTOR, "#webhook-new button[type=submit]").click()
    wait_for(lambda: whs_serve.call("GET", "/v1/webhooks", "alice")[1]["total"] == 1, 5, "the new webhook")
    hooks = whs_serve.call("GET", "/v1/webhooks", "alice")[1]["result"]
    assert [(hook["url"], hook["event"]) for hook in hooks] == [("https://hooks.example/in", [11])]
    wait_for(lambda: driver.find_elements(By.ID, f"url-{hooks[0]['id']}"), 5, "the page with the webhook")
    # Change it, then delete it (the page asks first).
    field = driver.find_element(By.ID, f"url-{hooks[0]['id']}")
    field.clear()
    field.send_keys("https://hooks.example/changed")
    driver.find_element(By.CSS_SELECTOR, f"#webhook-{hooks[0]['id']} form.webhook button[type=submit]").click()
    wait_for(lambda: whs_serve.call("GET", "/v1/webhooks", "alice")[1]["result"][0]["url"] == "https://hooks.example/changed", 5, "the change")
    driver.find_element(By.CSS_SELECTOR, f"#webhook-{hooks[0]['id']} form.delete button").click()
    driver.switch_to.alert.accept()
    wait_for(lambda: whs_serve.call("GET", "/v1/webhooks", "alice")[1]["total"] == 0, 5, "the delete")

    driver.get(whs_serve.base + "/ui/templates")
    driver.find_element(By.ID, "name-new").send_keys("welcome")
    driver.find_element(By.CSS_SELECTOR, "#template-new button[type=submit]").click()
    assert driver.find_element(By.ID, "html-new-error").text == "a template needs html or text content"
    name = driver.find_element(By.ID, "name-new")
    name.clear()
    name.send_keys("bad name")
    driver.find_element(By.ID, "subject-new").send_keys("Hello")
    driver.find_element(By.ID, "html-new").send_keys("<p>Hi {{name}}</p>")
    driver.find_element(By.CSS_SELECTOR, "#template-new button[type=submit]").click()
    assert driver.find_element(By.ID, "name-new-error").text.startswith("a template name is 1 to 64")
    name = driver.find_element(By.ID, "name-new")
    name.clear()
    name.send_keys("welcome")
    driver.find_element(By.CSS_SELECTOR, "#template-new button[type=submit]").click()
    wait_for(lambda: whs_serve.call("GET", "/v1/templates/welcome", "alice")[0] == 200, 5, "the new template")
    assert whs_serve.call("GET", "/v1/templates/welcome", "alice")[1]["subject"] == "Hello"
    wait_for(lambda: "welcome" in texts(driver, "h2.card-title"), 5, "the template's card")


def test_search_filters_and_screenshots_at_360_and_1440(server, receiver, browser):
    target = receiver(status=500)
    whs_serve = server()
    assert whs_serve.call("POST", "/v1/webhooks", "alice", {"url": target.url(), "event": [1, 18]})[0] == 200
    client = sdk(whs_serve)
    client.send({"from": "Shop <shop@example.com>", "to": ["ann+open+click@example.com"],
                 "body": {"subject": "Spring sale", "content": {"html": '<h1 style="color:#0b5cad">Spring sale</h1><p>20% off</p>', "text": "20% off"}}})
    client.send({"from": "shop@example.com", "to": ["bob+invalid@example.com"], "body": {"subject": "Invoice 12", "content": {"html": "<p>x</p>"}}})
    client.send({"from": "shop@example.com", "to": ["cy@example.com"], "body": {"subject": "Welcome", "content": {"html": "<p>x</p>"}}})
    wait_for(lambda: len(target.requests) >= 4, 10, "the failing pushes")
    driver = browser()
    sign_in(driver, whs_serve.base, "alice")
    assert texts(driver, "td.subject") == ["Welcome", "Invoice 12", "Spring sale"]
    driver.get(whs_serve.base + "/ui/mails?subject=SALE")
    assert texts(driver, "td.subject") == ["Spring sale"]
    driver.get(whs_serve.base + "/ui/mails?state=invalid")
    assert texts(driver, "td.subject") == ["Invoice 12"]
    driver.get(whs_serve.base + "/ui/mails?to=cy%40example.com")
    assert texts(driver, "td.subject") == ["Welcome"]
    driver.get(whs_serve.base + "/ui/deliveries?event=request")
    assert set(texts(driver, "table.deliveries td .ev")) == {"request"}
    driver.get(whs_serve.base + "/ui/deliveries?failing_first=1")
    states = texts(driver, "table.deliveries .state")
    assert states and states == sorted(states, key=lambda state: state not in ("failed", "pending"))

    spring = whs_serve.call("GET", "/v1/mails?subject=spring", "alice")[1]["mails"][0]["id"]
    for width in (360, 1440):
        shot = browser(width=width, height=900)
        sign_in(shot, whs_serve.base, "alice")
        for page in ("/ui/mails", f"/ui/mails/{spring}"):
            shot.get(whs_serve.base + page)
            # Nothing wider than the window: no sideways scrolling at 360 px.
            assert shot.execute_script("return document.documentElement.scrollWidth") <= width
            picture = shot.get_screenshot_as_png()
            assert png_is_not_blank(picture), f"{page} at {width} px is blank"
            if width == 1440 and page != "/ui/mails":
                # The kept one shows the whole page, the timeline included.
                height = min(shot.execute_script("return document.documentElement.scrollHeight"), 2400)
                shot.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
                whole = shot.get_screenshot_as_png()
                assert png_is_not_blank(whole)
                with open(DOCS_IMAGE, "wb") as kept:
                    kept.write(whole)
    assert os.path.getsize(DOCS_IMAGE) > 10_000

    # Light and dark follow the system's choice.
    colours = {}
    for scheme in ("light", "dark"):
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
        driver.get(f"{whs_serve.base}/ui/mails/{spring}")
        colours[scheme] = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
        assert png_is_not_blank(driver.get_screenshot_as_png())
    assert colours == {"light": "rgb(255, 255, 255)", "dark": "rgb(21, 23, 26)"}


def test_keyboard_reaches_every_link_and_button(server, browser):
    whs_serve = server()
    sdk(whs_serve).send({"from": "shop@example.com", "to": ["ann@example.com"], "body": {"subject": "Tab me", "content": {"html": "<p>x</p>"}}})
    driver = browser()
    sign_in(driver, whs_serve.base, "alice")
    reached = set()
    body = driver.find_element(By.TAG_NAME, "body")
    body.click()
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.common.action_chains import ActionChains
    for _ in range(40):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        active = driver.switch_to.active_element
        reached.add(active.get_attribute("name") or active.text or active.get_attribute("href"))
    for expected in ("Mails", "Deliveries", "Webhooks", "Templates", "Sign out", "Search", "Tab me", "to", "subject", "state"):
        assert expected in reached, f"{expected} is not reached by Tab ({sorted(map(str, reached))})"
    # The focused element shows a visible outline.
    driver.find_element(By.LINK_TEXT, "Tab me").send_keys("")
    assert driver.switch_to.active_element.value_of_css_property("outline-style") != "none"
