"""The SDK's whole surface: every example of the official SDK's README (engagelab-email 0.1.0,
unchanged) against `whs serve` — send, send_template, send_calendar, send_mime and the error
example — each causing the pushes and mail-log entries a send does, received here.
"""
import json
import os
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_sdk import ALL_EVENTS, client, email_id, event, pushes_by_email_id, server, store  # noqa: E402,F401 (fixtures)
from receiver import receiver, wait_for, whs  # noqa: E402,F401 (receiver is a fixture)

from engagelab_email import EngageLabEmailError  # noqa: E402

# The README's payloads, word for word.
NORMAL = {
    "from": "EngageLab Team <support@mail.engagelab.com>",
    "to": ["user@example.com"],
    "body": {
        "subject": "Welcome",
        "content": {
            "html": "<p>Hello from EngageLab</p>",
            "text": "Hello from EngageLab",
        },
    },
}
TEMPLATE = {
    "from": "support@mail.engagelab.com",
    "to": ["user@example.com"],
    "body": {
        "template_invoke_name": "month_bill",
        "subject": "Monthly Bill",
        "vars": {
            "%name%": ["Jack"],
            "%money%": ["30"],
        },
    },
}
CALENDAR = {
    "from": "EngageLab Team <support@mail.engagelab.com>",
    "to": ["user@example.com"],
    "body": {
        "subject": "Meeting",
        "content": {
            "html": "<p>Please join the meeting.</p>",
        },
        "calendar": {
            "time_zone_id": "Asia/Shanghai",
            "start_time": "2026-06-10 10:00:00",
            "end_time": "2026-06-10 11:00:00",
            "title": "Project Meeting",
            "organizer": {
                "name": "EngageLab",
                "email": "support@mail.engagelab.com",
            },
            "location": "Online",
        },
    },
}
MIME = {
    "from": "EngageLab Team <support@mail.engagelab.com>",
    "to": ["user@example.com"],
    "body": {
        "subject": "Raw MIME",
        "content": {
            "raw_message": "From: test@example.com\r\nTo: user@example.com\r\nSubject: Raw MIME\r\n\r\nHello",
        },
    },
}


def quoted(email):
    return email.replace("$", "%24")


def subscribed(whs_serve, target):
    status, _ = whs_serve.call("POST", "/v1/webhooks", "alice", {"url": target.url(), "event": ALL_EVENTS})
    assert status == 200


def test_every_readme_example_sends_and_its_pushes_arrive(server, receiver):
    target = receiver()
    whs_serve = server()
    subscribed(whs_serve, target)
    sdk = client(whs_serve)
    status, _ = whs_serve.call("PUT", "/v1/templates/month_bill", "alice",
                               {"subject": "Bill for %name%", "html": "<p>Dear %name%, you owe %money%.</p>"})
    assert status == 200

    answers = {
        "send": sdk.send(NORMAL),
        "send_template": sdk.send_template(TEMPLATE),
        "send_calendar": sdk.send_calendar(CALENDAR),
        "send_mime": sdk.send_mime(MIME),
    }
    for name, answer in answers.items():
        assert list(answer) == ["email_ids", "request_id"] and answer["request_id"] == "", name
        assert len(answer["email_ids"]) == 1 and answer["email_ids"][0].endswith("$user@example.com"), name
    ids = {name: answer["email_ids"][0] for name, answer in answers.items()}

    # Each mail lives the same life as any send's, pushed signed and in order.
    wait_for(lambda: len(target.requests) >= 12, seconds=20, what="12 pushes")
    time.sleep(0.3)
    assert len(target.requests) == 12
    grouped = pushes_by_email_id(target, whs_serve.keys["acme"])
    assert {key: [event(body) for body in bodies] for key, bodies in grouped.items()} == \
        {key: ["request", "sent", "deliver"] for key in ids.values()}
    subjects = {"send": "Welcome", "send_template": "Monthly Bill", "send_calendar": "Meeting", "send_mime": "Raw MIME"}
    for name, key in ids.items():
        for body in grouped[key]:
            if event(body) == "request":
                assert body["status"]["status_data"]["subject"] == subjects[name]
            else:
                assert body["subject"] == subjects[name]

    # The mail log: the content as received, the invitation, the message.
    mails = {name: whs_serve.call("GET", f"/v1/mails/{quoted(key)}", "alice") for name, key in ids.items()}
    assert all(status == 200 for status, _ in mails.values())
    mails = {name: mail for name, (_, mail) in mails.items()}
    assert (mails["send"]["html"], mails["send"]["text"]) == ("<p>Hello from EngageLab</p>", "Hello from EngageLab")
    assert mails["send_template"]["html"] == "<p>Dear Jack, you owe 30.</p>", "%name% keys as the README writes them"
    assert mails["send_template"]["template"] == "month_bill"
    assert mails["send_calendar"]["calendar"] == CALENDAR["body"]["calendar"]
    assert mails["send_calendar"]["html"] == "<p>Please join the meeting.</p>"
    assert mails["send_mime"]["mime"] == MIME["body"]["content"]["raw_message"]
    assert (mails["send_mime"]["text"], mails["send_mime"]["html"]) == ("Hello", "")
    assert "calendar" not in mails["send"] and "mime" not in mails["send"] and "mime" not in mails["send_calendar"]
    for name, mail in mails.items():
        assert [e["event"] for e in mail["events"]] == ["request", "sent", "deliver"], name
        assert all(e["deliveries"][0]["state"] == "succeeded" for e in mail["events"]), name

    # The README's error example.
    with pytest.raises(EngageLabEmailError) as raised:
        sdk.send({"body": {}})
    assert (raised.value.status, raised.value.code) == (400, 30801)
    assert raised.value.response == {"code": 30801, "message": "From can not be empty"}
    assert whs_serve.call("GET", "/v1/mails", "alice")[1]["count"] == 4


def test_send_mime_takes_the_subject_and_both_parts_from_the_message(server, receiver):
    target = receiver()
    whs_serve = server()
    subscribed(whs_serve, target)
    raw = ("From: shop@example.com\nSubject: Your order %order%\nMIME-Version: 1.0\n"
           "Content-Type: multipart/alternative; boundary=\"b1\"\n\n"
           "--b1\nContent-Type: text/plain\n\nOrder %order% is on its way\n"
           "--b1\nContent-Type: text/html\nContent-Transfer-Encoding: quoted-printable\n\n"
           "<a href=3D\"https://shop.example/o\">Order %order%</a>\n--b1--\n")
    answer = client(whs_serve).send_mime({
        "from": "shop@example.com", "to": ["ann+click@example.com"],
        "body": {"content": {"raw_message": raw}, "vars": {"order": ["o-7"]}},
        "custom_args": {"order": "o-7"},
    })
    wait_for(lambda: len(target.requests) >= 4, what="request, sent, deliver, click")
    bodies = [json.loads(push["body"]) for push in target.requests]
    assert [event(body) for body in bodies] == ["request", "sent", "deliver", "click"]
    assert bodies[-1]["subject"] == "Your order o-7" and bodies[-1]["custom_args"] == {"order": "o-7"}
    _, mail = whs_serve.call("GET", f"/v1/mails/{quoted(answer['email_ids'][0])}", "alice")
    assert mail["events"][-1]["url"] == "https://shop.example/o", "the click follows the html part's link"
    assert mail["subject"] == "Your order o-7"
    assert mail["text"] == "Order o-7 is on its way"
    assert mail["html"] == '<a href="https://shop.example/o">Order o-7</a>'
    assert mail["mime"] == raw.replace("%order%", "o-7")


def test_vars_keys_with_or_without_percent_signs_replace_the_same(server, receiver):
    target = receiver()
    whs_serve = server()
    subscribed(whs_serve, target)
    sdk = client(whs_serve)
    subjects = []
    for vars in ({"name": ["Ann", "Bob"]}, {"%name%": ["Ann", "Bob"]}):
        answer = sdk.send({"from": "shop@example.com", "to": ["ann@example.com", "bob@example.com"],
                           "body": {"subject": "Hi %name%", "content": {"text": "Dear %name%"}, "vars": vars}})
        subjects.append([whs_serve.call("GET", f"/v1/mails/{quoted(key)}", "alice")[1]["subject"] for key in answer["email_ids"]])
    assert subjects == [["Hi Ann", "Hi Bob"], ["Hi Ann", "Hi Bob"]]
    wait_for(lambda: len(target.requests) >= 12, what="both sends' pushes")
    pushed = {}
    for bodies in pushes_by_email_id(target, whs_serve.keys["acme"]).values():
        pushed.setdefault(bodies[-1]["to"], set()).update(body["subject"] for body in bodies if event(body) != "request")
    assert pushed == {"ann@example.com": {"Hi Ann"}, "bob@example.com": {"Hi Bob"}}

    with pytest.raises(EngageLabEmailError) as raised:
        sdk.send({"from": "shop@example.com", "to": ["ann@example.com"],
                  "body": {"subject": "s", "content": {"text": "t"}, "vars": {"%na%me%": ["x"]}}})
    assert (raised.value.status, raised.value.code) == (400, 30811) and '"%na%me%"' in str(raised.value)


GOOD_CALENDAR = CALENDAR["body"]["calendar"]


def with_calendar(**changed):
    calendar = {key: value for key, value in {**GOOD_CALENDAR, **changed}.items() if value is not None}
    return {**CALENDAR, "body": {**CALENDAR["body"], "calendar": calendar}}


def with_message(raw, **body):
    return {**MIME, "body": {**MIME["body"], "content": {"raw_message": raw}, **body}}


@pytest.mark.parametrize("payload, code, words", [
    ({**CALENDAR, "body": {key: value for key, value in CALENDAR["body"].items() if key != "calendar"}}, 30821, "body.calendar is required"),
    (with_calendar(time_zone_id="Shanghai"), 30821, "body.calendar.time_zone_id"),
    (with_calendar(start_time="2026-06-10T10:00:00"), 30821, "body.calendar.start_time"),
    (with_calendar(start_time="2026-02-30 10:00:00"), 30821, "body.calendar.start_time"),
    (with_calendar(end_time="2026-06-10 09:00:00"), 30821, "body.calendar.end_time"),
    (with_calendar(title=""), 30821, "body.calendar.title"),
    (with_calendar(organizer={"name": "EngageLab"}), 30821, "body.calendar.organizer.email"),
    (with_calendar(organizer={"email": "not an address"}), 30821, "body.calendar.organizer.email"),
    (with_calendar(titel="x"), 40002, "body.calendar.titel"),
    (with_calendar(organizer=None), 30821, "body.calendar.organizer"),
], ids=["no calendar", "time zone", "start format", "no such day", "end before start", "empty title",
        "organizer without email", "organizer email", "unknown field", "no organizer"])
def test_bad_invitations_are_refused_naming_the_field(server, receiver, payload, code, words):
    refused_and_nothing_sent(server, receiver, lambda sdk: sdk.send_calendar(payload), code, words)


@pytest.mark.parametrize("payload, code, words", [
    ({**MIME, "body": {"subject": "s", "content": {}}}, 30822, "body.content.raw_message is required"),
    (with_message(7), 30822, "body.content.raw_message must be a string"),
    (with_message("Hello"), 30822, 'body.content.raw_message is not an RFC 5322 message: line 1: "Hello" is not a header field'),
    (with_message("Subject: Hi\r\nHello"), 30822, 'line 2: "Hello" is not a header field (Name: value), and no empty line'),
    (with_message("Subject: Hi\r\nBad Name: x\r\n\r\nHello"), 30822, 'line 2: "Bad Name" is not a header field name'),
    (with_message("\r\nHello"), 30822, "line 1: the message begins with an empty line"),
    (with_message(" folded: x\r\n\r\nHello"), 30822, "line 1:"),
    (with_message("Subject: Hi\r\nContent-Type: multipart/mixed\r\n\r\nHello"), 30822, "line 2: Content-Type multipart/mixed has no boundary"),
    (with_message("From: a@example.com\r\n\r\nHello", subject=""), 30807, "body.subject is required when body.content.raw_message has no Subject header"),
    (with_message("Subject: Hi\r\n\r\nHello", headers={"X-A": "b"}), 40002, "body.headers"),
], ids=["no raw_message", "not a string", "no header", "no empty line", "bad field name", "empty line first", "folded first",
        "multipart without boundary", "no subject anywhere", "headers field"])
def test_bad_messages_are_refused_naming_the_field_and_line(server, receiver, payload, code, words):
    refused_and_nothing_sent(server, receiver, lambda sdk: sdk.send_mime(payload), code, words)


def refused_and_nothing_sent(server, receiver, call, code, words):
    target = receiver()
    whs_serve = server()
    subscribed(whs_serve, target)
    with pytest.raises(EngageLabEmailError) as raised:
        call(client(whs_serve))
    assert (raised.value.status, raised.value.code) == (400, code), raised.value.response
    assert words in str(raised.value), str(raised.value)
    time.sleep(0.2)
    assert whs_serve.call("GET", "/v1/mails", "alice")[1] == {"count": 0, "mails": []}
    assert target.requests == []


def test_the_shell_on_a_server_sends_through_the_new_routes(server, receiver):
    target = receiver()
    whs_serve = server()
    subscribed(whs_serve, target)
    script = ('send "ann@example.com" from="shop@example.com" subject="Sync" html="<p>Join</p>" '
              'calendar={time_zone_id: "UTC", start_time: "2026-06-10 10:00:00", end_time: "2026-06-10 10:30:00", '
              'title: "Sync", organizer: {email: "shop@example.com"}} wait=true\n'
              'send "bob@example.com" from="shop@example.com" mime="Subject: Raw\\r\\n\\r\\nHi Bob" wait=true\n'
              'print (mails).count')
    _, out, _ = whs("--url", whs_serve.base, "--api-user", "alice", "-c", script, env={"WHS_API_KEY": "alice-key"})
    assert out.strip().splitlines()[-1] == "2"
    _, log = whs_serve.call("GET", "/v1/mails", "alice")
    ann, bob = (whs_serve.call("GET", f"/v1/mails/{mail['id']}", "alice")[1] for mail in log["mails"])
    assert ann["calendar"]["title"] == "Sync" and ann["calendar"]["organizer"] == {"email": "shop@example.com"}
    assert bob["mime"] == "Subject: Raw\r\n\r\nHi Bob" and bob["subject"] == "Raw" and bob["text"] == "Hi Bob"
    assert sorted(event(json.loads(push["body"])) for push in target.requests) == sorted(["request", "sent", "deliver"] * 2)
    assert {email_id(json.loads(push["body"])).split("$")[1] for push in target.requests} == {"ann@example.com", "bob@example.com"}


def test_the_new_routes_take_bodies_as_large_as_a_mail(server):
    whs_serve = server()
    sdk = client(whs_serve)
    big = "x" * 200_000  # over the 64 KiB of the other routes
    assert len(sdk.send_mime(with_message(f"Subject: Big\r\n\r\n{big}", subject=""))["email_ids"]) == 1
    assert len(sdk.send_calendar({**CALENDAR, "body": {**CALENDAR["body"], "content": {"text": big}}})["email_ids"]) == 1
    _, log = whs_serve.call("GET", "/v1/mails", "alice")
    assert [mail["subject"] for mail in log["mails"]] == ["Big", "Meeting"]
