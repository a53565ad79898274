"""`whs listen --forward-to` and `--save`, then `repush`, checked from the outside.

A Python sender pushes through `whs listen` to a Python handler: the handler must see the
body and signature headers byte for byte, the sender must get the handler's answer. Saved
pushes are pushed again with `repush` to another receiver: same bodies, fresh signatures
(MD5 recomputed here), and a broken file pushes nothing.
"""
import hashlib
import json
import os
import re
import stat
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import pytest

from receiver import WHS, free_port, receiver, wait_for, whs  # noqa: F401 (receiver is a fixture)

KEY = "4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c"


def md5_signature(stamp, key=KEY):
    return hashlib.md5((stamp + "email" + key).encode()).hexdigest()


class Listen:
    """`whs listen` in the background, its lines read as they come."""

    def __init__(self, *args):
        self.process = subprocess.Popen([WHS, "listen", "--port", "0", "--app-key", KEY, *args],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.first = self.process.stdout.readline()
        self.url = re.search(r"http://[0-9.:]+/", self.first).group(0)

    def line(self):
        return self.process.stdout.readline().rstrip("\n")

    def close(self):
        self.process.terminate()
        self.process.wait(10)


@pytest.fixture
def listens():
    made = []

    def make(*args):
        made.append(Listen(*args))
        return made[-1]
    yield make
    for one in made:
        one.close()


def push(url, body, headers):
    """POSTs like a sender; returns (status, body of the answer)."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=15) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def signed(body, stamp=None):
    stamp = stamp or str(int(time.time()))
    return {"Content-Type": "application/json; charset=utf-8", "X-WebHook-Timestamp": stamp,
            "X-WebHook-AppKey": "email", "X-WebHook-Signature": md5_signature(stamp), "X-Other": "not passed on"}


BODY = json.dumps({"message_id": "1764176584512_48210937_00001_7305.sc-whs-inbound", "subject": "Grüße ✓",
                   "status": {"message_status": "delivered", "status_data": {"email_id": "x"}}},
                  ensure_ascii=False, separators=(", ", ": ")).encode()


def test_a_push_reaches_the_handler_unchanged_and_its_sender_gets_the_handlers_answer(receiver, listens):
    handler = receiver(status=202)
    saved = os.path.join(tempfile.mkdtemp(prefix="whs-forward-"), "pushes.jsonl")
    listen = listens("--forward-to", handler.url("/app/webhook"), "--save", saved)
    assert f"forwarding to {handler.url('/app/webhook')}, saving to {saved}" in listen.first
    headers = signed(BODY)
    status, answer = push(listen.url + "hook?x=1", BODY, headers)
    assert (status, answer) == (202, b"ok")
    seen = handler.requests[0]
    assert seen["path"] == "/app/webhook" and seen["body"] == BODY
    for name in ("Content-Type", "X-WebHook-Timestamp", "X-WebHook-AppKey", "X-WebHook-Signature"):
        assert seen["headers"][name.lower()] == headers[name]
    assert "x-other" not in seen["headers"]
    line = listen.line()
    assert "signature ok (md5)" in line and re.search(r"-> 202 \(handler 202 in [0-9.]+ ms\)$", line), line

    # Saved as received, one JSON line, readable by its owner only.
    assert stat.S_IMODE(os.stat(saved).st_mode) == 0o600
    entry = json.loads(open(saved).read().splitlines()[0])
    assert entry["body"].encode() == BODY and entry["method"] == "POST" and entry["path"] == "/hook"
    saved_headers = {name.lower(): value for name, value in entry["headers"].items()}  # names as the sender wrote them
    assert saved_headers["x-webhook-signature"] == headers["X-WebHook-Signature"]
    assert saved_headers["x-other"] == "not passed on" and entry["status"] == 202
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"])

    # A forged push goes on too (the handler decides), and the line says the handler took it.
    forged = dict(headers, **{"X-WebHook-Signature": "0" * 32})
    status, _ = push(listen.url, BODY, forged)
    assert status == 202 and handler.requests[1]["headers"]["x-webhook-signature"] == "0" * 32
    line = listen.line()
    assert "signature INVALID  -> 202 (handler 202 in " in line, line
    assert line.endswith("  WARNING: the handler accepted it"), line


def test_a_handler_that_is_down_gives_502_and_the_line_says_so(listens):
    down = f"http://127.0.0.1:{free_port()}/webhook"
    listen = listens("--forward-to", down)
    status, answer = push(listen.url, BODY, signed(BODY))
    assert status == 502 and b"connection refused" in answer
    assert listen.line().endswith("-> 502 (handler unreachable: connection refused)")


def test_a_whs_push_through_listen_settles_by_the_handlers_status(receiver, tmp_path):
    handler = receiver(status=503)
    saved = tmp_path / "pushes.jsonl"
    script = f"""
        set retry_delays none
        $l = listen port=0 app_key="{KEY}" forward_to="{handler.url()}" save="{saved}"
        print $l.forward_to $l.save
        $_ = add $l.url events=deliver
        $r = trigger deliver wait=true
        print $r.deliveries[0].state $r.deliveries[0].attempts[0].status
        $in = inbox
        print $in[0].status $in[0].handler.status
    """
    _, out, _ = whs("--memory", "-c", script)
    assert out.splitlines() == [f"{handler.url()} {saved}", "failed 503", "503 503"]
    assert len(handler.requests) == 1
    entry = json.loads(saved.read_text().splitlines()[0])
    assert entry["body"].encode() == handler.requests[0]["body"]
    with pytest.raises(AssertionError, match="does not go with"):
        whs("--memory", "-c", f'listen port=0 forward_to="{handler.url()}" respond=500')


def saved_file(tmp_path, listens, receiver, count=3):
    """A file `whs listen --save` wrote with `count` pushes, and their bodies."""
    handler = receiver()
    path = tmp_path / "pushes.jsonl"
    listen = listens("--forward-to", handler.url(), "--save", str(path))
    bodies = []
    for number in range(count):
        body = BODY.replace(b"00001", f"0000{number + 2}".encode())
        # Signed a while ago: repush must sign again, now.
        assert push(listen.url, body, signed(body, stamp=str(int(time.time()) - 7200)))[0] == 200
        bodies.append(body)
    return path, bodies


def test_repush_sends_the_saved_bodies_again_with_fresh_signatures(tmp_path, listens, receiver):
    path, bodies = saved_file(tmp_path, listens, receiver)
    target = receiver()
    before = int(time.time())
    _, out, _ = whs("--memory", "--json", "-c", f'repush "{path}" url="{target.url("/again")}" app_key="{KEY}"')
    results = json.loads(out)
    assert [r["line"] for r in results] == [1, 2, 3]
    assert all(r["status"] == 200 and r["error"] is None and r["event"] == "deliver" for r in results)
    assert [r["message_id"] for r in results] == [json.loads(b)["message_id"] for b in bodies]
    assert [r["body"] for r in target.requests] == bodies
    for request in target.requests:
        stamp = request["headers"]["x-webhook-timestamp"]
        assert before - 2 <= int(stamp) <= time.time() + 2
        assert request["headers"]["x-webhook-signature"] == md5_signature(stamp)
        assert request["path"] == "/again"

    # `set signature` chooses the form; the CLI takes --signature and $WHS_APP_KEY.
    status, out, _ = whs("repush", str(path), target.url(), "--signature", "hmac-sha256", check=False, env={"WHS_APP_KEY": KEY})
    assert status == 0 and len(out.splitlines()) == 3 and out.splitlines()[0].startswith("line 1  deliver  ")
    import hmac as hmac_module
    last = target.requests[-1]["headers"]
    assert last["x-webhook-signature"] == hmac_module.new(KEY.encode(), last["x-webhook-timestamp"].encode(), hashlib.sha256).hexdigest()


def test_a_broken_saved_file_names_the_line_and_pushes_nothing(tmp_path, listens, receiver):
    path, _ = saved_file(tmp_path, listens, receiver)
    lines = path.read_text().splitlines()
    lines[2] = lines[2][:30]
    path.write_text("\n".join(lines) + "\n")
    target = receiver()
    status, out, err = whs("--memory", "-c", f'repush "{path}" url="{target.url()}" app_key="{KEY}"', check=False)
    assert status == 1 and out == ""
    assert f"{path}:3: not a JSON object" in err.splitlines()[0]
    status, _, err = whs("repush", str(path), target.url(), "--app-key", KEY, check=False)
    assert status == 1 and err.startswith(f"whs: repush: {path}:3: not a JSON object")
    time.sleep(0.2)
    assert target.requests == []


def test_listen_options_are_checked(tmp_path):
    status, _, err = whs("listen", "--forward-to", "http://127.0.0.1:9/", "--respond", "500", check=False)
    assert status == 2 and "does not go with --respond" in err
    status, _, err = whs("listen", "--save-to", "x", check=False)
    assert status == 2 and 'did you mean "--save"? (known: --host, --port, --app-key' in err
    status, _, err = whs("listen", "--port", "0", "--save", str(tmp_path / "no" / "such" / "dir.jsonl"), check=False, timeout=10)
    assert status == 1 and "cannot save pushes to" in err
