"""Metrics while the database is away (docs/OPERATIONS.md, "Metrics"): the page still answers,
at once, and says so: store errors counted by kind, the 503s counted by route and status."""
import os
import sys
import time
import urllib.request

from cluster import call, database, nodes, postgres, wait_for  # noqa: F401 (fixtures)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "observability"))
from support import parse_metrics, sample  # noqa: E402


def scrape(node):
    started = time.monotonic()
    with urllib.request.urlopen(node.base + "/metrics", timeout=10) as answer:
        return parse_metrics(answer.read().decode()), time.monotonic() - started


def test_store_errors_are_counted_and_the_page_answers_while_the_database_is_away(database, nodes):
    node = nodes(database, "n1")
    before, _ = scrape(node)
    assert sample(before, "whs_store_errors_total", kind="unreachable") == 0
    assert ("whs_deliveries", frozenset({("node", "n1"), ("state", "pending")})) in before
    postgres("stop")
    try:
        assert node.call("GET", "/v1/webhooks", timeout=15)[0] == 503
        during, seconds = scrape(node)
        assert seconds < 3, f"the page took {seconds:.1f} s without its database"
    finally:
        postgres("start")
    assert sample(during, "whs_store_errors_total", kind="unreachable") >= 2, "the request's and the page's own"
    assert sample(during, "whs_http_requests_total", route="/v1/webhooks", status="503") == 1
    assert not any(name == "whs_deliveries" for (name, _) in during), "no figure is made up when the log cannot be read"
    wait_for(lambda: node.call("GET", "/v1/webhooks", timeout=15)[0] == 200, seconds=30, what="the node serving again")
    after, _ = scrape(node)
    assert ("whs_deliveries", frozenset({("node", "n1"), ("state", "pending")})) in after
