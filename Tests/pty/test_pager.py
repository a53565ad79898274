"""The pager at the prompt (issue 20, item 2): output taller than the screen goes through
$WHS_PAGER, else $PAGER, else less -FRX; short output, `set pager off`, scripts and -c do not
page; a pager that quits early loses nothing of the session."""
import os
import re

from harness import Terminal

ESCAPES = re.compile(r"\x1b\[[0-9;]*m")


def recording_pager(directory, name="pager"):
    """A pager that notes that it ran and keeps what it got."""
    path = os.path.join(directory, name + ".sh")
    with open(path, "w") as script:
        script.write(f"#!/bin/sh\necho ran >> {directory}/{name}.ran\ncat > {directory}/{name}.got\n")
    os.chmod(path, 0o755)
    return path


def runs(directory, name="pager"):
    try:
        with open(os.path.join(directory, name + ".ran")) as f:
            return f.read().count("ran")
    except FileNotFoundError:
        return 0


def thirty_webhooks(t):
    t.line('for $i in range(30) { $h = add "https://example.com/hook/${i}" events=deliver }')
    t.wait_for_prompt()


def test_a_long_list_at_24_rows_goes_through_the_pager(tmp_path):
    pager = recording_pager(str(tmp_path))
    t = Terminal("--memory", "--quiet", env={"PAGER": pager}, rows=24, columns=100)
    t.wait_for_prompt()
    thirty_webhooks(t)
    t.line("list")
    t.wait_for_prompt()
    assert runs(str(tmp_path)) == 1
    got = ESCAPES.sub("", open(tmp_path / "pager.got").read())
    assert got.startswith("id  url")
    assert "30  https://example.com/hook/29  deliver  (all)" in got
    assert got.rstrip().endswith("(30 of 30 webhooks)")
    # The table was fitted to the screen before it went into the pager.
    assert max(len(line) for line in got.split("\n")) <= 100
    # The pager showed it, not whs.
    assert "(30 of 30 webhooks)" not in t.text()


def test_short_output_and_set_pager_off_do_not_page(tmp_path):
    pager = recording_pager(str(tmp_path))
    t = Terminal("--memory", "--quiet", env={"PAGER": pager}, rows=24, columns=100)
    t.wait_for_prompt()
    thirty_webhooks(t)
    t.line("list limit=5")
    t.wait_for("(5 of 30 webhooks)")
    t.wait_for_prompt()
    assert runs(str(tmp_path)) == 0
    t.line("set pager off")
    t.wait_for_prompt()
    t.line("list")
    t.wait_for("(30 of 30 webhooks)")
    t.wait_for_prompt()
    assert runs(str(tmp_path)) == 0


def test_whs_pager_comes_before_pager_and_set_pager_on_pages_short_output(tmp_path):
    mine = recording_pager(str(tmp_path), "mine")
    other = recording_pager(str(tmp_path), "other")
    t = Terminal("--memory", "--quiet", env={"WHS_PAGER": mine, "PAGER": other}, rows=24, columns=100)
    t.wait_for_prompt()
    t.line("set pager on")
    t.wait_for_prompt()
    t.line("add https://example.com/one")
    t.wait_for_prompt()
    assert runs(str(tmp_path), "mine") == 1
    assert runs(str(tmp_path), "other") == 0
    assert "url:      https://example.com/one" in ESCAPES.sub("", open(tmp_path / "mine.got").read())


def test_a_pager_that_quits_early_loses_nothing_of_the_session(tmp_path):
    # Reads one line and quits, as q in less does: whs's writing then meets a closed pipe.
    quitter = tmp_path / "quit.sh"
    quitter.write_text(f"#!/bin/sh\nread first\necho \"$first\" > {tmp_path}/first\n")
    quitter.chmod(0o755)
    t = Terminal("--memory", "--quiet", env={"PAGER": str(quitter)}, rows=24, columns=100)
    t.wait_for_prompt()
    t.line("$kept = 42")
    t.wait_for_prompt()
    t.line("range(100000)")   # about 600 KB: far more than a pipe holds
    t.wait_for_prompt()
    assert (tmp_path / "first").read_text().startswith("[0, 1, 2, 3")
    t.line("print $kept + 1")
    t.wait_for("43")
    t.wait_for_prompt()
    t.key("ctrl-d")
    assert t.exit_status() == 0


def test_q_in_less_returns_to_the_prompt():
    t = Terminal("--memory", "--quiet", rows=24, columns=100, env={"LESS": ""})
    t.wait_for_prompt()
    t.line("range(50000)")
    t.wait_for("\n:")       # less's prompt at the bottom of the screen
    t.type("q")
    t.wait_for_prompt()
    t.line('print "still here"')
    t.wait_for("still here")


def test_minus_c_at_a_terminal_never_pages(tmp_path):
    pager = recording_pager(str(tmp_path))
    t = Terminal("--memory", "-c", "range(50000); print \"done\"", env={"PAGER": pager}, rows=24, columns=100)
    t.wait_for("done")
    assert t.exit_status() == 0
    assert runs(str(tmp_path)) == 0


def test_a_pager_that_does_not_exist_shows_the_output_anyway():
    t = Terminal("--memory", "--quiet", env={"PAGER": "/nonexistent/pager"}, rows=24, columns=100)
    t.wait_for_prompt()
    t.line("range(3000)")
    t.wait_for("2999]")
    assert "pager '/nonexistent/pager' not found; shown without it" in t.raw
    t.wait_for_prompt()


def test_help_and_a_long_history_page_too(tmp_path):
    pager = recording_pager(str(tmp_path))
    t = Terminal("--memory", "--quiet", env={"PAGER": pager}, rows=24, columns=100)
    t.wait_for_prompt()
    for number in range(30):
        t.line(f"$x = {number}")
    t.wait_for_prompt()
    t.line("history")
    t.wait_for_prompt()
    assert runs(str(tmp_path)) == 1
    got = open(tmp_path / "pager.got").read()
    assert "    1  $x = 0\n" in got and "   30  $x = 29\n" in got
    t.line("help")
    t.wait_for_prompt()
    assert runs(str(tmp_path)) == 2
    assert "Commands:" in open(tmp_path / "pager.got").read()
