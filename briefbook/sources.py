"""Registering a source text and finding words in the texts.

The logic behind ``python -m briefbook source add PATH`` and ``python -m briefbook locate WORDS``;
the CLI only parses options and prints. Refusals raise :class:`SourceError` before any file is
touched.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from briefbook.config import DATAPACKAGE_NAME
from briefbook.exceptions import SourceError
from briefbook.sourcetext import read_paragraphs, sha256_of
from briefbook.validate import display_path

SOURCE_ID = re.compile(r"^s([0-9]{3})$")
FILE_NUMBER = re.compile(r"^([0-9]{3})_")
# The columns ``source add`` fills; the analyst fills the others.
FILLED_BY_ADD = ("source_id", "file", "sha256", "paragraphs")
# A located paragraph longer than this is shortened around the match.
SNIPPET_CHARS = 300
# Characters that stand for one another in a search: straight and typographic quotes.
APOSTROPHES = "'’‘‛ʼ′"
DOUBLE_QUOTES = '"“”„‟″'


@dataclass(frozen=True)
class AddedSource:
    """What ``add_source`` registered, and what the analyst must fill in next."""

    source_id: str
    file: str
    copied_to: str
    sha256: str
    paragraphs: list[str]
    sources_csv: str
    line: int
    required: list[str]
    optional: list[str]


@dataclass(frozen=True)
class Hit:
    """One paragraph holding the words; ``source_id`` is None for an unregistered file."""

    source_id: str | None
    file: str
    paragraph: int
    text: str  # the paragraph, shortened around the match, with each match in [[ ]]


# --- source add -------------------------------------------------------------------------------


def add_source(path: Path, data_dir: Path, sources_dir: Path) -> AddedSource:
    """Copy ``path`` into ``sources_dir`` and append its row to the package's sources table."""
    csv_path, fields = _sources_table(data_dir)
    header, rows = _read_table(csv_path)
    missing = [c for c in FILLED_BY_ADD if c not in header]
    if missing:
        raise SourceError(f"{csv_path} has no column {missing[0]!r}; fix its header first "
                          "(python -m briefbook validate says how).")
    if not sources_dir.is_dir():
        raise SourceError(f"The sources folder {sources_dir} does not exist.")

    paragraphs = _read_new_text(path)
    digest = sha256_of(path)
    name = path.name
    for row in rows:
        if row.get("sha256") == digest:
            raise SourceError(f"{path} has the same content as {row.get('source_id')} "
                              f"({row.get('file')}), which is already registered.")
    for row in rows:
        if row.get("file") == name:
            raise SourceError(f"{csv_path} already lists a file named {name!r} (as "
                              f"{row.get('source_id')}); rename the new text.")
    target = sources_dir / name
    if target.exists():
        raise SourceError(f"A file named {name!r} is already in {sources_dir}; rename the new "
                          "text, or move that file out of the folder first if it is this one.")

    source_id = new_source_id(name, {row.get("source_id", "") for row in rows})
    row = dict.fromkeys(header, "")
    row.update(source_id=source_id, file=name, sha256=digest, paragraphs=str(len(paragraphs)))
    try:
        copy = target.open("xb")  # "x": never overwrite a file that appeared meanwhile
    except OSError as exc:
        message = f"Could not create {target} ({exc.strerror}); nothing was added."
        raise SourceError(message) from None
    try:
        with path.open("rb") as source, copy:
            shutil.copyfileobj(source, copy)
        if sha256_of(target) != digest:
            raise SourceError(f"{path} changed while it was being copied; try again.")
        _append_row(csv_path, header, row)
    except BaseException as exc:
        target.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            message = f"Could not add {name} ({exc.strerror}); nothing was added."
            raise SourceError(message) from None
        raise

    required = {f["name"] for f in fields if f.get("constraints", {}).get("required")}
    to_fill = [c for c in header if c not in FILLED_BY_ADD]
    return AddedSource(
        source_id=source_id,
        file=name,
        copied_to=str(target),
        sha256=digest,
        paragraphs=paragraphs,
        sources_csv=display_path(csv_path.parent, csv_path.name),
        line=len(rows) + 2,  # the header is line 1; as the validator counts rows
        required=[c for c in to_fill if c in required],
        optional=[c for c in to_fill if c not in required],
    )


def new_source_id(file_name: str, taken: set[str]) -> str:
    """``s`` + the file's three-digit prefix when free, else the next id after the highest."""
    match = FILE_NUMBER.match(file_name)
    if match and f"s{match[1]}" not in taken:
        return f"s{match[1]}"
    numbers = [int(m[1]) for m in map(SOURCE_ID.match, taken) if m]
    number = max(numbers) + 1 if numbers else 0
    if number > 999:
        raise SourceError("Every source id up to s999 is taken; sources.csv has no free id.")
    return f"s{number:03d}"


def _read_new_text(path: Path) -> list[str]:
    """The paragraphs of the text to add, or a refusal saying why it cannot be a source."""
    if not path.exists():
        raise SourceError(f"{path} does not exist.")
    if not path.is_file():
        raise SourceError(f"{path} is not a file: give the path of a text file.")
    try:
        paragraphs = read_paragraphs(path)
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise SourceError(f"{path} is not UTF-8 (byte 0x{exc.object[exc.start]:02x} on line "
                          f"{line}): save it as UTF-8 and add it again.") from None
    except OSError as exc:
        raise SourceError(f"{path} cannot be read ({exc.strerror}).") from None
    if not paragraphs:
        state = "is empty" if path.stat().st_size == 0 else "has only blank lines"
        raise SourceError(f"{path} {state}: a source needs at least one paragraph "
                          "(one paragraph per non-empty line).")
    return paragraphs


def _append_row(csv_path: Path, header: list[str], row: dict[str, str]) -> None:
    """Append one row in the file's own dialect, leaving every existing byte as it was."""
    raw = csv_path.read_bytes()
    newline = "\r\n" if raw.split(b"\n", 1)[0].endswith(b"\r") else "\n"
    out = io.StringIO()
    csv.DictWriter(out, fieldnames=header, lineterminator=newline).writerow(row)
    text = out.getvalue() if raw.endswith(b"\n") else newline + out.getvalue()
    with csv_path.open("a", encoding="utf-8", newline="") as handle:
        handle.write(text)


# --- locate -----------------------------------------------------------------------------------


def locate(words: str, sources_dir: Path, data_dir: Path) -> tuple[list[Hit], list[str]]:
    """Every paragraph holding ``words``, and notes on texts that could not be searched."""
    pattern = search_pattern(words)
    if not sources_dir.is_dir():
        raise SourceError(f"The sources folder {sources_dir} does not exist.")
    csv_path, _ = _sources_table(data_dir)
    _, rows = _read_table(csv_path)
    ids = {row.get("file", ""): row.get("source_id", "") for row in rows}

    names = {p.name for p in sources_dir.glob("*.txt") if p.is_file()}
    notes = [f"{ids[f]}'s text {f} is missing from {sources_dir}."
             for f in sorted(ids) if f and not (sources_dir / f).is_file()]
    names |= {f for f in ids if f and (sources_dir / f).is_file()}
    hits = []
    for name in sorted(names):
        try:
            paragraphs = read_paragraphs(sources_dir / name)
        except (UnicodeDecodeError, OSError):
            notes.append(f"{name} was not searched: it cannot be read as UTF-8 text.")
            continue
        for number, text in enumerate(paragraphs, start=1):
            if pattern.search(text):
                hits.append(Hit(ids.get(name), name, number, mark(text, pattern)))
    return hits, notes


def search_pattern(words: str) -> re.Pattern[str]:
    """Case-insensitive; any run of whitespace matches any other; quotes match their kin."""
    tokens = words.split()
    if not tokens:
        raise SourceError('There are no words to locate: give a few, e.g. python -m briefbook '
                          'locate "last month".')
    classes = {c: "[" + re.escape(APOSTROPHES) + "]" for c in APOSTROPHES}
    classes |= {c: "[" + re.escape(DOUBLE_QUOTES) + "]" for c in DOUBLE_QUOTES}
    parts = ["".join(classes.get(c, re.escape(c)) for c in token) for token in tokens]
    return re.compile(r"\s+".join(parts), re.IGNORECASE)


def mark(text: str, pattern: re.Pattern[str]) -> str:
    """The text with each match in [[ ]], cut to about SNIPPET_CHARS around the first match."""
    matches = list(pattern.finditer(text))
    start, end = 0, len(text)
    if len(text) > SNIPPET_CHARS and matches:
        first = matches[0]
        room = max(SNIPPET_CHARS - len(first[0]), 0)
        start = max(first.start() - room // 2, 0)
        end = min(max(start + SNIPPET_CHARS, first.end()), len(text))
        start = max(min(start, end - SNIPPET_CHARS), 0)
        # Cut between words, never inside the first match.
        if start > 0 and (space := text.find(" ", start, first.start())) != -1:
            start = space + 1
        if end < len(text) and (space := text.rfind(" ", first.end(), end)) != -1:
            end = space
    pieces, position = [], start
    for match in matches:
        if match.start() >= position and match.end() <= end:
            pieces += [text[position : match.start()], "[[", match[0], "]]"]
            position = match.end()
    pieces.append(text[position:end])
    return ("…" if start > 0 else "") + "".join(pieces) + ("…" if end < len(text) else "")


# --- the sources table ------------------------------------------------------------------------


def _sources_table(data_dir: Path) -> tuple[Path, list[dict]]:
    """The sources table's path and schema fields, as ``datapackage.json`` declares them."""
    descriptor_path = data_dir / DATAPACKAGE_NAME
    try:
        descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
        resource = next(r for r in descriptor["resources"] if r["name"] == "sources")
        return data_dir / resource["path"], resource["schema"]["fields"]
    except FileNotFoundError:
        raise SourceError(f"There is no data package in {data_dir} "
                          f"({DATAPACKAGE_NAME} is missing).") from None
    except (OSError, ValueError, KeyError, TypeError, StopIteration):
        raise SourceError(f"{descriptor_path} does not declare a readable 'sources' table; "
                          "run python -m briefbook validate.") from None


def _read_table(csv_path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The header and rows of the sources table."""
    try:
        with csv_path.open(encoding="utf-8-sig", newline="") as handle:
            records = list(csv.reader(handle))
    except FileNotFoundError:
        raise SourceError(f"{csv_path} is missing.") from None
    except (OSError, UnicodeDecodeError, csv.Error):
        raise SourceError(f"{csv_path} cannot be read; run python -m briefbook validate to see "
                          "why.") from None
    if not records:
        raise SourceError(f"{csv_path} has no header row; run python -m briefbook validate.")
    header = records[0]
    return header, [dict(zip(header, record, strict=False)) for record in records[1:]]
