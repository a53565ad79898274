"""`whs probe` against receivers written here, each with its own idea of a webhook receiver.

The receivers check signatures with Python's hashlib and hmac, independently of whs: a
correct one (md5 and hmac-sha256, refuses stale timestamps and bad signatures with 401), one
that knows only the MD5 form, one that takes anything, one that takes 5 s. The probe must
grade each as docs/DELIVERY.md says, and push only where it is pointed.
"""
import hashlib
import hmac
import http.server
import json
import os
import tempfile
import threading
import time

import pytest

from receiver import free_port, whs

KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
EVENTS = ["request", "deliver", "sent", "invalid", "soft_bounce", "open", "click", "unsubscribe", "report_spam"]
WIRE = {"request": "target", "deliver": "delivered", "invalid": "invalid_email"}
NAMES = [f"md5 {e}" for e in EVENTS] + [f"hmac-sha256 {e}" for e in EVENTS] + [
    "wrong signature", "no signature", "stale timestamp", "same push twice", "largest custom_args", "longest subject"]


def md5_signature(stamp, key=KEY):
    return hashlib.md5((stamp + "email" + key).encode()).hexdigest()


def hmac_signature(stamp, key=KEY):
    return hmac.new(key.encode(), stamp.encode(), hashlib.sha256).hexdigest()


class Receiver:
    """A webhook receiver with a policy: `verdict(headers) -> status`, after `delay` seconds."""

    def __init__(self, verdict, delay=0.0):
        self.requests = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # The head and the body of an answer are two writes: without this, Nagle's
            # algorithm and the client's delayed ACK hold the body back 40 ms.
            disable_nagle_algorithm = True

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.requests.append({"path": self.path, "headers": headers, "body": body, "time": time.time()})
                if delay:
                    time.sleep(delay)
                status = verdict(headers)
                answer = b"ok" if status < 300 else b'{"code":2002,"message":"invalid signature"}'
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass  # the probe gave up on this one

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def correct(headers):
    stamp, signature = headers.get("x-webhook-timestamp", ""), headers.get("x-webhook-signature", "")
    if not stamp.isdigit() or abs(time.time() - int(stamp)) > 300:
        return 401
    if any(hmac.compare_digest(signature, f(stamp)) for f in (md5_signature, hmac_signature)):
        return 200
    return 401


def md5_only(headers):
    stamp, signature = headers.get("x-webhook-timestamp", ""), headers.get("x-webhook-signature", "")
    if not stamp.isdigit() or abs(time.time() - int(stamp)) > 300:
        return 401
    return 200 if hmac.compare_digest(signature, md5_signature(stamp)) else 401


@pytest.fixture
def receivers():
    made = []

    def make(verdict, delay=0.0):
        made.append(Receiver(verdict, delay))
        return made[-1]
    yield make
    for one in made:
        one.close()


def probe(*args, timeout=120):
    started = time.monotonic()
    status, out, err = whs("probe", *args, check=False, timeout=timeout, env={"WHS_APP_KEY": ""})
    return status, out, err, time.monotonic() - started


def lines_by_check(out):
    """{check name: (result, reason)} from the text scorecard."""
    found = {}
    for line in out.splitlines():
        result = line[:4]
        if result in ("pass", "warn", "fail"):
            rest = line[6:]
            name = next((n for n in sorted(NAMES, key=len, reverse=True) if rest.startswith(n + " ") or rest == n), None)
            assert name, line
            found[name] = (result, rest[len(name):].strip())
    return found


def test_a_correct_receiver_passes_every_check_in_a_known_order(receivers):
    target = receivers(correct)
    status, out, err, seconds = probe(target.url, "--app-key", KEY)
    print(f"\nprobe of a correct receiver: {seconds:.3f} s for {len(target.requests)} pushes")
    assert status == 0, out + err
    checks = lines_by_check(out)
    assert list(checks) == NAMES
    assert all(result == "pass" for result, _ in checks.values()), out
    assert out.splitlines()[-1].startswith("24 checks in ") and out.splitlines()[-1].endswith(": 24 pass, 0 warn, 0 fail")
    assert seconds < 10

    # What the receiver saw, in order: 25 pushes (the duplicate is two), only to this URL.
    seen = target.requests
    assert len(seen) == 25 and all(r["path"] == "/webhook" for r in seen)
    bodies = [json.loads(r["body"]) for r in seen]

    def event(body):
        return body["status"]["message_status"] if "status" in body else body["response"]["event"]
    assert [event(b) for b in bodies[:18]] == [WIRE.get(e, e) for e in EVENTS] * 2
    for r in seen[:9]:
        stamp = r["headers"]["x-webhook-timestamp"]
        assert r["headers"]["x-webhook-signature"] == md5_signature(stamp)
        assert r["headers"]["x-webhook-appkey"] == "email"
        assert r["headers"]["content-type"].startswith("application/json")
    for r in seen[9:18]:
        assert r["headers"]["x-webhook-signature"] == hmac_signature(r["headers"]["x-webhook-timestamp"])
    forged, unsigned, stale, first, second, custom, subject = seen[18:]
    assert forged["headers"]["x-webhook-signature"] not in (md5_signature(forged["headers"]["x-webhook-timestamp"]),
                                                          hmac_signature(forged["headers"]["x-webhook-timestamp"]))
    assert "x-webhook-signature" not in unsigned["headers"] and "x-webhook-timestamp" in unsigned["headers"]
    age = time.time() - int(stale["headers"]["x-webhook-timestamp"])
    assert 3 * 3600 - 60 < age < 3 * 3600 + 60
    assert stale["headers"]["x-webhook-signature"] == md5_signature(stale["headers"]["x-webhook-timestamp"])
    assert json.loads(first["body"])["message_id"] == json.loads(second["body"])["message_id"]
    assert first["body"] == second["body"]
    assert len(json.dumps(json.loads(custom["body"])["custom_args"], separators=(",", ":"))) == 1024
    assert len(json.loads(subject["body"])["subject"]) == 256
    assert len({json.loads(r["body"])["message_id"] for r in seen}) == 24


def test_a_receiver_that_checks_only_md5_passes_with_warnings(receivers):
    target = receivers(md5_only)
    status, out, err, _ = probe(target.url, "--app-key", KEY)
    assert status == 0, out + err
    checks = lines_by_check(out)
    for name in NAMES:
        expected = "warn" if name.startswith("hmac-sha256 ") else "pass"
        assert checks[name][0] == expected, (name, checks[name])
    assert "answered 401" in checks["hmac-sha256 deliver"][1] and "production signs md5" in checks["hmac-sha256 deliver"][1]
    assert out.splitlines()[-1].endswith(": 15 pass, 9 warn, 0 fail")


def test_a_receiver_that_takes_a_wrong_signature_fails(receivers):
    target = receivers(lambda headers: 200)
    status, out, err, _ = probe(target.url, "--app-key", KEY)
    assert status == 1, out + err
    checks = lines_by_check(out)
    assert checks["wrong signature"][0] == "fail"
    assert checks["wrong signature"][1].startswith("accepted a push signed with a wrong key (200)")
    assert checks["no signature"][0] == "fail" and checks["stale timestamp"][0] == "fail"
    assert "replay" in checks["stale timestamp"][1]
    assert checks["md5 deliver"][0] == "pass"


def test_a_receiver_that_takes_5_s_fails_without_holding_the_probe_for_long(receivers):
    target = receivers(correct, delay=5)
    status, out, err, seconds = probe(target.url, "--app-key", KEY, "--json")
    assert status == 1, out + err
    card = json.loads(out)
    assert [c["name"] for c in card["checks"]] == NAMES
    first = card["checks"][0]
    assert first["result"] == "fail" and first["status"] is None and "no answer within 3 s" in first["reason"]
    assert 2900 < first["latency_ms"] < 4000
    # Three checks in a row without an answer: the rest are not sent, and fail.
    assert all("not sent" in c["reason"] for c in card["checks"][3:])
    assert len(target.requests) == 3
    assert card["summary"]["fail"] == 24 and card["summary"]["result"] == "fail"
    assert seconds < 15


def test_json_is_one_document_for_ci(receivers):
    target = receivers(md5_only)
    status, out, err, _ = probe(target.url, "--app-key", KEY, "--json")
    assert status == 0, out + err
    assert len(out.strip().splitlines()) == 1
    card = json.loads(out)
    assert card["url"] == target.url
    assert [c["name"] for c in card["checks"]] == NAMES
    for check in card["checks"]:
        assert set(check) == {"name", "result", "reason", "status", "latency_ms"}
        assert check["result"] in ("pass", "warn") and isinstance(check["status"], int) and check["latency_ms"] >= 0
    assert card["summary"] == {**card["summary"], "checks": 24, "pass": 15, "warn": 9, "fail": 0, "result": "warn"}


def test_an_unreachable_url_is_one_line_and_exit_1_at_once():
    url = f"http://127.0.0.1:{free_port()}/webhook"
    status, out, err, seconds = probe(url, "--app-key", KEY)
    assert status == 1
    assert out == ""
    assert err.strip().splitlines() == [f"whs: probe: cannot reach {url}: connection refused (nothing was checked)"]
    assert seconds < 2
    status, out, err, seconds = probe("http://no-such-host.invalid/webhook", "--app-key", KEY)
    assert status == 1 and len(err.strip().splitlines()) == 1 and "no such host" in err and seconds < 5


def test_the_key_comes_from_the_flag_the_environment_or_the_store(receivers):
    target = receivers(correct)
    status, out, _ = whs("probe", target.url, check=False, env={"WHS_APP_KEY": KEY})
    assert status == 0 and "(key from $WHS_APP_KEY)" in out
    # No key and no store: say so, exit 2, push nothing.
    empty = tempfile.mkdtemp(prefix="whs-probe-")
    status, out, err = whs("probe", target.url, check=False, env={"WHS_APP_KEY": "", "WHS_STORE": "", "XDG_DATA_HOME": empty})
    assert status == 2 and "no app key" in err and "--app-key" in err
    assert not os.listdir(empty)
    # A store's account: the key `app_key` shows.
    store = os.path.join(empty, "team.sqlite")
    _, key, _ = whs("--store", store, "-c", "$k = app_key\nprint reveal($k)")
    key = key.strip()
    seen = len(target.requests)
    status, out, err = whs("probe", target.url, "--store", store, check=False, env={"WHS_APP_KEY": ""})
    assert status == 1  # the receiver checks KEY, not this store's key
    assert md5_signature(target.requests[seen]["headers"]["x-webhook-timestamp"], key) == target.requests[seen]["headers"]["x-webhook-signature"]


def test_bad_command_lines_say_what_is_known():
    status, _, err = whs("probe", "http://127.0.0.1:9/", "--jsno", check=False)
    assert status == 2 and 'did you mean "--json"?' in err and "known: --app-key, --store, --json, --help" in err
    status, _, err = whs("probe", "ftp://example.com/", "--app-key", KEY, check=False)
    assert status == 2 and "http(s)" in err
    status, _, err = whs("probe", check=False)
    assert status == 2 and "needs the receiver's URL" in err


def test_probe_at_the_prompt_returns_the_scorecard(receivers):
    target = receivers(md5_only)
    store = os.path.join(tempfile.mkdtemp(prefix="whs-probe-"), "store.sqlite")
    # The account's key by default; app_key= for another.
    _, out, _ = whs("--store", store, "-c", f'$card = probe "{target.url}" app_key="{KEY}"\n'
                    'print $card.summary.result $card.summary.pass $card.summary.warn $card.summary.fail len($card.checks)\n'
                    '$card')
    lines = out.splitlines()
    assert lines[0] == "warn 15 9 0 24"
    assert lines[1] == f"probe: {target.url}"
    assert lines[2].split() == ["result", "check", "status", "latency", "reason"]
    assert any(line.startswith("warn    hmac-sha256 deliver") for line in lines)
    assert lines[-1].startswith("(24 checks in ") and lines[-1].endswith(" s: 15 pass, 9 warn, 0 fail)")
    _, out, _ = whs("--store", store, "--json", "-c", f'probe "{target.url}"')
    card = json.loads(out)
    assert card["summary"]["result"] == "fail"  # signed with the store's key, which the receiver does not know
    assert card["checks"][0]["result"] == "fail" and card["checks"][0]["status"] == 401
    # Unreachable: one error line, the script fails.
    url = f"http://127.0.0.1:{free_port()}/"
    status, out, err = whs("--memory", "-c", f'probe "{url}" app_key="k"', check=False)
    assert status == 1 and out == ""
    assert err.splitlines()[0] == f"-c:1:1: error: probe: cannot reach {url}: connection refused (nothing was checked)"
