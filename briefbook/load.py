"""Load the data package into pandas, once validated, with a fingerprint of its content."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from briefbook import config
from briefbook.exceptions import DataValidationError
from briefbook.validate import validate_package

# Set by the build for the kernels it starts: the fingerprint it has already validated, so each
# notebook need not validate the same data again.
VALIDATED_ENV = "BRIEFBOOK_VALIDATED_FINGERPRINT"
_PANDAS_TYPES = {"integer": "Int64", "number": "Float64", "boolean": "boolean"}


@dataclass(frozen=True)
class Book:
    """Every table of the data package as a DataFrame, plus the package's fingerprint."""

    tables: dict[str, pd.DataFrame]
    fingerprint: str
    data_dir: Path

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]


def fingerprint(data_dir: Path | None = None) -> str:
    """SHA-256 over the names and bytes of every file in the data folder (first 12 hex digits).

    The same data gives the same fingerprint on any machine; any edit changes it.
    """
    data_dir = Path(data_dir or config.DATA_DIR)
    digest = hashlib.sha256()
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        digest.update(path.relative_to(data_dir).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


_CACHE: dict[tuple[str, str], Book] = {}


def load_book(data_dir: Path | None = None, sources_dir: Path | None = None) -> Book:
    """Validate the package and load it; raises :class:`DataValidationError` listing problems.

    Results are cached per folder and fingerprint, so a notebook re-run in JupyterLab reloads only
    when the data changed.
    """
    data_dir = Path(data_dir or config.DATA_DIR)
    fp = fingerprint(data_dir)
    key = (str(data_dir.resolve()), fp)
    if key in _CACHE:
        return _CACHE[key]
    if os.environ.get(VALIDATED_ENV) != fp:
        problems = validate_package(data_dir, sources_dir)
        if problems:
            raise DataValidationError(problems)
    descriptor = json.loads((data_dir / config.DATAPACKAGE_NAME).read_text(encoding="utf-8"))
    tables = {res["name"]: _read_resource(data_dir, res) for res in descriptor["resources"]}
    book = Book(tables=tables, fingerprint=fp, data_dir=data_dir)
    _CACHE[key] = book
    return book


def _read_resource(data_dir: Path, resource: dict) -> pd.DataFrame:
    """Read one CSV with the column types its schema declares (text stays text)."""
    fields = resource["schema"]["fields"]
    dtypes = {f["name"]: _PANDAS_TYPES.get(f["type"], "string") for f in fields}
    frame = pd.read_csv(
        data_dir / resource["path"], dtype=dtypes, keep_default_na=False, na_values=[""],
        encoding="utf-8",
    )
    text_columns = [name for name, dtype in dtypes.items() if dtype == "string"]
    frame[text_columns] = frame[text_columns].fillna("")
    return frame
