"""A webhook receiver written independently of whs, to check its pushes from the outside.

It records every request (method, path, headers, body, arrival time) and answers as told:
fail the first N requests with 500, answer a fixed status, or never answer at all.
"""
import base64
import http.server
import json
import os
import re
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

import pytest

WHS = os.environ.get("WHS_BINARY") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", ".build", "debug", "whs")


class Backlogged(http.server.ThreadingHTTPServer):
    """Python's default listen backlog is 5: a node opening its 32 connections at once had
    some SYNs dropped, and a push retransmitted past its 3 s deadline was retried."""
    request_queue_size = 128


class Receiver:
    def __init__(self, fail_first=0, status=200, hang=False, port=0, delay=0.0):
        self.requests = []
        self.delay = delay
        self.fail_first = fail_first
        self.status = status
        self.hang = hang
        self.lock = threading.Lock()
        self.release = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with receiver.lock:
                    receiver.requests.append({
                        "time": time.time(), "method": "POST", "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body,
                    })
                    number = len(receiver.requests)
                if receiver.hang:
                    receiver.release.wait(30)
                    return
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = 500 if number <= receiver.fail_first else receiver.status
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = Backlogged(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path="/hook"):
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    """Makes receivers (`receiver(fail_first=2)`) and closes them after the test."""
    made = []

    def make(**kwargs):
        made.append(Receiver(**kwargs))
        return made[-1]
    yield make
    for one in made:
        one.close()


@pytest.fixture
def store():
    """A store file in a fresh folder."""
    return os.path.join(tempfile.mkdtemp(prefix="whs-test-"), "store.sqlite")


@pytest.fixture
def server(store):
    """Makes `whs serve` nodes on the test's store, mail events without delay (`server("--flag")`),
    and stops them after the test."""
    made = []

    def make(*extra):
        made.append(Server(store, "--event-delay", "0", *extra))
        return made[-1]
    yield make
    for one in made:
        one.close()


def whs(*args, env=None, timeout=60, check=True):
    """Runs the built whs; returns (status, stdout, stderr)."""
    environment = dict(os.environ)
    environment.setdefault("XDG_DATA_HOME", tempfile.mkdtemp(prefix="whs-data-"))
    environment.update(env or {})
    done = subprocess.run([WHS, *args], capture_output=True, text=True, timeout=timeout, env=environment)
    if check and done.returncode != 0:
        raise AssertionError(f"whs {args} exited {done.returncode}\nstdout: {done.stdout}\nstderr: {done.stderr}")
    return done.returncode, done.stdout, done.stderr


def whs_json(store, script, **kwargs):
    """Runs a script with --json and returns each shown value, parsed."""
    _, out, _ = whs("--store", store, "--json", "-c", script, **kwargs)
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate, seconds=10, what="condition"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


class Server:
    """`whs serve` on a free port with two accounts."""

    def __init__(self, store, *extra):
        self.process = subprocess.Popen(
            [WHS, "serve", "--store", store, "--port", "0", "--quiet", "--retry-delays", "0.05",
             "--user", "acme:alice:alice-key", "--user", "other:olga:olga-key", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = self.process.stdout.readline()
        self.base = re.search(r"http://[0-9.:]+", first).group(0)
        # Piped, whs serve prints each key's fingerprint, not the key (docs/OPERATIONS.md,
        # "Logs"): the keys are read as an application would, with GET /v1/app_key.
        self.fingerprints = {}
        for _ in range(2):
            line = self.process.stdout.readline()
            account, fingerprint = re.search(r"account (\w+): app key sha256:([0-9a-f]{8}) ", line).groups()
            self.fingerprints[account] = fingerprint
        self.keys = {account: self.call("GET", "/v1/app_key", user)[1]["app_key"] for account, user in (("acme", "alice"), ("other", "olga"))}

    def call(self, method, path, user=None, body=None):
        request = urllib.request.Request(self.base + path, method=method,
                                         data=None if body is None else json.dumps(body).encode())
        if user:
            token = base64.b64encode(f"{user}:{user}-key".encode()).decode()
            request.add_header("Authorization", "Basic " + token)
        if body is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def close(self):
        self.process.terminate()
        self.process.wait(10)
