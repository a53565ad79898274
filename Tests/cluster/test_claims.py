"""A node claims ahead of its workers (up to four times them while attempts are quick,
docs/SCALING.md): a large claim still keeps each mail's pushes in order and pushes each
delivery once."""

from cluster import Receiver, database, events_by_mail, nodes, psql, wait_for  # noqa: F401 (fixtures)


def test_large_claims_keep_each_mails_pushes_in_order_and_push_each_once(database, nodes):
    from engagelab_email import EngageLabEmailClient

    receiver = Receiver()
    try:
        node = nodes(database, "n1", "--event-delay", "0", "--lease", "5s")
        assert node.call("POST", "/v1/webhooks", body={"url": receiver.url("/mail"), "event": [18, 32, 1, 11, 10]})[0] == 200
        sdk = EngageLabEmailClient("alice", "alice-key", base_url=node.base)
        ids = []
        for batch in range(4):
            recipients = [f"r{batch}-{i}+open+click@example.com" for i in range(50)]
            ids += sdk.send({"from": "shop@example.com", "to": recipients,
                             "body": {"subject": "Hi", "content": {"html": '<a href="https://x.example/a">a</a>'}}})["email_ids"]
        wait_for(lambda: len(receiver.requests) >= 1000, seconds=60, what="5 pushes for each of 200 recipients")
        order = events_by_mail(receiver.requests)
        assert set(order) == set(ids)
        assert all(events == ["target", "sent", "delivered", "open", "click"] for events in order.values()), order
        wait_for(lambda: psql(database, "SELECT count(*) FROM deliveries WHERE state = 'succeeded'") == "1000", seconds=20,
                 what="every delivery logged")
        # One attempt each: nothing claimed ahead outlived its lease and was taken twice.
        assert psql(database, "SELECT count(*), count(DISTINCT delivery_id) FROM delivery_attempts") == "1000|1000"
        assert len(receiver.requests) == 1000
        # More than a claim of the workers alone was in hand at once (32): the claims were large.
        largest = psql(database, "SELECT max(n) FROM (SELECT count(*) AS n FROM delivery_attempts GROUP BY floor(time * 20)) AS t")
        print(f"\n1,000 pushes in chains of 5 through one node: at most {largest} attempts in one 50 ms window")
    finally:
        receiver.close()
