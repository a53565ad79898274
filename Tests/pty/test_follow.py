"""Following at the prompt (docs/OPERATIONS.md, "Following"): `mails follow=true` and
`deliveries follow=true` in a real pseudo-terminal print what another process does, as it
happens, until Ctrl-C gives the prompt back."""
import base64
import json
import os
import re
import subprocess
import tempfile
import time
import urllib.request

from harness import WHS, Terminal


def whs(*args, env=None):
    done = subprocess.run([WHS, *args], capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})})
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_mails_follow_prints_a_mail_another_process_sent_within_a_second():
    folder = tempfile.mkdtemp(prefix="whs-follow-")
    store = os.path.join(folder, "store.sqlite")
    data = {"XDG_DATA_HOME": os.path.join(folder, "data")}
    whs("--store", store, "-c", "print 1", env=data)
    t = Terminal("--store", store, "--quiet", env=data, columns=160)
    t.wait_for_prompt("whs[store.sqlite]>")
    t.line("mails follow=true")
    t.wait_for("(following new mails until Ctrl-C)")
    sent = time.monotonic()
    whs("--store", store, "-c", 'send ann@example.com from=shop@example.com subject="Quarterly report" html="<p>hi</p>"', env=data)
    screen = t.wait_for('"Quarterly report"', timeout=5)
    seen = time.monotonic()
    assert seen - sent < 1.0, f"the mail showed {seen - sent:.2f} s after the send returned"
    line = next(l for l in screen.split("\n") if "Quarterly report" in l)
    assert re.match(r"\d\d:\d\d:\d\d\.\d{3}  mail 1  ann@example\.com  \"Quarterly report\"  request > sent > deliver", line), line
    # A second one, to a filtered follow's eyes too: still following.
    whs("--store", store, "-c", 'send bob@example.com from=shop@example.com subject="Second" html="<p>hi</p>"', env=data)
    t.wait_for('"Second"', timeout=2)
    t.key("ctrl-c")
    t.wait_for("(2 mails; stopped)")
    t.wait_for_prompt("whs[store.sqlite]>")
    # The prompt works as before.
    t.line("print (mails).count")
    t.wait_for("\n2")
    t.key("ctrl-d")
    assert t.exit_status() == 0


def test_deliveries_follow_through_a_server_prints_each_attempt():
    server = subprocess.Popen([WHS, "serve", "--memory", "--port", "0", "--quiet", "--event-delay", "0", "--retry-delays", "0.3",
                               "--user", "acme:alice:alice-key"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        base = re.search(r"http://[0-9.:]+", server.stdout.readline()).group(0)
        t = Terminal("--url", base, "--api-user", "alice", "--quiet", env={"WHS_API_KEY": "alice-key"}, columns=160)
        prompt = f"whs[{base[len('http://'):]}]>"
        t.wait_for_prompt(prompt)
        t.line("deliveries follow=true timeout=20s")
        t.wait_for("(following new attempts for 20s, or until Ctrl-C)")
        request = urllib.request.Request(base + "/v1/webhooks", method="POST", data=json.dumps({"url": "http://127.0.0.1:9/dead", "event": [1]}).encode(),
                                         headers={"Authorization": "Basic " + base64.b64encode(b"alice:alice-key").decode(),
                                                  "Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=5).read()
        request = urllib.request.Request(base + "/v1/events", method="POST", data=json.dumps({"event": "deliver"}).encode(),
                                         headers={"Authorization": "Basic " + base64.b64encode(b"alice:alice-key").decode(),
                                                  "Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=5).read()
        screen = t.wait_for("(retry in 0.3 s)", timeout=3)
        assert re.search(r"\d\d:\d\d:\d\d\.\d{3}  delivery 1  deliver  http://127\.0\.0\.1:9/dead  connection refused", screen), screen
        # The retry comes by itself and is printed too; then no retries are left.
        t.wait_for("(no retries left)", timeout=5)
        t.key("ctrl-c")
        t.wait_for("(2 attempts; stopped)")
        t.wait_for_prompt(prompt)
        t.key("ctrl-d")
        assert t.exit_status() == 0
    finally:
        server.terminate()
        server.wait(10)
