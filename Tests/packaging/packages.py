"""Where the packages scripts/package made are (dist/, or $WHS_DIST), and how to run podman here.

These tests check what a user installs, not the build: run `scripts/package` first (scripts/test
does). A missing package is a failure that says so, never a skip.
"""
import glob
import os
import platform
import re
import resource
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DIST = os.environ.get("WHS_DIST") or os.path.join(ROOT, "dist")
VERSION = open(os.path.join(ROOT, "VERSION")).read().strip() if os.path.exists(os.path.join(ROOT, "VERSION")) else None
ARCH = platform.machine()  # as `uname -m`, which scripts/package names the tarball with
# `whs --version`: one line, `whs VERSION (COMMIT, built DATE)`.
VERSION_LINE = re.compile(r"^whs (\S+) \((\S+), built (\S[^)]*)\)$")

# Podman on this kind of machine: runc (crun is not there), cgroupfs (no systemd), and explicit
# limits no higher than the hard limits the session has (nofile is 20,000 here, so 65,536 fails
# with "error setting rlimit type 7").
PODMAN = ["podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs"]
_nofile = min(65536, resource.getrlimit(resource.RLIMIT_NOFILE)[1])
_nproc = min(4096, resource.getrlimit(resource.RLIMIT_NPROC)[1])
RUN_LIMITS = ["--ulimit", f"nofile={_nofile}:{_nofile}", "--ulimit", f"nproc={_nproc}:{_nproc}"]


def artefact(pattern, what):
    """The one file of dist/ that matches, or a failure that says how to make it."""
    if VERSION is None:
        pytest.fail(f"{ROOT}/VERSION is missing: every package takes its version from it")
    name = pattern.format(version=VERSION, arch=ARCH)
    found = sorted(glob.glob(os.path.join(DIST, name)))
    if not found:
        pytest.fail(f"{DIST} has no {name} ({what}): run scripts/package first "
                    f"(or set WHS_DIST to the folder it wrote)")
    return found[-1]


def run(*args, check=True, timeout=120, **kwargs):
    """Runs a command; returns the CompletedProcess (text), raising with its output on failure."""
    done = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and done.returncode != 0:
        raise AssertionError(f"{args} exited {done.returncode}\nstdout: {done.stdout}\nstderr: {done.stderr}")
    return done
