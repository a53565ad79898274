"""Recording a session typed at a real prompt, and running what was recorded (docs/DEMOS.md)."""
import subprocess
import time

from harness import WHS, Terminal


def test_a_recorded_session_replays_on_another_store(tmp_path):
    recording = tmp_path / "session.whs"
    t = Terminal("--memory", "--quiet")
    t.wait_for_prompt()
    t.line(f"record {recording}")
    t.wait_for("recording to")
    t.wait_for_prompt()
    t.line("$h = add https://example.com/demo events=deliver api_user=alice")
    t.wait_for_prompt()
    t.line("modify 1 events=open")          # the id as typed: recorded as $h.id
    t.wait_for("count: 1")
    t.wait_for_prompt()
    t.line("get 77")                         # fails: left out
    t.wait_for("no webhook with id 77")
    t.wait_for_prompt()
    t.line("for $e in [deliver, open] {")     # a block typed over several lines
    t.line('  print "event ${e}"')
    t.line("}")
    t.wait_for("event open")
    t.wait_for_prompt()
    t.line('$k = secret("typed-in-clear")')
    t.wait_for_prompt()
    t.line("record stop")
    t.wait_for("recorded 4 statements")
    t.wait_for_prompt()
    t.line("delete 1")                       # after stop: not recorded
    t.wait_for("count: 1")
    t.key("ctrl-d")
    assert t.exit_status() == 0

    text = recording.read_text()
    assert "typed-in-clear" not in text
    assert "get 77" not in text and "delete" not in text and "record" not in text.split("\n", 2)[2]
    assert text.endswith(
        "$h = add https://example.com/demo events=deliver api_user=alice\n"
        "modify $h.id events=open\n"
        "for $e in [deliver, open] {\n"
        '  print "event ${e}"\n'
        "}\n"
        '$k = env("WHS_SECRET")\n')

    # On a store whose ids differ, the recording still modifies the webhook it made.
    store = tmp_path / "other.sqlite"
    subprocess.run([WHS, "--store", str(store), "-c", "add https://example.com/older"], check=True, capture_output=True)
    run = subprocess.run([WHS, "--store", str(store), str(recording)], capture_output=True, text=True,
                         env={"WHS_SECRET": "x", "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    assert run.stdout.endswith("event deliver\nevent open\n")
    events = subprocess.run([WHS, "--store", str(store), "--json", "-c", "(get 2).event\n(get 1).event"],
                            capture_output=True, text=True)
    assert events.stdout == "[11]\n[1,3,4,5,10,11,12,18,32]\n"


def test_play_step_waits_for_enter_before_each_statement():
    import os
    import select
    demo = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Demos", "play-me.whs")
    play = subprocess.Popen([WHS, "play", "--pace", "0", "--step", demo], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    seen = b""

    def read_for(seconds):
        nonlocal seen
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            ready, _, _ = select.select([play.stdout], [], [], 0.05)
            if ready:
                chunk = os.read(play.stdout.fileno(), 4096)
                if not chunk:
                    return
                seen += chunk
    try:
        read_for(0.8)
        assert seen == b"# First, a webhook.\n", seen      # the caption, then it waits
        play.stdin.write(b"\n")
        play.stdin.flush()
        read_for(0.8)
        assert seen.endswith(b"# Then a loop over two lines,\n"), seen
        assert b"whs> $h = add https://example.com/a events=open\n" in seen
        assert b"whs> for" not in seen
        play.stdin.close()                                  # the end of stdin: no more waiting
        assert play.wait(10) == 1
        seen += play.stdout.read()
        assert seen.endswith(b"# and the end.\n")
    finally:
        if play.poll() is None:
            play.kill()
