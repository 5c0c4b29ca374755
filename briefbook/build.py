"""Build the briefs: validate, plan from the cache, run in parallel, publish atomically.

The steps, in order:

1. take the build lock (a second build at the same time is refused with a clear message);
2. sweep temporary files a killed build may have left;
3. validate the data package (a bad package stops the build before any kernel starts);
4. read the manifest and check every brief's parameters;
5. plan: a brief whose cache key is unchanged and whose HTML exists is skipped;
6. run the rest in parallel worker processes (papermill, then one renderer per worker);
7. publish each finished brief by renaming its temporary file into place, record its cache
   entry, and write the index last, listing only briefs that exist.

A failing brief never replaces its previous HTML; the others still build. An interrupted build
(Ctrl-C or SIGTERM) stops its workers, which kill their kernels, publishes nothing more, removes
its temporary files and exits with 130. A build killed outright (SIGKILL) cannot clean up: its
workers notice their parent is gone and stop themselves and their kernels, and the next build
sweeps the temporary files it left.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from briefbook import assets, cache
from briefbook.atomic import build_lock, sweep_temporaries, write_text_atomic
from briefbook.exceptions import BriefFailure, DataValidationError, ManifestError
from briefbook.index import render_index
from briefbook.load import VALIDATED_ENV, fingerprint
from briefbook.manifest import BriefSpec, parse_overrides, read_manifest
from briefbook.progress import Progress
from briefbook.validate import validate_package

if TYPE_CHECKING:  # the execution stack (papermill, nbconvert) loads only when a brief runs
    from briefbook.execute import Outcome

__all__ = ["BuildResult", "build_briefs", "parse_overrides"]

CACHE_DIR = ".cache"
EDITIONS_DIR = "editions"
EXECUTED_DIR = "executed"
VALIDATED_ENTRY = "validated"  # cache entry of the last data package that passed validation
DEFAULT_CELL_TIMEOUT = 300
WORKER_STOP_SECONDS = 10


@dataclass
class BuildResult:
    """Which briefs were built, taken from the cache, or failed (and why)."""

    built: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    failures: list[BriefFailure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def build_briefs(
    *,
    manifest: Path,
    out_dir: Path,
    data_dir: Path,
    sources_dir: Path | None = None,
    jobs: int | None = None,
    force: bool = False,
    only: list[str] | None = None,
    overrides: dict[str, Any] | None = None,
    cell_timeout: int | None = None,
    stream: TextIO | None = None,
) -> BuildResult:
    """Build the briefs the manifest lists into ``out_dir``; see the module docstring."""
    stream = stream or sys.stderr
    assets.read_text(assets.PLOTLY)  # missing or altered: stop now, saying how to fetch it
    out_dir, data_dir = Path(out_dir).resolve(), Path(data_dir).resolve()
    sources = Path(sources_dir) if sources_dir and Path(sources_dir).is_dir() else None
    with build_lock(out_dir):
        sweep_temporaries(out_dir)
        try:
            return _build_locked(manifest, out_dir, data_dir, sources, jobs, force, only,
                                 overrides, cell_timeout, stream)
        finally:
            # An interrupted build may have rendered briefs it never published; remove them
            # now rather than leave them for the next build's sweep.
            sweep_temporaries(out_dir)


def _build_locked(
    manifest: Path, out_dir: Path, data_dir: Path, sources: Path | None, jobs: int | None,
    force: bool, only: list[str] | None, overrides: dict[str, Any] | None,
    cell_timeout: int | None, stream: TextIO,
) -> BuildResult:
    """The build proper, run while holding the lock on ``out_dir``."""
    cache_dir = out_dir / CACHE_DIR
    data_digest = cache.tree_digest(data_dir) + (cache.tree_digest(sources) if sources else "")
    env_digest = cache.environment_digest()
    _validate_unless_known_good(data_dir, sources, cache_dir, data_digest + env_digest)
    specs = read_manifest(Path(manifest), overrides, only)
    selected = _select(specs, only)
    fp = fingerprint(data_dir)
    keys = {s.name: cache.brief_key(s, data_digest, env_digest) for s in selected}

    todo = [s for s in selected if force or not _fresh(out_dir, cache_dir, s, keys[s.name])]
    if todo and not force:
        todo = _still_stale(todo, out_dir, cache_dir, keys, data_dir, env_digest)
    result = BuildResult(cached=[s.name for s in selected if s not in todo])
    progress = Progress([s.name for s in selected], stream)
    for name in result.cached:
        progress.update(name, "cached")

    if todo:
        env = {VALIDATED_ENV: fp, "BRIEFBOOK_DATA": str(data_dir),
               "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
        os.environ.update(env)  # so this process's summaries read the same data unvalidated
        # closing(): on Ctrl-C anywhere in this loop the workers are stopped at once, not when
        # the generator happens to be garbage-collected.
        with closing(_run_parallel(todo, out_dir, jobs, cell_timeout, env, progress)) as runs:
            for outcome in runs:
                spec = next(s for s in todo if s.name == outcome.name)
                state = _publish(spec, outcome, out_dir, cache_dir, keys[spec.name], data_dir,
                                 result)
                progress.update(spec.name, state, outcome.seconds)

    _write_index(specs, out_dir, cache_dir)
    if result.failures:
        print("Build finished with failures; previous HTML of failed briefs was kept:\n"
              + "\n".join(str(f) for f in result.failures), file=stream)
    return result


def _validate_unless_known_good(
    data_dir: Path, sources: Path | None, cache_dir: Path, digest: str
) -> None:
    """Validate the data, unless this exact data, these texts and this validator passed before.

    Raises :class:`DataValidationError` listing every problem. The digest covers the data
    folder, the source texts and the package's own code, so any change revalidates.
    """
    entry = cache.read_entry(cache_dir, VALIDATED_ENTRY)
    if entry and entry.get("key") == digest:
        return
    problems = validate_package(data_dir, sources)
    if problems:
        raise DataValidationError(problems)
    cache.write_entry(cache_dir, VALIDATED_ENTRY, {"key": digest})


def _select(specs: list[BriefSpec], only: list[str] | None) -> list[BriefSpec]:
    if not only:
        return specs
    names = {s.name for s in specs}
    unknown = [n for n in only if n not in names]
    if unknown:
        raise ManifestError(f"--only names {unknown[0]!r}, which is not in the manifest "
                            f"(briefs: {', '.join(sorted(names))}).")
    return [s for s in specs if s.name in only]


def _fresh(out_dir: Path, cache_dir: Path, spec: BriefSpec, key: str) -> bool:
    entry = cache.read_entry(cache_dir, spec.name)
    return bool(entry and entry.get("key") == key and (out_dir / f"{spec.name}.html").is_file())


def scope_key(spec: BriefSpec, fingerprint: str, env_digest: str) -> str:
    """A brief's key by what it shows: notebook, parameters, code and its scope's fingerprint."""
    return cache.brief_key(spec, fingerprint, env_digest)


def _still_stale(
    todo: list[BriefSpec], out_dir: Path, cache_dir: Path, keys: dict[str, str], data_dir: Path,
    env_digest: str,
) -> list[BriefSpec]:
    """Of the briefs whose data changed, those whose own scope changed too.

    Adding rows for a later edition changes the data but not an earlier edition's scope: such a
    brief is kept (its HTML would come out byte-identical) and its entry takes the new key.
    Loading the data costs about a second, so this runs only when some key missed.
    """
    candidates = [s for s in todo if (entry := cache.read_entry(cache_dir, s.name))
                  and entry.get("scope_key") and (out_dir / f"{s.name}.html").is_file()]
    if not candidates:
        return todo
    os.environ.update({VALIDATED_ENV: fingerprint(data_dir), "BRIEFBOOK_DATA": str(data_dir)})
    from briefbook.brief import open_brief

    stale = []
    for spec in todo:
        entry = cache.read_entry(cache_dir, spec.name) if spec in candidates else None
        if entry:
            fp = open_brief(spec.thread, data_dir=data_dir, **spec.parameters).scope.fingerprint
            if entry["scope_key"] == scope_key(spec, fp, env_digest):
                cache.write_entry(cache_dir, spec.name, {**entry, "key": keys[spec.name]})
                continue
        stale.append(spec)
    return stale


def _run_parallel(
    todo: list[BriefSpec], out_dir: Path, jobs: int | None, cell_timeout: int | None,
    env: dict[str, str], progress: Progress,
) -> Iterator[Outcome]:
    """Run the jobs on at most ``jobs`` worker processes, yielding outcomes as they finish."""
    from briefbook.execute import Job, Outcome, init_worker, run_job

    workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    (out_dir / EXECUTED_DIR).mkdir(exist_ok=True)
    job_list = [
        Job(name=s.name, notebook=str(s.notebook.resolve()), parameters=s.parameters,
            title=s.title, out_dir=str(out_dir),
            executed_path=str(out_dir / EXECUTED_DIR / f"{s.name}.ipynb"),
            cell_timeout=cell_timeout or DEFAULT_CELL_TIMEOUT)
        for s in todo
    ]
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=init_worker,
                               initargs=(env,))
    pending: dict[Future[Outcome], str] = {}
    try:
        for job in job_list:
            pending[pool.submit(run_job, job)] = job.name
        for name in list(pending.values())[:workers]:
            progress.update(name, "running")
        started = workers
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                name = pending.pop(future)
                try:
                    outcome = future.result()
                except Exception as exc:  # the worker process itself died
                    outcome = Outcome(name, 0.0, error=f"worker process failed: {exc}")
                if started < len(job_list):
                    progress.update(job_list[started].name, "running")
                    started += 1
                yield outcome
    except BaseException:
        stop_workers()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def stop_workers() -> None:
    """Stop every worker now: each kills its kernel on SIGTERM and exits (see execute.py)."""
    workers = multiprocessing.active_children()
    for process in workers:
        process.terminate()
    for process in workers:
        process.join(timeout=WORKER_STOP_SECONDS)
        if process.is_alive():
            process.kill()
            process.join()


def _publish(
    spec: BriefSpec, outcome: Outcome, out_dir: Path, cache_dir: Path, key: str,
    data_dir: Path, result: BuildResult,
) -> str:
    """Move a finished brief into place and record it, or record why it failed.

    Returns the brief's final state for the progress display (done or failed).
    """
    if outcome.html_tmp is None:
        result.failures.append(BriefFailure(
            spec.name, outcome.cell, outcome.error or "unknown error", outcome.executed,
        ))
        return "failed"
    os.replace(outcome.html_tmp, out_dir / f"{spec.name}.html")
    from briefbook.brief import open_brief  # pandas and plotly: only once a brief is published

    summary = open_brief(spec.thread, data_dir=data_dir, **spec.parameters).summary()
    if spec.title:
        summary["title"] = spec.title
    cache.write_entry(cache_dir, spec.name, {
        "key": key, "summary": summary, "parameters": spec.parameters,
        "scope_key": scope_key(spec, str(summary["fingerprint"]), cache.environment_digest()),
    })
    result.built.append(spec.name)
    return "done"


def _write_index(specs: list[BriefSpec], out_dir: Path, cache_dir: Path) -> None:
    entries = []
    for spec in specs:
        entry = cache.read_entry(cache_dir, spec.name)
        if entry and (out_dir / f"{spec.name}.html").is_file():
            given = sorted(entry.get("parameters", {}).items())
            params = ", ".join(f"{k}={v}" for k, v in given) or "defaults"
            entries.append({"name": spec.name, **entry["summary"], "parameters": params})
    write_text_atomic(out_dir / "index.html", render_index(entries, _edition_links(out_dir)))


def _edition_links(out_dir: Path) -> Callable[[int], str | None]:
    """Where each edition's index is, seen from ``out_dir``'s index (None: not built)."""
    inside = out_dir.parent.name == EDITIONS_DIR
    root = out_dir.parent.parent if inside else out_dir

    def link(number: int) -> str | None:
        if inside and out_dir.name == str(number):
            return "index.html"
        if not (root / EDITIONS_DIR / str(number) / "index.html").is_file():
            return None
        return f"../{number}/index.html" if inside else f"{EDITIONS_DIR}/{number}/index.html"

    return link


def edition_folder(out_dir: Path, number: int) -> Path:
    """Where edition ``number`` is built: ``briefs/editions/N``."""
    return Path(out_dir) / EDITIONS_DIR / str(number)
