"""Preview benchmark: how long a saved one-row CSV edit takes to show in the open brief.

Usage::

    python benchmarks/preview.py [--edits 10] [--brief caatsa_f35] [--keep]

On a copy of ``data/`` in a temporary folder (the real one is never touched) it starts
``python -m briefbook preview`` on a free loopback port, building into a temporary briefs folder,
and opens the brief in Debian's headless Chromium (Playwright), as an analyst would. Then, ten
times: it rewrites one claim's statement in ``claims.csv`` (one row, a new marker each time) and
measures the wall time from the save until the marker is in the text the page shows
(``innerText``: rendered, visible text, not the figure JSON). It prints each edit's time, the
median and the worst, checks the target (median at most 5 s) and stops the preview with Ctrl-C
(SIGINT), checking that it and everything it started exit.

This is a report, not a test: it exits 0 when the measurements were taken, met or not, and 1 when
something failed (the preview did not start, an edit never showed).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
TARGET_MEDIAN_S = 5.0
CLAIM = "C25"  # a caatsa_f35 claim whose statement the claims ledger shows
STARTUP_TIMEOUT = 300  # the first build of every brief, on a busy 2-core machine
EDIT_TIMEOUT = 60
STOP_TIMEOUT = 20
SETTLE_S = 1.0  # pause between edits, so each is measured on its own


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def edit_claim(data: Path, marker: str) -> None:
    """Rewrite one row of claims.csv the way a spreadsheet saves it: the whole file at once."""
    path = data / "claims.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    column = rows[0].index("proposition")
    for row in rows[1:]:
        if row[0] == CLAIM:
            base = re.sub(r" \(bench-edit-\d+\)$", "", row[column].removesuffix("."))
            row[column] = f"{base} ({marker})."
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def wait_for_line(proc: subprocess.Popen[bytes], log: Path, pattern: str, timeout: float) -> str:
    """Wait until the preview's log has a line matching ``pattern``; returns that line."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            if re.search(pattern, line):
                return line
        if proc.poll() is not None:
            raise RuntimeError(f"the preview exited ({proc.returncode}) before {pattern!r}:\n"
                               + log.read_text(encoding="utf-8", errors="replace"))
        time.sleep(0.2)
    raise RuntimeError(f"no {pattern!r} from the preview within {timeout} s")


def shows(page: object, marker: str) -> bool:
    """Whether the page's visible text holds the marker (False while it is reloading)."""
    try:
        return bool(page.evaluate("m => document.body.innerText.includes(m)", marker))  # type: ignore[attr-defined]
    except Exception:  # the page is between two documents
        return False


def stop(proc: subprocess.Popen[bytes]) -> tuple[float, list[str]]:
    """Ctrl-C the preview; how long it took to exit, and what of its tree was left running."""
    tree = [proc.pid] + [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=STOP_TIMEOUT)
    seconds = time.monotonic() - started
    time.sleep(0.5)
    left = [" ".join(psutil.Process(p).cmdline()[:4]) for p in tree if psutil.pid_exists(p)
            and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
    return seconds, left


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--brief", default="caatsa_f35")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="briefbook-bench-preview-"))
    data, out = tmp / "data", tmp / "briefs"
    shutil.copytree(ROOT / "data", data)
    port = free_port()
    cmd = [sys.executable, "-m", "briefbook", "preview", "--port", str(port),
           "--data", str(data), "--out", str(out)]
    log = tmp / "preview.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
    times: list[float] = []
    try:
        print(wait_for_line(proc, log, r"^Serving the briefs at", STARTUP_TIMEOUT), flush=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/{args.brief}.html")
            page.wait_for_load_state("load")
            time.sleep(SETTLE_S)  # the page's event stream connects
            for n in range(1, args.edits + 1):
                marker = f"bench-edit-{n}"
                saved = time.perf_counter()
                edit_claim(data, marker)
                while not shows(page, marker):
                    if time.perf_counter() - saved > EDIT_TIMEOUT:
                        raise RuntimeError(f"edit {n} did not show within {EDIT_TIMEOUT} s")
                    time.sleep(0.02)
                times.append(time.perf_counter() - saved)
                print(f"edit {n:2d}: {times[-1]:.2f} s", flush=True)
                time.sleep(SETTLE_S)
            browser.close()
    except Exception:
        print(log.read_text(encoding="utf-8", errors="replace")[-3000:], file=sys.stderr)
        raise
    finally:
        seconds, left = stop(proc) if proc.poll() is None else (0.0, [])
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    median, worst = statistics.median(times), max(times)
    verdict = "PASS" if median <= TARGET_MEDIAN_S else "FAIL"
    print(f"\n{len(times)} one-row CSV edits of {args.brief}, shown in headless Chromium: "
          f"median {median:.2f} s, worst {worst:.2f} s")
    print(f"{verdict}  median <= {TARGET_MEDIAN_S:.0f} s: {median:.2f} s")
    print(f"{'PASS' if not left else 'FAIL'}  Ctrl-C stopped the preview in {seconds:.1f} s"
          + (f"; left running: {left}" if left else ", nothing left running"))
    result = {"edits": times, "median": median, "worst": worst, "stop_seconds": seconds,
              "left_running": left, "cpu_count": os.cpu_count()}
    (ROOT / "benchmarks" / "out").mkdir(exist_ok=True)
    (ROOT / "benchmarks" / "out" / "preview.json").write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
