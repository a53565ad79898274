"""What the operations tests share: `whs serve` nodes started here (the first line names the
address; app keys are read from GET /v1/app_key, never from stdout), calls as one of their
users, and the store's rows read with sqlite3 or psql.
"""
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "delivery"))
from receiver import WHS, Receiver, free_port, wait_for, whs  # noqa: E402,F401

USERS = ["--user", "acme:alice:alice-key", "--user", "other:olga:olga-key"]


class Node:
    """`whs serve` with the given flags; its stdout's lines after the first are in `lines`."""

    def __init__(self, *args, env=None, users=USERS):
        environment = dict(os.environ)
        environment.setdefault("XDG_DATA_HOME", tempfile.mkdtemp(prefix="whs-data-"))
        environment.update(env or {})
        self.process = subprocess.Popen([WHS, "serve", "--port", "0", *users, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, env=environment)
        # The request log, read as it comes: a pipe nobody reads fills up and stops the server.
        self.errors = []
        threading.Thread(target=lambda: self.errors.extend(self.process.stderr), daemon=True).start()
        first = self.process.stdout.readline()
        match = re.search(r"http://[0-9.:]+", first)
        if not match:
            # A node that printed something else first is stopped, not left behind.
            self.close()
            time.sleep(0.2)
            raise AssertionError(f"whs serve did not start: {first}{''.join(self.errors)}")
        self.base = match.group(0)

    def call(self, method, path, user="alice", body=None, raw=None):
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        request = urllib.request.Request(self.base + path, method=method, data=data)
        if user:
            request.add_header("Authorization", "Basic " + base64.b64encode(f"{user}:{user}-key".encode()).decode())
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def ok(self, method, path, user="alice", body=None):
        status, answer = self.call(method, path, user, body)
        assert status == 200, (method, path, status, answer)
        return answer

    def app_key(self, user="alice"):
        return self.ok("GET", "/v1/app_key", user)["app_key"]

    def close(self):
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


def postgres_url():
    """The test run's PostgreSQL server (scripts/postgres), or None."""
    url = os.environ.get("WHS_TEST_POSTGRES")
    if not url and os.environ.get("WHS_REQUIRE_POSTGRES"):
        raise AssertionError("WHS_REQUIRE_POSTGRES is set but WHS_TEST_POSTGRES is not")
    return url or None


def psql(url, sql, stdin=None):
    """Runs SQL with psql against `url` (its password from the URL, through the environment)."""
    match = re.match(r"postgres(?:ql)?://([^:@/]+)(?::([^@/]*))?@([^:/]+):(\d+)/(\w+)", url)
    user, password, host, port, database = match.groups()
    environment = dict(os.environ, PGPASSWORD=password or "")
    done = subprocess.run(["psql", "-h", host, "-p", port, "-U", user, "-d", database, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql],
                          capture_output=True, text=True, env=environment, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def fresh_database():
    """A new, empty database on the test server; its URL."""
    url = postgres_url()
    name = "ops_" + os.urandom(6).hex()
    psql(url, f"CREATE DATABASE {name}")
    return re.sub(r"/\w+$", "/" + name, url)


def seal_key():
    """The same sealing key for every node of one test."""
    return {"WHS_SEAL_KEY": os.urandom(32).hex()}


def have(command):
    return shutil.which(command) is not None


def percentile(samples, fraction):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def measure(node, path, seconds=None, until=None, user="alice"):
    """Latencies (ms) of GET `path`, one request after another, for `seconds` or until
    `until()` holds; every answer must be 200."""
    samples = []
    started = time.monotonic()
    while True:
        begin = time.perf_counter()
        status, _ = node.call("GET", path, user)
        samples.append((time.perf_counter() - begin) * 1000)
        assert status == 200, status
        if seconds is not None and time.monotonic() - started >= seconds:
            return samples
        if until is not None and until():
            return samples
        if time.monotonic() - started > 300:
            raise AssertionError("measured for 300 s without the end in sight")
