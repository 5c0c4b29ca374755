"""The manifest: which notebook is rendered with which parameters into which brief."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefbook import config
from briefbook.exceptions import ManifestError, ParameterError
from briefbook.params import check_params

NAME = re.compile(r"^[a-z0-9_]+$")
NOTEBOOKS = "notebooks"


@dataclass(frozen=True)
class BriefSpec:
    """One manifest entry: the brief's name, its notebook and the parameters it runs with."""

    name: str
    notebook: Path
    parameters: dict[str, Any] = field(default_factory=dict)
    title: str | None = None

    @property
    def thread(self) -> str:
        """The thread is the notebook's file stem (``notebooks/caatsa_f35.ipynb``)."""
        return self.notebook.stem


def read_manifest(
    path: Path, overrides: dict[str, Any] | None = None, only: list[str] | None = None
) -> list[BriefSpec]:
    """Read and check the manifest; command-line ``overrides`` apply to every brief built.

    The briefs built are those named in ``only``, or all. Overrides go to those briefs alone, so
    ``--only india_s400_timeline -p scenario=buyback`` is not refused because the overview,
    which is not being built, takes no ``scenario``.

    Raises :class:`ManifestError` for a malformed file and :class:`ParameterError` (naming the
    brief) for a parameter that is unknown or has a value not allowed.
    """
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["briefs"]
    except FileNotFoundError:
        raise ManifestError(f"The manifest {path} does not exist.") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise ManifestError(f"The manifest {path} is not valid JSON with a 'briefs' list "
                            f"({type(exc).__name__}: {exc}).") from None
    specs, seen = [], set()
    for number, entry in enumerate(entries, 1):
        spec = _spec(path, number, entry, overrides or {}, only)
        if spec.name in seen:
            raise ManifestError(f"{path}: brief {number} repeats the name {spec.name!r}.")
        seen.add(spec.name)
        specs.append(spec)
    return specs


def _spec(
    path: Path, number: int, entry: object, overrides: dict[str, Any], only: list[str] | None
) -> BriefSpec:
    if not isinstance(entry, dict) or not {"name", "notebook"} <= set(entry):
        raise ManifestError(f"{path}: brief {number} needs a 'name' and a 'notebook'.")
    name = entry["name"]
    if not isinstance(name, str) or not NAME.match(name):
        raise ManifestError(f"{path}: brief {number} has the name {name!r}; names use a-z, 0-9, _.")
    notebook = _notebook(path, name, entry["notebook"])
    parameters = entry.get("parameters", {})
    if not isinstance(parameters, dict):
        raise ManifestError(f"{path}: brief {name!r} has 'parameters' that are not an object.")
    if only is None or name in only:
        parameters = {**parameters, **overrides}
    spec = BriefSpec(name, notebook, parameters, entry.get("title"))
    try:
        check_params(spec.thread, **parameters)
    except ParameterError as exc:
        raise ParameterError(exc.name, exc.value, exc.allowed, brief=name) from None
    return spec


def notebook_folders(manifest: Path) -> list[Path]:
    """Where a manifest's notebooks may be: ``notebooks/`` beside it, or the project's own."""
    return list(dict.fromkeys([(manifest.parent / NOTEBOOKS).resolve(),
                               config.NOTEBOOKS_DIR.resolve()]))


def _notebook(path: Path, name: str, given: object) -> Path:
    """The notebook a brief names, checked: a readable ``.ipynb`` inside ``notebooks/``.

    The messages name the file, never what is in it: a manifest pointing at a private file
    must not get that file's contents printed (a JSON or nbformat error would quote them).
    """
    if not isinstance(given, str) or not given:
        raise ManifestError(f"{path}: brief {name!r} needs a 'notebook' path (a string).")
    notebook = (path.parent / given).resolve()
    folders = notebook_folders(path)
    if notebook.suffix != ".ipynb" or not any(notebook.is_relative_to(f) for f in folders):
        raise ManifestError(f"{path}: brief {name!r} names the notebook {given!r}; a brief's "
                            f"notebook must be an .ipynb file inside {NOTEBOOKS}/ "
                            f"({folders[0]}).")
    if not notebook.is_file():
        raise ManifestError(f"{path}: brief {name!r} names the notebook {given!r}, "
                            "which does not exist.")
    try:
        readable = isinstance(json.loads(notebook.read_text(encoding="utf-8"))["cells"], list)
    except (OSError, ValueError, KeyError, TypeError):
        readable = False
    if not readable:
        raise ManifestError(f"{path}: brief {name!r} names the notebook {given!r}, which is "
                            "not a readable Jupyter notebook (UTF-8 JSON with a list of cells).")
    return notebook


def parse_overrides(pairs: list[str]) -> dict[str, Any]:
    """``NAME=VALUE`` pairs from the command line (values stay strings; the checks convert)."""
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ManifestError(f"The parameter {pair!r} is not of the form NAME=VALUE.")
        out[name.strip()] = value.strip()
    return out
