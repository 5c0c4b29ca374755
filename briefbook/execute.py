"""Run one brief in a worker process: papermill executes the notebook, the renderer makes HTML.

Each worker process keeps one :class:`~briefbook.render.Renderer` for all the briefs it renders.
Kernels talk to their worker over IPC sockets rather than TCP ports, so kernels started at the
same moment cannot race for the same port (the known ZMQ port race of parallel papermill runs).
"""

from __future__ import annotations

import os
import signal
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import papermill
from jupyter_client.manager import AsyncKernelManager
from papermill.exceptions import PapermillExecutionError
from traitlets import default

from briefbook.atomic import TMP_SUFFIX, write_text_atomic
from briefbook.render import Renderer

_RENDERER: Renderer | None = None


class IPCKernelManager(AsyncKernelManager):
    """A kernel manager whose sockets are files in a private folder instead of TCP ports."""

    @default("transport")
    def _default_transport(self) -> str:
        return "ipc"

    @default("ip")
    def _default_ip(self) -> str:
        return str(Path(tempfile.mkdtemp(prefix="briefbook-kernel-")) / "kernel")


@dataclass(frozen=True)
class Job:
    """What a worker needs to build one brief (plain data, so it crosses process boundaries)."""

    name: str
    notebook: str
    parameters: dict[str, Any]
    title: str | None
    out_dir: str
    executed_path: str
    cell_timeout: int | None


@dataclass(frozen=True)
class Outcome:
    """What came of one job: the rendered HTML in a temporary file, or why it failed."""

    name: str
    seconds: float
    html_tmp: str | None = None
    cell: int | None = None
    error: str | None = None


def init_worker(env: dict[str, str]) -> None:
    """Set the kernels' environment; make SIGTERM unwind like Ctrl-C so kernels are shut down."""
    os.environ.update(env)
    signal.signal(signal.SIGTERM, signal.default_int_handler)


def run_job(job: Job) -> Outcome:
    """Execute and render one brief. Never raises for a failing notebook: returns the failure."""
    global _RENDERER
    started = time.monotonic()
    executed: dict[int, nbformat.NotebookNode] = {}

    def on_cell_execute(cell: nbformat.NotebookNode, cell_index: int) -> None:
        executed[cell_index] = cell

    try:
        nb = papermill.execute_notebook(
            job.notebook, job.executed_path, parameters=job.parameters, kernel_name="python3",
            cwd=str(Path(job.notebook).parent), progress_bar=False, log_output=False,
            request_save_on_cell_execute=False, execution_timeout=job.cell_timeout,
            kernel_manager_class=IPCKernelManager, on_cell_execute=on_cell_execute,
        )
    except PapermillExecutionError as exc:
        error = f"{exc.ename}: {_first_line(exc.evalue)}"
        return Outcome(job.name, time.monotonic() - started, cell=exc.exec_count, error=error)
    except Exception as exc:  # a dead kernel or a timed-out cell: keep what ran, for debugging
        _keep_partial(job, executed)
        error = f"{type(exc).__name__}: {_first_line(str(exc))}"
        cell = len(executed) or None
        return Outcome(job.name, time.monotonic() - started, cell=cell, error=error)

    if _RENDERER is None:
        _RENDERER = Renderer()
    html = _RENDERER.render(nb, title=job.title)
    fd, tmp = tempfile.mkstemp(dir=job.out_dir, prefix=f".{job.name}.html.", suffix=TMP_SUFFIX)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(html)
    os.chmod(tmp, 0o644)
    return Outcome(job.name, time.monotonic() - started, html_tmp=tmp)


def _first_line(text: str) -> str:
    lines = [line for line in str(text).strip().splitlines() if line.strip()]
    return lines[0] if lines else "(no message)"


def _keep_partial(job: Job, executed: dict[int, nbformat.NotebookNode]) -> None:
    """Write the parameterised notebook with the outputs of the cells that ran."""
    try:
        nb = papermill.execute_notebook(job.notebook, None, parameters=job.parameters,
                                        prepare_only=True, progress_bar=False)
        for index, cell in executed.items():
            nb.cells[index] = cell
        write_text_atomic(Path(job.executed_path), nbformat.writes(nb))
    except Exception:  # best effort: the failure itself is reported either way
        pass
