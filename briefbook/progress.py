"""Build progress: a live table on a terminal, plain lines otherwise (CI logs, pipes)."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

STATES = ("queued", "running", "cached", "done", "failed")


class Progress:
    """Per brief: queued, running, cached, done or failed, with the seconds it took."""

    def __init__(self, names: list[str], stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.names = names
        self.state = dict.fromkeys(names, "queued")
        self.started: dict[str, float] = {}
        self.seconds: dict[str, float] = {}
        self.lock = threading.Lock()
        self.drawn = 0
        if self.live:
            self._draw()

    def update(self, name: str, state: str, seconds: float | None = None) -> None:
        with self.lock:
            self.state[name] = state
            if state == "running":
                self.started[name] = time.monotonic()
            if seconds is not None:
                self.seconds[name] = seconds
            if self.live:
                self._draw()
            else:
                took = f" ({seconds:.1f} s)" if seconds is not None else ""
                print(f"briefbook: {name}: {state}{took}", file=self.stream, flush=True)

    def _line(self, name: str) -> str:
        state = self.state[name]
        if state == "running":
            took = f"{time.monotonic() - self.started[name]:5.1f} s"
        elif name in self.seconds:
            took = f"{self.seconds[name]:5.1f} s"
        else:
            took = ""
        return f"  {name:<32} {state:<8} {took}"

    def _draw(self) -> None:
        up = f"\x1b[{self.drawn}F" if self.drawn else ""
        lines = [self._line(n) for n in self.names]
        self.stream.write(up + "".join(f"\x1b[2K{line}\n" for line in lines))
        self.stream.flush()
        self.drawn = len(lines)
