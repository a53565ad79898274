"""The .deb installed with dpkg on this machine, as root: the binary, the man pages, the
completions where each shell looks, the service's user, state directory and environment file;
`dpkg -r` removes the binary, `dpkg --purge` leaves nothing of the package behind.

One test, in steps, since each step needs the one before (an installed, then removed package).
"""
import grp
import os
import pwd
import re
import shlex
import shutil
import signal
import stat
import subprocess
import urllib.request

import pytest

from packages import VERSION, VERSION_LINE, run

INSTALLED = [
    "/usr/bin/whs",
    "/usr/share/man/man1/whs.1.gz",
    "/usr/share/man/man7/whs-language.7.gz",
    "/usr/share/bash-completion/completions/whs",
    "/usr/share/zsh/vendor-completions/_whs",
    "/usr/share/fish/vendor_completions.d/whs.fish",
    "/usr/lib/systemd/system/whs.service",
    "/etc/default/whs",
    "/usr/share/doc/whs/copyright",
]


def installed(package="whs"):
    done = run("dpkg-query", "-W", "-f", "${db:Status-Status}", package, check=False)
    return done.stdout.strip() if done.returncode == 0 else "not-installed"


def user_exists(name):
    return run("getent", "passwd", name, check=False).returncode == 0


def group_exists(name):
    return run("getent", "group", name, check=False).returncode == 0


@pytest.fixture
def clean_slate():
    """Root, dpkg, and no whs package, user or state left by an earlier run."""
    if os.geteuid() != 0:
        pytest.fail("installing the .deb needs root (CI and the project's machines run as root)")
    for tool in ("dpkg", "dpkg-deb", "man"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing (scripts/setup --test installs man-db)")
    if installed() != "not-installed":
        run("dpkg", "--purge", "whs")
    assert not user_exists("whs"), "a user whs exists that the package did not make: the test would remove it"
    assert not os.path.exists("/var/lib/whs") and not os.path.exists("/etc/default/whs")
    yield
    if installed() != "not-installed":
        run("dpkg", "--purge", "whs", check=False)


def unit_setting(name):
    """The value of a setting in the installed unit (the last one, as systemd reads it)."""
    values = [line.split("=", 1)[1] for line in open("/usr/lib/systemd/system/whs.service").read().splitlines()
              if line.startswith(name + "=")]
    return values[-1]


def test_install_use_remove_and_purge(deb, clean_slate, tmp_path):
    fields = run("dpkg-deb", "--field", deb, "Package", "Version", "Architecture", "Depends").stdout
    assert "Package: whs" in fields and f"Version: {VERSION.replace('-', '~')}" in fields
    depends = re.search(r"Depends: (.*)", fields).group(1)
    # Computed from the binary: the C libraries it loads, with versions; no Swift runtime package
    # (there is none in Debian: it is linked in statically).
    for library in ("libc6 (>=", "libsqlite3-0", "libedit2", "zlib1g", "passwd"):
        assert library in depends, depends
    assert "swift" not in depends.lower()

    run("dpkg", "-i", deb)
    assert installed() == "installed"
    for path in INSTALLED:
        assert os.path.isfile(path), path
    assert stat.S_IMODE(os.stat("/etc/default/whs").st_mode) == 0o600
    assert "/etc/default/whs" in run("dpkg-query", "-W", "-f", "${Conffiles}", "whs").stdout

    # The binary, its version, its pages.
    version = run("/usr/bin/whs", "--version").stdout.strip()
    assert VERSION_LINE.match(version) and VERSION_LINE.match(version).group(1) == VERSION, version
    assert run("man", "-w", "whs").stdout.strip() == "/usr/share/man/man1/whs.1.gz"
    assert run("man", "-w", "7", "whs-language").stdout.strip() == "/usr/share/man/man7/whs-language.7.gz"
    page = run("man", "-P", "cat", "whs", env={**os.environ, "MANWIDTH": "100", "LANG": "C.UTF-8"}).stdout
    assert "serve" in page and "--store" in page
    completions_found_by_each_shell(tmp_path)
    # A script, run by the installed binary.
    script = tmp_path / "hooks.whs"
    script.write_text('#!/usr/bin/env whs\n$h = add https://example.com/h events=open\n'
                      'assert (list).total == 1, "one webhook"\nprint "made ${h.id} ${h.url}"\n')
    assert run("/usr/bin/whs", "--memory", str(script)).stdout == "made 1 https://example.com/h\n"

    # The service's user and state directory, as the unit runs whs serve.
    entry = pwd.getpwnam("whs")
    assert entry.pw_dir == "/var/lib/whs" and entry.pw_shell == "/usr/sbin/nologin" and entry.pw_uid < 1000
    assert grp.getgrgid(entry.pw_gid).gr_name == "whs"
    state = os.stat("/var/lib/whs")
    assert (state.st_uid, stat.S_IMODE(state.st_mode)) == (entry.pw_uid, 0o700)
    assert unit_setting("User") == "whs" and unit_setting("StateDirectory") == "whs"
    assert unit_setting("EnvironmentFile") == "-/etc/default/whs" and unit_setting("Restart") == "on-failure"
    served_as_unit(entry)

    # dpkg -r: the binary goes; the conffile, the user and the state stay until purge.
    run("dpkg", "-r", "whs")
    assert not os.path.exists("/usr/bin/whs") and not os.path.exists("/usr/share/man/man1/whs.1.gz")
    assert os.path.exists("/etc/default/whs") and user_exists("whs") and os.path.exists("/var/lib/whs/store.sqlite")

    # dpkg --purge: nothing of it left.
    run("dpkg", "--purge", "whs")
    assert installed() == "not-installed"
    left = [path for path in INSTALLED + ["/var/lib/whs", "/usr/share/doc/whs"] if os.path.lexists(path)]
    assert left == []
    assert not user_exists("whs") and not group_exists("whs")


def completions_found_by_each_shell(home):
    """Each shell finds the installed completion by its own lookup, with nothing sourced by
    hand: bash-completion's loader, zsh's compinit over its fpath, fish's vendor directory.
    (How each completes is Tests/cli's; this checks where the package put the files.)"""
    for shell in ("bash", "zsh", "fish"):
        if shutil.which(shell) is None:
            pytest.fail(f"{shell} is missing (scripts/setup --test installs bash-completion, zsh and fish)")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}
    bash = run("bash", "-c", "source /usr/share/bash-completion/bash_completion; __load_completion whs; complete -p whs", env=env)
    assert bash.stdout.strip() == "complete -F _whs whs"
    zsh = run("zsh", "-f", "-c", 'autoload -Uz compinit && compinit -u -d "$HOME/.zcompdump" && print -r -- ${_comps[whs]}', env=env)
    assert zsh.stdout.strip() == "_whs"
    fish = run("fish", "-c", "complete -C 'whs --st'", env=env)
    assert fish.stdout.startswith("--store\t")


def served_as_unit(entry):
    """whs serve started as whs.service starts it: its user, its environment (the unit's
    defaults, then /etc/default/whs), its ExecStart line; ready when the unit's ExecStartPost
    health loop says so; the store lands in the state directory."""
    port = free_port()
    with open("/etc/default/whs", "a") as settings:
        settings.write(f"WHS_USERS=acme:alice:alice-key\nWHS_PORT={port}\nWHS_SERVE_OPTS=--quiet --event-delay 0\n")
    env = {"PATH": "/usr/bin:/bin"}
    for assignment in shlex.split(unit_setting("Environment")):
        key, value = assignment.split("=", 1)
        env[key] = value
    for line in open("/etc/default/whs").read().splitlines():
        if line and not line.startswith("#"):
            key, value = line.split("=", 1)
            env[key] = value
    exec_start = unit_setting("ExecStart")
    # systemd's expansion: ${NAME} as one word, $NAME split on spaces.
    argv = []
    for word in exec_start.split():
        if word.startswith("${"):
            argv.append(env.get(word[2:-1], ""))
        elif word.startswith("$"):
            argv += env.get(word[1:], "").split()
        else:
            argv.append(word)
    assert argv[:2] == ["/usr/bin/whs", "serve"]
    demote = lambda: (os.setgid(entry.pw_gid), os.setuid(entry.pw_uid))  # noqa: E731
    server = subprocess.Popen(argv, env=env, preexec_fn=demote, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready = subprocess.run(["/bin/sh", "-c", readiness_script()],
                               env=env, preexec_fn=demote, timeout=40)
        assert ready.returncode == 0, "the unit's readiness loop gave up"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/health", timeout=5) as answer:
            assert answer.status == 200
        first = server.stdout.readline()
        assert first.startswith(f"whs serve: listening on http://127.0.0.1:{port} (store /var/lib/whs/store.sqlite)"), first
        store = os.stat("/var/lib/whs/store.sqlite")
        assert store.st_uid == entry.pw_uid and stat.S_IMODE(store.st_mode) == 0o600
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(20) == 0
    # Not ready when nothing answers: the same loop fails (here cut short by a smaller budget).
    refused = subprocess.run(["/bin/sh", "-c", readiness_script().replace("-lt 300", "-lt 3")],
                             env=env, timeout=40)
    assert refused.returncode == 1


def readiness_script():
    """The shell script of the unit's ExecStartPost, as systemd hands it to /bin/sh."""
    return unit_setting("ExecStartPost").split(" -c ", 1)[1].strip("'").replace("$$", "$")


def free_port():
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_unit_passes_systemd_analyze(deb, clean_slate):
    if shutil.which("systemd-analyze") is None:
        pytest.fail("systemd-analyze is missing (Debian: apt-get install systemd)")
    run("dpkg", "-i", deb)
    done = run("systemd-analyze", "verify", "/usr/lib/systemd/system/whs.service", check=False)
    problems = [line for line in (done.stdout + done.stderr).splitlines() if "whs.service" in line]
    assert problems == [] and done.returncode == 0, done.stdout + done.stderr
