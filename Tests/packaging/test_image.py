"""The image of `whs serve` that scripts/package built with podman, run as a user would run it.

Podman here needs runc, cgroupfs and explicit limits (conftest.PODMAN, RUN_LIMITS). Two ways of
networking, each for what it shows:
- `--network none`: the container has its own loopback, so the image's own health check (which
  asks 127.0.0.1:8080) is checked unchanged, on the image's own port.
- `--network host` and a free port: the official SDK on the host sends through the node, and a
  receiver on the host gets the pushes. The node binds 0.0.0.0 as in any container, so it is
  public and refuses pushes to loopback: the test passes `--allow-push 127.0.0.0/8`, the same
  way a compose file allows its application's network, and checks the refusal without it.
"""
import base64
import hashlib
import itertools
import json
import os
import re
import sys
import tarfile
import time
import urllib.request

import pytest

from packages import PODMAN, RUN_LIMITS, VERSION, run

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "delivery"))
from receiver import free_port, receiver, wait_for  # noqa: E402,F401 (receiver is a fixture)

from engagelab_email import EngageLabEmailClient  # noqa: E402

_names = itertools.count()


def podman(*args, check=True, timeout=120):
    """podman with this machine's options; podman's own complaints about systemd timers for
    health checks (there is no systemd here) are dropped from stderr."""
    done = run(*PODMAN, *args, check=False, timeout=timeout)
    done.stderr = "\n".join(line for line in done.stderr.splitlines() if "level=error" not in line and "level=warning" not in line)
    if check and done.returncode != 0:
        raise AssertionError(f"podman {args} exited {done.returncode}\nstdout: {done.stdout}\nstderr: {done.stderr}")
    return done


class Container:
    """A detached container of the image; removed at the end."""

    def __init__(self, image, *command, network="none", env=None):
        self.name = f"whs-test-{os.getpid()}-{next(_names)}"
        options = ["--network", network, *RUN_LIMITS]
        for key, value in (env or {}).items():
            options += ["--env", f"{key}={value}"]
        podman("run", "--detach", "--name", self.name, *options, image["name"], *command)

    def logs(self):
        done = podman("logs", self.name)
        return done.stdout + done.stderr

    def wait_for_log(self, text, seconds=20):
        wait_for(lambda: text in self.logs(), seconds=seconds, what=f"{text!r} in the container's log")

    def inspect(self, template):
        return podman("inspect", "--format", template, self.name).stdout.strip()

    def remove(self):
        podman("rm", "--force", "--time", "5", self.name, check=False)


@pytest.fixture
def containers(image):
    made = []

    def make(*command, **kwargs):
        made.append(Container(image, *command, **kwargs))
        return made[-1]
    yield make
    for one in made:
        one.remove()


def test_the_image_holds_the_binary_its_libraries_and_nothing_else(image, tmp_path):
    inspected = json.loads(podman("image", "inspect", image["name"]).stdout)[0]
    config = inspected["Config"]
    assert config["User"] == "10001:10001"
    assert config["Entrypoint"] == ["/usr/bin/whs", "serve"] and config["Cmd"] == ["--host", "0.0.0.0", "--port", "8080"]
    assert list(config["Volumes"]) == ["/var/lib/whs"]
    # --format docker kept the health check, which needs nothing but the binary.
    assert inspected["ManifestType"] == "application/vnd.docker.distribution.manifest.v2+json"
    assert inspected["Healthcheck"]["Test"] == ["CMD", "/usr/bin/whs", "health", "http://127.0.0.1:8080"]
    assert inspected["Labels"]["org.opencontainers.image.version"] == VERSION

    created = podman("create", image["name"]).stdout.strip()
    exported = tmp_path / "image.tar"
    try:
        podman("export", "--output", str(exported), created, timeout=300)
    finally:
        podman("rm", created, check=False)
    with tarfile.open(exported) as archive:
        names = sorted(member.name for member in archive.getmembers() if not member.isdir())
    libraries = [name for name in names if ".so" in name]
    assert "usr/bin/whs" in names and "etc/ssl/certs/ca-certificates.crt" in names
    assert any(name.startswith("lib64/ld-linux") for name in libraries)
    assert {"libc.so.6", "libsqlite3.so.0", "libedit.so.2"} <= {os.path.basename(name) for name in libraries}
    # No shell, no package manager, no other program: the binary and its libraries.
    others = [name for name in names if name not in libraries and not name.startswith("etc/")
              and name not in ("usr/bin/whs", "run/.containerenv")]
    assert others == [], others


def test_its_health_check_passes_and_whs_runs_as_a_user_not_root(containers):
    node = containers()                       # the image's own command: --host 0.0.0.0 --port 8080
    node.wait_for_log("listening on http://0.0.0.0:8080")
    logs = node.logs()
    # Without users it says so at start, as whs serve does.
    assert "no users given (--user or $WHS_USERS)" in logs
    assert "public: pushes to loopback, private and link-local addresses are refused" in logs
    checked = podman("healthcheck", "run", node.name, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert node.inspect("{{.State.Health.Status}}") == "healthy"
    # The process inside is not root, by podman's account and by the kernel's.
    # (podman's own descriptors: an unknown one would make it run ps inside, and there is none.)
    top = podman("top", node.name, "user", "huser", "args").stdout.splitlines()
    assert re.match(r"whs\s+10001\s+/usr/bin/whs serve --host 0.0.0.0 --port 8080", top[1].strip()), top
    pid = node.inspect("{{.State.Pid}}")
    uids = [line.split()[1:] for line in open(f"/proc/{pid}/status") if line.startswith("Uid:")][0]
    assert set(uids) == {"10001"}


def test_the_sdk_sends_through_it_and_the_host_gets_the_pushes(containers, receiver):
    target = receiver()
    port = free_port()
    node = containers("--host", "0.0.0.0", "--port", str(port), "--allow-push", "127.0.0.0/8",
                      "--event-delay", "0", "--retry-delays", "0.05", network="host",
                      env={"WHS_USERS": "acme:alice:alice-key"})
    node.wait_for_log("listening on")
    base = f"http://127.0.0.1:{port}"
    with urllib.request.urlopen(base + "/v1/health", timeout=5) as answer:
        assert answer.status == 200 and json.loads(answer.read())["status"] == "ok"
    logs = node.logs()
    assert "(allowed: 127.0.0.0/8)" in logs
    # The log is not a terminal: it holds the key's fingerprint, and the key is read by API.
    fingerprint = re.search(r"account acme: app key sha256:([0-9a-f]{8}) ", logs).group(1)
    request = urllib.request.Request(base + "/v1/app_key", headers={"Authorization": "Basic " + base64.b64encode(b"alice:alice-key").decode()})
    with urllib.request.urlopen(request, timeout=5) as answer:
        app_key = json.loads(answer.read())["app_key"]
    assert hashlib.sha256(app_key.encode()).hexdigest()[:8] == fingerprint
    assert app_key not in logs
    # The store is on the volume, as the user the node runs as.
    assert "(store /var/lib/whs/store.sqlite)" in logs

    add(base, target.url())
    sdk = EngageLabEmailClient("alice", "alice-key", base_url=base)
    answer = sdk.send({"from": "shop@example.com", "to": ["ann+open@example.com"],
                       "body": {"subject": "Hi", "content": {"html": "<p>Hi</p>"}}})
    email_id = answer["email_ids"][0]
    wait_for(lambda: len(target.requests) >= 4, seconds=20, what="four pushes")
    events = []
    for push in target.requests:
        stamp = push["headers"]["x-webhook-timestamp"]
        assert push["headers"]["x-webhook-signature"] == hashlib.md5((stamp + "email" + app_key).encode()).hexdigest()
        body = json.loads(push["body"])
        events.append(body["status"]["message_status"] if "status" in body else body["response"]["event"])
        assert email_id.startswith(body["message_id"])
    assert events == ["target", "sent", "delivered", "open"]


def test_a_public_node_without_allow_push_refuses_the_host(containers, receiver):
    target = receiver()
    port = free_port()
    node = containers("--host", "0.0.0.0", "--port", str(port), "--event-delay", "0", network="host",
                      env={"WHS_USERS": "acme:alice:alice-key"})
    node.wait_for_log("listening on")
    base = f"http://127.0.0.1:{port}"
    hook = add(base, target.url())
    status, fired = call(base, "POST", "/v1/events", {"event": "deliver", "to": "ann@example.com"})
    assert status == 200 and fired["count"] == 1, fired

    def attempted():
        status, log = call(base, "GET", f"/v1/deliveries?webhook_id={hook}")
        return status == 200 and log["count"] == 1 and log["deliveries"][0]["state"] != "pending" and log
    wait_for(attempted, seconds=10, what="the refused attempt in the delivery log")
    text = json.dumps(attempted())
    assert "refused" in text and "127.0.0.1" in text, text
    time.sleep(0.3)
    assert target.requests == []


def test_a_bad_flag_or_store_exits_with_whs_serves_own_message(image, tarball, tmp_path):
    bad = podman("run", "--rm", "--network", "none", *RUN_LIMITS, image["name"], "--host", "0.0.0.0", "--port", "8080", "--colour", check=False)
    with tarfile.open(tarball) as archive:
        archive.extractall(tmp_path, filter="tar")
    local = next(tmp_path.glob("whs-*/bin/whs"))
    same = run(str(local), "serve", "--host", "0.0.0.0", "--port", "8080", "--colour", check=False)
    assert bad.returncode == same.returncode == 2
    assert same.stderr.strip() and same.stderr.strip() in bad.stderr, (bad.stderr, same.stderr)

    # A PostgreSQL URL nobody answers: the node says why and stops, no restart loop without words.
    started = time.monotonic()
    down = podman("run", "--rm", "--network", "none", *RUN_LIMITS, "--env", "WHS_STORE=postgres://whs:secret@127.0.0.1:1/whs",
                  "--env", "WHS_SEAL_KEY=" + "ab" * 32, image["name"], check=False, timeout=60)
    assert down.returncode != 0
    assert "connection refused" in (down.stdout + down.stderr).lower(), down.stdout + down.stderr
    assert "secret" not in down.stdout + down.stderr
    assert time.monotonic() - started < 30


def add(base, url):
    status, body = call(base, "POST", "/v1/webhooks", {"url": url, "event": [1, 3, 4, 5, 10, 11, 12, 18, 32]})
    assert status == 200, body
    return body["result"][0]["id"]


def call(base, method, path, body=None):
    import base64
    import urllib.error
    request = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode())
    request.add_header("Authorization", "Basic " + base64.b64encode(b"alice:alice-key").decode())
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
