"""Run one brief in a worker process: papermill executes the notebook, the renderer makes HTML.

Each worker process keeps one :class:`~briefbook.render.Renderer` for all the briefs it renders.
Kernels talk to their worker over IPC sockets rather than TCP ports, so kernels started at the
same moment cannot race for the same port (the known ZMQ port race of parallel papermill runs).

A worker owns the kernels it starts and makes sure none outlives it:

* SIGTERM (sent by the build when it is interrupted) kills the running kernel's process group at
  once and exits; there is nothing in a half-run brief worth saving.
* A watcher thread does the same when the build process itself disappears (``kill -9``), so
  kernels never linger as orphans.
* Ctrl-C is ignored here: the build process decides what an interrupt means and tells the workers.

What a kernel prints itself (ipykernel's own log, not the cells' output, which goes into the
notebook) is written to ``executed/<brief>.kernel.log`` rather than into the build's terminal.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, NoReturn

import nbformat
import papermill
from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from papermill.exceptions import PapermillExecutionError
from traitlets import Unicode, default
from traitlets.config import Config

from briefbook import warm
from briefbook.atomic import TMP_SUFFIX, write_text_atomic
from briefbook.render import Renderer

_RENDERER: Renderer | None = None
PARENT_POLL_SECONDS = 0.5


class IPCKernelManager(AsyncKernelManager):
    """A kernel manager whose sockets are files in a private folder instead of TCP ports.

    It also keeps a registry of the kernels it has running (so a stopping worker can kill them),
    sends the kernel's own output to a log file, and removes its socket folder afterwards.
    """

    running: ClassVar[set[IPCKernelManager]] = set()
    log_path = Unicode("", config=True, help="file that receives the kernel's stdout and stderr")

    @default("transport")
    def _default_transport(self) -> str:
        return "ipc"

    @default("ip")
    def _default_ip(self) -> str:
        self.socket_dir = tempfile.mkdtemp(prefix="briefbook-kernel-")
        return str(Path(self.socket_dir) / "kernel")

    adopted_pid: int | None = None  # a warm kernel from the preview's pool (briefbook.warm)

    @property
    def has_kernel(self) -> bool:
        return self.adopted_pid is not None or super().has_kernel

    async def start_kernel(self, **kw: Any) -> None:  # type: ignore[override]
        """Start the kernel with its stdout and stderr going to :attr:`log_path`.

        Under the preview, a warm kernel is taken instead when one is ready.
        """
        if await self._adopt_warm(kw.get("cwd")):
            IPCKernelManager.running.add(self)
            return
        if not self.log_path:
            await super().start_kernel(**kw)
        else:
            with open(self.log_path, "wb") as log:
                await super().start_kernel(stdout=log, stderr=log, **kw)
        IPCKernelManager.running.add(self)

    async def _adopt_warm(self, cwd: str | None) -> bool:
        """Use a warm kernel from the preview's pool, set up for this brief; False if none."""
        info = warm.claim()
        if info is None:
            return False
        self.adopted_pid = int(info.pop("pid"))
        self.load_connection_info(info)
        client = self.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=warm.START_TIMEOUT)
            env = {k: v for k, v in os.environ.items() if k.startswith("BRIEFBOOK_")
                   and k != warm.POOL_ENV}
            await client.execute_interactive(warm.setup_code(cwd, env), silent=True,
                                             store_history=False, timeout=warm.START_TIMEOUT)
        finally:
            client.stop_channels()
        return True

    async def is_alive(self) -> bool:  # type: ignore[override]
        if self.adopted_pid is None:
            return await super().is_alive()
        try:
            os.kill(self.adopted_pid, 0)
        except OSError:
            return False
        return True

    async def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:  # type: ignore[override]
        if self.adopted_pid is None:
            await super().shutdown_kernel(now=now, restart=restart)
            return
        self.kill_now()  # a warm kernel serves one brief, like a fresh one

    async def _async_interrupt_kernel(self) -> None:
        """Skip the SIGINT jupyter_client sends before every shutdown.

        The shutdown request (or kill) that follows stops the kernel anyway; the extra signal only
        made ipykernel log "KeyboardInterrupt caught in kernel" when it arrived mid-message.
        """
        if not self.shutting_down:
            await super()._async_interrupt_kernel()

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            IPCKernelManager.running.discard(self)
            self._remove_socket_dir()

    def kill_now(self) -> None:
        """Kill the kernel and everything it started, synchronously (safe in a signal handler)."""
        pgid = (self.adopted_pid or getattr(self.provisioner, "pgid", None)
                or getattr(self.provisioner, "pid", None))
        if pgid:
            with contextlib.suppress(OSError):  # already gone
                os.killpg(pgid, signal.SIGKILL)
        self.cleanup_connection_file()
        self._remove_socket_dir()
        if self.log_path:
            _drop_if_empty(Path(self.log_path))
        IPCKernelManager.running.discard(self)

    def _remove_socket_dir(self) -> None:
        socket_dir = getattr(self, "socket_dir", None)
        if socket_dir:
            shutil.rmtree(socket_dir, ignore_errors=True)


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
    """What came of one job: the rendered HTML in a temporary file, or why it failed.

    On failure, ``executed`` is where the notebook with the outputs of the cells that ran was
    written (None if it could not be written).
    """

    name: str
    seconds: float
    html_tmp: str | None = None
    cell: int | None = None
    error: str | None = None
    executed: str | None = None


def init_worker(env: dict[str, str]) -> None:
    """Prepare a worker process: kernels' environment, signals, parent watch, quiet logging.

    Failures are returned to the build, which prints one summary; so the libraries' own log
    lines (nbclient's "Timeout waiting for execute reply", asyncio's "Task exception was never
    retrieved" after a dead kernel) are not printed by the worker.
    """
    os.environ.update(env)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop)
    logging.getLogger().addHandler(logging.NullHandler())
    watcher = threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True)
    watcher.start()


def _stop(signum: int | None = None, frame: object = None) -> NoReturn:
    """Kill this worker's kernels and exit at once (SIGTERM, or the build process is gone)."""
    for manager in list(IPCKernelManager.running):
        manager.kill_now()
    os._exit(128 + (signum or signal.SIGTERM))


def _watch_parent(parent: int) -> None:
    """Stop the worker when its parent (the build) has died: the worker is then an orphan."""
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    _stop()


def run_job(job: Job) -> Outcome:
    """Execute and render one brief. Never raises for a failing notebook: returns the failure.

    The executed notebook is written atomically to ``job.executed_path`` whether the run
    succeeded or not (on failure with the outputs of the cells that ran, for debugging).
    """
    started = time.monotonic()
    executed: dict[int, nbformat.NotebookNode] = {}

    def on_cell_execute(cell: nbformat.NotebookNode, cell_index: int) -> None:
        executed[cell_index] = cell

    kernel_log = Path(job.executed_path).with_suffix(".kernel.log")
    try:
        nb = papermill.execute_notebook(
            job.notebook, None, parameters=job.parameters, kernel_name="python3",
            cwd=str(Path(job.notebook).parent), progress_bar=False, log_output=False,
            execution_timeout=job.cell_timeout, kernel_manager_class=IPCKernelManager,
            config=Config({"IPCKernelManager": {"log_path": str(kernel_log)}}),
            on_cell_execute=on_cell_execute, shutdown_kernel="immediate",
        )
    except Exception as exc:  # every failure becomes an Outcome the build reports
        kept = job.executed_path if _keep_partial(job, executed) else None
        _drop_if_empty(kernel_log)
        seconds = time.monotonic() - started
        if isinstance(exc, PapermillExecutionError):
            return Outcome(job.name, seconds, cell=exc.exec_count, executed=kept,
                           error=f"{exc.ename}: {_first_line(exc.evalue)}")
        return Outcome(job.name, seconds, cell=len(executed) or None, executed=kept,
                       error=_describe(exc, job.cell_timeout))

    write_text_atomic(Path(job.executed_path), nbformat.writes(nb))
    _drop_if_empty(kernel_log)
    try:
        prepare_renderer()
        assert _RENDERER is not None
        html = _RENDERER.render(nb, title=job.title)
    except Exception as exc:  # the notebook ran; report the renderer's failure as such
        return Outcome(job.name, time.monotonic() - started, executed=job.executed_path,
                       error=f"rendering the HTML failed: {type(exc).__name__}: "
                             f"{_first_line(str(exc))}")
    return Outcome(job.name, time.monotonic() - started, html_tmp=_write_temporary(job, html))


def prepare_renderer() -> None:
    """Build this process's renderer now; worker processes forked later inherit it ready."""
    global _RENDERER
    if _RENDERER is None:
        _RENDERER = Renderer()


def _write_temporary(job: Job, html: str) -> str:
    """Write the brief to a temporary file beside its final name; the build renames it."""
    fd, tmp = tempfile.mkstemp(dir=job.out_dir, prefix=f".{job.name}.html.", suffix=TMP_SUFFIX)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(html)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(tmp, 0o644)
    return tmp


def _describe(exc: Exception, timeout: int | None) -> str:
    """One line for a failure that is not an error raised by a cell."""
    if isinstance(exc, DeadKernelError):
        return "the kernel died while running this cell (it exited or was killed)"
    if isinstance(exc, CellTimeoutError):
        return f"the cell was still running after {timeout} seconds (--timeout), so it was stopped"
    return f"{type(exc).__name__}: {_first_line(str(exc))}"


def _drop_if_empty(log: Path) -> None:
    """Keep a kernel log only when the kernel had something to say."""
    with contextlib.suppress(OSError):
        if log.stat().st_size == 0:
            log.unlink()


def _first_line(text: str) -> str:
    lines = [line for line in str(text).strip().splitlines() if line.strip()]
    return lines[0] if lines else "(no message)"


def _keep_partial(job: Job, executed: dict[int, nbformat.NotebookNode]) -> bool:
    """Write the parameterised notebook with the outputs of the cells that ran; True if written.

    Papermill itself is given no output path, so no half-written notebook is ever left behind:
    this copy is written atomically, like everything else.
    """
    try:
        nb = papermill.execute_notebook(job.notebook, None, parameters=job.parameters,
                                        prepare_only=True, progress_bar=False)
        for index, cell in executed.items():
            nb.cells[index] = cell
        write_text_atomic(Path(job.executed_path), nbformat.writes(nb))
    except Exception:  # best effort: the failure itself is reported either way
        return False
    return True
