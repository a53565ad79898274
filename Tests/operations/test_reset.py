"""Reset (issue 19, item 1; docs/OPERATIONS.md, "Reset and retention"): one account's reset empties
its logs and settings and leaves every other account's whole; its pending deliveries become
`cancelled` and a receiver sees nothing of them afterwards; bad parts and filters are 400s that
delete nothing; `reset` works at the prompt on every backend and asks first only at a terminal.
Real parts: the built whs, its SQLite file or a PostgreSQL server, the official SDK, receivers
written in Python, a pseudo-terminal.
"""
import json
import os
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ops import Node, Receiver, fresh_database, postgres_url, seal_key, wait_for, whs  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pty"))

from engagelab_email import EngageLabEmailClient  # noqa: E402

ALL_EVENTS = [1, 3, 4, 5, 10, 11, 12, 18, 32]


def stores():
    kinds = ["sqlite"]
    if postgres_url():
        kinds.append("postgres")
    return kinds


@pytest.fixture
def nodes(tmp_path):
    made = []

    def make(kind, *args):
        if kind == "sqlite":
            node = Node("--store", str(tmp_path / "store.sqlite"), *args)
        else:
            node = Node("--store", fresh_database(), "--node", "n1", *args, env=seal_key())
        made.append(node)
        return node
    yield make
    for node in made:
        node.close()


def message_ids(receiver):
    return [json.loads(push["body"])["message_id"] for push in receiver.requests]


@pytest.mark.parametrize("kind", stores())
def test_one_accounts_reset_empties_it_cancels_its_pending_pushes_and_leaves_the_other_whole(nodes, kind):
    acme_hook, other_hook = Receiver(), Receiver()
    try:
        # Two seconds between a mail's events: when the reset comes, each mail's first push
        # (request) has arrived and the next two are pending, due later.
        node = nodes(kind, "--event-delay", "2", "--retry-delays", "1")
        for user, hook in (("alice", acme_hook), ("olga", other_hook)):
            node.ok("POST", "/v1/webhooks", user, {"url": hook.url(), "event": ALL_EVENTS})
            node.ok("PUT", "/v1/templates/welcome", user, {"subject": "Hi", "html": "<p>x</p>"})
            EngageLabEmailClient(user, f"{user}-key", base_url=node.base).send({
                "from": "shop@example.com", "to": ["ann@example.com", "bob@example.com"],
                "body": {"subject": "Hello", "content": {"text": "t"}}})
        wait_for(lambda: len(acme_hook.requests) >= 2 and len(other_hook.requests) >= 2, what="the first pushes")
        # Their attempts in the log (they are logged in batches, a moment after the push).
        wait_for(lambda: node.ok("GET", "/v1/deliveries?state=succeeded", "alice")["count"] == 2, what="the first attempts logged")
        assert node.ok("GET", "/v1/deliveries?state=pending", "alice")["count"] == 4

        cleared = node.ok("POST", "/v1/reset", "alice")
        seen = len(acme_hook.requests)
        # Everything of acme's: two mails, the two request pushes that settled, the four
        # pending ones cancelled, one webhook, one template.
        assert cleared == {"mails": 2, "deliveries": 2, "cancelled": 4, "webhooks": 1, "templates": 1}, cleared
        assert node.ok("GET", "/v1/mails", "alice")["count"] == 0
        assert node.ok("GET", "/v1/webhooks", "alice")["total"] == 0
        assert node.ok("GET", "/v1/templates", "alice")["count"] == 0
        log = node.ok("GET", "/v1/deliveries", "alice")["deliveries"]
        assert [d["state"] for d in log] == ["cancelled"] * 4 and all(d["next_attempt"] is None for d in log)
        assert node.ok("GET", "/v1/deliveries?state=cancelled", "alice")["count"] == 4
        assert node.ok("GET", "/v1/deliveries?state=pending", "alice")["count"] == 0

        # The other account's two mails live their whole lives: 3 pushes each.
        wait_for(lambda: len(other_hook.requests) == 6, seconds=15, what="the other account's pushes")
        time.sleep(1.5)
        assert len(acme_hook.requests) == seen == 2, "a cancelled delivery was pushed after the reset"
        assert node.ok("GET", "/v1/mails", "olga")["count"] == 2
        assert node.ok("GET", "/v1/webhooks", "olga")["total"] == 1
        assert node.ok("GET", "/v1/templates", "olga")["count"] == 1
        theirs = node.ok("GET", "/v1/deliveries", "olga")["deliveries"]
        assert [d["state"] for d in theirs] == ["succeeded"] * 6

        # A second reset takes the cancelled rows too.
        assert node.ok("POST", "/v1/reset", "alice", {"parts": ["deliveries"]}) == {"deliveries": 4, "cancelled": 0}
        assert node.ok("GET", "/v1/deliveries", "alice")["count"] == 0
    finally:
        acme_hook.close()
        other_hook.close()


def test_a_bad_part_or_filter_is_a_400_naming_the_known_ones_and_deletes_nothing(nodes):
    node = nodes("sqlite", "--event-delay", "0")
    node.ok("POST", "/v1/webhooks", "alice", {"url": "https://a.example/h", "event": [1]})
    EngageLabEmailClient("alice", "alice-key", base_url=node.base).send({
        "from": "shop@example.com", "to": ["ann@example.com"], "body": {"subject": "Hello", "content": {"text": "t"}}})
    refusals = [
        ("POST", "/v1/reset", {"parts": ["mails", "webhook"]}, 'unknown part \\"webhook\\"; did you mean \\"webhooks\\"? (parts: mails, deliveries, webhooks, templates)'),
        ("POST", "/v1/reset", {"parts": []}, "parts is empty"),
        ("POST", "/v1/reset", {"parts": "mails"}, "parts must be an array"),
        ("POST", "/v1/reset", {"part": ["mails"]}, 'unknown field \\"part\\"; did you mean \\"parts\\"?'),
        ("DELETE", "/v1/mails?older=1h", None, 'unknown query parameter \\"older\\" (allowed: before)'),
        ("DELETE", "/v1/deliveries?before=yesterday", None, "before must be an age (90s, 30m, 2h, 7d) or an ISO 8601 time"),
        ("DELETE", "/v1/deliveries?before=2026-02-30T00:00:00Z", None, "before must be"),
        ("DELETE", "/v1/mails?before=3600", None, "before must be"),
    ]
    for method, path, body, message in refusals:
        status, answer = node.call(method, path, "alice", body)
        assert status == 400 and message in json.dumps(answer), (method, path, status, answer)
    assert node.ok("GET", "/v1/mails", "alice")["count"] == 1
    assert node.ok("GET", "/v1/webhooks", "alice")["total"] == 1
    assert node.ok("GET", "/v1/deliveries", "alice")["count"] == 1


def test_deletes_with_before_take_only_the_older_rows_of_the_callers_account(nodes):
    node = nodes("sqlite", "--event-delay", "0", "--retry-delays", "none")
    for user in ("alice", "olga"):
        node.ok("POST", "/v1/webhooks", user, {"url": "http://127.0.0.1:9/nobody", "event": [18]})
    sdk = EngageLabEmailClient("alice", "alice-key", base_url=node.base)

    def send():
        return sdk.send({"from": "shop@example.com", "to": ["ann@example.com"], "body": {"subject": "Hello", "content": {"text": "t"}}})
    send()
    EngageLabEmailClient("olga", "olga-key", base_url=node.base).send({
        "from": "shop@example.com", "to": ["ann@example.com"], "body": {"subject": "Hello", "content": {"text": "t"}}})
    wait_for(lambda: node.ok("GET", "/v1/deliveries?state=failed", "alice")["count"] == 1, what="the refused push to fail")
    time.sleep(1.2)
    newer = send()
    # The older mail and its failed push go; the new one and its push stay; olga's stay.
    assert node.ok("DELETE", "/v1/mails?before=1s", "alice") == {"count": 1}
    assert node.ok("DELETE", "/v1/deliveries?before=1s", "alice") == {"count": 1, "cancelled": 0}
    mails = node.ok("GET", "/v1/mails", "alice")["mails"]
    assert [m["email_id"] for m in mails] == newer["email_ids"]
    assert node.ok("GET", "/v1/deliveries", "alice")["count"] == 1
    assert node.ok("GET", "/v1/mails", "olga")["count"] == 1
    assert node.ok("GET", "/v1/deliveries", "olga")["count"] == 1
    # An ISO 8601 time in the past takes nothing; everything with no filter.
    assert node.ok("DELETE", "/v1/mails?before=2001-01-01T00:00:00%2B01:00", "alice") == {"count": 0}
    assert node.ok("DELETE", "/v1/mails", "alice") == {"count": 1}
    assert node.ok("GET", "/v1/mails", "olga")["count"] == 1


def backends(tmp_path, node):
    """Every kind of backend the shell resets: (name, flags, environment)."""
    made = [("memory", ["--memory"], {}), ("sqlite", ["--store", str(tmp_path / "shell.sqlite")], {}),
            ("server", ["--url", node.base, "--api-user", "alice"], {"WHS_API_KEY": "alice-key"})]
    if postgres_url():
        made.append(("postgres", ["--store", fresh_database()], seal_key()))
    return made


def test_reset_at_the_prompt_works_on_every_backend_without_asking_in_scripts(nodes, tmp_path):
    node = nodes("sqlite", "--event-delay", "0")
    node.ok("POST", "/v1/webhooks", "olga", {"url": "https://other.example/h", "event": [1]})
    script = """
        add https://a.example/h events=deliver
        add https://b.example/h events=open
        template put welcome subject=Hi html="<p>x</p>"
        $sent = send ann@example.com from=shop@example.com subject=Hello text=t
        $r = reset webhooks
        assert $r == {webhooks: 2}, json($r)
        assert (list).total == 0 and (templates).count == 1 and (mails).count == 1
        $r = reset mails,deliveries before=1h
        assert $r == {mails: 0, deliveries: 0, cancelled: 0}, json($r)
        $r = reset
        assert $r.mails == 1 and $r.templates == 1 and $r.webhooks == 0, json($r)
        assert (mails).count == 0 and (templates).count == 0
        print "done"
    """
    for name, flags, environment in backends(tmp_path, node):
        _, out, _ = whs(*flags, "-c", script, env=environment)
        assert out.strip().endswith("done"), (name, out)
        status, _, err = whs(*flags, "-c", "reset bogus", env=environment, check=False)
        assert status == 1 and 'unknown part "bogus"' in err and "(parts: mails, deliveries, webhooks, templates)" in err, (name, err)
        status, _, err = whs(*flags, "-c", "reset webhooks before=1h", env=environment, check=False)
        assert status == 1 and "before applies to mails and deliveries, not webhooks" in err, (name, err)
    # The server's other account was never touched.
    assert node.ok("GET", "/v1/webhooks", "olga")["total"] == 1
    _, out, _ = whs("--url", node.base, "--api-user", "alice", "-c", "explain reset webhooks", env={"WHS_API_KEY": "alice-key"})
    assert "-X POST" in out and '{"parts":["webhooks"]}' in out and "/v1/reset" in out


def test_the_shells_own_dispatcher_drops_a_retry_it_holds_once_reset(tmp_path):
    store = str(tmp_path / "s.sqlite")
    script = """
        $l = listen port=0 fail_first=100
        set retry_delays 1
        add $l.url events=deliver
        $t = trigger deliver
        wait len((inbox)) >= 1 timeout=5s
        $r = reset deliveries
        assert $r.cancelled == 1, json($r)
        sleep 2s
        assert len((inbox)) == 1, "the retry was pushed after the reset"
        assert (deliveries status=cancelled).count == 1
        print "done"
    """
    _, out, _ = whs("--store", store, "-c", script)
    assert out.strip().endswith("done")


def test_reset_at_a_terminal_asks_first():
    from harness import Terminal
    t = Terminal("--memory")
    t.wait_for_prompt()
    t.line("add https://a.example/h")
    t.wait_for("api_user: (all)")
    t.wait_for_prompt()
    t.line("reset")
    t.wait_for("delete every mail, delivery, webhook and template of this account (memory)? [y/N]")
    t.line("n")
    t.wait_for("nothing was reset")
    t.wait_for_prompt()
    t.line("reset webhooks")
    t.wait_for("delete webhooks of this account (memory)? [y/N]")
    t.line("y")
    t.wait_for("webhooks: 1")
    t.wait_for_prompt()
    t.line("reset templates force=true")
    t.wait_for("templates: 0")
    assert "templates of this account" not in t.text()
    t.wait_for_prompt()
    t.key("ctrl-d")
    assert t.exit_status() == 0
