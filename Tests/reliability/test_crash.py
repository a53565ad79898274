"""Crash safety: whs killed with SIGKILL in the middle of a long add script, 20 times at random
moments. After each kill the store must open, pass SQLite's integrity check, and hold every
webhook whose add had been printed (docs/RELIABILITY.md)."""
import json
import os
import random
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time

WHS = os.environ.get("WHS_BINARY") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", ".build", "debug", "whs")

ROUNDS = int(os.environ.get("WHS_CRASH_ROUNDS", "20"))
# Long enough to outlast the latest kill (the first block of output, then up to 0.8 s) on a fast
# machine: whs adds about 22,000 a second, and 20,000 once finished before the kill.
ADDS = 60_000


def test_killed_mid_script_loses_nothing_it_printed():
    directory = tempfile.mkdtemp(prefix="whs-crash-")
    store = os.path.join(directory, "store.sqlite")
    chance = random.Random(int(os.environ.get("WHS_CRASH_SEED", "20261126")))
    printed_total = 0
    for round_number in range(ROUNDS):
        script = os.path.join(directory, f"round{round_number}.whs")
        with open(script, "w") as out:
            for n in range(ADDS):
                out.write(f"add https://example.com/crash/{round_number}/{n} api_user=u{n % 7} events=deliver\n")
        # --json: one line per add, each written only after its row was committed.
        process = subprocess.Popen([WHS, "--store", store, "--json", script], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        lines = []
        first = threading.Event()

        def read():
            for line in process.stdout:
                lines.append(line)
                first.set()
        reader = threading.Thread(target=read)
        reader.start()
        # A random moment after the adds have begun to come out (output is written in blocks,
        # so a kill before the first block would prove nothing).
        first.wait(60)
        time.sleep(chance.uniform(0.0, 0.8))
        process.send_signal(signal.SIGKILL)
        process.wait()
        reader.join()
        assert process.returncode == -signal.SIGKILL, "the script ended before it was killed: make it longer"

        # Whole lines only: the last one may have been cut by the kill.
        printed = [json.loads(line)["url"] for line in lines if line.endswith("\n")]
        printed_total += len(printed)
        with sqlite3.connect(store) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            stored = {row[0] for row in db.execute("SELECT url FROM webhooks WHERE url LIKE ?",
                                                   (f"https://example.com/crash/{round_number}/%",))}
        missing = [url for url in printed if url not in stored]
        assert not missing, f"round {round_number}: {len(missing)} printed adds are not in the store: {missing[:3]}"
        # whs itself opens the store and counts what is there.
        done = subprocess.run([WHS, "--store", store, "--json", "-c", "(list limit=0).total"],
                              capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        assert int(done.stdout) >= len(stored)
    assert printed_total > 0, "no add was ever printed before a kill"
    print(f"crash: {ROUNDS} kills, {printed_total} printed adds all in the store, integrity ok each time")
