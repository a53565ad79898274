"""Dump and seed (issue 19, item 2; docs/OPERATIONS.md, "Dump and seed"): `whs dump` writes a
populated store's webhooks and templates as a script without a key in it; `whs serve --seed`
makes a fresh store the same, and changes nothing when it runs again; the app key is given at
start (--app-key, $WHS_APP_KEYS, or the variable the dump names) and signs the pushes; a seed
that fails stops the start with file, line and reason; three PostgreSQL nodes started together
with one seed make one copy of everything. Real parts: the built whs, SQLite files, a PostgreSQL
server, a Python receiver checking signatures.
"""
import hashlib
import json
import os
import sys
import threading

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ops import Node, Receiver, fresh_database, postgres_url, psql, seal_key, wait_for, whs  # noqa: E402

TEMPLATES = {
    "welcome": {"subject": "Hi %name% {{first}}", "html": "<p>It's $5 \\ \"quoted\" ${not_a_variable}</p>\n<p>été 🎉</p>", "text": "line one\nline two"},
    "bye": {"subject": "Bye", "html": "<b>bye</b>", "text": ""},
}
WEBHOOKS = [
    {"url": "https://a.example/hooks/all", "event": [1, 3, 4, 5, 10, 11, 12, 18, 32]},
    {"url": "https://a.example/hooks/alice?x=1&y='2'", "event": [11, 10], "api_user": "alice"},
    {"url": "https://b.example/$path", "event": [18]},
]


def settings(node, user="alice"):
    """The account's webhooks (without ids) and templates, as the API gives them."""
    hooks = sorted((w["url"], w["api_user"], tuple(w["event"])) for w in node.ok("GET", "/v1/webhooks?limit=100", user)["result"])
    templates = {t["name"]: (t["subject"], t["html"], t["text"], t["updated"]) for t in node.ok("GET", "/v1/templates", user)["templates"]}
    return hooks, templates


def populate(node):
    for hook in WEBHOOKS:
        node.ok("POST", "/v1/webhooks", "alice", hook)
    for name, template in TEMPLATES.items():
        node.ok("PUT", f"/v1/templates/{name}", "alice", template)
    node.ok("POST", "/v1/mail/send", "alice", {"from": "s@example.com", "to": ["r@example.com"], "body": {"subject": "s", "content": {"text": "t"}}})


def body(script):
    """A dump without its line of when and where it was made."""
    return "\n".join(line for line in script.splitlines() if not line.startswith("# whs dump of"))


def test_a_dump_seeds_a_fresh_store_the_same_and_a_second_seed_changes_nothing(tmp_path):
    source = str(tmp_path / "source.sqlite")
    node = Node("--store", source)
    populate(node)
    node.ok("POST", "/v1/webhooks", "olga", {"url": "https://other.example/h", "event": [1]})
    original = settings(node)
    app_key = node.app_key()
    node.close()

    # Two accounts have settings: the dump asks which.
    status, _, err = whs("dump", "--store", source, check=False)
    assert status == 2 and "the store has 2 accounts (acme, other): name one with --account NAME" in err, err
    _, script, _ = whs("dump", "--store", source, "--account", "acme")
    path = tmp_path / "acme.whs"
    path.write_text(script)
    assert "# account: acme" in script and "# app key: $WHS_APP_KEY_ACME" in script
    with open(source + ".key", "rb") as seal:
        secrets = [app_key, "alice-key", "olga-key", seal.read().hex()]
    assert not any(secret in script for secret in secrets), "a key is in the dump"
    assert "other.example" not in script

    # A fresh store, seeded on two starts: the same settings, nothing duplicated or rewritten.
    fresh = str(tmp_path / "fresh.sqlite")
    seeded = Node("--store", fresh, "--seed", str(path))
    first = settings(seeded)
    seeded.close()
    seeded = Node("--store", fresh, "--seed", str(path))
    try:
        second = settings(seeded)
        assert first == second, "a second seed changed something"
        assert first[0] == original[0]
        assert {name: t[:3] for name, t in first[1].items()} == {name: t[:3] for name, t in original[1].items()}
        assert seeded.ok("GET", "/v1/webhooks", "olga")["total"] == 0
        assert seeded.ok("GET", "/v1/mails", "alice")["count"] == 0
    finally:
        seeded.close()
    _, again, _ = whs("dump", "--store", fresh)
    assert body(again) == body(script)

    # A change made since is put back, and what the dump does not name is left alone.
    changed = Node("--store", fresh)
    hooks = changed.ok("GET", "/v1/webhooks", "alice")["result"]
    changed.ok("PUT", f"/v1/webhooks/{hooks[0]['id']}", "alice", {"event": [1]})
    changed.ok("PUT", "/v1/templates/bye", "alice", {"subject": "changed", "html": "x"})
    changed.ok("POST", "/v1/webhooks", "alice", {"url": "https://extra.example/", "event": [1]})
    # The script run through a server, as the account's API_USER.
    _, out, _ = whs("--url", changed.base, "--api-user", "alice", "-x", str(path), env={"WHS_API_KEY": "alice-key"})
    statements = [line for line in out.splitlines() if line.startswith("whs> $id") or line.startswith("whs> $name")]
    assert len(statements) == 5
    changed.close()
    restored = Node("--store", fresh)
    try:
        hooks, templates = settings(restored)
        assert hooks == sorted(original[0] + [("https://extra.example/", "", (1,))])
        assert templates["bye"][:3] == original[1]["bye"][:3]
        assert templates["welcome"][3] == first[1]["welcome"][3], "an unchanged template was put again"
    finally:
        restored.close()


def test_the_app_key_given_at_start_signs_the_pushes(tmp_path):
    key, other_key, wins = os.urandom(32).hex(), os.urandom(32).hex(), os.urandom(32).hex()
    script = tmp_path / "acme.whs"
    script.write_text("# account: acme\n# app key: $ACME_KEY_FOR_CI\nlist\n")
    receiver = Receiver()
    node = Node("--memory", "--seed", str(script), "--event-delay", "0",
                env={"ACME_KEY_FOR_CI": key, "WHS_APP_KEYS": f"other:{other_key.upper()}"})
    try:
        assert node.app_key("alice") == key
        assert node.app_key("olga") == other_key
        node.ok("POST", "/v1/webhooks", "alice", {"url": receiver.url(), "event": [1]})
        node.ok("POST", "/v1/events", "alice", {"event": "deliver"})
        wait_for(lambda: len(receiver.requests) == 1, what="the push")
        headers = receiver.requests[0]["headers"]
        assert headers["x-webhook-signature"] == hashlib.md5((headers["x-webhook-timestamp"] + "email" + key).encode()).hexdigest()
        assert key not in "".join(node.errors)
    finally:
        node.close()
        receiver.close()
    # --app-key wins over the variable a seed names; the same key twice is fine, two differ not.
    node = Node("--memory", "--seed", str(script), "--app-key", f"acme:{wins}", env={"ACME_KEY_FOR_CI": key, "WHS_APP_KEYS": f"acme:{wins}"})
    try:
        assert node.app_key("alice") == wins
    finally:
        node.close()
    for flags, environment, message in [
        (["--app-key", f"acme:{key}", "--app-key", f"acme:{wins}"], {}, "--app-key: account acme is given two different app keys"),
        (["--app-key", "acme:short"], {}, "--app-key: an app key is 64 hex digits (openssl rand -hex 32), got 5 characters"),
        (["--app-key", key], {}, "--app-key: an app key is given as ACCOUNT:KEY"),
        ([], {"WHS_APP_KEYS": "a b:" + key}, "$WHS_APP_KEYS: account names are 1 to 64 of letters, digits and _ . @ -"),
    ]:
        status, out, err = whs("serve", "--memory", "--port", "0", *flags, env=environment, check=False, timeout=20)
        assert status == 2 and message in err and "listening" not in out, (flags, err)
        assert key not in err and wins not in err


def test_a_seed_that_fails_stops_the_start_with_file_line_and_reason(tmp_path):
    script = tmp_path / "broken.whs"
    script.write_text("# account: acme\n$h = add https://ok.example/\n\n$h = add https://bad.example/ events=nope\n")
    status, out, err = whs("serve", "--store", str(tmp_path / "s.sqlite"), "--port", "0", "--user", "acme:alice:alice-key",
                           "--seed", str(script), check=False, timeout=30)
    assert status == 2 and "listening" not in out, (out, err)
    assert f"{script}:4:" in err and 'unknown event "nope"' in err and "does not start half-seeded" in err, err
    # A script without its account, when several accounts are given.
    anonymous = tmp_path / "anonymous.whs"
    anonymous.write_text("list\n")
    status, out, err = whs("serve", "--memory", "--port", "0", "--user", "a:x:k", "--user", "b:y:k", "--seed", str(anonymous), check=False, timeout=20)
    assert status == 2 and "which account? It has no '# account: NAME' line" in err, err
    # A seed does not fire events or send.
    firing = tmp_path / "firing.whs"
    firing.write_text("# account: acme\ntrigger deliver\n")
    status, _, err = whs("serve", "--memory", "--port", "0", "--seed", str(firing), check=False, timeout=20)
    assert status == 2 and f"{firing}:2:1" in err and "does not fire events" in err, err
    status, _, err = whs("serve", "--memory", "--port", "0", "--seed", str(tmp_path / "missing.whs"), check=False, timeout=20)
    assert status == 2 and "--seed: cannot read" in err, err


def test_dump_of_a_store_without_settings_is_the_shells_account_and_a_server_is_refused(tmp_path):
    store = str(tmp_path / "s.sqlite")
    whs("--store", store, "-c", "list")
    _, script, _ = whs("dump", "--store", store)
    assert "# account: local" in script and "ensure_webhook(" not in script.split("def ensure_template")[1]
    status, _, err = whs("dump", "--store", str(tmp_path / "none.sqlite"), check=False)
    assert status == 2 and "no store at" in err
    status, _, err = whs("dump", "--url", "http://127.0.0.1:9", check=False)
    assert status == 2


@pytest.mark.skipif(not postgres_url(), reason="no PostgreSQL server (scripts/postgres)")
def test_three_postgres_nodes_started_together_with_one_seed_make_one_copy(tmp_path):
    source = Node("--memory")
    populate(source)
    source.close()
    # The same settings from a store file, as a team would keep them.
    store = str(tmp_path / "source.sqlite")
    script = tmp_path / "acme.whs"
    seeding = Node("--store", store)
    populate(seeding)
    seeding.close()
    _, text, _ = whs("dump", "--store", store)
    script.write_text(text)
    database = fresh_database()
    environment = seal_key()
    key = os.urandom(32).hex()
    environment["WHS_APP_KEY_ACME"] = key
    nodes, failures = [], []

    def start(name):
        try:
            nodes.append(Node("--store", database, "--node", name, "--seed", str(script), env=environment))
        except Exception as error:  # reported below
            failures.append(error)
    threads = [threading.Thread(target=start, args=(f"s{n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    try:
        assert not failures and len(nodes) == 3, failures
        assert psql(database, "SELECT count(*) FROM webhooks") == str(len(WEBHOOKS))
        assert psql(database, "SELECT count(*) FROM templates") == str(len(TEMPLATES))
        for node in nodes:
            hooks, templates = settings(node)
            assert len(hooks) == len(WEBHOOKS) and sorted(templates) == sorted(TEMPLATES)
            assert node.app_key() == key
        # Each of the three ran the seed; the first made everything, the others found it there.
        updated = psql(database, "SELECT count(DISTINCT updated) FROM templates")
        assert updated == str(len(TEMPLATES)), updated
    finally:
        for node in nodes:
            node.close()
