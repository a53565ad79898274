"""GET /v1/stream on PostgreSQL (docs/OPERATIONS.md, "Following"): a node streams what every
node did, and a stream read from one node resumes on another with Last-Event-ID, without gaps
or repeats."""
import json
import os
import sys
import time

from cluster import Receiver, call, database, nodes  # noqa: F401 (fixtures)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "observability"))
from support import EventStream  # noqa: E402

FANOUT = 200


def test_a_stream_resumes_on_another_node_without_gaps_or_repeats(database, nodes):
    receiver = Receiver(delay=0.03)
    one, two = nodes(database, "n1"), nodes(database, "n2")
    try:
        for n in range(FANOUT):
            assert call(two.base, "POST", "/v1/webhooks", body={"url": receiver.url(f"/h/{n}"), "event": [1]})[0] == 200
        stream = EventStream(one.base)
        assert next(stream.events())[1] == "ready"
        status, fired = call(two.base, "POST", "/v1/events", body={"event": "deliver"})
        assert status == 200 and fired["count"] == FANOUT
        first = []
        for event_id, kind, data in stream.events():
            if kind == "attempt":
                first.append((event_id, json.loads(data)))
            if len(first) == 60:
                break
        stream.close()
        again = EventStream(two.base, last_event_id=first[-1][0])
        rest = []
        deadline = time.monotonic() + 60
        for event_id, kind, data in again.events():
            if kind == "attempt":
                rest.append((event_id, json.loads(data)))
            if len(first) + len(rest) >= FANOUT or time.monotonic() > deadline:
                break
        again.close()
        delivered = [row["delivery_id"] for _, row in first + rest]
        assert len(delivered) == FANOUT and len(set(delivered)) == FANOUT, "no gap, no repeat"
        assert {row["attempt"]["node"] for _, row in first + rest} == {"n1", "n2"}, "both nodes pushed, one stream saw both"
        assert all("." in event_id for event_id, _ in first + rest), "PostgreSQL positions are transaction.id"
    finally:
        receiver.close()
