"""``python -m briefbook preview``: serve the briefs, rebuild on every save, reload open pages.

The loop, once the server is up (see :mod:`briefbook.serve`):

1. build what is stale (the build's own cache decides, so a fresh checkout builds everything and
   a warm one nothing);
2. wait for a save in ``data/``, the manifest's notebooks, ``manifest.json`` or the sources
   folder (``watchfiles``, which batches the events of one save);
3. rebuild through :func:`briefbook.build.build_briefs` — it validates first (a bad edit stops
   there: its one-line reasons go to the terminal and to a banner in every open page, and the
   briefs on disk stay the last good ones) and then runs only the briefs whose inputs changed.
   The briefs open in a browser are built first, then the rest;
4. tell the open pages which briefs were rebuilt; those showing one reload.

The preview holds the build lock of its briefs folder while it runs, so ``make briefs`` started
beside it is refused instead of racing it. Ctrl-C (or SIGTERM) stops the watcher, any build in
progress (its workers kill their kernels) and the server, in that order of urgency.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TextIO

import watchfiles

from briefbook.atomic import build_lock
from briefbook.exceptions import BriefbookError, DataValidationError
from briefbook.serve import Events, PreviewServer
from briefbook.warm import POOL_ENV, WarmPool

DEFAULT_PORT = 8000
WATCH_STEP_MS = 50  # a save is handled once the folder has been quiet this long
WATCH_DEBOUNCE_MS = 400  # ...or at the latest this long after its first event
CANCEL_POLL_SECONDS = 0.1
CHILD_GRACE_SECONDS = 2
CHILD_STOP_SECONDS = 15
UP_TO_DATE = "preview: every brief is up to date"


class _SaveFilter(watchfiles.DefaultFilter):
    """Editor and Jupyter by-products are not saves: checkpoints, temporary and lock files."""

    ignore_dirs = (*watchfiles.DefaultFilter.ignore_dirs, ".ipynb_checkpoints")
    ignore_entity_patterns = (
        *watchfiles.DefaultFilter.ignore_entity_patterns, r"\.tmp$", r"^\.~lock\.", r"^~\$",
    )


@dataclass
class Preview:
    """One preview session: where it reads, where it builds, and the open pages' channel."""

    manifest: Path
    out_dir: Path  # where briefs are built (briefs/ or briefs/editions/N)
    root: Path  # the folder served (always briefs/)
    data_dir: Path
    sources_dir: Path | None
    overrides: dict[str, Any] = field(default_factory=dict)
    jobs: int | None = None
    stream: TextIO = sys.stderr
    events: Events = field(default_factory=Events)
    _saved_at: float = 0.0
    _since: str = "the save"

    def watched(self) -> list[Path]:
        """The folders and files whose changes can change a brief."""
        from briefbook.manifest import read_manifest

        paths = {self.data_dir, self.manifest, self.manifest.parent / "notebooks"}
        with contextlib.suppress(BriefbookError):  # the build reports a broken manifest
            paths |= {spec.notebook.parent for spec in read_manifest(self.manifest)}
        if self.sources_dir:
            paths.add(self.sources_dir)
        return sorted(p.resolve() for p in paths if p.exists())

    def build(self, only: list[str] | None = None) -> list[str]:
        """Build (the ``only`` briefs, or all); returns the problems, empty when all built.

        A refused save (bad data, manifest or parameter) or a failing brief stops nothing
        else: the briefs on disk stay as they were and the caller shows the problems.
        """
        from briefbook.build import build_briefs

        try:
            result = build_briefs(
                manifest=self.manifest, out_dir=self.out_dir, data_dir=self.data_dir,
                sources_dir=self.sources_dir, jobs=self.jobs, only=only,
                overrides=self.overrides, stream=self.stream,
            )
        except DataValidationError as exc:
            return [str(p) for p in exc.problems]
        except BriefbookError as exc:
            return [str(exc)]
        return [str(f).removeprefix("- ") for f in result.failures]

    def rebuild(self, saved_again: Callable[[], bool] = lambda: False,
                since: str = "the save") -> None:
        """After a save: the briefs open in a browser first, then everything else.

        The rest is built in a child process, abandoned (Ctrl-C to it: its workers kill their
        kernels) as soon as ``saved_again()`` says a newer save is waiting, so the brief being
        viewed never waits behind briefs nobody is looking at. A save that is handled to the
        end says so in one last line (``preview: every brief is up to date`` or the problems),
        so the analyst, and the tests, know when the briefs have stopped changing.
        """
        self._saved_at, self._since = time.monotonic(), since
        before = self._stamps()
        first = self._viewed_briefs()
        if first:
            problems = self.build(only=first)
            self._report(problems, before)
            if problems:
                return  # the rest would only report the same problems again
            before = self._stamps()
        problems = _in_child(self.build, saved_again)
        if problems is not None:
            self._report(problems, before)
            if not problems:
                seconds = time.monotonic() - self._saved_at
                print(f"{UP_TO_DATE} ({seconds:.1f} s after {since}).", file=self.stream,
                      flush=True)

    def _report(self, problems: list[str], before: dict[str, int]) -> None:
        """Show the problems (or clear them) and reload the pages whose file changed."""
        if problems:
            print("preview: not rebuilt; the last good briefs stay:", file=self.stream)
            for line in problems:
                print(f"  {line}", file=self.stream, flush=True)
            self.events.problems(problems)
        else:
            self.events.ok()
        after = self._stamps()
        changed = sorted(page for page, stamp in after.items() if before.get(page) != stamp)
        if changed:
            self.events.reload(changed)
            seconds = time.monotonic() - self._saved_at
            print(f"preview: rebuilt {', '.join(changed)} ({seconds:.1f} s after {self._since})",
                  file=self.stream, flush=True)

    def _stamps(self) -> dict[str, int]:
        """Each built page (relative to the served folder) and its modification time."""
        return {path.relative_to(self.root).as_posix(): path.stat().st_mtime_ns
                for path in self.out_dir.glob("*.html")}

    def _viewed_briefs(self) -> list[str]:
        from briefbook.manifest import read_manifest

        try:
            names = [spec.name for spec in read_manifest(self.manifest, self.overrides)]
        except BriefbookError:
            return []  # the full build reports it
        viewed = [self._brief_of(page) for page in self.events.viewed()]
        return [n for n in dict.fromkeys(viewed) if n in names]

    def _brief_of(self, page: str) -> str | None:
        path = (self.root / page).resolve()
        if path.parent != self.out_dir.resolve() or path.suffix != ".html":
            return None
        return path.stem


def _in_child(build: Callable[[], list[str]], cancel: Callable[[], bool]) -> list[str] | None:
    """Run ``build`` in a forked child; its problems, or None when ``cancel()`` stopped it.

    Forked, so the child shares the parent's build lock and warm imports. Cancelling must be
    quick, since the newer save waits for it: the child's workers get SIGTERM (each kills its
    kernel and exits at once, see :mod:`briefbook.execute`) and the child itself SIGKILL. Every
    file it wrote is complete (written to a temporary name and renamed); a temporary it left
    is swept by the next build.
    """
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_send_result, args=(build, send), name="preview-build")
    child.start()
    send.close()
    try:
        while child.is_alive():
            if cancel():
                _kill_build(child.pid)  # type: ignore[arg-type]
                child.join()
                return None
            child.join(CANCEL_POLL_SECONDS)
        return receive.recv() if receive.poll() else ["the build process died unexpectedly"]
    finally:
        if child.is_alive():  # Ctrl-C or SIGTERM in the preview itself
            child.join(CHILD_GRACE_SECONDS)  # a Ctrl-C at the terminal reached it too
        if child.is_alive():
            os.kill(child.pid, signal.SIGINT)  # type: ignore[arg-type]
            child.join(CHILD_STOP_SECONDS)
            if child.is_alive():
                child.kill()
        receive.close()


def _kill_build(pid: int) -> None:
    """Stop a build process now: its workers first (they kill their kernels), then itself."""
    import psutil

    with contextlib.suppress(psutil.NoSuchProcess):
        for worker in psutil.Process(pid).children():
            with contextlib.suppress(psutil.NoSuchProcess):
                worker.terminate()
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)


def _send_result(build: Callable[[], list[str]], send: Connection) -> None:
    os.environ.pop(POOL_ENV, None)  # the warm kernels are kept for the brief being viewed
    with contextlib.suppress(KeyboardInterrupt):
        send.send(build())


def describe(changes: Iterable[tuple[watchfiles.Change, str]], base: Path) -> str:
    """``data/events.csv, notebooks/steel_dome.ipynb``: the saved files, short."""
    names = set()
    for _, path in changes:
        p = Path(path)
        names.add(p.relative_to(base).as_posix() if p.is_relative_to(base) else p.name)
    return ", ".join(sorted(names))


def run_preview(preview: Preview, port: int = DEFAULT_PORT,
                stop: threading.Event | None = None) -> int:
    """Serve and rebuild until Ctrl-C, SIGTERM or ``stop`` is set; returns the exit code."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, signal.default_int_handler)
    with build_lock(preview.out_dir):
        server = PreviewServer(preview.root, port, preview.events)
        thread = threading.Thread(target=server.serve_forever, name="preview-server",
                                  daemon=True)
        thread.start()
        start_page = preview.out_dir.relative_to(preview.root).as_posix() + "/"
        url = server.url + ("" if start_page == "./" else start_page)
        kernels = WarmPool({"BRIEFBOOK_DATA": str(preview.data_dir),
                            "PYDEVD_DISABLE_FILE_VALIDATION": "1"})
        try:
            _warm_up()
            kernels.start()
            preview.rebuild(since="the start")
            print(f"Serving the briefs at {url} (only on this machine). Open it in a browser; "
                  "saves rebuild and reload it. Ctrl-C stops.", file=preview.stream, flush=True)
            _watch(preview, stop)
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
            server.stop()
            kernels.stop()
            thread.join(timeout=5)
        print("preview: stopped.", file=preview.stream, flush=True)
    return 0


def _watch(preview: Preview, stop: threading.Event) -> None:
    """Rebuild on each batch of saves, taking every save waiting at that moment together."""
    saves: queue.Queue[set[tuple[watchfiles.Change, str]]] = queue.Queue()
    watcher = threading.Thread(target=_watch_files, args=(preview, saves, stop),
                               name="preview-watcher", daemon=True)
    watcher.start()
    base = preview.manifest.parent.resolve()
    while not stop.is_set():
        try:
            changes = saves.get(timeout=CANCEL_POLL_SECONDS)
        except queue.Empty:
            continue
        while not saves.empty():
            changes |= saves.get()
        print(f"preview: saved {describe(changes, base)}", file=preview.stream, flush=True)
        preview.rebuild(saved_again=lambda: not saves.empty())


def _watch_files(preview: Preview, saves: queue.Queue[set[tuple[watchfiles.Change, str]]],
                 stop: threading.Event) -> None:
    """Put each batch of saves on ``saves``; re-arm when the manifest itself was replaced.

    An editor saves by writing a new file and renaming it over the old one; a watch on the
    manifest file follows the old file, so it is set up again on the new one.
    """
    manifest = preview.manifest.resolve()
    while not stop.is_set():
        for changes in watchfiles.watch(
            *preview.watched(), watch_filter=_SaveFilter(), step=WATCH_STEP_MS,
            debounce=WATCH_DEBOUNCE_MS, stop_event=stop, raise_interrupt=False,
        ):
            saves.put(changes)
            if any(Path(p).resolve() == manifest for _, p in changes):
                break


def _warm_up() -> None:
    """Import the execution stack and build the renderer once, in this process.

    Build workers are forked from it, so each starts with them ready instead of spending a
    second or two of every rebuild importing papermill and loading nbconvert's templates. Their
    kernels come warm from a :class:`~briefbook.warm.WarmPool` when one is ready.
    """
    from briefbook import execute

    execute.prepare_renderer()
