"""`output FILE` until `output stop`, `once=true` for one statement (issue 20, item 5): the
file gets what a pipe would, secrets masked; a folder that does not exist or cannot be written
is an error before anything of the script runs."""
import os
import shutil
import subprocess
import tempfile

from shelltools import WHS, run_script


def test_output_sends_what_statements_show_to_the_file_until_output_stop(tmp_path):
    status, out, err = run_script(tmp_path, """
add https://example.com/a events=deliver
output listing.txt
list
print "printed too"
output
output stop
print "back on the screen"
""")
    assert status == 0, err
    assert out == "id:       1\nurl:      https://example.com/a\nevent:    deliver\napi_user: (all)\nback on the screen\n"
    assert (tmp_path / "listing.txt").read_text() == (
        "id  url                    event    api_user\n"
        "--  ---------------------  -------  --------\n"
        "1   https://example.com/a  deliver  (all)\n"
        "(1 of 1 webhook)\n"
        "printed too\n"
        "output goes to listing.txt (output stop ends it)\n")


def test_once_true_sends_only_the_next_statement_and_csv_goes_to_the_file_as_it_would_to_a_pipe(tmp_path):
    status, out, err = run_script(tmp_path, """
add https://example.com/a events=deliver,open
set format csv
output hooks.csv once=true
list
list
""")
    assert status == 0, err
    assert (tmp_path / "hooks.csv").read_bytes() == b'id,url,event,api_user\r\n1,https://example.com/a,"deliver,open",\r\n'
    # The second list is on stdout again.
    assert out.endswith('id,url,event,api_user\r\n1,https://example.com/a,"deliver,open",\r\n')
    assert out.count("id,url,event,api_user") == 1


def test_secrets_are_masked_in_the_file_as_on_screen(tmp_path):
    status, out, err = run_script(tmp_path, """
$k = app_key
output keys.txt
$k
{key: $k}
output stop
print reveal($k)
""")
    assert status == 0, err
    key = out.strip()
    assert len(key) > 8
    text = (tmp_path / "keys.txt").read_text()
    assert key not in text
    assert text == "••••••\nkey: ••••••\n"


def test_a_folder_that_does_not_exist_is_an_error_before_anything_runs(tmp_path):
    status, out, err = run_script(tmp_path, 'print "first"\noutput missing/folder/out.txt\nprint "after"\n')
    assert status == 2
    assert out == ""
    assert err.split("\n")[0].endswith(
        "script.whs:2:8: error: output: cannot write missing/folder/out.txt: the folder missing/folder does not exist")


def test_a_folder_that_is_not_writable_is_an_error_before_anything_runs():
    base = tempfile.mkdtemp()
    try:
        os.chmod(base, 0o755)
        locked = os.path.join(base, "locked")
        os.mkdir(locked, 0o555)
        os.chmod(locked, 0o555)
        command = [WHS, "--memory", "-c", f'print "first"; output {locked}/out.txt']
        if os.geteuid() == 0:
            # root writes anywhere: whs runs as nobody here.
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + command
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd="/")
        assert result.returncode == 2, result.stderr
        assert result.stdout == ""
        assert f"error: output: cannot write {locked}/out.txt: the folder {locked} is not writable" in result.stderr
        assert not os.path.exists(os.path.join(locked, "out.txt"))
    finally:
        shutil.rmtree(base)


def test_output_twice_and_stop_without_output_are_errors(tmp_path):
    status, out, err = run_script(tmp_path, "output a.txt\noutput b.txt\n", "--keep-going")
    assert status == 1
    assert "error: output: output goes to a.txt already (output stop ends it)" in err
    status, out, err = run_script(tmp_path, "output stop\n")
    assert status == 1
    assert "error: output: output goes to the screen already" in err
