"""What a shared deployment must survive and refuse: the database going away under a node,
and pushes aimed at the network the node runs in (docs/SCALING.md)."""
import json
import os
import subprocess
import time

from cluster import WHS, Receiver, call, database, nodes, postgres, psql, wait_for  # noqa: F401 (fixtures)


def test_requests_during_a_database_outage_get_503_and_the_node_recovers(database, nodes):
    node = nodes(database, "n1")
    assert node.call("POST", "/v1/webhooks", body={"url": "https://a.example/", "event": [1]})[0] == 200
    postgres("stop")
    try:
        for path, user in (("/v1/webhooks", "alice"), ("/v1/health", None)):
            started = time.monotonic()
            status, body = node.call("GET", path, user=user, timeout=15)
            elapsed = time.monotonic() - started
            assert status == 503, (path, status, body)
            assert body["code"] == 50300 and "database" in body["message"], body
            assert elapsed < 10, f"{path} answered after {elapsed:.1f} s: within the request timeout"
        status, body = node.call("POST", "/v1/webhooks", body={"url": "https://b.example/", "event": [1]}, timeout=15)
        assert status == 503
    finally:
        postgres("start")
    assert node.process.poll() is None, "the node did not crash"

    # Back without a restart of the node: the pool reconnects.
    def answers():
        return node.call("GET", "/v1/webhooks", timeout=15)[0] == 200
    wait_for(answers, seconds=30, what="the node to serve again")
    assert node.call("GET", "/v1/health", user=None)[0] == 200
    status, body = node.call("POST", "/v1/webhooks", body={"url": "https://b.example/", "event": [1]})
    assert status == 200
    assert node.call("GET", "/v1/webhooks")[1]["total"] == 2
    assert "password" not in node.log() and database.split(":")[2].split("@")[0] not in node.log(), "no password in the log"


def test_a_public_node_refuses_private_addresses_unless_allowed(nodes, database):
    receiver = Receiver()
    try:
        public = nodes(database, "public", "--public")
        assert any("refused" in line for line in public.lines), public.lines
        assert public.call("POST", "/v1/webhooks", body={"url": receiver.url("/p"), "event": [1]})[0] == 200
        for url in ("http://10.1.2.3/h", "http://[::1]:9/h", "http://169.254.169.254/latest/meta-data", "http://localhost:9/h"):
            assert public.call("POST", "/v1/webhooks", body={"url": url, "event": [1]})[0] == 200
        status, answer = public.call("POST", "/v1/events", body={"event": "deliver"})
        assert status == 200 and answer["count"] == 5

        def settled():
            deliveries = public.call("GET", "/v1/deliveries")[1]["deliveries"]
            return len(deliveries) == 5 and all(d["state"] == "failed" for d in deliveries)
        wait_for(settled, seconds=20, what="every push refused")
        deliveries = public.call("GET", "/v1/deliveries")[1]["deliveries"]
        for delivery in deliveries:
            assert len(delivery["attempts"]) == 1, "a refusal is not retried"
            assert delivery["attempts"][0]["error"].startswith("refused:"), delivery
        assert receiver.requests == [], "nothing reached the private address"
        public.close()

        # The allow-list lets a named range through; on loopback without --public, anything goes.
        allowed = nodes(database, "allowed", "--public", "--allow-push", "127.0.0.1/32")
        assert allowed.call("POST", "/v1/events", body={"event": "deliver"})[0] == 200
        wait_for(lambda: any(r["path"] == "/p" for r in receiver.requests), seconds=20, what="the allowed push")
        allowed.close()
        local = nodes(database, "local")
        before = len(receiver.requests)
        assert local.call("POST", "/v1/events", body={"event": "deliver"})[0] == 200
        wait_for(lambda: len(receiver.requests) > before, seconds=20, what="a push from a loopback node")
    finally:
        receiver.close()


def test_a_node_reaches_the_database_over_tls_when_the_url_asks(database, nodes):
    ca = os.environ.get("WHS_TEST_POSTGRES_CA")
    assert ca and os.path.exists(ca), "scripts/postgres makes the test server's CA"
    verified = nodes(database + f"?sslmode=verify-full&sslrootcert={ca}", "tls")
    assert any("sslmode=verify-full" in line for line in verified.lines), verified.lines
    assert verified.call("POST", "/v1/webhooks", body={"url": "https://tls-db.example/", "event": [1]})[0] == 200
    name = database.rsplit("/", 1)[1]
    encrypted = psql(database, f"SELECT count(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) WHERE ssl AND datname = '{name}'")
    assert int(encrypted) >= 1, "the node's connections are encrypted"
    assert nodes(database + "?sslmode=require", "require").call("GET", "/v1/webhooks")[1]["total"] == 1
    # verify-full against the system's CAs, which do not know the test CA: refused, clearly.
    refused = subprocess.run([WHS, "serve", "--port", "0"], capture_output=True, text=True, timeout=30,
                             env={**os.environ, "WHS_STORE": database + "?sslmode=verify-full", "XDG_DATA_HOME": verified.data})
    assert refused.returncode != 0 and "TLS certificate is not trusted" in refused.stderr, refused.stderr
    assert database.split(":")[2].split("@")[0] not in refused.stderr
