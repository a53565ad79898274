"""The tarball, as a user gets it: unpacked in an empty folder, it runs with nothing else
installed from the project; its binary is stripped, and the debug tarball unpacked over it
makes a crash symbolisable again."""
import gzip
import os
import shutil
import tarfile

import pytest

from packages import ARCH, ROOT, VERSION, VERSION_LINE, run


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory, tarball):
    folder = tmp_path_factory.mktemp("tarball")
    assert os.listdir(folder) == []
    with tarfile.open(tarball) as archive:
        archive.extractall(folder, filter="tar")
    return folder / f"whs-{VERSION}-linux-{ARCH}"


def test_it_holds_the_binary_man_pages_completions_readme_and_licence(tarball, unpacked):
    with tarfile.open(tarball) as archive:
        names = sorted(member.name for member in archive.getmembers() if member.isfile())
        owners = {(member.uid, member.gid) for member in archive.getmembers()}
    top = f"whs-{VERSION}-linux-{ARCH}"
    assert names == sorted(f"{top}/{name}" for name in [
        "LICENSE", "README.md", "bin/whs",
        "share/bash-completion/completions/whs", "share/fish/vendor_completions.d/whs.fish",
        "share/man/man1/whs.1.gz", "share/man/man7/whs-language.7.gz", "share/zsh/site-functions/_whs"])
    assert owners == {(0, 0)}
    assert os.access(unpacked / "bin" / "whs", os.X_OK)
    assert (unpacked / "LICENSE").read_text().lstrip().startswith("Apache License\n")
    readme = (unpacked / "README.md").read_text()
    assert readme.splitlines()[0] == open(os.path.join(ROOT, "README.md")).readline().rstrip("\n") and "\n## Install\n" in readme
    # The pages are roff, gzipped; the completions are what the binary prints.
    assert gzip.open(unpacked / "share/man/man1/whs.1.gz").read().decode().lstrip().startswith((".TH", ".\\\"", "'\\\""))
    bash = run(str(unpacked / "bin" / "whs"), "completion", "bash").stdout
    assert (unpacked / "share/bash-completion/completions/whs").read_text() == bash
    assert run("bash", "-n", str(unpacked / "share/bash-completion/completions/whs")).returncode == 0


def test_the_unpacked_binary_runs_in_an_empty_folder(unpacked, tmp_path):
    whs = str(unpacked / "bin" / "whs")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    version = run(whs, "--version", env=env, cwd=tmp_path).stdout.strip()
    match = VERSION_LINE.match(version)
    assert match, f"--version printed {version!r}, expected 'whs VERSION (COMMIT, built DATE)'"
    assert match.group(1) == VERSION
    added = run(whs, "--memory", "-c", "add https://example.com/h", env=env, cwd=tmp_path).stdout
    assert "url:      https://example.com/h" in added and "id:       1" in added
    # The default store is created where the documentation says, not beside the binary.
    script = tmp_path / "hooks.whs"
    script.write_text('$h = add "https://example.com/${args[0]}" events=open\nassert (list).total == 1\nprint "made ${h.url}"\n')
    assert run(whs, str(script), "x", env=env, cwd=tmp_path).stdout == "made https://example.com/x\n"
    assert (tmp_path / ".local/share/whs/store.sqlite").exists()
    assert sorted(os.listdir(unpacked / "bin")) == ["whs"]


def test_the_binary_is_stripped_and_the_debug_file_symbolises_it(unpacked, debug_tarball, tmp_path):
    binary = tmp_path / "whs-tree"
    shutil.copytree(unpacked, binary)
    sections = run("readelf", "-S", "-W", str(binary / "bin" / "whs")).stdout
    assert ".debug_info" not in sections and ".symtab" not in sections
    assert ".gnu_debuglink" in sections
    link = run("readelf", "--string-dump=.gnu_debuglink", str(binary / "bin" / "whs"), errors="replace").stdout
    assert "whs.debug" in link
    if shutil.which("gdb") is None:
        pytest.fail("gdb is missing (Debian: apt-get install gdb; scripts/setup --test installs it)")
    with tarfile.open(debug_tarball) as archive:
        assert [member.name for member in archive.getmembers() if member.isfile()] == [f"whs-{VERSION}-linux-{ARCH}/bin/whs.debug"]
        archive.extractall(tmp_path, filter="tar")
    debug = tmp_path / f"whs-{VERSION}-linux-{ARCH}" / "bin" / "whs.debug"
    # An address in `whs serve`'s code, as a crash report would give it.
    symbols = run("nm", str(debug)).stdout.splitlines()
    address = "0x" + next(line.split()[0] for line in symbols if " t $s3whs12ServeCommandO" in line)

    def gdb():
        done = run("gdb", "-nx", "-batch", "-ex", f"info symbol {address}", "-ex", f"info line *{address}", str(binary / "bin" / "whs"), errors="replace")
        return "\n".join(line for line in (done.stdout + done.stderr).splitlines() if not line.startswith("During symbol reading"))
    alone = gdb()
    assert "No symbol matches" in alone and "ServeCommand.swift" not in alone
    shutil.move(str(debug), str(binary / "bin" / "whs.debug"))
    found = gdb()
    assert "ServeCommand" in found and 'of "' in found and 'Sources/whs/ServeCommand.swift"' in found, found
