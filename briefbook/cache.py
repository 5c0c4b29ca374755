"""Content-addressed cache keys: a brief is rebuilt only when something it depends on changed.

The key covers the notebook's bytes, the brief's parameters, the data package's content, the
source texts' content, the package's own code and templates, and the versions of the rendering
stack. Entries live in ``briefs/.cache/<brief>.json`` beside the briefs they describe.
"""

from __future__ import annotations

import hashlib
import json
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from briefbook import config
from briefbook.manifest import BriefSpec

STACK = ("papermill", "nbclient", "nbconvert", "nbformat", "ipykernel", "jupyter-client",
         "plotly", "pandas", "edtf", "frictionless")


def tree_digest(folder: Path, pattern: str = "*") -> str:
    """SHA-256 over the relative names and bytes of the files under ``folder``."""
    digest = hashlib.sha256()
    if folder.is_dir():
        for path in sorted(p for p in folder.rglob(pattern) if p.is_file()):
            if "__pycache__" in path.parts:
                continue
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def environment_digest() -> str:
    """The package's own code and templates plus the versions of the rendering stack."""
    versions = {name: metadata.version(name) for name in STACK}
    versions["python"] = sys.version.split()[0]
    digest = hashlib.sha256(json.dumps(versions, sort_keys=True).encode())
    digest.update(tree_digest(config.PACKAGE_DIR).encode())
    return digest.hexdigest()


def brief_key(spec: BriefSpec, data_digest: str, env_digest: str) -> str:
    """The cache key of one brief."""
    digest = hashlib.sha256()
    digest.update(spec.notebook.read_bytes())
    digest.update(json.dumps(spec.parameters, sort_keys=True, default=str).encode())
    digest.update(json.dumps(spec.title).encode())
    digest.update(data_digest.encode() + env_digest.encode())
    return digest.hexdigest()


def read_entry(cache_dir: Path, name: str) -> dict[str, Any] | None:
    """The stored entry of a brief, or None when there is none or it is unreadable."""
    try:
        return json.loads((cache_dir / f"{name}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_entry(cache_dir: Path, name: str, entry: dict[str, Any]) -> None:
    """Store a brief's entry atomically (write a temporary file, then rename it into place)."""
    from briefbook.atomic import write_text_atomic

    cache_dir.mkdir(parents=True, exist_ok=True)
    write_text_atomic(cache_dir / f"{name}.json", json.dumps(entry, indent=1, sort_keys=True))
