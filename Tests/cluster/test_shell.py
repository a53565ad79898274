"""The shell on the shared database: `--store postgres://...`, `$WHS_STORE` and `connect`,
working beside a node, with the password kept out of the prompt, errors and history."""
import json
import os
import re
import stat
import subprocess
import sys
import tempfile

from cluster import WHS, Receiver, database, nodes, wait_for  # noqa: F401 (fixtures)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pty"))
from harness import Terminal  # noqa: E402


def shell(*args, env=None, data=None):
    environment = {**os.environ, "XDG_DATA_HOME": data or tempfile.mkdtemp(prefix="whs-shell-"), **(env or {})}
    return subprocess.run([WHS, *args], capture_output=True, text=True, timeout=60, env=environment)


def test_a_shell_and_a_node_share_the_store_and_the_shell_delivers(database, nodes):
    data = tempfile.mkdtemp(prefix="whs-shared-data-")
    node = nodes(database, "n1", data=data)
    receiver = Receiver()
    try:
        # Through the node: a webhook of account acme. The shell works in account "local".
        assert node.call("POST", "/v1/webhooks", body={"url": "https://node.example/", "event": [1]})[0] == 200
        done = shell("--store", database, "--json", "-c", f'add {receiver.url("/s")} events=deliver\ntrigger deliver wait=5s',
                     data=data)
        assert done.returncode == 0, done.stderr
        answer = json.loads(done.stdout.splitlines()[-1])
        assert answer["count"] == 1 and answer["deliveries"][0]["state"] == "succeeded", answer
        assert receiver.requests and receiver.requests[0]["path"] == "/s"
        # $WHS_STORE names the database too; the node's account is not the shell's.
        listed = shell("--json", "-c", "list", env={"WHS_STORE": database}, data=data)
        assert listed.returncode == 0 and json.loads(listed.stdout)["total"] == 1
        # connect switches to it from another backend, and the banner has no password.
        password = re.match(r"postgres://[^:]+:([^@]+)@", database).group(1)
        connected = shell("--memory", "-c", f'connect "{database}"\nlist', data=data)
        assert connected.returncode == 0, connected.stderr
        assert "connected to store postgres://" in connected.stdout and password not in connected.stdout + connected.stderr
        # A database that is not there: a clear error without the password, exit 1.
        wrong = re.sub(r":(\d+)/", ":1/", database)
        failed = shell("--store", wrong, "-c", "list", data=data)
        assert failed.returncode == 1 and "database" in failed.stderr and password not in failed.stderr, failed.stderr
    finally:
        receiver.close()


def test_the_prompt_and_history_never_show_the_password(database):
    password = re.match(r"postgres://[^:]+:([^@]+)@", database).group(1)
    t = Terminal("--memory", "--quiet")
    t.wait_for_prompt()
    t.line(f'connect "{database}"')
    t.wait_for("connected to store postgres://")
    host_port = re.search(r"@([^/]+)/(\w+)", database)
    t.wait_for_prompt(f"whs[{host_port.group(1)}/{host_port.group(2)}]>")
    t.line("add https://pty.example/ events=open")
    t.wait_for("https://pty.example/")
    t.key("ctrl-d")
    assert t.exit_status() == 0
    path = os.path.join(t.home, "state", "whs", "history")
    content = open(path).read()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert password not in content and "postgres://" not in content, content
    assert "add https://pty.example/ events=open" in content
    # The typed line is on the screen as typed; nothing whs printed after it shows the password.
    assert password not in t.raw.split("connected to", 1)[1]
