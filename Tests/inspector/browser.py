"""Headless Chromium driven by Selenium (Debian's chromium and chromium-driver), and what the
inspector's tests share: signing in, reading cookies, checking a screenshot is not blank."""
import os
import struct
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

CHROMIUM = os.environ.get("WHS_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("WHS_CHROMEDRIVER", "/usr/bin/chromedriver")


def chromium(width=1440, height=900):
    options = Options()
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--window-size={width},{height}", "--hide-scrollbars", "--force-device-scale-factor=1"]:
        options.add_argument(argument)
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.implicitly_wait(3)
    # A window is at least 500 px wide: narrower screens are emulated, as DevTools does.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
    return driver


@pytest.fixture
def browser():
    """Makes browsers (`browser()`, `browser(width=360)`) and quits them after the test."""
    made = []

    def make(**kwargs):
        made.append(chromium(**kwargs))
        return made[-1]
    yield make
    for one in made:
        one.quit()


def sign_in(driver, base, user, key=None):
    driver.get(base + "/ui/sign-in")
    driver.find_element("id", "api_user").send_keys(user)
    driver.find_element("id", "api_key").send_keys(key or f"{user}-key")
    driver.find_element("css selector", "form button[type=submit]").click()
    # The answer is a new page: the next page, or the form again with its error.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if not driver.current_url.startswith(base + "/ui/sign-in") or driver.find_elements("id", "sign-in-error"):
            return
        time.sleep(0.02)
    raise AssertionError("signing in did not answer")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def http(base, method, path, form=None, headers=None):
    """One request without following redirects: (status, headers, body text)."""
    data = None if form is None else urllib.parse.urlencode(form, doseq=True).encode()
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def png_is_not_blank(data):
    """True when the PNG holds a picture: many distinct pixel values, not one colour."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, compressed = 8, b""
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        if kind == b"IDAT":
            compressed += data[position + 8:position + 8 + length]
        position += 12 + length
    pixels = zlib.decompress(compressed)
    counts = {}
    for byte in pixels[::7]:
        counts[byte] = counts.get(byte, 0) + 1
    commonest = max(counts.values())
    return len(counts) > 16 and commonest < 0.995 * sum(counts.values())
