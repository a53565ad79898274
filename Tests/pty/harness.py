"""Drives the built whs in a real pseudo-terminal and reads the screen as a person sees it.

pexpect gives the pty; pyte, a terminal emulator, turns libedit's cursor movements and
redraws into the rows of text a person would read.
"""
import os
import tempfile
import time

import pexpect
import pyte

WHS = os.environ.get("WHS_BINARY") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", ".build", "debug", "whs")


class Terminal:
    def __init__(self, *args, env=None, columns=100, rows=30, home=None):
        self.home = home or tempfile.mkdtemp(prefix="whs-pty-")
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.home,
            "TERM": "xterm",
            "LANG": "C.UTF-8",
            "XDG_STATE_HOME": os.path.join(self.home, "state"),
            "XDG_CONFIG_HOME": os.path.join(self.home, "config"),
            "XDG_DATA_HOME": os.path.join(self.home, "data"),
        }
        environment.update(env or {})
        self.screen = pyte.Screen(columns, rows)
        # Everything printed, as printed: a line longer than the screen would wrap there.
        self.raw = ""
        self.stream = pyte.Stream(self.screen)
        self.process = pexpect.spawn(WHS, list(args), env=environment, encoding="utf-8",
                                     codec_errors="replace", dimensions=(rows, columns), timeout=10)

    def pump(self, seconds=0.05):
        """Feeds whatever the program printed into the screen."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                data = self.process.read_nonblocking(65536, timeout=max(0.0, deadline - time.monotonic()))
                self.raw += data
                self.stream.feed(data)
            except pexpect.TIMEOUT:
                return
            except pexpect.EOF:
                return

    def text(self):
        return "\n".join(line.rstrip() for line in self.screen.display)

    def lines(self):
        return [line.rstrip() for line in self.screen.display if line.strip()]

    def cursor_line(self):
        return self.screen.display[self.screen.cursor.y].rstrip()

    def wait_for(self, needle, timeout=10):
        """Waits until `needle` is on the screen; returns the screen's text."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump(0.05)
            if needle in self.text():
                return self.text()
        raise AssertionError(f"{needle!r} never appeared on the screen:\n{self.text()}")

    def wait_for_prompt(self, prompt="whs[memory]>", timeout=10):
        """Waits until the cursor's line is an empty prompt."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump(0.05)
            if self.cursor_line().strip() == prompt:
                return
        raise AssertionError(f"no empty prompt {prompt!r}; cursor line {self.cursor_line()!r}:\n{self.text()}")

    def type(self, text):
        self.process.send(text)

    def line(self, text):
        self.process.send(text + "\r")

    def key(self, name):
        keys = {"up": "\x1b[A", "down": "\x1b[B", "tab": "\t", "ctrl-c": "\x03", "ctrl-d": "\x04",
                "ctrl-r": "\x12", "enter": "\r"}
        self.process.send(keys[name])

    def exit_status(self, timeout=10):
        self.process.expect(pexpect.EOF, timeout=timeout)
        self.process.close()
        return self.process.exitstatus
