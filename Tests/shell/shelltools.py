"""Helpers of the shell's script tests: whs run on .whs files the test writes (imported by
each test module; not a conftest.py, so that it cannot clash with another folder's)."""
import os
import subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
WHS = os.environ.get("WHS_BINARY") or os.path.join(ROOT, ".build", "debug", "whs")


def run_script(directory, text, *options, name="script.whs"):
    """Writes `text` to a .whs file in `directory` and runs it on a memory store:
    (status, stdout, stderr)."""
    path = os.path.join(str(directory), name)
    with open(path, "w") as script:
        script.write(text)
    command = [WHS, "--memory", *options, path]
    # Bytes decoded by hand: text mode would turn CSV's CRLF into LF.
    result = subprocess.run(command, capture_output=True, timeout=60, cwd=str(directory),
                            env={**os.environ, "NO_COLOR": "1"})
    return result.returncode, result.stdout.decode(), result.stderr.decode()
