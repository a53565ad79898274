"""`events=all` (issue 20, item 1) and `watch` in scripts (item 4)."""
import json

from shelltools import run_script


def test_events_all_and_a_list_of_all_mean_the_nine(tmp_path):
    status, out, err = run_script(tmp_path, """
add https://example.com/a events=all
add https://example.com/b events=[all]
add https://example.com/c events=open
modify 3 events=all
list
""", "--json")
    assert status == 0, err
    page = json.loads(out.strip().split("\n")[-1])
    codes = [sorted(hook["event"]) for hook in page["result"]]
    # The nine, as the `events` command lists them.
    expected = sorted(event["code"] for event in json.loads(run_script(tmp_path, "events\n", "--json", name="e.whs")[1]))
    assert len(expected) == 9
    assert codes == [expected, expected, expected]


def test_events_all_with_other_events_is_refused(tmp_path):
    status, out, err = run_script(tmp_path, "add https://example.com/a events=all,open\n")
    assert status == 1
    assert "add: events=all means all nine events: give it alone, not with other events" in err


def test_watch_in_a_script_prints_each_run_one_after_another(tmp_path):
    status, out, err = run_script(tmp_path, """
$n = 0
watch every=10ms count=3 { $n = $n + 1; print "run ${n}" }
watch every=10ms timeout=200ms { print "timed" }
""")
    assert status == 0, err
    lines = out.split("\n")
    assert lines[:3] == ["run 1", "run 2", "run 3"]
    # Runs are at least 10ms apart, and the second starts well before 200ms.
    assert 2 <= lines.count("timed") <= 21
    assert "\x1b" not in out


def test_watch_without_count_or_timeout_in_a_script_fails_before_anything_runs(tmp_path):
    status, out, err = run_script(tmp_path, 'print "first"\nwatch every=1s { print "never" }\n')
    assert status == 2
    assert out == ""
    assert err.split("\n")[0].endswith(
        "/script.whs:2:1: error: watch in a script needs count= or timeout= so that the script ends (watch every=2s count=3 { ... })")


def test_a_failing_statement_in_a_watch_is_reported_and_the_watch_goes_on(tmp_path):
    status, out, err = run_script(tmp_path, 'watch every=10ms count=2 { get 7; print "on" }\nprint "done"\n')
    assert status == 0
    assert out == "on\non\ndone\n"
    assert err.count("error: get: no webhook with id 7") == 2


def test_watch_and_output_are_reserved_words(tmp_path):
    for word in ("watch", "output"):
        status, out, err = run_script(tmp_path, f"def {word}($x) {{ print $x }}\n")
        assert status == 2
        assert f"error: '{word}' is a reserved word" in err


def test_bad_watch_options(tmp_path):
    status, out, err = run_script(tmp_path, "watch evry=1s count=1 { }\n")
    assert status == 2 and 'watch: unknown option "evry"' in err
    status, out, err = run_script(tmp_path, "watch count=0 { }\n")
    assert status == 1 and "watch count= must be a whole number of runs, 1 or more, got 0" in err
    status, out, err = run_script(tmp_path, "watch count=2 list\n")
    assert status == 2 and "expected '{' after watch" in err
