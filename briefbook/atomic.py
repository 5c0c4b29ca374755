"""Atomic writes and the build lock: a reader (or a killed build) never sees a half-written brief.

Every output is written to a temporary file in the same folder and renamed into place;
``os.replace`` is atomic on one file system, so the old file or the new one is there, never a
partial one. Temporary names end in ``.tmp``, so the next build can sweep any a killed build left.

Only one build may write to a briefs folder at a time (:func:`build_lock`). The lock lives here,
in a module that imports nothing heavy, so the command line can refuse a second build at once,
before it spends seconds importing papermill, pandas and plotly.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from briefbook.exceptions import BuildLockedError

TMP_SUFFIX = ".tmp"
LOCK_NAME = ".build.lock"
_HELD: set[Path] = set()  # folders this process has locked (the lock is re-entrant)


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, syncing it to disk before the rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def sweep_temporaries(folder: Path) -> int:
    """Remove temporary files a killed build left behind; returns how many."""
    count = 0
    for tmp in folder.rglob(f".*{TMP_SUFFIX}"):
        tmp.unlink(missing_ok=True)
        count += 1
    return count


@contextmanager
def build_lock(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on the briefs folder; raise :class:`BuildLockedError` if taken.

    The lock is an ``flock`` on ``out_dir/.build.lock``, so the operating system releases it
    when the holder exits, however it exits. The file holds the holder's process id, for the
    message a second build prints. Re-entrant within one process (the CLI takes it before the
    heavy imports, then :func:`briefbook.build.build_briefs` takes it again).
    """
    out_dir = Path(out_dir).resolve()
    if out_dir in _HELD:
        yield
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    handle = (out_dir / LOCK_NAME).open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise BuildLockedError(
            f"Another build is already writing to {out_dir} (process {holder}); wait for it to "
            "finish, then build again."
        ) from None
    _HELD.add(out_dir)
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        _HELD.discard(out_dir)
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()
