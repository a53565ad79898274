"""Several `whs serve` nodes on one real PostgreSQL database, as docs/SCALING.md sets them up.

The server is the private cluster scripts/test starts (scripts/postgres): $WHS_TEST_POSTGRES
names it, $WHS_TEST_POSTGRES_DIR is its folder (for restarting it). Each test takes a new
empty database. Nodes get the database URL through $WHS_STORE, never on their command line.
"""
import base64
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "delivery"))
from receiver import WHS, Receiver, free_port, wait_for  # noqa: E402,F401

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
BASE_URL = os.environ.get("WHS_TEST_POSTGRES")
PG_DIR = os.environ.get("WHS_TEST_POSTGRES_DIR")

if not BASE_URL:
    if os.environ.get("WHS_REQUIRE_POSTGRES"):
        raise RuntimeError("WHS_REQUIRE_POSTGRES is set but WHS_TEST_POSTGRES is not")
    pytest.skip("no PostgreSQL server (scripts/postgres start DIR)", allow_module_level=True)

USERS = ["acme:alice:alice-key", "other:olga:olga-key"]


def psql(url, sql):
    """One statement through psql; the password goes by the environment."""
    match = re.match(r"postgres://([^:]+):([^@]*)@([^:/]+):(\d+)/(\w+)", url)
    user, password, host, port, database = match.groups()
    done = subprocess.run(["psql", "-h", host, "-p", port, "-U", user, "-d", database, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
                          capture_output=True, text=True, env={**os.environ, "PGPASSWORD": password}, timeout=30)
    if done.returncode != 0:
        raise AssertionError(f"psql: {done.stderr}")
    return done.stdout.strip()


def fresh_database():
    name = "c_" + uuid.uuid4().hex
    psql(BASE_URL, f"CREATE DATABASE {name}")
    return re.sub(r"/\w+$", "/" + name, BASE_URL)


def postgres(command):
    """Stops, starts or restarts the test server (scripts/postgres)."""
    subprocess.run([os.path.join(ROOT, "scripts", "postgres"), command, PG_DIR], check=True, timeout=60, capture_output=True)


def call(base, method, path, user="alice", body=None, timeout=10):
    request = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode())
    if user:
        request.add_header("Authorization", "Basic " + base64.b64encode(f"{user}:{user}-key".encode()).decode())
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


class Node:
    """One `whs serve` on the database, on a port of its own."""

    def __init__(self, url, name, *extra, data=None, port=0):
        self.name = name
        self.data = data or tempfile.mkdtemp(prefix="whs-node-")
        self.stderr = tempfile.TemporaryFile(mode="w+")
        env = {**os.environ, "WHS_STORE": url, "XDG_DATA_HOME": self.data}
        self.process = subprocess.Popen(
            [WHS, "serve", "--port", str(port), "--node", name, "--retry-delays", "0.2", *sum((["--user", u] for u in USERS), []), *extra],
            stdout=subprocess.PIPE, stderr=self.stderr, text=True, env=env)
        self.lines = []
        while True:
            line = self.process.stdout.readline()
            if not line:
                self.stderr.seek(0)
                raise AssertionError(f"node {name} exited: {self.stderr.read()}")
            self.lines.append(line)
            found = re.search(r"listening on (http://[0-9.:]+)", line)
            if found:
                self.base = found.group(1)
                break
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.process.stdout:
            self.lines.append(line)

    def call(self, method, path, **kwargs):
        return call(self.base, method, path, **kwargs)

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def log(self):
        self.stderr.seek(0)
        return self.stderr.read()

    def close(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def database():
    return fresh_database()


@pytest.fixture
def nodes():
    """Starts nodes (`nodes(url, "n1", ...)`) and stops them after the test. They are nodes of
    one machine: one data folder, so one sealing key file."""
    started = []
    data = tempfile.mkdtemp(prefix="whs-nodes-")

    def start(url, name, *extra, **kwargs):
        kwargs.setdefault("data", data)
        started.append(Node(url, name, *extra, **kwargs))
        return started[-1]
    yield start
    for node in started:
        node.close()


def events_by_mail(requests):
    """The events a receiver got, in arrival order, for each email id."""
    order = {}
    for push in requests:
        body = json.loads(push["body"])
        status = body["status"]["message_status"] if "status" in body else body["response"]["event"]
        data = body["status"]["status_data"] if "status" in body else body["response"]["response_data"]
        order.setdefault(data.get("email_id") or data["email_ids"][0], []).append(status)
    return order
