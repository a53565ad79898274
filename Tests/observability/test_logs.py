"""Structured logs and keys at start (docs/OPERATIONS.md, "Logs"): `--log-format json` writes
one object per line, start-up lines included, each request's line with the trace id its client
sent (or one made and echoed), and never an API key, an app key, a token, a password or a
mail's content. The app key is printed only at a terminal."""
import hashlib
import json
import os
import pty
import re
import subprocess
import time

from support import WHS, Node, wait_for

CONTENT = "<p>the-quarterly-numbers-are-secret</p>"


def test_json_logs_parse_line_by_line_carry_the_trace_id_and_no_secret():
    node = Node("--log-format", "json", "--event-delay", "0", "--user", "acme:alice:alice-key", "--metrics-token", "metrics-token-123",
                env={"WHS_USERS": "acme:bob:bob-key-from-env,other:olga:olga-key"})
    try:
        status, headers, _ = node.call("GET", "/v1/webhooks?limit=1", headers={"X-Request-Id": "ci-run-42.7"})
        assert status == 200 and headers["X-Request-Id"] == "ci-run-42.7"
        # A trace id that is not safe is not echoed: a new one is made, and logged.
        status, headers, _ = node.call("GET", "/v1/webhooks", headers={"X-Request-Id": "bad id; <script>" + "x" * 80})
        made = headers["X-Request-Id"]
        assert re.fullmatch(r"[0-9a-f]{32}", made)
        # Without one, one is made too.
        _, headers, _ = node.call("GET", "/v1/health", user=None)
        assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-Id"])
        status, _, sent = node.call("POST", "/v1/mail/send", body={"from": "shop@example.com", "to": ["ann@example.com"],
                                                                   "body": {"subject": "Numbers", "content": {"html": CONTENT}}},
                                    headers={"X-Request-Id": "send-1"})
        assert status == 200, sent
        status, _, _ = node.call("GET", "/v1/webhooks", user="alice", headers={"Authorization": "Basic " + "YWxpY2U6d3Jvbmc="})
        app_key = node.call("GET", "/v1/app_key")[2]["app_key"]
        node.call("GET", "/v1/nowhere", headers={"X-Request-Id": "lost-1"})
        wait_for(lambda: sum('"trace_id"' in line for line in node.err) >= 6, what="six request lines")
    finally:
        assert node.close() == 0
    lines = node.out + node.err
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    for record in records:
        assert list(record)[:3] == ["time", "level", "node"], record
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["time"])
    startup = [json.loads(line) for line in node.out]
    assert startup[0]["message"].startswith("listening on http://127.0.0.1:") and startup[0]["url"] == node.base
    keys = {r["account"]: r["app_key_sha256"] for r in startup if "app_key_sha256" in r}
    assert keys["acme"] == hashlib.sha256(app_key.encode()).hexdigest()[:8]
    requests = {r["trace_id"]: r for r in records if "trace_id" in r}
    listed = requests["ci-run-42.7"]
    assert (listed["method"], listed["path"], listed["query"], listed["status"], listed["account"]) == ("GET", "/v1/webhooks", "limit=1", 200, "acme")
    assert isinstance(listed["latency_ms"], (int, float)) and listed["level"] == "info"
    assert requests[made]["path"] == "/v1/webhooks"
    assert requests["send-1"]["path"] == "/v1/mail/send" and requests["send-1"]["account"] == "acme"
    assert requests["lost-1"]["status"] == 404
    refused = [r for r in records if r.get("status") == 401]
    assert refused and "account" not in refused[0], "no account before authentication"
    text = "".join(lines)
    for secret in ["alice-key", "bob-key-from-env", "olga-key", app_key, "metrics-token-123", "the-quarterly-numbers-are-secret", "YWxpY2U6d3Jvbmc=",
                   "Numbers"]:
        assert secret not in text, f"{secret!r} is in the log"
    assert "<script>" not in text, "an unsafe trace id is neither echoed nor logged"


def test_text_logs_and_the_start_up_lines_keep_their_form():
    node = Node("--user", "acme:alice:alice-key")
    try:
        node.call("GET", "/v1/webhooks?limit=1", headers={"X-Request-Id": "abc"})
        wait_for(lambda: node.err, what="a request line")
    finally:
        node.close()
    assert node.out[0].startswith("whs serve: listening on http://127.0.0.1:")
    fingerprint = re.search(r"whs serve: account acme: app key sha256:([0-9a-f]{8}) \(not shown off a terminal; read it with GET /v1/app_key or app_key in the shell\)",
                            node.out[1]).group(1)
    assert re.fullmatch(r"[0-9a-f]{8}", fingerprint)
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ GET /v1/webhooks\?limit=1 200 \d+\.\d{3}ms$", node.err[0].rstrip()), node.err[0]


def test_the_app_key_is_printed_at_a_terminal_only():
    # Piped (above): a fingerprint. At a terminal: the key, as stripe listen shows its secret.
    folder = os.path.join(os.path.dirname(os.path.abspath(__file__)))
    leader, follower = pty.openpty()
    process = subprocess.Popen([WHS, "serve", "--memory", "--port", "0", "--quiet", "--user", "acme:alice:alice-key"], stdout=follower,
                               stderr=subprocess.PIPE, env={**os.environ, "XDG_DATA_HOME": folder + "/.data-" + str(os.getpid())})
    os.close(follower)
    try:
        seen = b""
        deadline = time.monotonic() + 10
        while b"signs its pushes" not in seen and time.monotonic() < deadline:
            seen += os.read(leader, 4096)
        text = seen.decode()
        assert re.search(r"account acme: app key [0-9a-f]{64} \(signs its pushes\)", text), text
    finally:
        process.terminate()
        process.wait(10)
        os.close(leader)


def test_a_bad_log_format_is_a_start_up_error_listing_the_known_ones():
    done = subprocess.run([WHS, "serve", "--memory", "--port", "0", "--log-format", "yaml"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert 'whs: serve: --log-format must be one of text, json, got "yaml"' in done.stderr
    assert done.stdout == ""


def test_a_start_up_failure_in_json_is_a_json_line():
    done = subprocess.run([WHS, "serve", "--memory", "--port", "0", "--log-format", "json", "--retry-delays", "soon"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    record = json.loads(done.stderr.strip().splitlines()[-1])
    assert record["level"] == "error" and "--retry-delays" in record["message"]
