"""The source texts: paragraphs (non-empty lines, numbered from 1) and their fingerprints."""

from __future__ import annotations

import hashlib
from pathlib import Path


def read_paragraphs(path: Path) -> list[str]:
    """The paragraphs of a source text: its non-empty lines, stripped, in order.

    Raises ``UnicodeDecodeError`` for bytes that are not UTF-8 and ``OSError`` for a missing file;
    callers turn those into data problems.
    """
    text = path.read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


def sha256_of(path: Path) -> str:
    """SHA-256 of a file's bytes, as recorded in ``sources.csv``."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
