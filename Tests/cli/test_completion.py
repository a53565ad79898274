"""Completion for real: the scripts `whs completion bash|zsh|fish` prints, run through each
shell's own machinery (bash-completion's `_init_completion` and a `complete -F` function given
COMP_WORDS, zsh's compsys in a pseudo-terminal pressing Tab, fish's `complete -C`), in a folder
with a script (demo.whs), a text file and a folder. What each must offer is read from
`whs --help`, so the scripts are checked against the table and not against themselves."""
import os
import re
import shlex
import subprocess
import time

import pexpect
import pyte
import pytest

from clitools import WHS, folder, need, table, whs  # noqa: F401 (fixtures)

BASH_COMPLETION = "/usr/share/bash-completion/bash_completion"


@pytest.fixture(scope="module")
def scripts(tmp_path_factory):
    """The three scripts as the packages install them: whs (bash), _whs (zsh, in a folder of
    $fpath), whs.fish."""
    path = tmp_path_factory.mktemp("scripts")
    (path / "zsh").mkdir()
    files = {"bash": path / "whs", "zsh": path / "zsh" / "_whs", "fish": path / "whs.fish"}
    for shell, file in files.items():
        status, text, err = whs("completion", shell)
        assert status == 0 and err == "" and text.strip(), shell
        file.write_text(text)
    return files


def environment(home):
    return {"PATH": os.path.dirname(WHS) + ":/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", "TERM": "xterm"}


def folder_name(word):
    """`sub/` as `sub` (zsh and fish mark folders); `postgres://` stays."""
    return word[:-1] if word.endswith("/") and not word.endswith("//") else word


# bash ---------------------------------------------------------------------------------------

def readline_words(line):
    """COMP_WORDS as readline makes them: split at white space, and `=` and `:` (in
    COMP_WORDBREAKS) words of their own."""
    words = []
    for word in line.split():
        words += [part for part in re.split(r"([=:])", word) if part]
    if line.endswith(" ") or not words:
        words.append("")
    return words


def bash_complete(scripts, line, cwd, bash_completion=True):
    """What `_whs` puts in COMPREPLY for `line`, the cursor at its end."""
    words = readline_words(line)
    program = "\n".join([
        f"source {BASH_COMPLETION}" if bash_completion else "",
        f"source {scripts['bash']}",
        "[ \"$(complete -p whs)\" = 'complete -F _whs whs' ] || echo 'not registered' >&2",
        "COMP_WORDS=(" + " ".join(shlex.quote(word) for word in words) + ")",
        f"COMP_CWORD={len(words) - 1}",
        f"COMP_LINE={shlex.quote(line)}",
        f"COMP_POINT={len(line)}",
        "_whs whs \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\"",
        "printf '%s\\n' \"${COMPREPLY[@]}\"",
    ])
    result = subprocess.run([need("bash"), "--norc", "--noprofile", "-c", program], cwd=cwd, capture_output=True,
                            text=True, env=environment(cwd), timeout=30)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return [line for line in result.stdout.split("\n") if line]


# zsh ----------------------------------------------------------------------------------------

class Zsh:
    """An interactive zsh with no start-up files in a pseudo-terminal; the screen is read
    through a terminal emulator, as a person would read it."""

    def __init__(self, cwd, setup):
        self.screen = pyte.Screen(200, 60)
        self.stream = pyte.Stream(self.screen)
        self.process = pexpect.spawn(need("zsh"), ["-f", "-i"], cwd=str(cwd), env=environment(cwd), encoding="utf-8",
                                     dimensions=(60, 200), timeout=10)
        self.process.sendline("PS1='zsh%% '; " + setup + "; clear")
        self.wait_for_prompt()

    def pump(self, seconds):
        deadline = time.monotonic() + seconds
        while True:
            try:
                self.stream.feed(self.process.read_nonblocking(65536, timeout=max(0.0, deadline - time.monotonic())))
            except pexpect.TIMEOUT:
                return

    def lines(self):
        return [line.rstrip() for line in self.screen.display if line.strip()]

    def wait_for_prompt(self):
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            self.pump(0.1)
            if self.lines() and self.lines()[-1] == "zsh%":
                return
        raise AssertionError(f"no prompt: {self.lines()}")

    def tab(self, line):
        """Types `line` and Tab; the command line afterwards and the candidates listed below it."""
        self.process.send(line + "\t")
        self.pump(1.5)
        lines = self.lines()
        prompt = next(index for index, text in enumerate(lines) if text.startswith("zsh% "))
        candidates = []
        for text in lines[prompt + 1:]:
            # `--port  -- the port`, `-x  --echo  -- print ...`, or columns of words.
            candidates += text.split(" -- ", 1)[0].split()
        return lines[prompt], [folder_name(word) for word in candidates]

    def close(self):
        self.process.sendcontrol("c")
        self.process.sendline("exit")
        self.process.close(force=True)


COMPINIT = "autoload -Uz compinit; compinit -u -D"


def zsh_complete(scripts, line, cwd, setup=None):
    shell = Zsh(cwd, setup or f"fpath=({scripts['zsh'].parent} $fpath); {COMPINIT}")
    try:
        return shell.tab(line)
    finally:
        shell.close()


# fish ---------------------------------------------------------------------------------------

def fish_complete(scripts, line, cwd):
    """`complete -C LINE`: the candidates, without their descriptions."""
    result = subprocess.run([need("fish"), "--no-config", "-c", f"source {scripts['fish']}; complete -C $LINE"],
                            cwd=cwd, capture_output=True, text=True, env={**environment(cwd), "LINE": line}, timeout=30)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return [folder_name(candidate.split("\t")[0]) for candidate in result.stdout.split("\n") if candidate]


SHELLS = ["bash", "zsh", "fish"]


def candidates(shell, scripts, line, cwd):
    if shell == "bash":
        return bash_complete(scripts, line, cwd)
    if shell == "fish":
        return fish_complete(scripts, line, cwd)
    return zsh_complete(scripts, line, cwd)[1]


# The cases of the issue ----------------------------------------------------------------------

@pytest.mark.parametrize("shell", SHELLS)
def test_a_flag_completes_to_its_name(shell, scripts, folder):
    if shell == "zsh":
        command_line, listed = zsh_complete(scripts, "whs --st", folder)
        assert command_line == "zsh% whs --store" and listed == []
    else:
        assert candidates(shell, scripts, "whs --st", folder) == ["--store"]


@pytest.mark.parametrize("shell", SHELLS)
def test_serve_lists_its_flags(shell, scripts, folder, table):
    expected = {flag for flag in table["serve"] if flag.startswith("--")}
    assert {"--signature", "--retry-delays", "--store", "--user", "--help"} <= expected
    offered = set(candidates(shell, scripts, "whs serve --", folder))
    assert expected <= offered, expected - offered
    # serve's flags, not the shell's.
    assert not offered & {"--keep-going", "--echo", "--url"}


@pytest.mark.parametrize("shell", SHELLS)
def test_signature_offers_its_forms(shell, scripts, folder):
    assert sorted(candidates(shell, scripts, "whs serve --signature ", folder)) == ["hmac-sha256", "md5"]


@pytest.mark.parametrize("shell", SHELLS)
def test_retry_delays_offer_the_named_schedules(shell, scripts, folder):
    assert {"production", "standard", "none"} <= set(candidates(shell, scripts, "whs serve --retry-delays ", folder))


@pytest.mark.parametrize("shell", SHELLS)
def test_the_first_word_is_a_subcommand_or_a_script(shell, scripts, folder, table):
    offered = set(candidates(shell, scripts, "whs ", folder))
    assert "demo.whs" in offered and "sub" in offered and "notes.txt" not in offered
    assert set(table) - {""} <= offered


@pytest.mark.parametrize("shell", SHELLS)
def test_store_offers_files_and_postgres(shell, scripts, folder):
    offered = set(candidates(shell, scripts, "whs --store ", folder))
    assert {"postgres://", "notes.txt", "demo.whs"} <= offered


@pytest.mark.parametrize("shell", SHELLS)
def test_operands_of_subcommands(shell, scripts, folder):
    assert sorted(candidates(shell, scripts, "whs completion ", folder)) == ["bash", "fish", "zsh"]
    played = set(candidates(shell, scripts, "whs play ", folder))
    assert "demo.whs" in played and "notes.txt" not in played


def test_bash_splits_flag_equals_value(scripts, folder):
    assert sorted(bash_complete(scripts, "whs serve --signature=", folder)) == ["hmac-sha256", "md5"]
    assert "postgres://" in bash_complete(scripts, "whs --store=", folder)


def test_bash_without_bash_completion_still_completes(scripts, folder):
    assert bash_complete(scripts, "whs --st", folder, bash_completion=False) == ["--store"]
    assert sorted(bash_complete(scripts, "whs serve --signature ", folder, bash_completion=False)) == ["hmac-sha256", "md5"]
    assert "demo.whs" in bash_complete(scripts, "whs ", folder, bash_completion=False)


def test_sourced_where_it_cannot_complete_it_says_nothing(scripts, folder):
    # bash without bash-completion, an interactive bash, sh and zsh: no error, status 0.
    for command in [[need("bash"), "--norc", "--noprofile", "-c", f"source {scripts['bash']}"],
                    [need("bash"), "--norc", "--noprofile", "-i", "-c", f"source {scripts['bash']}; complete -p whs"],
                    ["sh", "-c", f". {scripts['bash']}"],
                    [need("zsh"), "-f", "-c", f"source {scripts['bash']}"],
                    [need("zsh"), "-f", "-c", f"source {scripts['zsh']}"],
                    [need("zsh"), "-f", "-c", f"{COMPINIT}; source {scripts['zsh']}; print -r -- $_comps[whs]"]]:
        result = subprocess.run(command, capture_output=True, text=True, cwd=folder, env=environment(folder), timeout=30)
        errors = [line for line in result.stderr.splitlines() if "job control" not in line and "terminal process group" not in line]
        assert result.returncode == 0 and errors == [], (command, result.stderr)
    assert "complete -F _whs whs" in subprocess.run(
        [need("bash"), "--norc", "--noprofile", "-i", "-c", f"source {scripts['bash']}; complete -p whs"],
        capture_output=True, text=True, env=environment(folder), timeout=30).stdout


def test_zsh_without_compinit_degrades_to_no_completion(scripts, folder):
    # Sourced into a zsh where compinit never ran: no error at sourcing, none at Tab.
    shell = Zsh(folder, f"source {scripts['zsh']}")
    try:
        command_line, _ = shell.tab("whs --st")
        screen = "\n".join(shell.lines())
        assert command_line.startswith("zsh% whs --st")
        assert "not found" not in screen and "error" not in screen.lower(), screen
    finally:
        shell.close()


def test_zsh_sourced_after_compinit(scripts, folder):
    command_line, listed = zsh_complete(scripts, "whs serve --signature ", folder,
                                        setup=f"{COMPINIT}; source {scripts['zsh']}")
    assert sorted(listed) == ["hmac-sha256", "md5"], (command_line, listed)


def test_every_flag_of_the_table_is_offered(scripts, folder, table):
    # bash and fish, for every context: a flag the parser knows is a flag the shell offers.
    for name, flags in table.items():
        prefix = f"whs {name} " if name else "whs "
        for shell in ["bash", "fish"]:
            offered = set(candidates(shell, scripts, prefix + "-", folder))
            long_flags = {flag for flag in flags if flag.startswith("--")}
            assert long_flags <= offered, (shell, name, long_flags - offered)
