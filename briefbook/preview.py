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
import signal
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import watchfiles

from briefbook.atomic import build_lock
from briefbook.exceptions import BriefbookError, DataValidationError
from briefbook.serve import Events, PreviewServer

DEFAULT_PORT = 8000
WATCH_STEP_MS = 50  # a save is handled once the folder has been quiet this long
WATCH_DEBOUNCE_MS = 400  # ...or at the latest this long after its first event


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
        """Build (the ``only`` briefs, or all); returns the pages rebuilt, for reloading.

        A refused save (bad data, manifest or parameter) or a failing brief is shown in the
        open pages and on the terminal; the briefs on disk stay as they were.
        """
        from briefbook.build import build_briefs

        try:
            result = build_briefs(
                manifest=self.manifest, out_dir=self.out_dir, data_dir=self.data_dir,
                sources_dir=self.sources_dir, jobs=self.jobs, only=only,
                overrides=self.overrides, stream=self.stream,
            )
        except DataValidationError as exc:
            self._refuse([str(p) for p in exc.problems])
            return []
        except BriefbookError as exc:
            self._refuse([str(exc)])
            return []
        if result.failures:
            self._refuse([str(f).removeprefix("- ") for f in result.failures])
        else:
            self.events.ok()
        pages = [self._page(name) for name in result.built]
        return [*pages, self._page("index")] if pages else []

    def rebuild(self) -> None:
        """After a save: the briefs open in a browser first, then everything else."""
        first = self._viewed_briefs()
        if first:
            built = self.build(only=first)
            self.events.reload(built)
            if self.events.has_problems():
                return  # the same problems would only be reported twice
        self.events.reload(self.build())

    def _viewed_briefs(self) -> list[str]:
        from briefbook.manifest import read_manifest

        try:
            names = [spec.name for spec in read_manifest(self.manifest, self.overrides)]
        except BriefbookError:
            return []  # the full build reports it
        viewed = [self._brief_of(page) for page in self.events.viewed()]
        return [n for n in dict.fromkeys(viewed) if n in names]

    def _page(self, name: str) -> str:
        return (self.out_dir / f"{name}.html").relative_to(self.root).as_posix()

    def _brief_of(self, page: str) -> str | None:
        path = (self.root / page).resolve()
        if path.parent != self.out_dir.resolve() or path.suffix != ".html":
            return None
        return path.stem

    def _refuse(self, lines: list[str]) -> None:
        print("preview: not rebuilt; the last good briefs stay:", file=self.stream)
        for line in lines:
            print(f"  {line}", file=self.stream)
        self.events.problems(lines)


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
        try:
            _warm_up()
            preview.build()
            print(f"Serving the briefs at {url} (only on this machine). Open it in a browser; "
                  "saves rebuild and reload it. Ctrl-C stops.", file=preview.stream, flush=True)
            _watch(preview, stop)
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
            server.stop()
            thread.join(timeout=5)
        print("preview: stopped.", file=preview.stream, flush=True)
    return 0


def _watch(preview: Preview, stop: threading.Event) -> None:
    """Rebuild on each batch of saves; re-arm the watcher when the manifest itself was replaced.

    An editor saves by writing a new file and renaming it over the old one; a watch on the
    manifest file follows the old file, so it is set up again on the new one.
    """
    base = preview.manifest.parent.resolve()
    while not stop.is_set():
        for changes in watchfiles.watch(
            *preview.watched(), watch_filter=_SaveFilter(), step=WATCH_STEP_MS,
            debounce=WATCH_DEBOUNCE_MS, stop_event=stop, raise_interrupt=True,
        ):
            print(f"preview: saved {describe(changes, base)}", file=preview.stream, flush=True)
            preview.rebuild()
            if any(Path(p).resolve() == preview.manifest.resolve() for _, p in changes):
                break


def _warm_up() -> None:
    """Import the execution stack and build the renderer once, in this process.

    Build workers are forked from it, so each starts with them ready instead of spending a
    second or two of every rebuild importing papermill and loading nbconvert's templates.
    """
    from briefbook import execute

    execute.prepare_renderer()
