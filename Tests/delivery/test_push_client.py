"""The push client under faults, its pools, its file descriptors, and DNS rebinding.

Pushes go through the built binary (`whs -c` on a store file, or `whs serve`) to receivers in
faulty.py that misbehave on purpose on loopback; each test is bounded in time. What is checked:
every attempt ends within its 3 s deadline with its reason in the delivery log; keep-alive
connections are reused (counted at the receiver), a pooled connection the receiver closed is
replaced without failing the push; 10,000 pushes that fail fast leave no file descriptor
behind; and a public node connects only to the address it checked.
"""
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time

import pytest

from faulty import FaultyReceiver
from receiver import WHS, Receiver, Server, free_port, store, wait_for, whs, whs_json  # noqa: F401 (fixtures)


@pytest.fixture
def faulty():
    """Makes misbehaving receivers (`faulty("reset")`) and closes them after the test."""
    made = []

    def make(mode, **kwargs):
        made.append(FaultyReceiver(mode, **kwargs))
        return made[-1]
    yield make
    for one in made:
        one.close()


def push_once(store, url, webhooks=1):
    """Adds `webhooks` webhooks on `url` (paths /0, /1...), triggers one deliver event with no
    retries, and returns (the deliveries, seconds the statement took)."""
    adds = "\n".join(f"$_ = add {url}/{n} events=deliver" for n in range(webhooks))
    started = time.monotonic()
    shown = whs_json(store, f"set retry_delays none\n{adds}\ntrigger deliver wait=true", timeout=60)
    return shown[-1]["deliveries"], time.monotonic() - started


def only_attempt(deliveries):
    assert len(deliveries) == 1 and len(deliveries[0]["attempts"]) == 1, deliveries
    return deliveries[0]["attempts"][0]


# Faults: each attempt ends within its deadline, with its reason.

def test_a_receiver_that_never_answers_times_out_at_the_deadline(store, faulty):
    target = faulty("hang")
    deliveries, seconds = push_once(store, target.url())
    attempt = only_attempt(deliveries)
    assert attempt["error"] == "timed out after 3 s" and attempt["status"] is None
    assert 2900 <= attempt["latency_ms"] <= 3600, attempt
    assert seconds < 10 and target.requests == 1


def test_a_reset_connection_is_a_failed_attempt_at_once(store, faulty):
    target = faulty("reset")
    attempt = only_attempt(push_once(store, target.url())[0])
    assert attempt["error"] == "the receiver reset the connection", attempt
    assert attempt["latency_ms"] < 1000 and deliveries_state(store) == ["failed"]


def test_a_slow_answer_within_the_deadline_counts_and_a_slower_one_times_out(store, faulty):
    slow = faulty("ok", delay=1.5)
    attempt = only_attempt(push_once(store, slow.url())[0])
    assert attempt["error"] is None and attempt["status"] == 200
    assert 1500 <= attempt["latency_ms"] < 3000, attempt
    slower = faulty("ok", delay=4)
    attempt = only_attempt(push_once(tempfile.mkdtemp(prefix="whs-test-") + "/store.sqlite", slower.url())[0])
    assert attempt["error"] == "timed out after 3 s" and 2900 <= attempt["latency_ms"] <= 3600, attempt


def test_a_receiver_that_closes_mid_body_fails_the_attempt(store, faulty):
    target = faulty("midbody")
    attempt = only_attempt(push_once(store, target.url())[0])
    assert attempt["error"] == "the receiver closed the connection", attempt
    assert attempt["status"] is None and attempt["latency_ms"] < 1000


# FIDELITY.md F-122: an answer's body past 64 KiB is not read.
def test_a_10_mb_answer_is_cut_off_not_read_and_the_status_counts(store, faulty):
    target = faulty("huge")
    attempt = only_attempt(push_once(store, target.url())[0])
    assert attempt["error"] is None and attempt["status"] == 200, attempt
    # 64 KiB are read, then the connection is closed: far less than reading 10 MB.
    assert attempt["latency_ms"] < 1000, attempt


def test_an_untrusted_certificate_fails_the_attempt_and_nothing_is_posted(store, faulty):
    if not shutil.which("openssl"):
        pytest.skip("no openssl to make a certificate")
    target = faulty("tls")
    attempt = only_attempt(push_once(store, target.url())[0])
    assert attempt["error"] == "TLS: the receiver's certificate is not trusted", attempt
    assert attempt["latency_ms"] < 3000 and target.requests == 0


def certificate_for(folder, name, ca=None):
    """A certificate for DNS name `name` and its key, signed by `ca` ((cert, key), made when
    None); returns (ca, (cert, key))."""
    folder = str(folder)
    if ca is None:
        ca = (os.path.join(folder, "ca.pem"), os.path.join(folder, "ca.key"))
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=whs test CA",
                        "-keyout", ca[1], "-out", ca[0]], check=True, capture_output=True)
    cert, key, request, extensions = (os.path.join(folder, f"{name}.{suffix}") for suffix in ("pem", "key", "csr", "ext"))
    with open(extensions, "w") as out:
        out.write(f"subjectAltName=DNS:{name}\n")
    subprocess.run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}", "-keyout", key, "-out", request],
                   check=True, capture_output=True)
    subprocess.run(["openssl", "x509", "-req", "-in", request, "-CA", ca[0], "-CAkey", ca[1], "-CAcreateserial", "-days", "1",
                    "-extfile", extensions, "-out", cert], check=True, capture_output=True)
    return ca, (cert, key)


def whs_in_namespace(binds, *args):
    """Runs whs in a mount namespace of its own where each (file, over) of `binds` is
    bind-mounted over the system's file `over`: nothing outside the process sees it."""
    mounts = " && ".join(f'mount --bind "{source}" "{target}"' for source, target in binds)
    environment = dict(os.environ, XDG_DATA_HOME=tempfile.mkdtemp(prefix="whs-data-"))
    done = subprocess.run(["unshare", "--mount", "sh", "-c", f'{mounts} && exec "$0" "$@"', WHS, *args],
                          capture_output=True, text=True, timeout=60, env=environment)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def test_https_is_verified_against_the_trust_roots_and_the_name_with_keep_alive(tmp_path, faulty):
    """https as a receiver deploys it: a certificate for the URL's name from a CA the system
    trusts. The test's CA becomes the system's trust roots, and its name resolves to
    127.0.0.1, only for the whs process: it runs in a mount namespace of its own (`unshare
    --mount`, root) with /etc/ssl/certs/ca-certificates.crt and /etc/hosts bind-mounted over.
    Two pushes go over one TLS connection with the name in SNI; a certificate for another name
    from the same CA is refused, and nothing is posted to it."""
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("openssl"):
        pytest.skip("needs root, unshare and openssl")
    ca, good_certificate = certificate_for(tmp_path, "push.whs-test")
    _, other_certificate = certificate_for(tmp_path, "other.whs-test", ca)
    good = faulty("tls", certificate=good_certificate)
    wrong = faulty("tls", certificate=other_certificate)
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n127.0.0.1 push.whs-test\n")
    shown = whs_in_namespace([(ca[0], "/etc/ssl/certs/ca-certificates.crt"), (hosts, "/etc/hosts")],
                             "--store", str(tmp_path / "store.sqlite"), "--json", "-c", f"""
        set retry_delays none
        $_ = add https://push.whs-test:{good.port}/good events=deliver
        $_ = add https://push.whs-test:{wrong.port}/wrong events=deliver
        trigger deliver wait=true
        trigger deliver wait=true
    """)
    for result in shown[-2:]:
        by_url = {d["url"].rsplit("/", 1)[1]: d["attempts"][0] for d in result["deliveries"]}
        assert by_url["good"]["status"] == 200 and by_url["good"]["error"] is None, by_url
        assert by_url["wrong"]["error"] == "TLS: the receiver's certificate is not for this host", by_url
    assert good.stats()["requests"] == 2 and good.stats()["connections"] == 1, good.stats()
    assert good.server_names == ["push.whs-test"]
    assert wrong.requests == 0


def test_a_redirect_is_not_followed(store, faulty):
    target = faulty("status", status=302)
    attempt = only_attempt(push_once(store, target.url())[0])
    assert attempt["status"] == 302 and attempt["error"] == "HTTP 302"
    assert target.requests == 1


def deliveries_state(store):
    return [d["state"] for d in whs_json(store, "deliveries")[-1]["deliveries"]]


# Pools: keep-alive counted at the receiver.

# FIDELITY.md F-122: keep-alive connections per origin, at most 32, a closed one replaced.
def test_keep_alive_connections_are_reused_within_the_cap(store, faulty):
    target = faulty("ok")
    adds = "\n".join(f"$_ = add {target.url()}/{n} events=deliver" for n in range(300))
    shown = whs_json(store, f"{adds}\ntrigger deliver wait=true\ntrigger deliver wait=true", timeout=120)
    for result in shown[-2:]:
        assert result["count"] == 300 and all(d["state"] == "succeeded" for d in result["deliveries"])
    stats = target.stats()
    assert stats["requests"] == 600
    # One origin: at most 32 connections (the dispatcher's workers and the pool's cap) for
    # 600 pushes, each used about 20 times.
    assert stats["connections"] <= 32 and stats["max_open"] <= 32, stats
    assert stats["requests"] >= 10 * stats["connections"], stats


def test_a_pooled_connection_the_receiver_closed_is_replaced_without_failing_the_push(store, faulty):
    target = faulty("once")
    shown = whs_json(store, f"""
        set retry_delays none
        add {target.url('/a')} events=deliver
        trigger deliver wait=true
        trigger deliver wait=true
        trigger deliver wait=true
    """)
    for result in shown[-3:]:
        attempt = only_attempt(result["deliveries"])
        assert attempt["error"] is None and attempt["status"] == 200, attempt
    stats = target.stats()
    # Each later push found its pooled connection closed by the receiver when it was reused
    # (one request read there, no answer) and went again on a new connection.
    assert stats == {"connections": 3, "requests": 5, "max_open": stats["max_open"]}, stats


# File descriptors: none left behind by pushes that fail fast.

def open_descriptors(pid, store):
    """The process's descriptors but the store's files: SQLite may open a read connection
    (its file and WAL) whenever reads meet a write, which is not a leak of the pushes."""
    folder = os.path.dirname(store)
    links = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            links.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except FileNotFoundError:
            pass
    return len([link for link in links if not link.startswith(folder + "/")])


def test_10000_failing_pushes_leave_no_descriptor_behind(store, faulty):
    resetting = faulty("refuse")
    refused_port = free_port()  # nothing listens there
    server = Server(store, "--retry-delays", "none")
    try:
        hooks = [f"http://127.0.0.1:{refused_port}/dead/{n}" for n in range(50)] + [resetting.url(f"/reset/{n}") for n in range(50)]
        for url in hooks:
            assert server.call("POST", "/v1/webhooks", "alice", {"url": url, "event": [1]})[0] == 200
        pid = server.process.pid

        # One round first, so that what the process opens once (log files, event loops, the
        # thread pool) is open before counting.
        server.call("POST", "/v1/events", "alice", {"event": "deliver"})
        wait_for(lambda: pending(server) == 0, seconds=30, what="the first round")
        before = open_descriptors(pid, store)
        started = time.monotonic()
        for _ in range(100):
            status, triggered = server.call("POST", "/v1/events", "alice", {"event": "deliver"})
            assert status == 200 and triggered["count"] == 100
        wait_for(lambda: pending(server) == 0, seconds=120, what="10,000 pushes to fail")
        seconds = time.monotonic() - started
        after = open_descriptors(pid, store)
        assert after <= before + 2, (before, after)
        _, page = server.call("GET", "/v1/deliveries?limit=200", "alice")
        errors = {d["attempts"][0]["error"] for d in page["deliveries"]}
        assert errors <= {"connection refused", "the receiver reset the connection", "the receiver closed the connection"}, errors
        assert "connection refused" in errors and errors - {"connection refused"}
        assert resetting.stats()["connections"] >= 5000
        print(f"10,000 failing pushes in {seconds:.1f} s; descriptors {before} before, {after} after")
    finally:
        server.close()


def pending(server):
    return server.call("GET", "/v1/deliveries?state=pending&limit=1", "alice")[1]["count"]


# DNS rebinding: a public node connects only to the address it checked.

class FlippingDNS:
    """A DNS server on 127.0.0.53:53 (UDP) for one name: the first A query gets `first`, every
    later one `then`, with a TTL of 0 (or, `silent`, no answer at all). Other names and types
    get an empty answer."""

    def __init__(self, name, first, then, silent=False):
        self.silent = silent
        self.name = name.lower().rstrip(".")
        self.first, self.then = first, then
        self.asked = []
        self.stopped = threading.Event()
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        deadline = time.monotonic() + 5
        while True:
            try:
                self.socket.bind(("127.0.0.53", 53))
                break
            except OSError:
                # A previous test's server may still be letting go of the port.
                if time.monotonic() > deadline:
                    self.socket.close()
                    raise
                time.sleep(0.1)
        self.socket.settimeout(0.1)
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stopped.is_set():
            try:
                query, peer = self.socket.recvfrom(512)
            except socket.timeout:
                continue
            except OSError:
                return
            ident, _flags, _qd = struct.unpack("!HHH", query[:6])
            labels, at = [], 12
            while query[at]:
                labels.append(query[at + 1:at + 1 + query[at]].decode())
                at += 1 + query[at]
            qtype = struct.unpack("!H", query[at + 1:at + 3])[0]
            question = query[12:at + 5]
            name = ".".join(labels).lower()
            answers = b""
            if name == self.name and self.silent:
                self.asked.append(None)
                continue
            if name == self.name and qtype == 1:
                address = self.first if not self.asked else self.then
                self.asked.append(address)
                answers = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 0, 4) + socket.inet_aton(address)
            header = struct.pack("!HHHHHH", ident, 0x8180, 1, 1 if answers else 0, 0, 0)
            self.socket.sendto(header + question + answers, peer)

    def close(self):
        self.stopped.set()
        self.thread.join(2)
        self.socket.close()


def test_a_public_node_connects_only_to_the_address_it_checked(store, tmp_path):
    """`--public --allow-push 127.0.0.2/32`; the webhook's name answers 127.0.0.2 to the first
    question and 127.0.0.3 to every later one (a DNS-rebinding attack: allowed at the check,
    private at the connect). The client resolves once and connects to the address it checked,
    so the first attempt reaches 127.0.0.2; the receiver there answers 500 and closes, the
    retry resolves again, gets 127.0.0.3 and is refused; 127.0.0.3 never sees a connection.

    How the test controls resolution, without a hook in whs: `whs serve` runs in a mount
    namespace of its own (`unshare --mount`, root) in which /etc/resolv.conf is bind-mounted
    to name 127.0.0.53, where this test's DNS server answers. whs resolves through the C
    library's getaddrinfo as in production; nothing else on the machine is affected. (The
    client before this one resolved the name again when connecting, and reached 127.0.0.3.)
    """
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare for a resolv.conf of its own")
    name = "rebind.whs-test.example"
    try:
        dns = FlippingDNS(name, "127.0.0.2", "127.0.0.3")
    except OSError as error:
        pytest.skip(f"cannot serve DNS on 127.0.0.53:53: {error}")
    port = free_port()
    allowed = FaultyReceiver("status", host="127.0.0.2", port=port, status=500)
    attacked = FaultyReceiver("ok", host="127.0.0.3", port=port)
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.53\noptions timeout:1 attempts:1\n")
    node_port = free_port()
    process = subprocess.Popen(
        ["unshare", "--mount", "sh", "-c", f'mount --bind "$1" /etc/resolv.conf && exec "$2" serve --store "$3" --port {node_port} '
         f'--quiet --public --allow-push 127.0.0.2/32 --retry-delays 0.2 --event-delay 0 --user acme:alice:alice-key',
         "sh", str(resolv), WHS, store],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert "http://" in process.stdout.readline()
        server = Server.__new__(Server)
        server.process, server.base = process, f"http://127.0.0.1:{node_port}"
        assert server.call("POST", "/v1/webhooks", "alice", {"url": f"http://{name}:{port}/hook", "event": [1]})[0] == 200
        assert server.call("POST", "/v1/events", "alice", {"event": "deliver"})[0] == 200

        def settled():
            deliveries = server.call("GET", "/v1/deliveries", "alice")[1]["deliveries"]
            return deliveries and deliveries[0]["state"] == "failed" and deliveries[0]
        wait_for(settled, seconds=20, what="the delivery to fail")
        attempts = settled()["attempts"]
        assert [a["error"] for a in attempts] == [
            "HTTP 500",
            f"refused: {name} is 127.0.0.3, a private address (this server pushes to public addresses only; --allow-push names exceptions)",
        ], attempts
        assert dns.asked == ["127.0.0.2", "127.0.0.3"], dns.asked
        assert allowed.stats()["requests"] == 1
        assert attacked.stats()["connections"] == 0
    finally:
        process.terminate()
        process.wait(10)
        dns.close()
        allowed.close()
        attacked.close()


# FIDELITY.md F-103: resolving the name is inside the 3 s.
def test_a_resolver_that_never_answers_ends_the_attempt_at_its_deadline(tmp_path):
    """The C library's resolver waits seconds per try (here 5 s, twice): the attempt stops
    waiting for it at its 3 s deadline. whs runs with a resolv.conf of its own (a mount
    namespace, as above) naming this test's DNS server, which never answers for the name."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare for a resolv.conf of its own")
    name = "silent.whs-test.example"
    try:
        dns = FlippingDNS(name, None, None, silent=True)
    except OSError as error:
        pytest.skip(f"cannot serve DNS on 127.0.0.53:53: {error}")
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.53\noptions timeout:5 attempts:2\n")
    try:
        started = time.monotonic()
        shown = whs_in_namespace([(resolv, "/etc/resolv.conf")], "--store", str(tmp_path / "store.sqlite"), "--json", "-c", f"""
            set retry_delays none
            add http://{name}:{free_port()}/hook events=deliver
            trigger deliver wait=true
        """)
        seconds = time.monotonic() - started
    finally:
        dns.close()
    attempt = only_attempt(shown[-1]["deliveries"])
    assert attempt["error"] == "timed out after 3 s" and 2900 <= attempt["latency_ms"] <= 3600, attempt
    assert dns.asked, "the name was asked for"
    assert seconds < 8
