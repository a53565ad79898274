"""The interactive shell, driven through a real pseudo-terminal (issue: libedit line editing,
history and completion). Each test reads the screen the way a person would."""
import os
import stat
import time

from harness import Terminal


def test_prompt_statement_and_output():
    t = Terminal("--memory")
    t.wait_for("Type help for the commands")
    t.wait_for_prompt()
    t.line("add https://example.com/a events=deliver,open api_user=alice")
    screen = t.wait_for("api_user: alice")
    assert "url:      https://example.com/a" in screen
    assert "event:    deliver, open" in screen
    t.wait_for_prompt()
    t.key("ctrl-d")
    assert t.exit_status() == 0


def test_quiet_drops_the_banner_and_errors_show_a_caret():
    t = Terminal("--memory", "--quiet")
    t.wait_for_prompt()
    assert "Type help" not in t.text()
    t.line("print [1, 2 3]")
    screen = t.wait_for("error: expected ']'")
    lines = screen.split("\n")
    at = next(i for i, l in enumerate(lines) if "error: expected ']'" in l)
    assert lines[at + 1].strip() == "print [1, 2 3]"
    # The caret sits under the 3, the unexpected token.
    assert lines[at + 2].index("^") == lines[at + 1].index("3")
    t.wait_for_prompt()
    t.line("print $error")
    t.wait_for("expected ']' to close '[' at 1:7, found number 3")


def test_up_arrow_recalls_the_last_statement():
    t = Terminal("--memory", "--quiet")
    t.wait_for_prompt()
    t.line('print "first one"')
    t.wait_for("first one")
    t.wait_for_prompt()
    t.key("up")
    t.wait_for('whs[memory]> print "first one"')
    t.key("enter")
    t.pump(0.5)
    assert t.text().count("\nfirst one") + t.text().startswith("first one") == 2


def test_tab_completes_command_argument_event_and_variable():
    t = Terminal("--memory", "--quiet")
    t.wait_for_prompt()
    t.type("mod")
    t.key("tab")
    t.wait_for("whs[memory]> modify")
    # The command is completed with the space after it: the cursor waits for the first argument.
    assert t.screen.cursor.x == len("whs[memory]> modify ")
    t.key("ctrl-c")
    t.wait_for_prompt()
    t.type("add https://x.example/h ev")
    t.key("tab")
    t.wait_for("whs[memory]> add https://x.example/h events=")
    t.type("del")
    t.key("tab")
    t.wait_for("events=deliver")
    t.type(",op")
    t.key("tab")
    t.wait_for("events=deliver,open")
    t.key("enter")
    t.wait_for("event:    deliver, open")
    t.wait_for_prompt()
    t.line("$hook = get 1")
    t.wait_for_prompt()
    t.type("print $ho")
    t.key("tab")
    t.wait_for("whs[memory]> print $hook")
    t.type(".u")
    t.key("tab")
    t.wait_for("print $hook.url")
    t.key("enter")
    t.wait_for("\nhttps://x.example/h")


def test_tab_lists_several_candidates():
    t = Terminal("--memory", "--quiet")
    t.wait_for_prompt()
    t.type("add https://x.example/h events=s")
    t.key("tab")
    screen = t.wait_for("soft_bounce")
    assert "sent" in screen
    t.wait_for("whs[memory]> add https://x.example/h events=s")


def test_multi_line_for_block_with_continuation_prompt():
    t = Terminal("--memory", "--quiet")
    t.wait_for_prompt()
    t.line("for $i in [1, 2] {")
    t.wait_for("...>")
    t.line('  print "item" $i')
    t.wait_for("...>   print")
    t.line("}")
    screen = t.wait_for("item 2")
    assert "item 1" in screen
    t.wait_for_prompt()
    # The whole block is one history entry.
    t.key("up")
    t.wait_for('print "item" $i')
    t.key("ctrl-c")
    t.wait_for_prompt()


def test_ctrl_c_cancels_a_typed_line_and_an_open_block():
    t = Terminal("--memory", "--quiet")
    t.wait_for_prompt()
    t.type("print 'never run'")
    t.key("ctrl-c")
    t.wait_for_prompt()
    t.line("if true {")
    t.wait_for("...>")
    t.key("ctrl-c")
    t.wait_for_prompt()
    # On an empty line too, Ctrl-C is a cancel, not an end of input.
    t.key("ctrl-c")
    t.wait_for("whs[memory]> ^C")
    t.wait_for_prompt()
    t.line("print 'alive'")
    screen = t.wait_for("\nalive")
    assert "never run\n" not in screen.replace("'never run'", "")


def test_ctrl_c_interrupts_a_running_loop():
    t = Terminal("--memory", "--quiet")
    t.wait_for_prompt()
    t.line("while true { }")
    time.sleep(0.5)
    t.key("ctrl-c")
    t.wait_for("interrupted")
    t.wait_for_prompt()
    t.line("print 'still here'")
    t.wait_for("\nstill here")
    t.key("ctrl-d")
    assert t.exit_status() == 0


def test_utf8_input():
    t = Terminal("--memory", "--quiet")
    t.wait_for_prompt()
    t.line('print "é✓日本"')
    t.wait_for("\né✓日本")


def test_history_file_mode_content_and_no_secrets():
    t = Terminal("--memory", "--quiet")
    t.wait_for_prompt()
    t.line('$key = secret("hunter2")')
    t.wait_for_prompt()
    t.line('print "kept" 1')
    t.wait_for("kept 1")
    t.wait_for_prompt()
    t.line(' print "hidden by the leading space"')
    t.wait_for_prompt()
    t.line('$k2 = env("HOME")')
    t.wait_for_prompt()
    t.key("ctrl-d")
    assert t.exit_status() == 0
    path = os.path.join(t.home, "state", "whs", "history")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    content = open(path).read()
    assert content == 'print "kept" 1\n'
    assert "hunter2" not in content


def test_history_is_recalled_in_a_second_session_and_listed():
    first = Terminal("--memory", "--quiet")
    first.wait_for_prompt()
    first.line('print "from session one"')
    first.wait_for("\nfrom session one")
    first.key("ctrl-d")
    assert first.exit_status() == 0
    second = Terminal("--memory", "--quiet", home=first.home)
    second.wait_for_prompt()
    second.key("up")
    second.wait_for('whs[memory]> print "from session one"')
    second.key("ctrl-c")
    second.wait_for_prompt()
    second.line("history")
    second.wait_for('    1  print "from session one"')


def test_history_save_writes_a_runnable_script(tmp_path):
    t = Terminal("--memory", "--quiet")
    t.wait_for_prompt()
    t.line("$h = add https://example.com/saved")
    t.wait_for_prompt()
    t.line("add nonsense")
    t.wait_for("error: add:")
    t.wait_for_prompt()
    t.line("print $h.url")
    t.wait_for_prompt()
    script = tmp_path / "session.whs"
    t.line(f"history save {script}")
    t.wait_for("saved 2 statements")
    text = script.read_text()
    assert "add nonsense" not in text
    assert "$h = add https://example.com/saved\nprint $h.url\n" in text
    import subprocess
    from harness import WHS
    run = subprocess.run([WHS, "--memory", str(script)], capture_output=True, text=True)
    assert run.returncode == 0
    assert run.stdout == "https://example.com/saved\n"


def test_ctrl_d_exits_zero_and_exit_gives_its_code():
    t = Terminal("--memory", "--quiet")
    t.wait_for_prompt()
    t.line("exit 4")
    assert t.exit_status() == 4


def test_init_script_runs_first_unless_no_init():
    home = Terminal("--memory", "--quiet")
    home.key("ctrl-d")
    home.exit_status()
    os.makedirs(os.path.join(home.home, "config", "whs"))
    with open(os.path.join(home.home, "config", "whs", "init.whs"), "w") as f:
        f.write('$greeting = "from init"\nset timing on\n')
    t = Terminal("--memory", "--quiet", home=home.home)
    t.wait_for_prompt()
    t.line("print $greeting")
    t.wait_for("\nfrom init")
    t.wait_for("Time: ")
    t2 = Terminal("--memory", "--quiet", "--no-init", home=home.home)
    t2.wait_for_prompt()
    t2.line("print $greeting")
    t2.wait_for("error: $greeting is not set")


def test_piped_input_has_no_prompt():
    import subprocess
    from harness import WHS
    run = subprocess.run([WHS, "--memory"], input='print "piped"\n', capture_output=True, text=True)
    assert run.stdout == "piped\n"
    assert run.returncode == 0


def test_resizing_the_terminal_is_followed():
    t = Terminal("--memory", "--quiet", columns=100)
    t.wait_for_prompt()
    t.process.setwinsize(30, 40)
    t.screen.resize(30, 40)
    time.sleep(0.3)
    t.type("print " + "a" * 50)
    t.pump(0.5)
    # Back to the start of the line and insert: libedit must know the line now wraps at 40
    # columns to put the cursor back on the prompt's row.
    t.process.send("\x01")
    t.type("Z")
    t.pump(0.5)
    rows = t.lines()
    assert rows[0].startswith("whs[memory]> Zprint aaaa"), rows
    t.key("enter")
    t.wait_for("error: unknown command \"Zprint\"")


def test_colours_only_without_no_color():
    coloured = Terminal("--memory", "--quiet")
    coloured.wait_for_prompt()
    coloured.line("add https://example.com/c")
    coloured.wait_for("api_user:")
    row = next(y for y in range(coloured.screen.lines) if coloured.screen.display[y].startswith("api_user:"))
    assert coloured.screen.buffer[row][0].bold
    plain = Terminal("--memory", "--quiet", env={"NO_COLOR": "1"})
    plain.wait_for_prompt()
    plain.line("add https://example.com/c")
    plain.wait_for("api_user:")
    row = next(y for y in range(plain.screen.lines) if plain.screen.display[y].startswith("api_user:"))
    assert not plain.screen.buffer[row][0].bold


def start_server():
    import subprocess
    from harness import WHS
    server = subprocess.Popen([WHS, "serve", "--memory", "--port", "0", "--quiet", "--user", "acme:api_user:api_key"],
                              stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline()
    return server, line.split("http://")[1].split(" ")[0]


def test_remote_key_is_asked_without_echo_and_the_prompt_names_the_server():
    server, address = start_server()
    try:
        t = Terminal("--url", "http://" + address, "--api-user", "api_user", "--quiet")
        t.wait_for("API key for api_user:")
        t.line("api_key")
        t.wait_for_prompt(f"whs[{address}]>")
        assert "api_key" not in t.text()
        t.line("add https://example.com/remote")
        t.wait_for("url:      https://example.com/remote")
        t.wait_for_prompt(f"whs[{address}]>")
        t.line("connect memory")
        t.wait_for("connected to memory")
        t.wait_for_prompt("whs[memory]>")
    finally:
        server.terminate()
        server.wait()


def ctrl_c_stops(t, says, count=1):
    """Presses Ctrl-C and checks that `says` shows (the count-th time) within 2 seconds."""
    started = time.monotonic()
    t.key("ctrl-c")
    while t.text().count(says) < count and time.monotonic() - started < 2:
        t.pump(0.05)
    assert t.text().count(says) >= count, t.text()
    assert time.monotonic() - started < 2


def test_ctrl_c_interrupts_a_request_that_gets_no_answer():
    import socket
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)   # accepts connections into the backlog and never answers
    port = silent.getsockname()[1]
    try:
        t = Terminal("--url", f"http://127.0.0.1:{port}", "--api-user", "u", "--quiet", env={"WHS_API_KEY": "k"})
        t.wait_for_prompt(f"whs[127.0.0.1:{port}]>")
        t.line("list")
        time.sleep(1)
        ctrl_c_stops(t, "request interrupted")
        t.wait_for_prompt(f"whs[127.0.0.1:{port}]>")
    finally:
        silent.close()


def test_ctrl_r_searches_history():
    t = Terminal("--memory", "--quiet")
    t.wait_for_prompt()
    t.line("print 'needle in the haystack'")
    t.wait_for_prompt()
    t.line("print 'something else'")
    t.wait_for_prompt()
    t.key("ctrl-r")
    t.type("needle")
    t.wait_for("print 'needle in the haystack'", timeout=5)
    t.key("enter")
    t.pump(0.5)
    t.key("enter")
    t.pump(0.5)
    assert t.text().count("\nneedle in the haystack") == 2, t.text()


def test_a_delivery_wait_shows_each_attempt_and_ctrl_c_returns_at_once():
    """`trigger ... wait=true` at a terminal shows each attempt as it happens (a receiver
    that refuses), and Ctrl-C ends the wait at once, leaving the retries to go on."""
    import socket
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens: every push is refused at once
    t = Terminal("--memory", "--quiet")
    t.wait_for_prompt()
    t.line(f"add http://127.0.0.1:{port}/hook events=deliver")
    t.wait_for_prompt()
    t.line("set retry_delays 0.5,0.5,60")
    t.wait_for_prompt()
    t.line("trigger deliver wait=true")
    t.wait_for(f"deliver  http://127.0.0.1:{port}/hook  connection refused")
    t.wait_for("(retry in 0.5 s)")
    # The third attempt comes a second later, while the statement still waits.
    deadline = time.monotonic() + 5
    while t.text().count("connection refused") < 3 and time.monotonic() < deadline:
        t.pump(0.1)
    assert t.text().count("connection refused") == 3, t.text()
    assert "(retry in 60 s)" in t.text()
    ctrl_c_stops(t, "interrupted while waiting")
    t.wait_for_prompt()


def test_ctrl_c_interrupts_a_wait_and_a_sleep():
    t = Terminal("--memory", "--quiet")
    t.wait_for_prompt()
    t.line("wait 1 == 2 timeout=1h")
    time.sleep(0.5)
    ctrl_c_stops(t, "interrupted")
    t.wait_for_prompt()
    t.line("sleep 1h")
    time.sleep(0.5)
    ctrl_c_stops(t, "interrupted", count=2)
    t.wait_for_prompt()


def printed_lines(t, after):
    """The lines printed after `after` (the typed statement), escape sequences removed."""
    import re
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", t.raw.split(after)[-1])
    return [line for line in text.replace("\r", "").split("\n")]


def test_tables_fit_the_terminal_and_follow_a_resize():
    long_url = "https://hooks.example.com/" + "segment/" * 12 + "end?token=abcdefghijklmnopqrstuvwxyz"
    t = Terminal("--memory", "--quiet", columns=80, rows=40)
    t.wait_for_prompt()
    t.line(f"$h = add {long_url}")
    t.wait_for_prompt()
    t.line('trigger deliver to="ann@example.com"')   # to a URL whose host does not resolve here
    t.wait_for_prompt()
    for columns in (80, 120):
        t.process.setwinsize(40, columns)
        t.screen.resize(40, columns)
        t.pump(0.2)
        marker = f"print 'width {columns}'"
        t.line(marker)
        t.wait_for(f"width {columns}")
        t.wait_for_prompt()
        t.line("list")
        t.wait_for("(1 of 1 webhook)")
        t.wait_for_prompt()
        t.line("deliveries")
        t.wait_for("(1 delivery)")
        t.wait_for_prompt()
        lines = printed_lines(t, marker)
        assert all(len(line) <= columns for line in lines), [line for line in lines if len(line) > columns]
        assert any("…" in line for line in lines) and any("(all)" in line for line in lines), lines
    # Too narrow for the columns even cut (2 + 8 + 5 + 8 and the gaps): records, each line
    # within the width.
    t.process.setwinsize(40, 26)
    t.screen.resize(40, 26)
    t.pump(0.2)
    t.line("list")
    t.wait_for("RECORD 1")
    t.wait_for_prompt()
    assert all(len(line) <= 26 for line in printed_lines(t, "RECORD 1")[:-1])


def test_a_pipe_prints_whole_values():
    import subprocess
    from harness import WHS
    long_url = "https://hooks.example.com/" + "segment/" * 12 + "end"
    done = subprocess.run([WHS, "--memory", "-c", f"$h = add {long_url}\nlist"], capture_output=True, text=True, timeout=30,
                          env={"PATH": "/usr/bin:/bin", "COLUMNS": "40"})
    assert long_url in done.stdout and "…" not in done.stdout
    assert "deliver, report_spam, invalid, soft_bounce, click, open, unsubscribe, request, sent" in done.stdout


def test_a_wait_on_a_receiver_that_never_answers_shows_the_timeout_and_ctrl_c_returns():
    import socket
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)   # takes connections and never answers
    port = silent.getsockname()[1]
    try:
        t = Terminal("--memory", "--quiet")
        t.wait_for_prompt()
        t.line(f"add http://127.0.0.1:{port}/hook events=open")
        t.wait_for_prompt()
        t.line("trigger open wait=true")
        t.wait_for("open  http://127.0.0.1:", timeout=6)
        assert "timed out after 3 s" in t.text()
        ctrl_c_stops(t, "interrupted while waiting")
        t.wait_for_prompt()
    finally:
        silent.close()
