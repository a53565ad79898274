"""The man pages `whs man` and `whs man language` print: roff that groff reads without a
warning, that man renders, and that holds every subcommand and flag of the table (read from
`whs --help` and cross-checked with the completion script) and every command, function and
setting of the language (read from the shell's own `help` and `set`)."""
import os
import re
import subprocess

from clitools import WHS, help_flags, need, table, whs  # noqa: F401 (fixtures)


def groff(page):
    """The page as plain text, and groff's warnings (-ww: all of them)."""
    result = subprocess.run([need("groff"), "-man", "-Tutf8", "-ww", "-P-cbou"], input=page, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0
    return result.stdout, result.stderr


def test_whs_1_has_no_warnings_and_renders_with_man():
    _, page, _ = whs("man")
    assert page.startswith(".TH WHS 1 ")
    _, warnings = groff(page)
    assert warnings == ""
    rendered = subprocess.run([need("man"), "-l", "-"], input=page, capture_output=True, text=True, timeout=60,
                              env={**os.environ, "MANWIDTH": "100", "MANPAGER": "cat", "PAGER": "cat"})
    assert rendered.returncode == 0 and rendered.stderr == "", rendered.stderr
    for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS", "ENVIRONMENT", "FILES", "EXIT STATUS", "EXAMPLES"]:
        assert f"\n{section}\n" in rendered.stdout, section


def test_whs_1_holds_every_subcommand_and_flag(table):
    _, page, _ = whs("man")
    text, _ = groff(page)
    version = open(os.path.join(os.path.dirname(__file__), "..", "..", "VERSION")).read().strip()
    assert f"whs {version}" in text
    for name, flags in table.items():
        if name:
            assert re.search(rf"^\s+whs {name}( |$)", text, re.M), f"no section for whs {name}"
            assert f'.SS "whs {name}"' in page
        for flag in flags:
            assert re.search(rf"(^|[\s,\[]){re.escape(flag)}\b", text), f"whs {name}: {flag} is not in the page"


def test_help_and_completion_list_the_same_flags(table):
    # Two things made from the table, read back: they agree.
    _, script, _ = whs("completion", "bash")
    for name, flags in table.items():
        listed = re.search(rf"^_whs_flags_{name or 'top'}='([^']*)'$", script, re.M)
        assert listed, name
        assert sorted(listed.group(1).split()) == sorted(flags), name


def test_environment_names_what_the_code_reads():
    _, page, _ = whs("man")
    text, _ = groff(page)
    environment = text.split("\nENVIRONMENT\n", 1)[1].split("\nFILES\n", 1)[0]
    sources = subprocess.run(["grep", "-rhoE", r"Environment\.(nonEmpty|get)\(\"[A-Z_]+\"\)",
                              os.path.join(os.path.dirname(__file__), "..", "..", "Sources")],
                             capture_output=True, text=True).stdout
    read = set(re.findall(r'"([A-Z_]+)"', sources))
    assert {"WHS_STORE", "WHS_USERS", "WHS_API_KEY", "WHS_APP_KEY", "WHS_SEAL_KEY", "NO_COLOR"} <= read
    for name in read:
        assert re.search(rf"^\s+{name}\b", environment, re.M), f"{name} is read by whs but not in ENVIRONMENT"


def test_whs_language_7_holds_the_language():
    status, page, err = whs("man", "language")
    assert status == 0 and err == "" and page.startswith(".TH WHS\\-LANGUAGE 7 ")
    text, warnings = groff(page)
    assert warnings == ""
    # Every command `help` lists, every function `help functions` lists, every setting `set` lists.
    _, overview, _ = whs("--memory", "-c", "help")
    commands = re.findall(r"^  ([a-z_]+)  ", overview, re.M)
    assert len(commands) > 20 and "add" in commands and "send" in commands
    for command in commands:
        assert re.search(rf"^\s+{command}\b", text, re.M), f"command {command} is not in whs-language(7)"
    _, functions, _ = whs("--memory", "-c", "help functions")
    for function in re.findall(r"^  ([a-z_]+)\(", functions, re.M):
        assert re.search(rf"^\s+{function}\(", text, re.M), f"function {function} is not in whs-language(7)"
    _, settings, _ = whs("--memory", "--json", "-c", "set")
    for setting in re.findall(r'"([a-z_]+)":', settings):
        assert re.search(rf"^\s+{setting}\b", text, re.M), f"setting {setting} is not in whs-language(7)"
    # The arguments of a command, with their summaries, as `help add` shows them.
    _, add, _ = whs("--memory", "help", "add")
    for argument in re.findall(r"^  ([a-z_]+)=", add, re.M):
        assert f"{argument}=" in text
    for section in ["LEXICAL RULES", "STATEMENTS", "EXPRESSIONS", "COMMANDS", "FUNCTIONS", "SETTINGS"]:
        assert f"\n{section}\n" in text, section
