"""scripts/package on a machine without podman or dpkg-deb: it says which tool is missing and
makes the rest; the exit status is 0, or 1 with --all. The machine is imitated by a PATH of
links to every program of this one but those two."""
import os
import tarfile

from packages import ARCH, ROOT, VERSION, run


def path_without(folder, *missing):
    for directory in os.environ["PATH"].split(os.pathsep):
        if not os.path.isdir(directory):
            continue
        for name in os.listdir(directory):
            link = folder / name
            target = os.path.join(directory, name)
            if name not in missing and not link.exists() and os.access(target, os.X_OK) and not os.path.isdir(target):
                link.symlink_to(target)
    return str(folder)


def test_without_podman_and_dpkg_deb_it_names_them_and_makes_the_tarball(tmp_path):
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    env = {**os.environ, "PATH": path_without(bin_folder, "podman", "dpkg-deb")}
    out = tmp_path / "dist"
    done = run(os.path.join(ROOT, "scripts", "package"), "--out", str(out), "--all", env=env, check=False, timeout=1800)
    assert "dpkg-deb is missing: not making the .deb" in done.stderr, done.stderr
    assert "podman is missing: not building the image" in done.stderr
    assert "not made: the .deb (dpkg-deb missing) the image (podman missing)" in done.stderr
    assert done.returncode == 1, "--all: everything or a failure"
    made = sorted(os.listdir(out))
    top = f"whs-{VERSION}-linux-{ARCH}"
    assert made == sorted(["SHA256SUMS", f"{top}.tar.gz", f"{top}-debug.tar.gz"])
    with tarfile.open(out / f"{top}.tar.gz") as archive:
        assert f"{top}/bin/whs" in archive.getnames()
    assert run("sha256sum", "--check", "SHA256SUMS", cwd=out).returncode == 0

    # Without --all, the same run is a success: what could be made was.
    again = run(os.path.join(ROOT, "scripts", "package"), "--out", str(out), env=env, check=False, timeout=1800)
    assert again.returncode == 0 and "dpkg-deb is missing" in again.stderr
    assert sorted(os.listdir(out)) == made
