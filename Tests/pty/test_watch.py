"""`watch` at the prompt (issue 20, item 4): the block runs, the screen clears, it runs again
with the interval, the run and the time at the top, until count= or Ctrl-C; a failing statement
shows its error and the watch goes on. And `output` to a folder that does not exist."""
import re

from harness import Terminal

CLEAR = "\x1b[H\x1b[2J"


def test_watch_every_100ms_count_3_prints_three_runs():
    t = Terminal("--memory", "--quiet")
    t.wait_for_prompt()
    t.line("$n = 0")
    t.wait_for_prompt()
    t.line('watch every=100ms count=3 { $n = $n + 1; print "tick ${n}" }')
    t.wait_for("tick 3")
    t.wait_for_prompt()
    assert t.raw.count(CLEAR) == 3
    for run in (1, 2, 3):
        assert re.search(rf"Every 100ms: run {run} of 3, \d\d:\d\d:\d\d \(Ctrl-C stops\)", t.raw)
        assert f"tick {run}" in t.raw
    assert "tick 4" not in t.raw
    # The last run is what stays on the screen, under its header.
    screen = t.text()
    assert screen.startswith("Every 100ms: run 3 of 3")
    assert "tick 3" in screen and "tick 2" not in screen


def test_a_failing_statement_shows_its_error_and_the_watch_goes_on():
    t = Terminal("--memory", "--quiet")
    t.wait_for_prompt()
    t.line('watch every=100ms count=2 { get 99; print "still watching" }')
    t.wait_for("run 2 of 2")
    t.wait_for_prompt()
    output = t.raw.replace("\r\n", "\n")
    assert output.count("\nerror: get: ") == 2
    assert output.count("\nstill watching\n") == 2
    screen = t.text()
    assert "error:" in screen and "still watching" in screen


def test_ctrl_c_stops_a_watch_without_count():
    t = Terminal("--memory", "--quiet")
    t.wait_for_prompt()
    t.line('watch every=100ms { print "tick" }')
    t.wait_for("run 3")
    t.key("ctrl-c")
    t.wait_for_prompt()
    t.line('print "back"')
    t.wait_for("back")


def test_output_to_a_missing_folder_is_an_error_before_anything_runs():
    t = Terminal("--memory", "--quiet", columns=160)
    t.wait_for_prompt()
    t.line('print "first"; output /nonexistent/folder/out.txt; print "second"')
    t.wait_for("error: output: cannot write /nonexistent/folder/out.txt: the folder /nonexistent/folder does not exist")
    t.wait_for_prompt()
    assert "\nfirst\n" not in t.text() and "\nsecond\n" not in t.text()
    t.line('print "the prompt goes on"')
    t.wait_for("the prompt goes on")
