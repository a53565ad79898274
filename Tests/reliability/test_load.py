"""Load: `whs serve` under a mixed read/write load from several clients, then checks: no 5xx,
no lost or duplicated webhook, resident memory flat after warm-up (docs/RELIABILITY.md).

CI runs it for 5 s; `scripts/load` runs it for 30 s (WHS_LOAD_SECONDS)."""
import base64
import http.client
import json
import os
import random
import re
import subprocess
import tempfile
import threading
import time

WHS = os.environ.get("WHS_BINARY") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", ".build", "debug", "whs")
SECONDS = float(os.environ.get("WHS_LOAD_SECONDS", "5"))
CLIENTS = int(os.environ.get("WHS_LOAD_CLIENTS", "6"))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


class Client(threading.Thread):
    """One API_USER's worth of traffic: adds, lists, modifies and deletes of its own webhooks,
    remembering which of its webhooks should exist at the end."""

    def __init__(self, number, port, deadline):
        super().__init__()
        self.number, self.port, self.deadline = number, port, deadline
        self.user = f"user{number % 3}"
        self.auth = "Basic " + base64.b64encode(f"{self.user}:key{number % 3}".encode()).decode()
        self.alive = {}            # id -> url
        self.requests = 0
        self.failures = []         # (status, body) of anything but the expected answer
        self.chance = random.Random(number)

    def call(self, connection, method, path, body=None):
        headers = {"Authorization": self.auth}
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        self.requests += 1
        return response.status, json.loads(payload) if payload else None

    def run(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        serial = 0
        while time.monotonic() < self.deadline:
            roll = self.chance.random()
            if roll < 0.35 or not self.alive:
                serial += 1
                url = f"https://example.com/load/{self.number}/{serial}"
                status, body = self.call(connection, "POST", "/v1/webhooks",
                                         {"url": url, "api_user": self.user, "event": [1, 11]})
                if status == 200:
                    self.alive[body["result"][0]["id"]] = url
                else:
                    self.failures.append((status, body))
            elif roll < 0.8:
                offset = self.chance.randrange(0, 200)
                status, body = self.call(connection, "GET", f"/v1/webhooks?api_user={self.user}&offset={offset}&limit=20")
                if status != 200:
                    self.failures.append((status, body))
            elif roll < 0.9:
                hook = self.chance.choice(list(self.alive))
                status, body = self.call(connection, "PUT", f"/v1/webhooks/{hook}", {"event": [10]})
                if status != 200 or body != {"count": 1}:
                    self.failures.append((status, body))
            else:
                hook = self.chance.choice(list(self.alive))
                status, body = self.call(connection, "DELETE", f"/v1/webhooks/{hook}")
                if status != 200 or body != {"count": 1}:
                    self.failures.append((status, body))
                else:
                    del self.alive[hook]
        connection.close()


def test_mixed_load_loses_nothing_and_memory_stays_flat():
    store = os.path.join(tempfile.mkdtemp(prefix="whs-load-"), "store.sqlite")
    users = ",".join(f"acme:user{n}:key{n}" for n in range(3))
    server = subprocess.Popen([WHS, "serve", "--store", store, "--port", "0", "--quiet"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "WHS_USERS": users})
    try:
        port = int(re.search(r":(\d+) ", server.stdout.readline()).group(1))
        deadline = time.monotonic() + SECONDS
        clients = [Client(n, port, deadline) for n in range(CLIENTS)]
        for client in clients:
            client.start()
        samples = []
        while any(client.is_alive() for client in clients):
            samples.append(rss_kib(server.pid))
            time.sleep(0.25)
        for client in clients:
            client.join()
        failures = [f for client in clients for f in client.failures]
        assert not failures, f"{len(failures)} unexpected answers, e.g. {failures[:3]}"
        total_requests = sum(client.requests for client in clients)
        assert total_requests > 100 * SECONDS, f"only {total_requests} requests in {SECONDS} s"

        # Every webhook a client still has is there exactly once, and nothing else is.
        expected = {hook: url for client in clients for hook, url in client.alive.items()}
        found = {}
        auth = "Basic " + base64.b64encode(b"user0:key0").decode()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        offset = 0
        while True:
            connection.request("GET", f"/v1/webhooks?offset={offset}&limit=100", headers={"Authorization": auth})
            page = json.loads(connection.getresponse().read())
            for webhook in page["result"]:
                assert webhook["id"] not in found, f"webhook {webhook['id']} listed twice"
                found[webhook["id"]] = webhook["url"]
            offset += page["count"]
            if page["count"] == 0 or offset >= page["total"]:
                break
        assert found == expected
        assert len(set(found.values())) == len(found)

        # Memory: after the first third (warm-up), no more than 25% (and 4 MiB) above it.
        warm = samples[len(samples) // 3:]
        assert warm, "too few memory samples"
        baseline = warm[0]
        peak = max(warm)
        assert peak <= baseline * 1.25 + 4096, f"resident memory grew from {baseline} KiB to {peak} KiB: {samples}"
        print(f"load: {total_requests} requests in {SECONDS} s from {CLIENTS} clients, "
              f"{len(found)} webhooks at the end, resident {baseline} -> {peak} KiB")
    finally:
        server.terminate()
        server.wait(10)
    assert server.returncode == 0
