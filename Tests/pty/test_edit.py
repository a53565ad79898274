"""`edit` and Ctrl-X Ctrl-E (issue 20, item 3): the statement opened in $VISUAL/$EDITOR in a
private folder removed whole afterwards; what is saved runs as if typed and is one history
entry; a missing or failing editor leaves the line as it was, with one line saying why."""
import os

from harness import Terminal

CTRL_X_CTRL_E = "\x18\x05"


def rewriting_editor(directory, new_text):
    """An editor that keeps what it was given, its folder's mode and name, leaves a swap file
    beside the buffer (as vim does), and saves `new_text`."""
    path = os.path.join(directory, "editor.sh")
    with open(path, "w") as script:
        script.write(f"""#!/bin/sh
cat "$1" > {directory}/given
stat -c %a "$(dirname "$1")" > {directory}/mode
dirname "$1" > {directory}/folder
touch "$1.swp" "$1~"
cat > "$1" <<'TEXT'
{new_text}
TEXT
""")
    os.chmod(path, 0o755)
    return path


def read(directory, name):
    with open(os.path.join(directory, name)) as f:
        return f.read()


def test_edit_opens_the_last_statement_runs_the_saved_text_and_keeps_it_in_history(tmp_path):
    editor = rewriting_editor(str(tmp_path), 'print "from the editor"\nprint "second line"')
    t = Terminal("--memory", "--quiet", env={"EDITOR": editor, "VISUAL": ""})
    t.wait_for_prompt()
    t.line('print "typed"')
    t.wait_for_prompt()
    t.line("edit")
    t.wait_for("second line\n")
    t.wait_for_prompt()
    assert read(str(tmp_path), "given") == 'print "typed"\n'
    assert read(str(tmp_path), "mode").strip() == "700"
    # The folder went, with the swap and backup files the editor left in it.
    assert not os.path.exists(read(str(tmp_path), "folder").strip())
    screen = t.text()
    assert "\nfrom the editor\nsecond line\n" in screen
    t.line("history")
    t.wait_for_prompt()
    screen = t.text()
    assert '    3  print "from the editor"\n       print "second line"' in screen
    # Up brings the edited text back whole, as one entry.
    t.key("up")
    t.wait_for('print "second line"')


def test_visual_comes_before_editor(tmp_path):
    editor = rewriting_editor(str(tmp_path), 'print "visual ran"')
    t = Terminal("--memory", "--quiet", env={"VISUAL": editor, "EDITOR": "/nonexistent/editor"})
    t.wait_for_prompt()
    t.line("print 1")
    t.wait_for_prompt()
    t.line("edit")
    t.wait_for("visual ran\n")


def test_ctrl_x_ctrl_e_edits_the_line_being_typed(tmp_path):
    editor = rewriting_editor(str(tmp_path), 'print "replaced"')
    t = Terminal("--memory", "--quiet", env={"EDITOR": editor})
    t.wait_for_prompt()
    t.type('print "half typ')
    t.type(CTRL_X_CTRL_E)
    t.wait_for("replaced\n")
    t.wait_for_prompt()
    assert read(str(tmp_path), "given") == 'print "half typ\n'
    assert 'whs[memory]> print "replaced"\nreplaced' in t.text()
    assert not os.path.exists(read(str(tmp_path), "folder").strip())
    t.line("history")
    t.wait_for_prompt()
    assert '    1  print "replaced"' in t.text()


def test_edit_name_opens_a_procedure(tmp_path):
    editor = rewriting_editor(str(tmp_path), 'def greet($who) {\n  print "hello, ${who}!"\n}')
    t = Terminal("--memory", "--quiet", env={"EDITOR": editor})
    t.wait_for_prompt()
    t.line('def greet($who) { print "hi " + $who }')
    t.wait_for_prompt()
    t.line('print "between"')
    t.wait_for_prompt()
    t.line("edit greet")
    t.wait_for_prompt()
    assert read(str(tmp_path), "given") == 'def greet($who) { print "hi " + $who }\n'
    t.line('greet("ann")')
    t.wait_for("hello, ann!")


def test_a_missing_editor_leaves_the_line_as_it_was_with_one_line_saying_why():
    t = Terminal("--memory", "--quiet", env={"EDITOR": "/nonexistent/editor", "VISUAL": ""})
    t.wait_for_prompt()
    t.type('print "kept"')
    t.type(CTRL_X_CTRL_E)
    t.wait_for("not found")
    t.pump(0.3)
    lines = t.text().split("\n")
    assert [l for l in lines if "editor" in l] == ["edit: editor '/nonexistent/editor' not found: nothing changed"]
    assert t.cursor_line() == 'whs[memory]> print "kept"'
    t.key("enter")
    t.wait_for("\nkept\n")
    t.wait_for_prompt()
    t.line("edit")
    t.wait_for_prompt()
    assert t.text().count("edit: editor '/nonexistent/editor' not found: nothing changed") == 2


def test_an_editor_that_fails_changes_nothing(tmp_path):
    failing = tmp_path / "fail.sh"
    failing.write_text('#!/bin/sh\necho \'print "should not run"\' > "$1"\nexit 1\n')
    failing.chmod(0o755)
    t = Terminal("--memory", "--quiet", env={"EDITOR": str(failing)}, columns=200)
    t.wait_for_prompt()
    t.type('print "as it was"')
    t.type(CTRL_X_CTRL_E)
    t.wait_for("exited with status 1")
    t.pump(0.3)
    assert f"edit: editor '{failing}' exited with status 1: nothing changed" in t.text()
    assert t.cursor_line() == 'whs[memory]> print "as it was"'
    t.key("enter")
    t.wait_for("\nas it was\n")
    t.wait_for_prompt()
    t.line("edit")
    t.wait_for_prompt()
    assert "should not run" not in t.text().replace('print "should not run"', "")
    assert t.text().count("exited with status 1: nothing changed") == 2


def test_edit_in_a_script_is_an_error():
    t = Terminal("--memory", "-c", "edit")
    t.wait_for("edit works at the prompt only")
    assert t.exit_status() == 1
