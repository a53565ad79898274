"""Helpers of the command-line tests: completion, man pages, `whs health` (imported by each
test module; not a conftest.py, so that it cannot clash with another folder's)."""
import os
import re
import shutil
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
WHS = os.environ.get("WHS_BINARY") or os.path.join(ROOT, ".build", "debug", "whs")


def whs(*args, check=True, **kwargs):
    """Runs whs; (status, stdout, stderr)."""
    result = subprocess.run([WHS, *args], capture_output=True, text=True, timeout=60, **kwargs)
    if check:
        assert result.returncode == 0, (args, result.stderr)
    return result.returncode, result.stdout, result.stderr


def need(program):
    """The path of a program the test needs; a failure (not a skip) when scripts/setup --test
    has not installed it, so a missing shell cannot pass for a working one."""
    path = shutil.which(program)
    if not path:
        pytest.fail(f"{program} is missing: scripts/setup --test installs it")
    return path


def help_flags(text):
    """The flags an `options:` section of --help lists: every name of each line."""
    section = text.split("\noptions:\n", 1)[1].split("\n\n", 1)[0]
    flags = []
    for line in section.splitlines():
        match = re.match(r"^  (-[^ ,]+(?:, -[^ ,]+)*)", line)
        if match:
            flags += match.group(1).split(", ")
    return flags


def subcommands():
    """The subcommands `whs --help` lists, in its order."""
    _, text, _ = whs("--help")
    names = re.findall(r"^(?:usage:)?\s+whs ([a-z]+) ", text, re.M)
    assert names, text
    return names


@pytest.fixture(scope="session")
def table():
    """Every context of the command line and its flags, read from `--help`: {"": [...],
    "serve": [...], ...}."""
    _, top, _ = whs("--help")
    flags = {"": help_flags(top)}
    for name in subcommands():
        _, text, _ = whs(name, "--help")
        flags[name] = help_flags(text) if "\noptions:\n" in text else []
    return flags


@pytest.fixture(scope="session")
def folder(tmp_path_factory):
    """A folder with a script, a text file and a folder, for file completion."""
    path = tmp_path_factory.mktemp("completion")
    (path / "demo.whs").write_text("print 1\n")
    (path / "notes.txt").write_text("not a script\n")
    (path / "sub").mkdir()
    return path
