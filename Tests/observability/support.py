"""Helpers of the observability tests: `whs serve` started with any flags (its start-up lines
and its log kept), Basic calls, a Server-Sent Events reader, and the metrics page parsed."""
import base64
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "delivery"))
from receiver import WHS, Receiver, free_port, wait_for  # noqa: E402,F401


def basic(user, key=None):
    return "Basic " + base64.b64encode(f"{user}:{key or user + '-key'}".encode()).decode()


class Node:
    """`whs serve` on a free port; stdout and stderr kept whole, line by line."""

    def __init__(self, *args, env=None, store=None):
        self.folder = tempfile.mkdtemp(prefix="whs-obs-")
        environment = {**os.environ, "XDG_DATA_HOME": os.path.join(self.folder, "data"), **(env or {})}
        where = ["--store", store] if store else (["--memory"] if "--store" not in args and "WHS_STORE" not in environment else [])
        self.process = subprocess.Popen([WHS, "serve", "--port", "0", *where, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, env=environment)
        self.out, self.err = [], []
        first = self.process.stdout.readline()
        self.out.append(first)
        found = re.search(r"http://[0-9.:]+", first)
        if not found:
            self.process.wait(10)
            raise AssertionError(f"whs serve did not start: {first}{self.process.stderr.read()}")
        self.base = found.group(0)
        for stream, lines in ((self.process.stdout, self.out), (self.process.stderr, self.err)):
            threading.Thread(target=lambda s=stream, l=lines: [l.append(x) for x in s], daemon=True).start()

    def call(self, method, path, user="alice", body=None, headers=None, raw=False):
        request = urllib.request.Request(self.base + path, method=method, data=None if body is None else json.dumps(body).encode())
        if user:
            request.add_header("Authorization", basic(user))
        if body is not None:
            request.add_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                text = response.read()
                return response.status, dict(response.headers), (text if raw else json.loads(text))
        except urllib.error.HTTPError as error:
            text = error.read()
            return error.code, dict(error.headers), (text if raw else json.loads(text))

    def metrics(self, headers=None):
        status, answer_headers, body = self.call("GET", "/metrics", user=None, headers=headers, raw=True)
        assert status == 200, body
        return parse_metrics(body.decode())

    def close(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        return self.process.returncode


def parse_metrics(text):
    """{(name, frozenset of label pairs): value} of a Prometheus text page."""
    found = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$', line)
        assert match, f"not a sample line: {line!r}"
        labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(2) or ""))
        found[(match.group(1), labels)] = float(match.group(3))
    return found


def sample(metrics, name, **labels):
    """The value of the one series of `name` whose labels include `labels` (0 when none)."""
    values = [v for (n, l), v in metrics.items() if n == name and set(labels.items()) <= set(l)]
    assert len(values) <= 1, f"{name} {labels} matches {len(values)} series"
    return values[0] if values else 0


class EventStream:
    """`GET /v1/stream` read as an EventSource would: (id, event, data) tuples."""

    def __init__(self, base, user="alice", last_event_id=None, query=""):
        host, port = base[len("http://"):].split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=10)
        headers = {"Authorization": basic(user), "Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        self.connection.request("GET", "/v1/stream" + query, headers=headers)
        self.response = self.connection.getresponse()
        self.status = self.response.status
        self.last_id = None

    def events(self):
        kind, data = "", []
        while True:
            line = self.response.readline()
            if not line:
                return
            line = line.decode().rstrip("\r\n")
            if line == "":
                if data:
                    yield self.last_id, kind or "message", "\n".join(data)
                kind, data = "", []
                continue
            if line.startswith(":"):
                continue
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "data":
                data.append(value)
            elif field == "event":
                kind = value
            elif field == "id":
                self.last_id = value

    def close(self):
        """Goes away as a client does: the connection closed, nothing said."""
        self.connection.sock.close()
        self.connection.close()
