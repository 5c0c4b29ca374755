"""``make notebooks``: re-run the notebooks with their defaults so their stored outputs are fresh.

Usage: ``python -m briefbook.refresh [NOTEBOOK ...]`` (default: every ``notebooks/*.ipynb``).

The notebooks run in parallel worker processes with the build's machinery (kernels on IPC
sockets, workers that kill their kernels when stopped, see :mod:`briefbook.execute`), each exactly
as nbval runs it: top to bottom in a fresh kernel, no parameters injected, no timing metadata. A
notebook is written (atomically) only when the run changed its bytes, so a notebook whose stored
outputs were already fresh keeps its file and modification time, and ``git status`` stays clean.

Exits 0 when every notebook ran, 1 when one failed (its file is left as it was), 130 on Ctrl-C.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from briefbook import config

CELL_TIMEOUT = 300


@dataclass(frozen=True)
class Refreshed:
    """What came of one notebook: changed (and written) or not, or why it failed."""

    path: str
    seconds: float
    changed: bool = False
    error: str | None = None


def refresh(path: str) -> Refreshed:
    """Run one notebook in a fresh kernel; write it back only if its bytes changed."""
    import nbformat
    from nbclient import NotebookClient

    from briefbook.atomic import write_text_atomic
    from briefbook.execute import IPCKernelManager

    started = time.monotonic()
    notebook = Path(path)
    before = notebook.read_text(encoding="utf-8")
    nb = nbformat.reads(before, as_version=4)
    client = NotebookClient(
        nb, kernel_name="python3", timeout=CELL_TIMEOUT, record_timing=False,
        kernel_manager_class=IPCKernelManager,
        resources={"metadata": {"path": str(notebook.parent)}},
    )
    try:
        client.execute()
    except Exception as exc:  # a failing cell: reported, the file is left alone
        first = str(exc).strip().splitlines()[-1:] or [type(exc).__name__]
        return Refreshed(path, time.monotonic() - started, error=first[0])
    after = nbformat.writes(nb) + "\n"
    changed = after != before
    if changed:
        write_text_atomic(notebook, after)
    return Refreshed(path, time.monotonic() - started, changed=changed)


def refresh_all(paths: Sequence[Path], jobs: int | None = None) -> list[Refreshed]:
    """Refresh ``paths`` on at most ``jobs`` workers, printing a line as each finishes."""
    from briefbook.build import stop_workers
    from briefbook.execute import init_worker

    workers = max(1, min(jobs or os.cpu_count() or 1, len(paths)))
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=init_worker, initargs=({},))
    results = []
    try:
        futures = [pool.submit(refresh, str(p)) for p in paths]
        for future in as_completed(futures):
            result = future.result()
            name = Path(result.path).name
            state = (f"FAILED: {result.error}" if result.error
                     else "refreshed (outputs changed)" if result.changed else "unchanged")
            print(f"{name}: {state} ({result.seconds:.1f} s)", flush=True)
            results.append(result)
    except BaseException:
        stop_workers()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    paths = [Path(a) for a in args] or sorted(config.NOTEBOOKS_DIR.glob("*.ipynb"))
    try:
        results = refresh_all(paths)
    except KeyboardInterrupt:
        print("interrupted; notebooks not yet refreshed were left as they were.", file=sys.stderr)
        return 130
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
