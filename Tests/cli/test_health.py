"""`whs health URL`, the container's health check: 0 against a running `whs serve`, 1 quickly
on a closed port, 1 on an answer other than 200 or none within 2 s, each with one line saying
why; 2 for a URL that is not http(s)."""
import http.server
import socket
import subprocess
import threading
import time

import pytest

from clitools import WHS, whs


@pytest.fixture(scope="module")
def node():
    """A `whs serve` on a free port; its base URL."""
    process = subprocess.Popen([WHS, "serve", "--memory", "--port", "0", "--quiet"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    assert "listening on http://127.0.0.1:" in line, line
    base = line.split("listening on ", 1)[1].split(" ", 1)[0]
    yield base
    process.terminate()
    process.wait(timeout=10)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def timed(*args):
    start = time.monotonic()
    status, out, err = whs(*args, check=False)
    return status, out, err, time.monotonic() - start


def test_a_running_node_is_healthy(node):
    status, out, err, _ = timed("health", node)
    assert status == 0 and err == ""
    assert out.startswith(f"whs health: {node}/v1/health answered 200 in ") and '"store":"reachable"' in out
    assert out.count("\n") == 1
    # The route itself, or the base with a slash, are the same node.
    assert timed("health", node + "/")[0] == 0
    assert timed("health", node + "/v1/health")[0] == 0


def test_a_closed_port_fails_at_once():
    status, out, err, seconds = timed("health", f"http://127.0.0.1:{free_port()}")
    assert status == 1 and out == ""
    assert err.startswith("whs: health: cannot connect to http://127.0.0.1:") and "connection refused" in err
    assert err.count("\n") == 1
    assert seconds < 1.0, seconds


class Answer(http.server.BaseHTTPRequestHandler):
    """503 with the store's error, as a node whose store is down answers; or silence for 5 s."""
    slow = False

    def do_GET(self):
        if self.slow:
            time.sleep(5)
        body = b'{"code":50300,"message":"the store is unreachable"}'
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_node():
    servers = []

    def start(slow=False):
        handler = type("Handler", (Answer,), {"slow": slow})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()


def test_an_unhealthy_answer_is_named(fake_node):
    status, out, err, _ = timed("health", fake_node())
    assert status == 1 and out == ""
    assert "/v1/health answered 503 in " in err and "the store is unreachable" in err
    assert err.count("\n") == 1


def test_no_answer_within_two_seconds(fake_node):
    status, _, err, seconds = timed("health", fake_node(slow=True))
    assert status == 1 and "did not answer within 2 s" in err
    assert 1.9 < seconds < 4, seconds


def test_a_url_that_is_not_http_is_a_bad_command_line():
    status, _, err, _ = timed("health", "ftp://127.0.0.1:8080")
    assert status == 2 and "http:// or https://" in err
    status, _, err, _ = timed("health")
    assert status == 2 and "health needs the node's URL" in err
