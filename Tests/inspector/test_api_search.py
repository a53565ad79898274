"""The search and paging the inspector reads with, as the API's query parameters (they are in
docs/openapi.yaml): GET /v1/mails?subject=&event=&before_id= and
GET /v1/deliveries?event=&before_id=&failing_first=, over HTTP on whs serve."""
import os
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "delivery"))
from receiver import receiver, server, store, wait_for  # noqa: E402,F401 (fixtures)

from engagelab_email import EngageLabEmailClient  # noqa: E402


def query(whs_serve, path, **parameters):
    return whs_serve.call("GET", path + "?" + urllib.parse.urlencode(parameters), "alice")


def test_mails_and_deliveries_are_searched_and_paged(server, receiver):
    target = receiver(fail_first=1)
    whs_serve = server()
    assert whs_serve.call("POST", "/v1/webhooks", "alice", {"url": target.url(), "event": ["deliver", "open"]})[0] == 200
    sdk = EngageLabEmailClient("alice", "alice-key", base_url=whs_serve.base)
    for subject, to in (("Spring SALE", "ann+open@example.com"), ("Invoice", "bob+invalid@example.com"), ("Summer sale", "cy@example.com")):
        sdk.send({"from": "shop@example.com", "to": [to], "body": {"subject": subject, "content": {"html": "<p>x</p>"}}})
    wait_for(lambda: len(target.requests) >= 4, 10, "the pushes")
    # The receiver has a push a moment before the attempt log writes it: wait for the log too,
    # or two reads of the deliveries below can differ by an attempt written between them.
    wait_for(lambda: [d["state"] for d in query(whs_serve, "/v1/deliveries")[1]["deliveries"]] == ["succeeded"] * 3, 10, "the attempts logged")

    status, found = query(whs_serve, "/v1/mails", subject="sale")
    assert status == 200 and [mail["subject"] for mail in found["mails"]] == ["Spring SALE", "Summer sale"]
    assert [mail["subject"] for mail in query(whs_serve, "/v1/mails", event="invalid")[1]["mails"]] == ["Invoice"]
    assert [mail["subject"] for mail in query(whs_serve, "/v1/mails", event="open", subject="SPRING")[1]["mails"]] == ["Spring SALE"]
    newest = query(whs_serve, "/v1/mails", limit=2)[1]["mails"]
    assert [mail["subject"] for mail in newest] == ["Invoice", "Summer sale"]
    before = query(whs_serve, "/v1/mails", limit=2, before_id=newest[0]["id"])[1]["mails"]
    assert [mail["subject"] for mail in before] == ["Spring SALE"]

    opens = query(whs_serve, "/v1/deliveries", event="open")[1]["deliveries"]
    assert [delivery["event"] for delivery in opens] == ["open"]
    every = query(whs_serve, "/v1/deliveries")[1]["deliveries"]
    assert query(whs_serve, "/v1/deliveries", before_id=every[-1]["id"])[1]["deliveries"] == every[:-1]
    # The first push failed once (fail_first=1) and succeeded on its retry: not failing now.
    first = query(whs_serve, "/v1/deliveries", failing_first="true")[1]["deliveries"]
    assert sorted(delivery["id"] for delivery in first) == sorted(delivery["id"] for delivery in every)

    for path, parameters, message in (
        ("/v1/mails", {"event": "opened"}, 'event must be one of deliver, report_spam, invalid, soft_bounce, click, open, unsubscribe, request, sent, got "opened"'),
        ("/v1/mails", {"before_id": "0"}, "before_id must be a positive id, got 0"),
        ("/v1/deliveries", {"failing_first": "maybe"}, 'failing_first must be true or false, got "maybe"'),
        ("/v1/deliveries", {"before": "5"}, None),
    ):
        status, answer = query(whs_serve, path, **parameters)
        assert status == 400, (path, parameters, answer)
        if message:
            assert answer["message"] == message
        else:
            assert "unknown query parameter" in answer["message"] and "before_id" in answer["message"]
