"""GET /v1/stream (docs/OPERATIONS.md, "Following"): a Python client reads every attempt of a
fan-out of 200 as Server-Sent Events, resumes with Last-Event-ID after a disconnect without
gaps or repeats, and a client that goes away leaves nothing behind on the server."""
import json
import os
import signal
import time

from support import EventStream, Node, Receiver, sample, wait_for

FANOUT = 200


def fan_out(node, receiver, count=FANOUT):
    for n in range(count):
        status, _, body = node.call("POST", "/v1/webhooks", body={"url": receiver.url(f"/hook/{n}"), "event": [1]})
        assert status == 200, body
    status, _, body = node.call("POST", "/v1/events", body={"event": "deliver"})
    assert status == 200 and body["count"] == count, body


def attempts(stream, want, seconds=30):
    """Reads attempt events until `want` arrived (or time is up): [(id, data)]."""
    seen = []
    deadline = time.monotonic() + seconds
    for event_id, kind, data in stream.events():
        if kind == "attempt":
            seen.append((event_id, json.loads(data)))
        if len(seen) >= want or time.monotonic() > deadline:
            break
    return seen


def test_a_python_client_sees_every_attempt_of_a_fan_out_of_200():
    receiver = Receiver()
    node = Node("--user", "acme:alice:alice-key", "--user", "other:olga:olga-key")
    try:
        stream = EventStream(node.base)
        assert stream.status == 200 and stream.response.getheader("Content-Type") == "text/event-stream; charset=utf-8"
        ready = next(stream.events())
        assert ready[1] == "ready" and json.loads(ready[2])["last_event_id"] == ready[0]
        # Another account's stream sees none of it.
        other = EventStream(node.base, user="olga")
        next(other.events())
        fan_out(node, receiver)
        seen = attempts(stream, FANOUT)
        assert len(seen) == FANOUT
        assert len({row["delivery_id"] for _, row in seen}) == FANOUT, "each delivery once"
        assert all(row["state"] == "succeeded" and row["attempt"]["status"] == 200 for _, row in seen)
        ids = [int(event_id) for event_id, _ in seen]
        assert ids == sorted(ids) and len(set(ids)) == FANOUT, "ids grow"
        other.close()
        stream.close()
    finally:
        node.close()
        receiver.close()


def test_last_event_id_resumes_without_gaps_or_repeats_after_a_disconnect():
    # Slow pushes: the disconnect falls in the middle of the fan-out.
    receiver = Receiver(delay=0.05)
    node = Node("--user", "acme:alice:alice-key")
    try:
        stream = EventStream(node.base)
        next(stream.events())
        fan_out(node, receiver)
        first = attempts(stream, 50)
        stream.close()
        resume_from = first[-1][0]
        time.sleep(0.3)
        again = EventStream(node.base, last_event_id=resume_from)
        assert again.status == 200
        rest = attempts(again, FANOUT - len(first))
        again.close()
        delivered = [row["delivery_id"] for _, row in first + rest]
        assert len(delivered) == FANOUT and len(set(delivered)) == FANOUT, "no gap, no repeat"
        assert int(rest[0][0]) > int(resume_from)
        # The same through the query, as a page that cannot set headers would resume.
        again = EventStream(node.base, query=f"?last_event_id={resume_from}&kinds=attempt")
        assert [row["delivery_id"] for _, row in attempts(again, FANOUT - 50)] == [row["delivery_id"] for _, row in rest]
        again.close()
    finally:
        node.close()
        receiver.close()


def test_a_client_that_goes_away_leaves_nothing_behind():
    node = Node("--user", "acme:alice:alice-key")
    try:
        def open_files():
            return len(os.listdir(f"/proc/{node.process.pid}/fd"))

        def follows():
            return sample(node.metrics(), "whs_stream_follows")

        # One follow first: what the server makes once (an event loop's descriptors) is not
        # what a follow holds.
        warm = EventStream(node.base)
        next(warm.events())
        warm.close()
        wait_for(lambda: follows() == 0, seconds=5, what="the first follow freed")

        def settled_files():
            # The metrics calls' own connections close a moment after their answers.
            before = open_files()
            time.sleep(0.2)
            return before == open_files()
        wait_for(settled_files, seconds=5, what="no connection closing")
        baseline = open_files()
        streams = [EventStream(node.base) for _ in range(20)]
        for stream in streams:
            next(stream.events())
        assert follows() == 20
        assert open_files() >= baseline + 20
        started = time.monotonic()
        for stream in streams:
            stream.close()
        wait_for(lambda: follows() == 0, seconds=5, what="every follow freed")
        assert time.monotonic() - started < 1.5, "freed when the client closed, not at a later write"
        wait_for(lambda: open_files() <= baseline, seconds=5, what="every connection closed")
        # The node goes on serving, and a new follow works.
        stream = EventStream(node.base)
        assert next(stream.events())[1] == "ready"
        stream.close()
    finally:
        node.close()


def test_a_node_stops_at_once_with_streams_open():
    node = Node("--user", "acme:alice:alice-key")
    stream = EventStream(node.base)
    next(stream.events())
    started = time.monotonic()
    node.process.send_signal(signal.SIGTERM)
    assert node.process.wait(10) == 0
    assert time.monotonic() - started < 2
    assert list(stream.events()) == [], "the stream ended cleanly"


def test_bad_stream_requests_are_refused_with_what_is_known():
    node = Node("--user", "acme:alice:alice-key")
    try:
        for headers, query, words in [({"Last-Event-ID": "yesterday"}, "", "Last-Event-ID must be"),
                                      ({}, "?kinds=mail,bounce", "kinds must name mail, engagement or attempt"),
                                      ({}, "?since=1", "unknown query parameter")]:
            status, _, refusal = node.call("GET", "/v1/stream" + query, headers=headers)
            assert status == 400 and words in refusal["message"], refusal
        status, headers, _ = node.call("GET", "/v1/stream", user=None)
        assert status == 401 and headers["WWW-Authenticate"].startswith("Basic realm=")
        assert node.call("POST", "/v1/stream")[0] == 405
    finally:
        node.close()
