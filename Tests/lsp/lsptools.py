"""Helpers of the language server's tests (imported by each test module; not a conftest.py, so
that it cannot clash with another folder's)."""
import json
import os
import subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
WHS = os.environ.get("WHS_BINARY") or os.path.join(ROOT, ".build", "debug", "whs")


def frame(message):
    """One message as LSP frames it: a Content-Length header, a blank line, the JSON."""
    body = message if isinstance(message, bytes) else json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_messages(data):
    """The JSON messages in what the server wrote, in order (every frame checked)."""
    messages = []
    while data:
        header, separator, rest = data.partition(b"\r\n\r\n")
        assert separator, f"a frame without its blank line: {data[:80]!r}"
        fields = dict(line.split(b": ", 1) for line in header.split(b"\r\n"))
        length = int(fields[b"Content-Length"])
        messages.append(json.loads(rest[:length]))
        data = rest[length:]
    return messages


def run_raw(payload, timeout=20):
    """Feeds bytes to `whs lsp` and closes its stdin; (status, messages, stderr)."""
    result = subprocess.run([WHS, "lsp"], input=payload, capture_output=True, timeout=timeout)
    return result.returncode, read_messages(result.stdout), result.stderr.decode()


INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}
