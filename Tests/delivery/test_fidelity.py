"""Fidelity to EngageLab (docs/FIDELITY.md) and faults on demand, through the built binary.

Each test names the FIDELITY.md row it checks. Pushes are received by the Python receiver of
receiver.py, signatures recomputed here, and the official SDK drives the send API.
"""
import hashlib
import hmac
import json
import os
import tempfile
import time


from receiver import Server, receiver, server, store, wait_for, whs, whs_json  # noqa: F401 (fixtures)

from engagelab_email import EngageLabEmailClient, EngageLabEmailError

ALL_EVENTS = [1, 3, 4, 5, 10, 11, 12, 18, 32]


def event_of(body):
    return body["status"]["message_status"] if "status" in body else body["response"]["event"]


def deliveries(server, user="alice"):
    return server.call("GET", "/v1/deliveries?limit=1000", user)[1]["deliveries"]


def settled(server, count):
    found = deliveries(server)
    return len(found) >= count and all(d["state"] != "pending" for d in found)


# FIDELITY.md F-77, F-78: md5 by default, HMAC-SHA256 when asked.
def test_serve_signs_with_hmac_when_asked(server, receiver):
    target = receiver()
    node = server("--signature", "hmac-sha256")
    assert node.call("POST", "/v1/webhooks", "alice", {"url": target.url(), "event": [1]})[0] == 200
    assert node.call("POST", "/v1/events", "alice", {"event": "deliver"})[0] == 200
    wait_for(lambda: len(target.requests) == 1, what="the push")
    headers = target.requests[0]["headers"]
    stamp = headers["x-webhook-timestamp"]
    key = node.keys["acme"]
    assert headers["x-webhook-signature"] == hmac.new(key.encode(), stamp.encode(), hashlib.sha256).hexdigest()
    assert headers["x-webhook-signature"] != hashlib.md5((stamp + "email" + key).encode()).hexdigest()


def test_the_shell_switches_the_signature_and_listen_names_it(store, receiver):
    shown = whs_json(store, """
        $l = listen port=0
        add $l.url events=deliver
        trigger deliver wait=true
        set signature hmac-sha256
        trigger deliver wait=true
        $in = inbox
        [$in[0].signature, $in[1].signature]
        set signature
    """)
    assert shown[-2] == ["md5", "hmac-sha256"]
    assert shown[-1] == "hmac-sha256"
    status, _, err = whs("--store", store, "-c", "set signature sha1", check=False)
    assert status == 1 and "unknown signature \"sha1\"" in err and "known: md5, hmac-sha256" in err


# FIDELITY.md F-102: only 200 and 204; any other status is resent.
def test_a_201_is_resent_and_a_204_is_received(server, receiver):
    created = receiver(status=201)
    empty = receiver(status=204)
    node = server()
    node.call("POST", "/v1/webhooks", "alice", {"url": created.url("/created"), "event": [1]})
    node.call("POST", "/v1/webhooks", "alice", {"url": empty.url("/empty"), "event": [1]})
    assert node.call("POST", "/v1/events", "alice", {"event": "deliver"})[1]["count"] == 2
    wait_for(lambda: settled(node, 2), what="both deliveries to settle")
    by_url = {d["url"]: d for d in deliveries(node)}
    resent = by_url[created.url("/created")]
    assert resent["state"] == "failed" and len(resent["attempts"]) == 2  # --retry-delays 0.05: one retry
    assert resent["attempts"][0]["status"] == 201
    assert resent["attempts"][0]["error"] == "HTTP 201 (only 200 and 204 count as received)"
    done = by_url[empty.url("/empty")]
    assert done["state"] == "succeeded" and [a["status"] for a in done["attempts"]] == [204]
    assert len(created.requests) == 2 and len(empty.requests) == 1


# FIDELITY.md F-104, F-106: the platform's schedule, played 3600 times faster.
def test_the_production_schedule_at_a_time_scale(store, receiver):
    target = receiver(status=500)
    node = Server(store, "--retry-delays", "production", "--time-scale", "3600")
    try:
        node.call("POST", "/v1/webhooks", "alice", {"url": target.url(), "event": [1]})
        node.call("POST", "/v1/events", "alice", {"event": "deliver"})
        wait_for(lambda: settled(node, 1), seconds=70, what="the schedule to run out")
    finally:
        node.close()
    times = [request["time"] for request in target.requests]
    assert len(times) == 8
    expected = [180, 600, 1800, 3600, 21600, 43200, 86400]
    gaps = [later - earlier for earlier, later in zip(times, times[1:])]
    for gap, delay in zip(gaps, expected):
        assert delay / 3600 - 0.02 <= gap <= delay / 3600 + 0.5, (gaps, expected)
    # Timestamps in pushes stay real: each attempt's header is the time it was made.
    stamps = [int(request["headers"]["x-webhook-timestamp"]) for request in target.requests]
    assert all(abs(stamp - arrived) <= 2 for stamp, arrived in zip(stamps, times))


def test_a_time_scale_divides_the_events_of_a_mail(receiver):
    target = receiver()
    node = Server(node_store(), "--event-delay", "5", "--time-scale", "50")
    try:
        node.call("POST", "/v1/webhooks", "alice", {"url": target.url(), "event": ALL_EVENTS})
        client = EngageLabEmailClient("alice", "alice-key", base_url=node.base)
        started = time.monotonic()
        client.send({"from": "s@example.com", "to": ["ann@example.com"], "body": {"subject": "s", "content": {"text": "t"}}})
        wait_for(lambda: len(target.requests) == 3, what="request, sent, deliver")
        elapsed = time.monotonic() - started
    finally:
        node.close()
    gaps = [b["time"] - a["time"] for a, b in zip(target.requests, target.requests[1:])]
    assert all(0.07 <= gap <= 0.5 for gap in gaps), gaps  # 5 s / 50
    assert elapsed < 3


def node_store():
    return os.path.join(tempfile.mkdtemp(prefix="whs-fidelity-"), "store.sqlite")


# FIDELITY.md F-96, F-97, F-99, F-101: nothing invented unless asked for.
def test_payload_extras_add_the_sample_fields(server, receiver):
    target = receiver()
    plain, rich = server(), Server(node_store(), "--event-delay", "0", "--payload-extras")
    try:
        for node in (plain, rich):
            node.call("POST", "/v1/webhooks", "alice", {"url": target.url(), "event": [10, 1]})
            client = EngageLabEmailClient("alice", "alice-key", base_url=node.base)
            client.send({"from": "s@example.com", "to": ["ann+click@example.com"],
                         "body": {"subject": "s", "content": {"html": '<a href="https://shop.example/a">a</a>'}}})
        wait_for(lambda: len(target.requests) == 4, what="two clicks and two delivers")
    finally:
        rich.close()
    bodies = [json.loads(r["body"]) for r in target.requests]
    clicks = [b["response"]["response_data"] for b in bodies if "response" in b]
    delivers = [b["status"]["status_data"] for b in bodies if "status" in b]
    plain_click = next(c for c in clicks if "ip" not in c)
    rich_click = next(c for c in clicks if "ip" in c)
    assert list(plain_click) == ["email_id", "message"] and plain_click["message"] == "click email"
    assert rich_click["url"] == "https://shop.example/a" and rich_click["message"] == "click email"
    assert {"explorer_name", "os_name", "user_agent", "task_id", "api_user"} <= set(rich_click)
    assert sorted(list(d) for d in delivers) == sorted([["message", "task_id", "api_user", "email_id"],
                                                        ["message", "task_id", "api_user", "email_id", "smtp_response"]])


def test_bad_flags_list_the_known_values(store):
    for flag, value, known in [("--signature", "sha1", "known: md5, hmac-sha256"),
                               ("--retry-delays", "prod", "standard, production, none"),
                               ("--faults", "dupe=0.1", "known: duplicate, reorder, late, badsig"),
                               ("--api-faults", "oops=0.1", "an HTTP status from 400 to 599"),
                               ("--time-scale", "0", "a number from 1 to 1000000")]:
        status, _, err = whs("serve", "--store", store, "--port", "0", flag, value, check=False, timeout=20)
        assert status == 2 and flag in err and known in err, (flag, err)


def send(node, to, **body):
    client = EngageLabEmailClient("alice", "alice-key", base_url=node.base)
    return client.send({"from": "shop@example.com", "to": to,
                        "body": {"subject": "Hi", "content": {"text": "Hello"}, **body}})


# docs/SENDING.md, "Faults on demand"; FIDELITY.md F-119.
def test_dup_reorder_and_badsig_tags(server, receiver):
    target = receiver()
    node = server()
    node.call("POST", "/v1/webhooks", "alice", {"url": target.url(), "event": [18, 32, 1]})
    key = node.keys["acme"]

    def received(address):
        pushes = []
        for request in target.requests:
            body = json.loads(request["body"])
            data = body["status"]["status_data"]
            if address in (data.get("email_id") or data["email_ids"][0]):
                stamp = request["headers"]["x-webhook-timestamp"]
                valid = request["headers"]["x-webhook-signature"] == hashlib.md5((stamp + "email" + key).encode()).hexdigest()
                pushes.append((event_of(body), valid, body["message_id"]))
        return pushes

    send(node, ["ann+dup@example.com"])
    wait_for(lambda: len(received("ann+dup")) == 4, what="ann's pushes")
    assert [(e, v) for e, v, _ in received("ann+dup")] == [("target", True), ("sent", True), ("delivered", True), ("delivered", True)]

    send(node, ["bob+reorder@example.com"])
    wait_for(lambda: len(received("bob+reorder")) == 3, what="bob's pushes")
    assert [e for e, _, _ in received("bob+reorder")] == ["delivered", "sent", "target"]

    send(node, ["cy+badsig@example.com"])
    wait_for(lambda: len(received("cy+badsig")) == 4, what="cy's pushes")
    assert [(e, v) for e, v, _ in received("cy+badsig")] == [("target", True), ("sent", True), ("delivered", True), ("delivered", False)]
    time.sleep(0.3)
    assert len(received("cy+badsig")) == 4

    # The log marks each delivery a fault made or moved; the mail's life is unchanged.
    log = deliveries(node)
    marks = [(d["event"], d.get("fault")) for d in log]
    assert marks.count(("deliver", "duplicate")) == 1 and marks.count(("deliver", "badsig")) == 1
    assert [m for m in marks if m[1] == "reorder"] == [("deliver", "reorder"), ("sent", "reorder"), ("request", "reorder")]
    mails = node.call("GET", "/v1/mails", "alice")[1]["mails"]
    assert all(m["events"] == ["request", "sent", "deliver"] for m in mails)


def test_a_badsig_push_refused_is_not_retried(server, receiver):
    target = receiver(status=401)
    node = server()
    node.call("POST", "/v1/webhooks", "alice", {"url": target.url(), "event": [1]})
    send(node, ["dee+badsig@example.com"])
    wait_for(lambda: settled(node, 2), what="the deliveries to settle")
    forged = next(d for d in deliveries(node) if d.get("fault") == "badsig")
    assert len(forged["attempts"]) == 1 and forged["state"] == "failed"
    assert "refusing it is right" in forged["attempts"][0]["error"]


def test_late_holds_the_pushes_back(store, receiver):
    target = receiver()
    node = Server(store, "--event-delay", "0", "--late-delay", "1.5s")
    try:
        node.call("POST", "/v1/webhooks", "alice", {"url": target.url(), "event": [1]})
        started = time.time()
        send(node, ["eve+late@example.com", "fay@example.com"])
        wait_for(lambda: len(target.requests) == 2, seconds=10, what="both delivers")
    finally:
        node.close()
    arrivals = {json.loads(r["body"])["to"]: r["time"] - started for r in target.requests}
    assert arrivals["fay@example.com"] < 1.0
    assert 1.4 <= arrivals["eve+late@example.com"] <= 4


def test_fault_rates_over_200_mails(store, receiver):
    target = receiver()
    node = Server(store, "--event-delay", "0", "--faults", "duplicate=0.25,reorder=0.25")
    try:
        node.call("POST", "/v1/webhooks", "alice", {"url": target.url(), "event": [32, 1]})
        for batch in range(20):
            send(node, [f"m{batch}-{n}@example.com" for n in range(10)])
        wait_for(lambda: settled(node, 400), seconds=60, what="the pushes")
        log = node.call("GET", "/v1/deliveries?limit=1000", "alice")[1]["deliveries"]
    finally:
        node.close()
    duplicated = sum(1 for d in log if d.get("fault") == "duplicate")
    reordered = sum(1 for d in log if d.get("fault") == "reorder" and d["event"] == "deliver")
    # 200 mails at 25 %: 50 expected, sd about 6.1; +-4 sd.
    assert 25 <= duplicated <= 75, duplicated
    assert 25 <= reordered <= 75, reordered
    assert len(log) == 400 + duplicated


def test_api_faults_reach_the_sdk_and_send_nothing(store, receiver):
    """FIDELITY.md F-72, F-120."""
    target = receiver()
    node = Server(store, "--event-delay", "0", "--api-faults", "500=0.5,latency=20ms")
    try:
        node.call("POST", "/v1/webhooks", "alice", {"url": target.url(), "event": [1]})
        failed, sent = 0, []
        started = time.monotonic()
        for n in range(40):
            try:
                sent.append(send(node, [f"api{n}@example.com"])["email_ids"][0])
            except EngageLabEmailError as error:
                assert error.status == 500 and error.code == 50000 and "on purpose" in str(error)
                failed += 1
        elapsed = time.monotonic() - started
        wait_for(lambda: len(target.requests) == len(sent), what="one deliver per successful send")
        mails = node.call("GET", "/v1/mails?limit=1000", "alice")[1]["mails"]
    finally:
        node.close()
    assert 6 <= failed <= 34, failed
    assert elapsed >= 40 * 0.02
    # What succeeded was done whole; what failed left nothing.
    assert sorted(m["email_id"] for m in mails) == sorted(sent)
