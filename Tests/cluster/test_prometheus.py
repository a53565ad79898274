"""Prometheus itself scraping two nodes of one PostgreSQL store (docs/OPERATIONS.md, "Metrics"),
each directly, with the bearer token in its scrape configuration, while the official SDK sends
through nginx in front of them. Prometheus's HTTP API is asked: its count of succeeded
deliveries is the delivery log's, its request counters are what the test sent."""
import json
import os
import shutil
import subprocess
import tempfile
import textwrap
import time
import urllib.parse
import urllib.request

import pytest

from cluster import Receiver, call, database, free_port, nodes, wait_for  # noqa: F401 (fixtures)
from test_nginx import Nginx, proxy, upstream

from engagelab_email import EngageLabEmailClient

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
TOKEN = "scrape-token-7f3a"
SENDS = 15
LISTS = 9


class Prometheus:
    """Debian's prometheus on a free port, its data in a folder of its own, scraping `targets`."""

    def __init__(self, targets, token_file):
        self.folder = tempfile.mkdtemp(prefix="whs-prometheus-")
        self.port = free_port()
        config = os.path.join(self.folder, "prometheus.yml")
        with open(config, "w") as out:
            out.write(textwrap.dedent(f"""
                global:
                  scrape_interval: 1s
                scrape_configs:
                  - job_name: whs
                    scrape_interval: 1s
                    scrape_timeout: 1s
                    authorization:
                      credentials_file: {token_file}
                    static_configs:
                      - targets: [{", ".join(repr(t) for t in targets)}]
                """))
        self.log = open(os.path.join(self.folder, "prometheus.log"), "w+")
        self.process = subprocess.Popen([PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={self.folder}/data",
                                         f"--web.listen-address=127.0.0.1:{self.port}"], stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(self.ready, seconds=30, what="prometheus ready")

    def ready(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/ready", timeout=2) as answer:
                return answer.status == 200
        except OSError:
            return False

    def query(self, promql):
        """The vector's samples as {labels: value} (an instant query)."""
        url = f"http://127.0.0.1:{self.port}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
        with urllib.request.urlopen(url, timeout=5) as answer:
            body = json.loads(answer.read())
        assert body["status"] == "success", body
        return {tuple(sorted(r["metric"].items())): float(r["value"][1]) for r in body["data"]["result"]}

    def scalar(self, promql):
        found = self.query(promql)
        return next(iter(found.values())) if len(found) == 1 else None

    def close(self):
        self.process.terminate()
        self.process.wait(20)
        self.log.seek(0)
        return self.log.read()


@pytest.mark.skipif(not os.path.exists(PROMETHEUS), reason="no prometheus (scripts/setup --test installs it)")
def test_prometheus_scrapes_two_nodes_while_the_sdk_sends_through_nginx(database, nodes):
    target = Receiver(fail_first=3)
    one = nodes(database, "n1", "--event-delay", "0", "--metrics-token", TOKEN)
    two = nodes(database, "n2", "--event-delay", "0", "--metrics-token", TOKEN)
    token_file = os.path.join(tempfile.mkdtemp(prefix="whs-token-"), "token")
    with open(token_file, "w") as out:
        out.write(TOKEN)
    port = free_port()
    nginx = Nginx(upstream([one, two]) + f"server {{\n    listen 127.0.0.1:{port};\n{proxy()}}}\n")
    base = f"http://127.0.0.1:{port}"
    prometheus = Prometheus([one.base[len("http://"):], two.base[len("http://"):]], token_file)
    try:
        wait_for(lambda: prometheus.scalar('count(up{job="whs"} == 1)') == 2, seconds=20, what="both nodes scraped with the token")
        wait_for(lambda: call(base, "GET", "/v1/health", user=None)[0] == 200, what="nginx")
        status, _ = call(base, "POST", "/v1/webhooks", body={"url": target.url(), "event": [18, 32, 1]})
        assert status == 200
        sdk = EngageLabEmailClient("alice", "alice-key", base_url=base)
        for n in range(SENDS):
            answer = sdk.send({"from": "shop@example.com", "to": [f"r{n}@example.com"],
                               "body": {"subject": f"Order {n}", "content": {"html": "<p>thanks</p>"}}})
            assert len(answer["email_ids"]) == 1
        for _ in range(LISTS):
            assert call(base, "GET", "/v1/webhooks?limit=1")[0] == 200

        def settled():
            status, log = call(base, "GET", "/v1/deliveries?limit=1000")
            return status == 200 and log["count"] == 3 * SENDS and all(d["state"] != "pending" for d in log["deliveries"])
        wait_for(settled, seconds=30, what="every push settled")
        status, log = call(base, "GET", "/v1/deliveries?state=succeeded&limit=1000")
        succeeded = log["count"]
        assert succeeded == 3 * SENDS, "the receiver failed the first three attempts only"

        # Prometheus's figures, once a scrape after the last attempt came in.
        wait_for(lambda: prometheus.scalar('max(whs_deliveries{state="succeeded"})') == succeeded, seconds=20,
                 what="Prometheus sees the log's succeeded count")
        wait_for(lambda: prometheus.scalar('min(whs_deliveries{state="succeeded"})') == succeeded, seconds=20,
                 what="both nodes reading the one log")
        wait_for(lambda: prometheus.scalar('sum(whs_delivery_attempts_total{outcome="succeeded"})') == succeeded, seconds=20,
                 what="the nodes' succeeded attempts")
        assert prometheus.scalar('sum(whs_delivery_attempts_total{outcome="retrying"})') == 3
        assert prometheus.scalar('sum(whs_deliveries{state="pending"})') == 0
        sends = prometheus.query('sum by (node) (whs_http_requests_total{route="/v1/mail/send", method="POST", status="200"})')
        assert sum(sends.values()) == SENDS, sends
        assert set(sends) == {(("node", "n1"),), (("node", "n2"),)}, "nginx sent requests to both nodes"
        assert prometheus.scalar('sum(whs_http_requests_total{route="/v1/webhooks", method="GET", status="200"})') == LISTS
        assert prometheus.scalar('sum(whs_mails_sent_total)') == SENDS
        assert prometheus.scalar('sum(whs_mail_events_total{event="deliver"})') == SENDS
        # Each node's pushes, by the node label on the attempts it made.
        by_node = prometheus.query('sum by (node) (whs_delivery_attempts_total)')
        assert sum(by_node.values()) == succeeded + 3
        # The documented queries answer (docs/OPERATIONS.md).
        for promql in ['sum by (node) (rate(whs_http_requests_total{status=~"5.."}[5m]))',
                       'histogram_quantile(0.99, sum by (le, route) (rate(whs_http_request_duration_seconds_bucket[5m])))',
                       'max(whs_deliveries{state="pending"})',
                       'sum(rate(whs_delivery_attempts_total{outcome!="succeeded"}[5m])) / sum(rate(whs_delivery_attempts_total[5m]))']:
            prometheus.query(promql)
        # Prometheus's own view of the targets: both up, scraped with the token.
        with urllib.request.urlopen(f"http://127.0.0.1:{prometheus.port}/api/v1/targets", timeout=5) as answer:
            targets = json.loads(answer.read())["data"]["activeTargets"]
        assert sorted(t["health"] for t in targets) == ["up", "up"], targets
    finally:
        log = prometheus.close()
        nginx.close()
        target.close()
    assert TOKEN not in one.log() + two.log()
    assert "error" not in log.lower() or "scrape" not in log.lower(), log
