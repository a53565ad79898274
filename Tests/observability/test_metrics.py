"""GET /metrics (docs/OPERATIONS.md, "Metrics"): who may read it, what it counts, what it never
shows; --no-metrics. Prometheus itself scrapes nodes in test_prometheus.py."""
import http.client
import json
import subprocess

from support import WHS, Node, Receiver, parse_metrics, sample, wait_for


def test_only_this_machine_reads_it_without_a_token_and_a_proxy_is_not_this_machine():
    node = Node("--user", "acme:alice:alice-key")
    try:
        status, headers, body = node.call("GET", "/metrics", user=None, raw=True)
        assert status == 200 and headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
        assert ("whs_start_time_seconds", frozenset({("node", node_name(body))})) in parse_metrics(body.decode())
        for header in ["X-Forwarded-For", "Forwarded", "X-Real-IP"]:
            status, _, refusal = node.call("GET", "/metrics", user=None, headers={header: "203.0.113.7"})
            assert status == 403 and refusal["code"] == 40300 and "--metrics-token" in refusal["message"], refusal
        # The API's Basic auth does not open it either way; a wrong method is a 405.
        assert node.call("POST", "/metrics", user=None)[0] == 405
    finally:
        node.close()


def node_name(body):
    line = next(l for l in body.decode().splitlines() if l.startswith("whs_start_time_seconds"))
    return line.split('node="')[1].split('"')[0]


def test_with_a_token_anyone_with_it_reads_it_and_nobody_else():
    node = Node("--user", "acme:alice:alice-key", env={"WHS_METRICS_TOKEN": "s3cret-token"})
    try:
        status, headers, refusal = node.call("GET", "/metrics", user=None)
        assert status == 401 and headers["WWW-Authenticate"] == 'Bearer realm="whs metrics"' and refusal["code"] == 30000
        assert node.call("GET", "/metrics", user=None, headers={"Authorization": "Bearer wrong-token!"})[0] == 401
        assert node.call("GET", "/metrics", user="alice")[0] == 401
        status, _, _ = node.call("GET", "/metrics", user=None, headers={"Authorization": "Bearer s3cret-token", "X-Forwarded-For": "203.0.113.7"}, raw=True)
        assert status == 200
    finally:
        node.close()
    # --metrics-token wins over the environment.
    node = Node("--metrics-token", "flag-token", env={"WHS_METRICS_TOKEN": "s3cret-token"})
    try:
        assert node.call("GET", "/metrics", user=None, headers={"Authorization": "Bearer flag-token"}, raw=True)[0] == 200
        assert node.call("GET", "/metrics", user=None, headers={"Authorization": "Bearer s3cret-token"})[0] == 401
    finally:
        node.close()


def test_requests_attempts_and_mails_are_counted_with_the_node_and_no_account_data():
    receiver = Receiver(fail_first=1)
    node = Node("--node", "edge-1", "--event-delay", "0", "--retry-delays", "0.05", "--user", "acme:alice:alice-key", "--user",
                "other:olga:olga-key")
    try:
        before = node.metrics()
        for _ in range(7):
            assert node.call("GET", "/v1/webhooks?limit=1")[0] == 200
        assert node.call("GET", "/v1/webhooks/12345")[0] == 404
        assert node.call("DELETE", "/v1/webhooks/abc")[0] == 400
        assert node.call("GET", "/v1/webhooks", user="mallory")[0] == 401
        assert node.call("GET", "/v1/no-such-route")[0] == 404
        # The inspector's pages count under one label, whatever id their path holds.
        page = http.client.HTTPConnection(node.base[len("http://"):], timeout=10)
        page.request("GET", "/ui/mails/12345")
        signed_out = page.getresponse()
        signed_out.read()
        page.close()
        assert signed_out.status in (302, 303)
        hook = node.call("POST", "/v1/webhooks", body={"url": receiver.url(), "event": [1, 18, 32, 11]})[2]["result"][0]
        sent = node.call("POST", "/v1/mail/send", body={"from": "shop@example.com", "to": ["ann+open@example.com", "bob@example.com"],
                                                        "body": {"subject": "Hi", "content": {"html": "<p>x</p>"}}})
        assert sent[0] == 200
        wait_for(lambda: sample(node.metrics(), "whs_deliveries", state="succeeded") == 7, what="seven pushes settled")
        after = node.metrics()
    finally:
        node.close()
        receiver.close()

    def grew(name, **labels):
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert grew("whs_http_requests_total", method="GET", route="/v1/webhooks", status="200") == 7
    assert grew("whs_http_requests_total", method="GET", route="/v1/webhooks/{id}", status="404") == 1
    assert grew("whs_http_requests_total", method="DELETE", route="/v1/webhooks/{id}", status="400") == 1
    assert grew("whs_http_requests_total", method="GET", route="/v1/webhooks", status="401") == 1
    assert grew("whs_http_requests_total", method="GET", route="unmatched", status="404") == 1
    assert grew("whs_http_requests_total", method="GET", route="/ui", status=str(signed_out.status)) == 1
    assert grew("whs_http_requests_total", method="POST", route="/v1/mail/send", status="200") == 1
    assert grew("whs_http_request_duration_seconds_count", route="/v1/webhooks") == 9  # 7, the 401 and the add
    # 2 mails: ann's request, sent, deliver, open; bob's request, sent, deliver. The first push failed once.
    assert grew("whs_mails_sent_total") == 2
    assert grew("whs_mail_events_total", event="request") == 2 and grew("whs_mail_events_total", event="open") == 1
    assert grew("whs_delivery_attempts_total", outcome="succeeded") == 7
    assert grew("whs_delivery_attempts_total", outcome="retrying") == 1
    assert grew("whs_delivery_attempt_duration_seconds_count") == 8
    assert sample(after, "whs_deliveries", state="pending") == 0 and sample(after, "whs_deliveries", state="cancelled") == 0
    assert all(dict(labels).get("node") == "edge-1" for (_, labels) in after), "every series names the node"
    assert hook["id"] > 0
    text = repr(after)
    for private in ["acme", "alice", "olga", "ann@example.com", "shop@example.com", "12345", "abc", "no-such-route", receiver.url()]:
        assert private not in text, f"{private!r} in a label"


def test_refused_pushes_and_store_figures():
    node = Node("--public", "--event-delay", "0", "--user", "acme:alice:alice-key")
    try:
        node.call("POST", "/v1/webhooks", body={"url": "http://10.1.2.3/hook", "event": [1]})
        node.call("POST", "/v1/events", body={"event": "deliver"})
        # The attempt is counted when it ends and the delivery's state written a moment after,
        # with the attempt log's next batch: wait for both.
        wait_for(lambda: sample(node.metrics(), "whs_pushes_refused_total") == 1
                 and sample(node.metrics(), "whs_deliveries", state="failed") == 1, what="a refused push, logged")
        metrics = node.metrics()
        assert sample(metrics, "whs_deliveries", state="failed") == 1
        assert sample(metrics, "whs_delivery_attempts_total", outcome="failed") == 1
        assert sample(metrics, "whs_deliveries_in_flight") == 0
        assert not any(name == "whs_deliveries_leased" for (name, _) in metrics), "nothing is leased on an embedded store"
    finally:
        node.close()


def test_no_metrics_counts_nothing_and_says_so():
    node = Node("--no-metrics", "--user", "acme:alice:alice-key")
    try:
        status, _, refusal = node.call("GET", "/metrics", user=None)
        assert status == 404 and "--no-metrics" in refusal["message"]
        assert node.call("GET", "/v1/webhooks")[0] == 200
    finally:
        node.close()


def test_a_bad_metrics_flag_is_a_start_up_error():
    done = subprocess.run([WHS, "serve", "--memory", "--port", "0", "--metrics-token"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "--metrics-token" in done.stderr
