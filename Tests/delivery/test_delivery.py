"""Delivery end to end, through the built binary, checked by a receiver that is not whs.

Each test runs whs as a user would (`whs -c`, `whs serve`, `whs listen`) and checks the
pushes on the wire: body and headers field by field, the signature recomputed here with
Python's hashlib and hmac, the attempts a failing receiver gets, and what the delivery log records.
Rows of docs/FIDELITY.md are named where a test checks one.
"""
import hashlib
import hmac
import json
import re
import subprocess
import time
import urllib.error
import urllib.request

from receiver import WHS, Receiver, Server, free_port, receiver, store, wait_for, whs, whs_json  # noqa: F401 (fixtures)


def md5_signature(key, stamp):
    """The default signature (FIDELITY.md F-77): md5(timestamp + "email" + app key)."""
    return hashlib.md5((stamp + "email" + key).encode()).hexdigest()


def app_key(store):
    _, out, _ = whs("--store", store, "-c", "$k = app_key\nprint reveal($k)")
    return out.strip()


def test_a_push_is_signed_and_shaped_as_the_api_page_says(store, receiver):
    target = receiver()
    key = app_key(store)
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    before = time.time()
    shown = whs_json(store, f"""
        add {target.url('/status')} events=deliver
        trigger deliver api_user=alice to="bob@example.com" data={{subject: "Hello", custom_args: {{campaign: "c1"}}}} wait=true
    """)
    result = shown[-1]
    assert result["count"] == 1 and result["deliveries"][0]["state"] == "succeeded"
    assert len(target.requests) == 1
    push = target.requests[0]
    headers = push["headers"]
    assert push["path"] == "/status"
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert headers["x-webhook-appkey"] == "email"
    stamp = headers["x-webhook-timestamp"]
    assert stamp.isdigit() and before - 5 <= int(stamp) <= time.time() + 5
    assert re.fullmatch(r"[0-9a-f]{32}", headers["x-webhook-signature"])
    assert headers["x-webhook-signature"] == md5_signature(key, stamp)
    body = json.loads(push["body"])
    assert list(body) == ["message_id", "from", "subject", "to", "server", "itime", "custom_args", "status"]
    assert body["message_id"] == result["message_id"]
    assert body["subject"] == "Hello"
    assert body["to"] == "bob@example.com"
    assert body["from"] == "support@example.com"
    assert body["server"] == "email"
    assert isinstance(body["itime"], int) and abs(body["itime"] / 1000 - int(stamp)) < 5
    assert body["custom_args"] == {"campaign": "c1"}
    assert body["status"]["message_status"] == "delivered"  # SENDING.md: the deliver event reports "delivered"
    assert isinstance(body["status"]["status_data"], dict) and body["status"]["status_data"]

    # An engagement event has `response` instead of `status`.
    whs("--store", store, "-c", f"add {target.url('/engagement')} events=open\ntrigger open wait=true")
    opened = json.loads(target.requests[-1]["body"])
    assert "status" not in opened
    assert opened["response"]["event"] == "open"
    # FIDELITY.md F-99: what a production open push carried, and nothing invented.
    assert list(opened["response"]["response_data"]) == ["email_id", "message"]
    assert opened["response"]["response_data"]["message"] == "open email"


def test_a_receiver_failing_the_first_n_gets_exactly_n_plus_one_attempts(store, receiver):
    target = receiver(fail_first=2)
    shown = whs_json(store, f"""
        set retry_delays 0.05,0.05,0.05,0.05,0.05
        add {target.url()} events=deliver
        trigger deliver wait=true
        deliveries
    """)
    time.sleep(0.3)  # nothing more arrives after the success
    assert len(target.requests) == 3
    delivery = shown[-1]["deliveries"][0]
    assert delivery["state"] == "succeeded"
    assert [a["number"] for a in delivery["attempts"]] == [1, 2, 3]
    assert [a["status"] for a in delivery["attempts"]] == [500, 500, 200]
    assert [a["error"] for a in delivery["attempts"]] == ["HTTP 500", "HTTP 500", None]
    assert all(a["latency_ms"] >= 0 for a in delivery["attempts"])
    # The same signature checks out on every attempt.
    key = app_key(store)
    for request in target.requests:
        stamp = request["headers"]["x-webhook-timestamp"]
        assert request["headers"]["x-webhook-signature"] == md5_signature(key, stamp)


def test_a_receiver_that_never_answers_is_given_up_after_the_schedule(store, receiver):
    target = receiver(hang=True)
    started = time.monotonic()
    shown = whs_json(store, f"""
        set retry_delays 0.1
        add {target.url()} events=deliver
        trigger deliver wait=true
    """)
    elapsed = time.monotonic() - started
    delivery = shown[-1]["deliveries"][0]
    assert delivery["state"] == "failed"
    assert [a["error"] for a in delivery["attempts"]] == ["timed out after 3 s", "timed out after 3 s"]
    assert [a["status"] for a in delivery["attempts"]] == [None, None]
    assert all(2900 <= a["latency_ms"] <= 4500 for a in delivery["attempts"])
    assert len(target.requests) == 2
    assert 6.0 <= elapsed < 15


def test_only_subscribed_webhooks_of_the_same_or_all_api_users_get_the_event(store, receiver):
    target = receiver()
    shown = whs_json(store, f"""
        add {target.url('/all')} events=deliver
        add {target.url('/alice')} events=deliver,open api_user=alice
        add {target.url('/bob')} events=deliver api_user=bob
        add {target.url('/opens')} events=open
        trigger deliver api_user=alice wait=true
    """)
    assert shown[-1]["count"] == 2
    assert sorted(r["path"] for r in target.requests) == ["/alice", "/all"]
    target.requests.clear()
    shown = whs_json(store, "trigger click wait=true")
    assert shown[-1]["count"] == 0 and shown[-1]["note"] == "no webhook subscribes to click"
    shown = whs_json(store, "trigger deliver api_user=carol wait=true")
    assert [r["path"] for r in target.requests] == ["/all"]
    time.sleep(0.2)
    assert len(target.requests) == 1


def test_pending_deliveries_survive_a_restart(store, receiver):
    port = free_port()
    # Nothing listens yet: the push fails and waits for its retry in the store.
    _, _, err = whs("--store", store, "-c", f"set retry_delays 1\nadd http://127.0.0.1:{port}/late events=deliver\ntrigger deliver")
    assert "resume" in err
    target = receiver(port=port)
    server = subprocess.Popen([WHS, "serve", "--store", store, "--port", "0", "--quiet", "--retry-delays", "0.1"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        banner = server.stdout.readline()
        assert "listening" in banner
        assert "resuming 1 pending delivery" in server.stdout.readline()
        wait_for(lambda: len(target.requests) == 1, seconds=45, what="the resumed push")
    finally:
        server.terminate()
        server.wait(10)
    delivery = whs_json(store, "deliveries")[-1]["deliveries"][0]
    assert delivery["state"] == "succeeded"
    assert delivery["attempts"][-1]["status"] == 200
    assert delivery["next_attempt"] is None


def test_a_stopped_server_logs_the_push_under_way_before_it_exits(store, receiver):
    # SIGTERM while a push waits for its answer: the node finishes it and logs it, so the
    # next start does not send it again (docs/SERVER.md).
    target = receiver(delay=1.5)
    server = Server(store)
    try:
        status, _ = server.call("POST", "/v1/webhooks", "alice", {"url": target.url(), "event": [1]})
        assert status == 200
        assert server.call("POST", "/v1/events", "alice", {"event": "deliver"})[1]["count"] == 1
        wait_for(lambda: len(target.requests) == 1, what="the push")
        stopped = time.monotonic()
        server.process.terminate()
        assert server.process.wait(10) == 0
        # It waited for the receiver's answer (1.5 s after the push arrived), not for a deadline.
        assert 0.8 <= time.monotonic() - stopped < 3.5
    finally:
        server.close()
    # Started again on the same store: the log has the push, and nothing is sent again.
    server = Server(store)
    try:
        delivery = server.call("GET", "/v1/deliveries", "alice")[1]["deliveries"][0]
        assert delivery["state"] == "succeeded"
        assert [a["status"] for a in delivery["attempts"]] == [200]
        time.sleep(0.5)
        assert len(target.requests) == 1
    finally:
        server.close()


def test_the_server_triggers_lists_and_redelivers_per_account(store, receiver):
    target = receiver()
    server = Server(store)
    try:
        assert server.keys["acme"] != server.keys["other"]
        status, added = server.call("POST", "/v1/webhooks", "alice", {"url": target.url(), "event": [1]})
        assert status == 200
        status, triggered = server.call("POST", "/v1/events", "alice", {"event": "deliver", "to": "x@example.com"})
        assert status == 200 and triggered["count"] == 1
        wait_for(lambda: len(target.requests) == 1, what="the push")
        push = target.requests[0]
        stamp = push["headers"]["x-webhook-timestamp"]
        assert push["headers"]["x-webhook-signature"] == md5_signature(server.keys["acme"], stamp)
        assert json.loads(push["body"])["to"] == "x@example.com"

        def settled():
            return server.call("GET", "/v1/deliveries", "alice")[1]["deliveries"][0]["state"] == "succeeded"
        wait_for(settled, what="the log to say succeeded")
        delivery_id = triggered["deliveries"][0]["id"]

        # Another account sees nothing, reaches nothing, and cannot redeliver.
        assert server.call("GET", "/v1/deliveries", "olga")[1] == {"count": 0, "deliveries": []}
        assert server.call("POST", "/v1/events", "olga", {"event": 1})[1]["count"] == 0
        status, error = server.call("POST", f"/v1/deliveries/{delivery_id}/redeliver", "olga")
        assert (status, error["code"]) == (404, 40402)
        # Unauthenticated, or a bad body: refused, nothing sent.
        assert server.call("POST", "/v1/events", None, {"event": "deliver"})[0] == 401
        status, error = server.call("POST", "/v1/events", "alice", {"event": "bounce"})
        assert status == 400 and "unknown event" in error["message"]
        status, error = server.call("POST", "/v1/events", "alice", {"evnt": "deliver"})
        assert status == 400 and error["code"] == 40002 and "event" in error["message"]
        time.sleep(0.2)
        assert len(target.requests) == 1

        status, copy = server.call("POST", f"/v1/deliveries/{delivery_id}/redeliver", "alice")
        assert status == 200 and copy["id"] != delivery_id and copy["message_id"] == triggered["message_id"]
        wait_for(lambda: len(target.requests) == 2, what="the redelivery")
        assert target.requests[1]["body"] == target.requests[0]["body"]
        assert server.call("GET", "/v1/app_key", "alice")[1] == {"app_key": server.keys["acme"]}
    finally:
        server.close()


def test_the_shell_triggers_through_a_server(store, receiver):
    target = receiver(fail_first=1)
    server = Server(store)
    try:
        _, out, _ = whs("--url", server.base, "--api-user", "alice", "--json", "-c", f"""
            add {target.url()} events=open
            trigger open wait=true
        """, env={"WHS_API_KEY": "alice-key"})
        result = json.loads(out.splitlines()[-1])
        assert result["deliveries"][0]["state"] == "succeeded"
        assert [a["status"] for a in result["deliveries"][0]["attempts"]] == [500, 200]
        assert len(target.requests) == 2
    finally:
        server.close()


def test_listen_reports_which_signature_variant_matched():
    key = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    listener = subprocess.Popen([WHS, "listen", "--port", "0", "--app-key", key, "--json", "--respond", "202"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = int(re.search(r":(\d+)/", listener.stdout.readline()).group(1))
        stamp = str(int(time.time()))
        signatures = [
            hmac.new(key.encode(), stamp.encode(), hashlib.sha256).hexdigest(),
            hashlib.md5((stamp + "email" + key).encode()).hexdigest(),
            hashlib.md5((stamp + key + "email").encode()).hexdigest(),
            hashlib.md5((stamp + "email" + "wrong").encode()).hexdigest(),
            None,
        ]
        body = json.dumps({"message_id": "m-7", "status": {"message_status": "deliver", "status_data": {}}}).encode()
        for signature in signatures:
            request = urllib.request.Request(f"http://127.0.0.1:{port}/in", data=body, method="POST")
            request.add_header("Content-Type", "application/json; charset=utf-8")
            if signature:
                request.add_header("X-WebHook-Timestamp", stamp)
                request.add_header("X-WebHook-AppKey", "email")
                request.add_header("X-WebHook-Signature", signature)
            with urllib.request.urlopen(request, timeout=5) as response:
                assert response.status == 202
        reports = [json.loads(listener.stdout.readline()) for _ in signatures]
        assert [r["signature"] for r in reports] == ["hmac-sha256", "md5", "md5-key-appkey", "invalid", "missing"]
        assert all(r["event"] == "deliver" and r["message_id"] == "m-7" and r["status"] == 202 for r in reports)
        assert reports[0]["headers"]["X-WebHook-Signature"] == signatures[0]
        assert reports[0]["body"]["status"]["message_status"] == "deliver"
    finally:
        listener.terminate()
        listener.wait(10)
    assert listener.returncode == 0


def test_the_app_key_is_a_secret_in_the_shell(store):
    _, out, _ = whs("--store", store, "-c", "$k = app_key\nprint $k\nprint type($k)")
    assert app_key(store) not in out
    assert out.splitlines()[-1] == "secret"


def test_a_wait_ends_within_its_timeout_with_the_pending_delivery_in_its_value(store, receiver):
    """A receiver that never answers: `wait=true` returns after `set wait_timeout`, not after
    the retry schedule (hours), and its value says what is still pending. The same through a
    server."""
    silent = receiver(hang=True)
    started = time.monotonic()
    shown = whs_json(store, f"""
        add {silent.url()} events=deliver
        set wait_timeout 1.5
        trigger deliver wait=true
    """)
    elapsed = time.monotonic() - started
    result = shown[-1]
    assert elapsed < 6, elapsed
    assert result["deliveries"][0]["state"] == "pending"
    assert "1 delivery is still pending after 1.5 s" in result["note"]
    # A number of seconds is a wait of its own.
    started = time.monotonic()
    result = whs_json(store, "trigger deliver wait=0.5")[-1]
    assert time.monotonic() - started < 5 and "after 0.5 s" in result["note"]

    server = Server(store)
    try:
        server.call("POST", "/v1/webhooks", "alice", {"url": silent.url("/remote"), "event": [1]})
        started = time.monotonic()
        _, out, _ = whs("--url", server.base, "--api-user", "alice", "--json", "-c", "trigger deliver wait=1",
                        env={"WHS_API_KEY": "alice-key"})
        result = json.loads(out.strip().splitlines()[-1])
        assert time.monotonic() - started < 6
        assert result["deliveries"][0]["state"] == "pending" and "still pending after 1 s" in result["note"]
    finally:
        server.close()

