"""The sending side end to end: the official SDK (engagelab-email, unchanged) sends mail to
`whs serve`, and a receiver written here gets every push the mail causes. The same lives through
the shell on the embedded store and through `--url` to a server.
"""
import hashlib
import json
import os
import socket
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "delivery"))
from receiver import Server, free_port, receiver, server, store, wait_for, whs  # noqa: E402,F401 (receiver is a fixture)

from engagelab_email import EngageLabEmailClient, EngageLabEmailError  # noqa: E402

ALL_EVENTS = [1, 3, 4, 5, 10, 11, 12, 18, 32]
NAMES = {"target": "request", "sent": "sent", "delivered": "deliver", "invalid_email": "invalid", "soft_bounce": "soft_bounce"}


def event(body):
    """whs's name of the event a push is about."""
    if "status" in body:
        return NAMES[body["status"]["message_status"]]
    return body["response"]["event"]


def email_id(body):
    data = body["status"]["status_data"] if "status" in body else body["response"]["response_data"]
    return data.get("email_id") or data["email_ids"][0]


def pushes_by_email_id(target, app_key):
    """Each push in arrival order, grouped by email id, with its signature checked here (the
    default scheme, md5(timestamp + "email" + app key))."""
    grouped = {}
    for push in target.requests:
        stamp = push["headers"]["x-webhook-timestamp"]
        assert push["headers"]["x-webhook-signature"] == hashlib.md5((stamp + "email" + app_key).encode()).hexdigest()
        body = json.loads(push["body"])
        grouped.setdefault(email_id(body), []).append(body)
    return grouped


def client(server, user="alice"):
    return EngageLabEmailClient(user, f"{user}-key", base_url=server.base)


def test_the_sdk_sends_and_every_push_arrives_signed_in_order(server, receiver):
    target = receiver()
    whs_serve = server()
    assert whs_serve.call("POST", "/v1/webhooks", "alice", {"url": target.url(), "event": ALL_EVENTS})[0] == 200
    sdk = client(whs_serve)
    recipients = ["ann+open+click@example.com", "Bob <bob@example.com>", "cy+invalid@example.com", "di+soft_bounce+open@example.com"]
    answer = sdk.send({
        "from": "Shop <shop@example.com>",
        "to": recipients,
        "body": {"subject": "Hi %name%", "content": {"html": '<p><a href="https://shop.example/sale?x=1">Sale</a></p>'},
                 "vars": {"name": ["Ann", "Bob", "Cy", "Di"]}},
        "custom_args": {"order": "o-7", "n": 3},
    })
    assert list(answer) == ["email_ids", "request_id"] and answer["request_id"] == ""
    ids = answer["email_ids"]
    bare = ["ann+open+click@example.com", "bob@example.com", "cy+invalid@example.com", "di+soft_bounce+open@example.com"]
    message_id = ids[0][: -len("0$" + bare[0])]
    assert message_id.endswith(".sc-whs-inbound")
    assert ids == [f"{message_id}{index}${address}" for index, address in enumerate(bare)]

    # A template mail to two more recipients, with dynamic_vars.
    status, _ = whs_serve.call("PUT", "/v1/templates/welcome", "alice", {"subject": "Welcome {{name}}", "html": "<p>Hi {{name}}</p>"})
    assert status == 200
    templated = sdk.send_template({
        "from": "shop@example.com", "to": ["eve+click@example.com", "fay@example.com"],
        "body": {"template_invoke_name": "welcome", "dynamic_vars": [{"name": "Eve"}, {"name": "Fay"}]},
        "custom_args": {"campaign": "welcome"},
    })
    lives = {
        ids[0]: ["request", "sent", "deliver", "open", "click"],
        ids[1]: ["request", "sent", "deliver"],
        ids[2]: ["request", "invalid"],
        ids[3]: ["request", "sent", "soft_bounce"],
        templated["email_ids"][0]: ["request", "sent", "deliver", "click"],
        templated["email_ids"][1]: ["request", "sent", "deliver"],
    }
    total = sum(len(life) for life in lives.values())
    wait_for(lambda: len(target.requests) >= total, seconds=20, what=f"{total} pushes")
    time.sleep(0.3)
    assert len(target.requests) == total, "no push more than the lives ask for"

    grouped = pushes_by_email_id(target, whs_serve.keys["acme"])
    assert {key: [event(body) for body in bodies] for key, bodies in grouped.items()} == lives
    subjects = {ids[0]: "Hi Ann", ids[1]: "Hi Bob", ids[2]: "Hi Cy", ids[3]: "Hi Di",
                templated["email_ids"][0]: "Welcome Eve", templated["email_ids"][1]: "Welcome Fay"}
    for key, bodies in grouped.items():
        sent_custom = {"campaign": "welcome"} if key in templated["email_ids"] else {"order": "o-7", "n": 3}
        for body in bodies:
            assert body["custom_args"] == sent_custom
            assert key.startswith(body["message_id"])
            assert body["server"] == "email"
            if event(body) == "request":
                data = body["status"]["status_data"]
                assert (body["from"], body["subject"], body["to"]) == ("", "", "")
                assert data["api_user"] == "alice" and data["subject"] == subjects[key] and data["email_ids"] == [key]
            else:
                assert body["subject"] == subjects[key]
                assert body["to"] == key.split("$", 1)[1]
    # The link a click followed is in the mail log (the push carries it only with payload_extras).
    status, ann = whs_serve.call("GET", f"/v1/mails/{ids[0].replace('$', '%24')}", "alice")
    assert status == 200 and ann["events"][-1]["event"] == "click" and ann["events"][-1]["url"] == "https://shop.example/sale?x=1"

    # The mail log has every mail with its events, the deliveries each caused, and the content as received.
    status, log = whs_serve.call("GET", "/v1/mails?limit=10", "alice")
    assert status == 200 and log["count"] == 6
    status, fay = whs_serve.call("GET", f"/v1/mails/{templated['email_ids'][1].replace('$', '%24')}", "alice")
    assert status == 200 and fay["html"] == "<p>Hi Fay</p>" and fay["template"] == "welcome"
    assert [e["event"] for e in fay["events"]] == ["request", "sent", "deliver"]
    assert all(e["deliveries"][0]["state"] == "succeeded" for e in fay["events"])
    # Another account sees none of it.
    assert whs_serve.call("GET", "/v1/mails", "olga")[1] == {"count": 0, "mails": []}
    assert whs_serve.call("GET", f"/v1/mails/{fay['id']}", "olga")[0] == 404

    # Engagement by hand, later: an open of Bob's mail.
    status, bob = whs_serve.call("POST", f"/v1/mails/{ids[1].replace('$', '%24')}/events", "alice", {"event": "open"})
    assert status == 200 and [e["event"] for e in bob["events"]][-1] == "open"
    wait_for(lambda: len(target.requests) == total + 1, what="the open by hand")
    assert event(json.loads(target.requests[-1]["body"])) == "open"
    status, error = whs_serve.call("POST", f"/v1/mails/{ids[2].replace('$', '%24')}/events", "alice", {"event": "open"})
    assert status == 400 and "was not delivered" in error["message"]


def test_bad_sends_raise_the_documented_errors_and_send_nothing(server, receiver):
    target = receiver()
    whs_serve = server()
    whs_serve.call("POST", "/v1/webhooks", "alice", {"url": target.url(), "event": ALL_EVENTS})
    sdk = client(whs_serve)
    good = {"from": "shop@example.com", "to": ["ann@example.com"], "body": {"subject": "s", "content": {"text": "t"}}}

    def refused(payload, status, code, route=sdk.send):
        with pytest.raises(EngageLabEmailError) as raised:
            route(payload)
        assert (raised.value.status, raised.value.code) == (status, code), raised.value.response
        return raised.value

    error = refused({**good, "from": ""}, 400, 30801)
    assert str(error) == "From can not be empty"
    refused({**good, "to": []}, 400, 30803)
    refused({**good, "to": [f"u{n}@example.com" for n in range(101)]}, 400, 30804)
    bad_one = refused({**good, "to": ["ann@example.com", "bob@@example.com", "cy@example.com"]}, 400, 30805)
    assert "to[1]" in str(bad_one)
    refused({**good, "body": {"subject": "s", "content": {"text": "t"}, "settings": {"send_mode": 2}}}, 400, 30818)
    refused({**good, "body": {"subject": "s", "content": {"text": "t"}, "headers": {"Subject": "x"}}}, 400, 30813)
    refused({**good, "custom_args": {"a.b": 1}}, 400, 30815)
    refused({**good, "body": {"subject": "s"}}, 400, 30808)
    refused({**good, "body": {"template_invoke_name": "nope"}}, 404, 40403, route=sdk.send_template)
    refused({**good, "bdy": {}}, 400, 40002)
    with pytest.raises(EngageLabEmailError) as raised:
        EngageLabEmailClient("alice", "wrong", base_url=whs_serve.base).send(good)
    assert (raised.value.status, raised.value.code) == (401, 30000)

    # Nothing of any of them was sent or logged.
    time.sleep(0.3)
    assert target.requests == []
    assert whs_serve.call("GET", "/v1/mails", "alice")[1]["count"] == 0

    # Up to the published 70 MB on the send routes; the webhook routes keep 64 KiB.
    big = {**good, "body": {"subject": "s", "content": {"text": "x" * 200_000}}}
    assert len(sdk.send(big)["email_ids"]) == 1
    assert whs_serve.call("POST", "/v1/webhooks", "alice", {"url": "https://a.example/" + "x" * 70_000})[0] == 413
    host, port = whs_serve.base.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        raw.sendall(b"POST /v1/mail/send HTTP/1.1\r\nHost: x\r\nAuthorization: Basic YWxpY2U6YWxpY2Uta2V5\r\n"
                    b"Content-Type: application/json\r\nContent-Length: 73400321\r\n\r\n")
        answer = raw.recv(4096).decode()
    assert answer.startswith("HTTP/1.1 413") and "41300" in answer


def test_a_request_id_sends_once(server, receiver):
    target = receiver()
    whs_serve = server()
    whs_serve.call("POST", "/v1/webhooks", "alice", {"url": target.url(), "event": ALL_EVENTS})
    sdk = client(whs_serve)
    payload = {"from": "shop@example.com", "to": ["ann@example.com"], "body": {"subject": "s", "content": {"text": "t"}},
               "request_id": "order-42"}
    first = sdk.send(payload)
    again = sdk.send(payload)
    assert again == first and first["request_id"] == "order-42"
    wait_for(lambda: len(target.requests) >= 3, what="the first send's pushes")
    time.sleep(0.3)
    assert len(target.requests) == 3
    assert whs_serve.call("GET", "/v1/mails", "alice")[1]["count"] == 1
    # The id is the account's own: another account's send with it goes out.
    assert client(whs_serve, "olga").send(payload)["email_ids"] != first["email_ids"]


def test_a_mails_pending_pushes_survive_a_restart_in_order(store, receiver):
    port = free_port()  # nothing listens here yet: every push is refused
    first = Server(store, "--event-delay", "1.5", "--retry-delays", "2")
    try:
        first.call("POST", "/v1/webhooks", "alice", {"url": f"http://127.0.0.1:{port}/hook", "event": ALL_EVENTS})
        answer = client(first).send({"from": "s@example.com", "to": ["ann+open@example.com"],
                                     "body": {"subject": "s", "content": {"text": "t"}}})
        time.sleep(0.4)  # the request event was tried (and refused); sent, deliver and open are not due yet
    finally:
        first.process.kill()
        first.process.wait(10)
    target = receiver(port=port)
    second = Server(store, "--event-delay", "1.5", "--retry-delays", "0.2")
    try:
        wait_for(lambda: len(target.requests) >= 4, seconds=30, what="the resumed pushes")
        lives = [event(json.loads(push["body"])) for push in target.requests]
        assert sorted(lives) == sorted(["request", "sent", "deliver", "open"])
        # What had not been attempted before the kill goes out in its order.
        assert [name for name in lives if name != "request"] == ["sent", "deliver", "open"]
        assert all(email_id(json.loads(push["body"])) == answer["email_ids"][0] for push in target.requests)
    finally:
        second.close()


def test_the_same_life_through_the_shell_on_the_embedded_store_and_through_a_server(store, server, receiver):
    mine = receiver()
    script = f"""
        add {mine.url()} events=all_events
        set event_delay 0
        $s = send "ann+open@example.com" from="shop@example.com" subject="Hi" html="<p>Hi</p>" custom_args={{order: 9}} wait=true
        print $s.email_ids[0]
    """.replace("events=all_events", "events=[1,3,4,5,10,11,12,18,32]")
    _, out, _ = whs("--store", store + ".shell", "-c", script)
    email = out.strip().splitlines()[-1]
    assert [event(json.loads(p["body"])) for p in mine.requests] == ["request", "sent", "deliver", "open"]
    assert all(json.loads(p["body"])["custom_args"] == {"order": 9} for p in mine.requests)
    assert all(email_id(json.loads(p["body"])) == email for p in mine.requests)
    _, out, _ = whs("--store", store + ".shell", "--json", "-c", "mails")
    assert [m["events"] for m in json.loads(out)["mails"]] == [["request", "sent", "deliver", "open"]]

    theirs = receiver()
    whs_serve = server()
    whs_serve.call("POST", "/v1/webhooks", "alice", {"url": theirs.url(), "event": ALL_EVENTS})
    _, out, err = whs("--url", whs_serve.base, "--api-user", "alice", "--json", "-c",
                      'send "bo+click@example.com" from="shop@example.com" subject="Hi" html="<a href=\\"https://x.example/\\">x</a>" wait=true',
                      env={"WHS_API_KEY": "alice-key"})
    answer = json.loads(out)
    assert [event(json.loads(p["body"])) for p in theirs.requests] == ["request", "sent", "deliver", "click"]
    assert email_id(json.loads(theirs.requests[0]["body"])) == answer["email_ids"][0]
    status, _, err = whs("--url", whs_serve.base, "--api-user", "alice", "-c", 'send "x@example.com" subject="s" text="t"',
                         env={"WHS_API_KEY": "alice-key"}, check=False)
    assert status == 1 and "From can not be empty" in err
