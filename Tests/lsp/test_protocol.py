"""`whs lsp` at the level of bytes on a pipe: malformed JSON-RPC is answered with the
protocol's errors and the server goes on; a client that goes away mid-message ends it
cleanly; `exit` without `shutdown` is status 1."""
import json
import subprocess
import time

from lsptools import INITIALIZE, WHS, frame, read_messages, run_raw


def errors(messages):
    return [(m.get("id"), m["error"]["code"]) for m in messages if "error" in m]


def test_malformed_json_is_a_parse_error_and_the_server_goes_on():
    status, messages, stderr = run_raw(frame(b"{not json") + frame(INITIALIZE))
    assert status == 0, stderr
    assert errors(messages) == [(None, -32700)]
    assert messages[0]["error"]["message"].startswith("Parse error")
    # The next message is read and answered as if nothing had happened.
    assert messages[1]["id"] == 1 and "capabilities" in messages[1]["result"]


def test_a_header_without_content_length_is_a_parse_error():
    status, messages, _ = run_raw(b"Content-Type: application/json\r\n\r\n" + frame(INITIALIZE))
    assert status == 0
    assert errors(messages) == [(None, -32700)]
    assert "Content-Length" in messages[0]["error"]["message"]
    assert messages[1]["id"] == 1


def test_invalid_requests():
    payload = (
        frame({"jsonrpc": "2.0", "id": 7})                                # no method
        + frame([1, 2])                                                    # a batch: LSP has none
        + frame({"id": 8, "method": "initialize", "params": {}})           # not JSON-RPC 2.0
        + frame({"jsonrpc": "2.0", "id": {"a": 1}, "method": "shutdown"})  # an id is a number or a string
        + frame(INITIALIZE)
    )
    status, messages, _ = run_raw(payload)
    assert status == 0
    assert errors(messages) == [(7, -32600), (None, -32600), (8, -32600), (None, -32600)]
    assert messages[-1]["id"] == 1 and "result" in messages[-1]


def test_unknown_methods_and_requests_before_initialize():
    payload = (
        frame({"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": {}})
        + frame(INITIALIZE)
        + frame({"jsonrpc": "2.0", "id": 3, "method": "whs/nothingLikeThis", "params": {}})
        # An unknown notification is ignored: no answer at all.
        + frame({"jsonrpc": "2.0", "method": "whs/noticeThis", "params": {}})
        + frame({"jsonrpc": "2.0", "id": 4, "method": "shutdown"})
        + frame({"jsonrpc": "2.0", "method": "exit"})
    )
    status, messages, _ = run_raw(payload)
    assert status == 0
    assert errors(messages) == [(2, -32002), (3, -32601)]
    assert messages[-1] == {"jsonrpc": "2.0", "id": 4, "result": None}
    assert len(messages) == 4


def test_exit_without_shutdown_is_status_1():
    status, messages, _ = run_raw(frame(INITIALIZE) + frame({"jsonrpc": "2.0", "method": "exit"}))
    assert status == 1
    assert len(messages) == 1


def test_a_client_that_disconnects_mid_message():
    """Half a header, or a header and half a body, then the pipe closes: the server exits at
    once with status 0, without a word on stderr."""
    for cut in [b"Content-Len", b"Content-Length: 200\r\n\r\n{\"jsonrpc\": \"2.0\", \"id\""]:
        server = subprocess.Popen([WHS, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        server.stdin.write(frame(INITIALIZE) + cut)
        server.stdin.flush()
        time.sleep(0.2)
        assert server.poll() is None, "the server ended before its input did"
        started = time.monotonic()
        server.stdin.close()
        assert server.wait(timeout=10) == 0
        assert time.monotonic() - started < 5
        out, err = server.stdout.read(), server.stderr.read()
        assert err == b""
        assert read_messages(out)[0]["id"] == 1


def test_a_client_that_stops_reading_does_not_kill_it_with_sigpipe():
    server = subprocess.Popen([WHS, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    server.stdout.close()
    server.stdin.write(frame(INITIALIZE))
    server.stdin.close()
    assert server.wait(timeout=10) == 0
    assert server.stderr.read() == b""


def test_hover_is_plain_text_for_a_client_without_markdown():
    uri = "file:///tmp/whs-lsp-plain.whs"
    payload = (
        frame(INITIALIZE)
        + frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "whs", "version": 1, "text": "send a@example.com subject=Hi\n"}}})
        + frame({"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": {
            "textDocument": {"uri": uri}, "position": {"line": 0, "character": 1}}})
    )
    status, messages, _ = run_raw(payload)
    assert status == 0
    [hover] = [m for m in messages if m.get("id") == 2]
    contents = hover["result"]["contents"]
    assert contents["kind"] == "plaintext"
    assert contents["value"].startswith("usage: send TO ")
    assert "`" not in contents["value"]


def test_every_request_at_every_place_of_broken_texts_is_answered():
    """Unfinished and broken texts, with every request at every position (and past the ends):
    each gets an answer, never a crash, and the server ends with status 0."""
    import random
    pieces = ["add ", "https://x/h ", "events=", "open,", "[", "]", "{", "}", "(", ")", "\"", "'", "$x", " = ", "\n",
              "def f($a) ", "f(", "source lib.whs\n", "set ", "format ", "lst", "é", "😀", "${", "# c\n", ";", "\\\n", "wait ", "watch "]
    generator = random.Random(20)
    texts = ["add https://x/h events=", "", "\n\n", "def", "source", "😀 $"]
    texts += ["".join(generator.choice(pieces) for _ in range(generator.randint(1, 25))) for _ in range(25)]
    payload, expected = frame(INITIALIZE), {1}
    next_id = 2
    for index, text in enumerate(texts):
        uri = f"file:///tmp/whs-lsp-fuzz-{index}.whs"
        payload += frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "whs", "version": 1, "text": text}}})
        lines = text.split("\n")
        for line in range(len(lines) + 1):
            for character in range(len(lines[line]) + 2 if line < len(lines) else 1):
                for method in ["textDocument/completion", "textDocument/hover", "textDocument/definition"]:
                    payload += frame({"jsonrpc": "2.0", "id": next_id, "method": method, "params": {
                        "textDocument": {"uri": uri}, "position": {"line": line, "character": character}}})
                    expected.add(next_id)
                    next_id += 1
        payload += frame({"jsonrpc": "2.0", "id": next_id, "method": "textDocument/documentSymbol", "params": {"textDocument": {"uri": uri}}})
        expected.add(next_id)
        next_id += 1
    status, messages, stderr = run_raw(payload, timeout=120)
    assert status == 0, stderr
    answered = {m["id"] for m in messages if "id" in m and "result" in m}
    assert answered == expected


def test_incremental_edits_give_the_diagnostics_of_the_whole_text():
    """A document edited range by range (the server parses only around each edit) says after
    every edit what a fresh document with the same text says; positions in UTF-16, with
    accents and an emoji in the text."""
    import random

    def position(text, index):
        before = text[:index]
        line = before.count("\n")
        column = before[before.rfind("\n") + 1:]
        return {"line": line, "character": len(column.encode("utf-16-le")) // 2}

    pieces = ["list limit=1\n", "lst\n", "def f($a) {\n  print $a\n}\n", "add https://x/h events=open\n", "print \"caf\u00e9 \U0001F600\"\n",
              "$x = len([1, 2])\n", "if $x > 1 {\n  lsit\n}\n", "f(1)\n", "# note \u00e9\n", "\n", "[", "\"", "}", "lenn(1)\n", "print 1 +\n"]
    generator = random.Random(7)
    text = "".join(generator.choice(pieces[:11]) for _ in range(30))
    uri = "file:///tmp/whs-lsp-incremental.whs"
    payload = frame(INITIALIZE) + frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "whs", "version": 1, "text": text}}})
    for version in range(2, 150):
        lower = generator.randint(0, len(text))
        upper = generator.randint(lower, min(len(text), lower + 15))
        inserted = "" if generator.random() < 0.3 else generator.choice(pieces)
        change = {"range": {"start": position(text, lower), "end": position(text, upper)}, "text": inserted}
        text = text[:lower] + inserted + text[upper:]
        payload += frame({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}})
        payload += frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": f"{uri}.{version}", "languageId": "whs", "version": 1, "text": text}}})
    status, messages, stderr = run_raw(payload, timeout=120)
    assert status == 0, stderr
    published = [m["params"] for m in messages if m.get("method") == "textDocument/publishDiagnostics"]
    assert len(published) == 1 + 2 * 148
    edited = [p for p in published if p["uri"] == uri][1:]
    fresh = [p for p in published if p["uri"] != uri]
    changed = 0
    for index, (one, other) in enumerate(zip(edited, fresh)):
        assert one["diagnostics"] == other["diagnostics"], f"after edit {index + 2}"
        changed += index > 0 and one["diagnostics"] != edited[index - 1]["diagnostics"]
    assert changed > 20, "the edits should change what is said"
