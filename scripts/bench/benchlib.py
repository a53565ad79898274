"""Shared helpers for the benchmark scripts: build whs, time commands, report medians.

Each benchmark measures whs and a named baseline in the same run, alternating them so that
machine noise falls on both, and prints medians and their ratio.
"""
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def build_release():
    """Builds the release binary and returns its path; $WHS_BENCH_BINARY names one already
    built instead (to measure a given binary, or two alternately, without building)."""
    if os.environ.get("WHS_BENCH_BINARY"):
        return os.environ["WHS_BENCH_BINARY"]
    subprocess.run([os.path.join(ROOT, "scripts", "setup")], check=True)
    # The Swift runtime linked in statically: no dynamic symbol binding at start-up.
    subprocess.run(["swift", "build", "-c", "release", "--static-swift-stdlib", "--product", "whs", "--package-path", ROOT],
                   check=True, stdout=subprocess.DEVNULL)
    return os.path.join(ROOT, ".build", "release", "whs")


def timed(command, prepare=None, stdin=None):
    """Seconds one run of `command` takes, after `prepare()` (not timed)."""
    if prepare:
        prepare()
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stdin=stdin)
    return time.perf_counter() - start


# The medians of the latest `compare`, for `record`.
last = {}


def compare(name, candidate, baseline, runs):
    """Runs candidate and baseline alternately `runs` times each; prints and returns the ratio
    of the medians. `candidate` and `baseline` are (label, zero-argument function giving seconds)."""
    samples = {candidate[0]: [], baseline[0]: []}
    for _ in range(runs):
        samples[candidate[0]].append(candidate[1]())
        samples[baseline[0]].append(baseline[1]())
    ours = statistics.median(samples[candidate[0]])
    theirs = statistics.median(samples[baseline[0]])
    ratio = ours / theirs
    last.update(candidate=ours, baseline=theirs)
    print(f"{name}: {candidate[0]} median {ours * 1000:.1f} ms, {baseline[0]} median {theirs * 1000:.1f} ms "
          f"({runs} runs each); ratio {ratio:.2f}")
    return ratio


def cpu_seconds(*pids):
    """User and system CPU seconds these processes have used so far (one that has ended
    counts nothing)."""
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            pass
    return total


def runs_from_argv(default):
    return int(sys.argv[1]) if len(sys.argv) > 1 else default


def record(benchmark, whs, baseline, ratio, goal, met):
    """Prints one machine-readable result line for `scripts/bench/all` (and people: it is JSON).
    `whs` and `baseline` are short descriptions with their figures; `ratio` as printed."""
    import json
    print("RESULT " + json.dumps({"benchmark": benchmark, "whs": whs, "baseline": baseline,
                                  "ratio": ratio, "goal": goal, "met": bool(met)}), flush=True)


def ensure_packages(*commands):
    """apt-get installs the Debian packages for commands that are missing: {command: package}."""
    import shutil
    missing = [package for command, package in commands if not shutil.which(command)]
    if missing:
        subprocess.run(["apt-get", "install", "-y", *missing], check=True, stdout=subprocess.DEVNULL)
