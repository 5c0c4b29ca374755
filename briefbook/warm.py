"""Warm kernels for the preview: started ahead, the notebooks' imports done, one per brief run.

Starting a kernel and importing pandas, plotly and briefbook in it is about half of what one
brief costs. While the preview waits for a save, a :class:`WarmPool` keeps a couple of kernels
started, each having run :data:`PRELUDE` (imports only, silently: no execution count, no output),
and lists them as connection files in a folder named by :data:`POOL_ENV`. A build worker forked
from the preview finds that variable, claims one file by renaming it (atomic: two workers never
get the same kernel), sets the kernel's working folder and environment for this brief, and runs
the notebook in it (:class:`briefbook.execute.IPCKernelManager`). A kernel serves one run and is
killed after it, as a fresh one would be, so no state carries from one brief to the next.

Builds without the variable (``make briefs``, CI) start their kernels as always.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import multiprocessing.process
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

POOL_ENV = "BRIEFBOOK_WARM_KERNELS"
PRELUDE = "import briefbook, briefbook.brief, briefbook.charts, pandas, plotly.graph_objects"
READY = "ready-{n}.json"
STOP = "stop"
POLL_SECONDS = 0.2
START_TIMEOUT = 60
STOP_SECONDS = 10
QUIET = 4.0  # seconds after a claim before a spare kernel is replaced, while one is still ready


def claim() -> dict[str, Any] | None:
    """Take a ready kernel's connection info (with its ``pid``), or None when there is none."""
    folder = os.environ.get(POOL_ENV)
    if not folder or not Path(folder).is_dir():
        return None
    for ready in sorted(Path(folder).glob("ready-*.json")):
        taken = ready.with_name(f"claimed-{ready.stem}-{os.getpid()}.json")
        try:
            ready.rename(taken)
        except FileNotFoundError:
            continue  # another worker was first
        return json.loads(taken.read_text(encoding="utf-8"))
    return None


def setup_code(cwd: str | None, env: dict[str, str]) -> str:
    """What a claimed kernel runs (silently) before the notebook: this brief's folder and env."""
    code = f"import os as _os\n_os.environ.update({env!r})\n"
    if cwd:
        code += f"_os.chdir({cwd!r})\n"
    return code + "del _os\n"


class WarmPool:
    """Keep ``size`` warm kernels ready in a private folder until :meth:`stop`.

    The kernels are started by a process of their own (spawned, not forked): ZeroMQ does not
    survive a fork, so the preview process, which forks build workers, never touches it.
    """

    def __init__(self, env: dict[str, str], size: int = 2) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="briefbook-warm-"))
        self.env = env
        self.size = size
        self._process: multiprocessing.process.BaseProcess | None = None

    def start(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._process = context.Process(target=_keep_filled, name="warm-kernels",
                                        args=(self.folder, self.env, self.size, os.getpid()))
        self._process.start()
        os.environ[POOL_ENV] = str(self.folder)  # build workers forked from here find it

    def stop(self) -> None:
        """Stop filling and kill every kernel this pool started (claimed ones included)."""
        os.environ.pop(POOL_ENV, None)
        (self.folder / STOP).touch()
        if self._process is not None:
            self._process.join(timeout=STOP_SECONDS)
            if self._process.is_alive():
                self._process.kill()
                self._process.join()
        for listed in self.folder.glob("*.json"):  # whatever the pool process could not end
            with contextlib.suppress(OSError, ValueError, KeyError):
                _kill_group(int(json.loads(listed.read_text(encoding="utf-8"))["pid"]))
        shutil.rmtree(self.folder, ignore_errors=True)


def _keep_filled(folder: Path, env: dict[str, str], size: int, parent: int) -> None:
    """The pool process: start kernels until ``size`` are ready; end them all when told."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the preview decides when to stop
    managers: list[Any] = []
    count, claimed_at, claimed = 0, 0.0, 0
    try:
        while not (folder / STOP).exists() and os.getppid() == parent:
            for manager in [m for m in managers if not m.is_alive()]:  # killed after its run
                with contextlib.suppress(Exception):
                    manager.cleanup_resources()
                managers.remove(manager)
            if (now := len(list(folder.glob("claimed-*.json")))) != claimed:
                claimed, claimed_at = now, time.monotonic()
            ready = len(list(folder.glob("ready-*.json")))
            if ready < size and claimed_at and ready and time.monotonic() - claimed_at < QUIET:
                time.sleep(POLL_SECONDS)  # the brief that took one is running: leave it the CPU
            elif ready < size:
                count += 1
                with contextlib.suppress(Exception):  # a kernel that fails: none warm this time
                    managers.append(_start_one(folder, count, {**os.environ, **env}))
            else:
                time.sleep(POLL_SECONDS)
    finally:
        for manager in managers:
            _kill(manager)


def _start_one(folder: Path, count: int, env: dict[str, str]) -> Any:
    """Start one kernel, run the prelude in it and list it as ready."""
    from jupyter_client.manager import KernelManager

    manager = KernelManager(kernel_name="python3", transport="ipc",
                            ip=str(folder / f"kernel-{count}"))
    with open(os.devnull, "wb") as devnull:
        manager.start_kernel(env=env, stdout=devnull, stderr=devnull)
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=START_TIMEOUT)
        client.execute_interactive(PRELUDE, silent=True, store_history=False,
                                   timeout=START_TIMEOUT)
    finally:
        client.stop_channels()
    info = {**manager.get_connection_info(session=False), "pid": manager.provisioner.pid}
    info["key"] = info["key"].decode() if isinstance(info["key"], bytes) else info["key"]
    ready = folder / READY.format(n=count)
    tmp = ready.with_suffix(".part")
    tmp.write_text(json.dumps(info), encoding="utf-8")
    tmp.rename(ready)
    return manager


def _kill_group(pid: int) -> None:
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)


def _kill(manager: Any) -> None:
    pid = getattr(manager.provisioner, "pid", None) if manager.provisioner else None
    if pid:
        _kill_group(pid)  # kernels run in a session of their own: pid is the group
        with contextlib.suppress(Exception):
            manager.provisioner.process.wait(timeout=5)
    with contextlib.suppress(Exception):
        manager.cleanup_resources()
