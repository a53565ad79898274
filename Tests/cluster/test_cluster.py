"""Three nodes on one PostgreSQL database: one store for every client, shared delivery work,
and a node killed in the middle of a fan-out losing nothing (docs/SCALING.md)."""
import json
import threading
import time
from collections import Counter

from cluster import Receiver, database, events_by_mail, nodes, psql, wait_for  # noqa: F401 (fixtures)


def test_adds_through_three_nodes_at_once_lose_nothing_and_races_have_one_winner(database, nodes):
    cluster = [nodes(database, f"n{i}") for i in range(1, 4)]
    made, failures = [], []
    lock = threading.Lock()

    def client(number):
        for i in range(40):
            node = cluster[(number + i) % 3]
            status, body = node.call("POST", "/v1/webhooks", body={"url": f"https://c{number}.example/{i}", "event": [1]})
            with lock:
                (made if status == 200 else failures).append((status, body))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    ids = [body["result"][0]["id"] for _, body in made]
    assert len(ids) == 160 and len(set(ids)) == 160, "every add got an id of its own"
    # Every node lists everything any node wrote, at once.
    for node in cluster:
        status, page = node.call("GET", "/v1/webhooks?limit=100&offset=100")
        assert status == 200 and page["total"] == 160 and page["count"] == 60

    # Eight clients add the same url through the three nodes at the same moment.
    outcomes = []
    gate = threading.Barrier(8)

    def racer(number):
        gate.wait()
        outcomes.append(cluster[number % 3].call("POST", "/v1/webhooks", body={"url": "https://race.example/x", "event": [1]}))

    racers = [threading.Thread(target=racer, args=(n,)) for n in range(8)]
    for thread in racers:
        thread.start()
    for thread in racers:
        thread.join(30)
    wins = [body for status, body in outcomes if status == 200]
    losses = [body for status, body in outcomes if status == 409]
    assert len(wins) == 1 and len(losses) == 7, outcomes
    winner = wins[0]["result"][0]["id"]
    assert all(f"(id {winner})" in body["message"] for body in losses)
    # A modify into the taken url is refused the same way, whichever node takes it.
    status, body = cluster[2].call("POST", f"/v1/webhooks/{ids[0]}", body={"url": "https://race.example/x"})
    assert status == 409 and f"(id {winner})" in body["message"]
    # Another account sees none of it.
    status, page = cluster[1].call("GET", "/v1/webhooks", user="olga")
    assert status == 200 and page["total"] == 0


def test_a_fan_out_is_shared_and_survives_a_node_killed_mid_way(database, nodes):
    receiver = Receiver(delay=0.15)
    try:
        first = nodes(database, "n1", "--lease", "5s")
        for i in range(1000):
            status, _ = first.call("POST", "/v1/webhooks", body={"url": receiver.url(f"/h{i}"), "event": [1]})
            assert status == 200
        others = [nodes(database, f"n{i}", "--lease", "5s") for i in (2, 3)]
        cluster = [first] + others
        status, answer = first.call("POST", "/v1/events", body={"event": "deliver"}, timeout=30)
        assert status == 200 and answer["count"] == 1000
        wait_for(lambda: len(receiver.requests) >= 250, seconds=30, what="a quarter of the pushes")
        by_node = dict(row.split("|") for row in psql(database, "SELECT node, count(*) FROM delivery_attempts GROUP BY node").splitlines())
        busiest = max(by_node, key=lambda name: int(by_node[name]))
        victim = next(node for node in cluster if node.name == busiest)
        in_flight = int(psql(database, f"SELECT count(*) FROM delivery_queue WHERE lease_node = '{busiest}'"))
        victim.kill()
        killed_at = time.time()
        wait_for(lambda: len({r["path"] for r in receiver.requests}) == 1000, seconds=60, what="every webhook's push")
        last = max(r["time"] for r in receiver.requests)
        counts = Counter(r["path"] for r in receiver.requests)
        duplicates = sum(count - 1 for count in counts.values())
        nodes_seen = psql(database, "SELECT count(DISTINCT node) FROM delivery_attempts")
        print(f"\nfan-out of 1000 over 3 nodes, {busiest} killed: last push {last - killed_at:.2f} s after the kill; "
              f"{duplicates} duplicates, {in_flight} deliveries were leased to it at the kill; attempts by {by_node} before it")
        assert int(nodes_seen) >= 2, "the work was shared"
        assert duplicates <= in_flight, "only deliveries in flight at the kill are pushed twice"
        assert last - killed_at < 5 + 2 + 3, "the dead node's leases were taken over within lease + poll + an attempt"
        # Every delivery settled in the log, each attempt naming a node.
        wait_for(lambda: psql(database, "SELECT count(*) FROM deliveries WHERE state = 'succeeded'") == "1000", seconds=20,
                 what="every delivery logged")
        # Reported once the log settled: the dead node's leased deliveries are pushed again only
        # after their lease, later than the last webhook's first push.
        settled = Counter(r["path"] for r in receiver.requests)
        print(f"once every delivery was logged: {sum(c - 1 for c in settled.values())} duplicates in all")
        assert psql(database, "SELECT count(*) FROM delivery_attempts WHERE node IS NULL") == "0"
    finally:
        receiver.close()


def test_a_node_stopped_mid_fan_out_logs_its_pushes_and_hands_back_the_rest(database, nodes):
    # SIGTERM (docs/SERVER.md): the pushes under way end and are logged; what the node had
    # claimed and not started is given back at once, not after its 30 s lease.
    receiver = Receiver(delay=1.0)
    try:
        first = nodes(database, "n1", "--lease", "30s")
        for i in range(100):
            assert first.call("POST", "/v1/webhooks", body={"url": receiver.url(f"/h{i}"), "event": [1]})[0] == 200
        second = nodes(database, "n2", "--lease", "30s")
        status, answer = first.call("POST", "/v1/events", body={"event": "deliver"})
        assert status == 200 and answer["count"] == 100
        wait_for(lambda: len(receiver.requests) >= 1, seconds=10, what="the first push")
        # The whole fan-out was leased to n1 as it was written (attempts logged leave the queue).
        assert psql(database, "SELECT (SELECT count(*) FROM delivery_queue WHERE lease_node = 'n1')"
                              " + (SELECT count(*) FROM delivery_attempts WHERE node = 'n1')") == "100"
        stopped = time.monotonic()
        first.process.terminate()
        assert first.process.wait(10) == 0
        # It waited for its pushes' answers (1 s), not for a deadline.
        assert 0.3 < time.monotonic() - stopped < 3.5
        # Whatever n1 pushed is logged, and it holds no lease: a push it made and did not log
        # would stay leased to it for 30 s, and the waits below would fail.
        assert psql(database, "SELECT count(*) FROM delivery_queue WHERE lease_node = 'n1'") == "0"
        by_first = int(psql(database, "SELECT count(*) FROM delivery_attempts WHERE node = 'n1'"))
        assert 1 <= by_first < 100
        # n2 takes the rest now: three rounds of its 32 workers at 1 s, well inside the lease.
        wait_for(lambda: psql(database, "SELECT count(*) FROM deliveries WHERE state = 'succeeded'") == "100", seconds=12,
                 what="the rest of the fan-out pushed by n2 and logged")
        time.sleep(0.3)
        # Each webhook was pushed, and only by the attempts in the log: n1's logged pushes were
        # not made again, and what it gave back it had not pushed. (A retry after a time-out on
        # the loaded machine is an attempt of its own, logged too.)
        assert sorted(set(r["path"] for r in receiver.requests)) == sorted(f"/h{i}" for i in range(100))
        assert len(receiver.requests) == int(psql(database, "SELECT count(*) FROM delivery_attempts"))
        assert psql(database, "SELECT count(*) FROM (SELECT delivery_id FROM delivery_attempts GROUP BY delivery_id"
                              " HAVING count(DISTINCT node) > 1) AS both_nodes") == "0", "no delivery pushed by both nodes"
        assert int(psql(database, "SELECT count(DISTINCT delivery_id) FROM delivery_attempts WHERE node = 'n2'")) == 100 - by_first
        assert second.process.poll() is None
    finally:
        receiver.close()


def test_two_nodes_starting_together_on_an_empty_database_migrate_once(database, nodes):
    results = []

    def start(name):
        results.append(nodes(database, name))

    threads = [threading.Thread(target=start, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == 2
    migrations = [row.split("|") for row in psql(database, "SELECT version, node FROM whs_migrations ORDER BY version").splitlines()]
    # Each step ran once, all by the node that took the lock first.
    assert [int(version) for version, _ in migrations] == list(range(1, len(migrations) + 1)) and len(migrations) >= 2, migrations
    assert len({node for _, node in migrations}) == 1, migrations
    for node in results:
        status, health = node.call("GET", "/v1/health", user=None)
        assert status == 200 and health["store"] == "reachable" and health["node"] == node.name
        assert node.call("POST", "/v1/webhooks", body={"url": f"https://{node.name}.example/", "event": [1]})[0] == 200
    assert results[0].call("GET", "/v1/webhooks")[1]["total"] == 2


def test_the_sdk_sends_through_one_node_and_the_pushes_arrive_in_order(database, nodes):
    from engagelab_email import EngageLabEmailClient

    receiver = Receiver()
    try:
        one, two = nodes(database, "n1", "--event-delay", "0"), nodes(database, "n2", "--event-delay", "0")
        assert two.call("POST", "/v1/webhooks", body={"url": receiver.url("/mail"), "event": [18, 32, 1, 11, 10]})[0] == 200
        sdk = EngageLabEmailClient("alice", "alice-key", base_url=one.base)
        recipients = [f"r{i}+open+click@example.com" for i in range(20)]
        answer = sdk.send({"from": "shop@example.com", "to": recipients,
                           "body": {"subject": "Hi", "content": {"html": '<a href="https://x.example/a">a</a>'}}})
        assert len(answer["email_ids"]) == 20
        wait_for(lambda: len(receiver.requests) == 100, seconds=30, what="5 pushes for each of 20 recipients")
        order = events_by_mail(receiver.requests)
        assert set(order) == set(answer["email_ids"])
        assert all(events == ["target", "sent", "delivered", "open", "click"] for events in order.values()), order
        # The other node's log has the mails; every attempt names a node of the two (which of
        # them claims what is the claim loop's race: the fan-out test shows the sharing).
        status, mails = two.call("GET", "/v1/mails?limit=100")
        assert status == 200 and mails["count"] == 20
        assert set(psql(database, "SELECT DISTINCT node FROM delivery_attempts").splitlines()) <= {"n1", "n2"}
    finally:
        receiver.close()
