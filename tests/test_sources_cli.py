"""``source add`` and ``locate``, run as a user would, on temporary copies of data/ and the seeds.

``source add`` appends one row to sources.csv (every existing byte kept), copies the text in and
prints its paragraphs; the validator then names each field the analyst has still to fill. Every
refusal exits 1 with one sentence and changes nothing. ``locate`` finds words across case,
spacing and curly or straight quotes, and says so when nothing holds them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from briefbook import config
from briefbook.sources import SNIPPET_CHARS, new_source_id
from tests.conftest import PROJECT, run_cli

FIXTURE = PROJECT / "tests" / "fixtures" / "sources" / "010_fixture_report.txt"
REQUIRED = ["title", "kind", "identity_basis", "published", "published_basis", "reliability",
            "reliability_rationale"]
FILLED = {
    "title": "Test fixture: an invented library opening",
    "kind": "news report",
    "identity_basis": "Invented for the tests; it names no outlet or author.",
    "published": "2025-10",
    "published_basis": "Invented for the tests.",
    "reliability": "F",
    "reliability_rationale": "Rule R1: names neither outlet nor author (a test fixture).",
}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m briefbook ARGS`` from the project folder, importing this checkout."""
    path = os.pathsep.join(p for p in (str(PROJECT), os.environ.get("PYTHONPATH")) if p)
    return run_cli(*args, timeout=120, env={"PYTHONPATH": path})


def copy_package(into: Path) -> tuple[Path, Path]:
    """Writable copies of data/ and the seeds folder."""
    data, seeds = into / "data", into / "seeds"
    shutil.copytree(config.DATA_DIR, data)
    shutil.copytree(config.SOURCES_DIR, seeds)
    for folder in (data, seeds):
        folder.chmod(0o755)  # the seeds are checked out read-only
    return data, seeds


def snapshot(*folders: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for folder in folders for p in sorted(folder.rglob("*"))
            if p.is_file()}


def paragraphs_of(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def one_sentence(stream: str) -> str:
    lines = stream.splitlines()
    assert len(lines) == 1, stream
    assert lines[0].endswith("."), lines[0]
    return lines[0]


@pytest.fixture
def package(tmp_path: Path) -> tuple[Path, Path]:
    return copy_package(tmp_path)


@pytest.fixture(scope="module")
def seeds_package(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One copy for the locate tests, which only read it."""
    return copy_package(tmp_path_factory.mktemp("locate"))


# --- source add -------------------------------------------------------------------------------


def test_add_appends_the_row_copies_the_text_and_prints_its_paragraphs(
    package: tuple[Path, Path],
) -> None:
    data, seeds = package
    sources_csv = data / "sources.csv"
    before = sources_csv.read_bytes()
    digest = hashlib.sha256(FIXTURE.read_bytes()).hexdigest()

    done = cli("source", "add", str(FIXTURE), "--data", str(data), "--sources", str(seeds))

    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    after = sources_csv.read_bytes()
    assert after.startswith(before)
    row = f"s010,010_fixture_report.txt,{digest},4,,,,,,,,,\n"
    assert after[len(before):].decode("utf-8") == row
    assert (seeds / FIXTURE.name).read_bytes() == FIXTURE.read_bytes()

    out = done.stdout
    assert "s010" in out.splitlines()[0]
    assert digest in out
    assert "paragraphs: 4" in out
    line = before.count(b"\n") + 1
    assert f"sources.csv line {line}: {', '.join(REQUIRED)}." in out
    assert "Also outlet, author, where the text names them." in out
    numbered = [text for text in out.splitlines() if text.startswith("¶")]
    assert numbered == [f"¶{n} {p}" for n, p in enumerate(paragraphs_of(FIXTURE), start=1)]


def test_validator_names_each_unfilled_field_until_it_is_filled(
    package: tuple[Path, Path],
) -> None:
    data, seeds = package
    sources_csv = data / "sources.csv"
    line = sources_csv.read_bytes().count(b"\n") + 1
    added = cli("source", "add", str(FIXTURE), "--data", str(data), "--sources", str(seeds))
    assert added.returncode == 0, added.stderr

    def validate() -> subprocess.CompletedProcess[str]:
        return cli("validate", "--data", str(data), "--sources", str(seeds))

    def named(done: subprocess.CompletedProcess[str]) -> list[str]:
        place = f"{sources_csv}:{line}: "
        assert all(p.startswith(place) for p in done.stdout.splitlines()), done.stdout
        return sorted(p[len(place):].split(":")[0] for p in done.stdout.splitlines())

    done = validate()
    assert done.returncode == 1
    assert named(done) == sorted(REQUIRED)
    assert "is empty, but the column is required" in done.stdout

    fill(sources_csv, {k: v for k, v in FILLED.items() if k != "reliability"})
    done = validate()
    assert done.returncode == 1
    assert named(done) == ["reliability"]

    fill(sources_csv, FILLED)
    done = validate()
    assert done.returncode == 0, done.stdout + done.stderr


def fill(sources_csv: Path, values: dict[str, str]) -> None:
    """Fill cells of the last row, as the analyst would in a spreadsheet."""
    rows = list(csv.reader(io.StringIO(sources_csv.read_text(encoding="utf-8"), newline="")))
    for column, value in values.items():
        rows[-1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    sources_csv.write_text(out.getvalue(), encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "taken", "expected"),
    [
        ("010_report.txt", {"s000", "s002", "s004"}, "s010"),
        ("001_report.txt", {"s000", "s002", "s004"}, "s001"),
        ("002_other.txt", {"s000", "s002", "s004"}, "s005"),  # s002 is taken
        ("report.txt", {"s000", "s002", "s004"}, "s005"),
        ("12_report.txt", {"s000", "s002", "s004"}, "s005"),
        ("0123report.txt", {"s000", "s002", "s004"}, "s005"),
        ("report.txt", set(), "s000"),
    ],
)
def test_new_source_id(name: str, taken: set[str], expected: str) -> None:
    assert new_source_id(name, taken) == expected


def test_a_name_without_a_number_gets_the_next_free_id(
    package: tuple[Path, Path], tmp_path: Path
) -> None:
    data, seeds = package
    text = tmp_path / "fixture_report.txt"
    shutil.copyfile(FIXTURE, text)
    done = cli("source", "add", str(text), "--data", str(data), "--sources", str(seeds))
    assert done.returncode == 0, done.stderr
    last = (data / "sources.csv").read_text(encoding="utf-8").splitlines()[-1]
    assert last.startswith("s005,fixture_report.txt,")


@pytest.mark.parametrize("ending", ["crlf", "no final newline"])
def test_add_keeps_the_files_own_line_endings(
    package: tuple[Path, Path], ending: str
) -> None:
    data, seeds = package
    sources_csv = data / "sources.csv"
    raw = sources_csv.read_bytes()
    raw = raw.replace(b"\n", b"\r\n") if ending == "crlf" else raw.rstrip(b"\n")
    sources_csv.write_bytes(raw)
    done = cli("source", "add", str(FIXTURE), "--data", str(data), "--sources", str(seeds))
    assert done.returncode == 0, done.stderr
    after = sources_csv.read_bytes()
    assert after.startswith(raw)
    newline = b"\r\n" if ending == "crlf" else b"\n"
    tail = after[len(raw):]
    if ending == "no final newline":
        assert tail.startswith(newline)
        tail = tail[len(newline):]
    assert tail.startswith(b"s010,") and tail.endswith(b",,,,,,,,," + newline)
    assert tail.count(b"\n") == 1


def _same_content(data: Path, seeds: Path, tmp: Path) -> Path:
    path = tmp / "012_copy.txt"
    shutil.copyfile(seeds / "004_28401c042c24e544.txt", path)
    return path


def _name_in_folder(data: Path, seeds: Path, tmp: Path) -> Path:
    (seeds / FIXTURE.name).write_text("An unregistered test text of the same name.\n", "utf-8")
    return FIXTURE


def _name_in_sources_csv(data: Path, seeds: Path, tmp: Path) -> Path:
    (seeds / "002_9dd86669bea6f94b.txt").unlink()  # registered, but gone from the folder
    path = tmp / "002_9dd86669bea6f94b.txt"
    path.write_text("A different test text under a registered name.\n", "utf-8")
    return path


def _empty(data: Path, seeds: Path, tmp: Path) -> Path:
    path = tmp / "011_empty.txt"
    path.write_bytes(b"")
    return path


def _blank_lines(data: Path, seeds: Path, tmp: Path) -> Path:
    path = tmp / "011_blank.txt"
    path.write_bytes(b"\n  \n\t\n")
    return path


def _not_utf8(data: Path, seeds: Path, tmp: Path) -> Path:
    path = tmp / "011_latin1.txt"
    path.write_bytes("A test text in Latin-1.\nCaf\u00e9 society.\n".encode("latin-1"))
    return path


def _missing(data: Path, seeds: Path, tmp: Path) -> Path:
    return tmp / "011_not_there.txt"


@pytest.mark.parametrize(
    ("prepare", "says"),
    [
        (_same_content, "has the same content as s004 (004_28401c042c24e544.txt)"),
        (_name_in_folder, "is already in"),
        (_name_in_sources_csv, "already lists a file named '002_9dd86669bea6f94b.txt' (as s002)"),
        (_empty, "is empty"),
        (_blank_lines, "has only blank lines"),
        (_not_utf8, "is not UTF-8 (byte 0xe9 on line 2)"),
        (_missing, "does not exist"),
    ],
    ids=["same-content", "name-in-folder", "name-in-sources-csv", "empty", "blank-lines",
         "not-utf8", "missing"],
)
def test_add_refuses_with_one_sentence_and_changes_nothing(
    package: tuple[Path, Path],
    tmp_path: Path,
    prepare: Callable[[Path, Path, Path], Path],
    says: str,
) -> None:
    data, seeds = package
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    path = prepare(data, seeds, incoming)
    before = snapshot(data, seeds)

    done = cli("source", "add", str(path), "--data", str(data), "--sources", str(seeds))

    assert done.returncode == 1
    assert done.stdout == ""
    message = one_sentence(done.stderr)
    assert message.startswith("briefbook: ")
    assert says in message
    assert "Traceback" not in done.stderr
    assert snapshot(data, seeds) == before


# --- locate -----------------------------------------------------------------------------------


def hits(stdout: str) -> list[str]:
    """The header line of each block: ``s004 ¶27 (file)``."""
    return [line for line in stdout.splitlines() if " ¶" in line and line.endswith(")")]


@pytest.mark.parametrize(
    ("words", "found", "marked"),
    [
        ("namely India", ["s002 ¶6 (002_9dd86669bea6f94b.txt)"], "[[namely India]]"),
        ("last month", ["s004 ¶27 (004_28401c042c24e544.txt)"], "[[last month]]"),
        ("LAST \t  Month", ["s004 ¶27 (004_28401c042c24e544.txt)"], "[[last month]]"),
        (
            "Countering America's Adversaries",  # the texts have a typographic ’
            ["s002 ¶2 (002_9dd86669bea6f94b.txt)", "s004 ¶8 (004_28401c042c24e544.txt)"],
            "[[Countering America’s Adversaries]]",
        ),
    ],
)
def test_locate_finds_words_in_the_seeds(
    seeds_package: tuple[Path, Path], words: str, found: list[str], marked: str
) -> None:
    data, seeds = seeds_package
    done = cli("locate", words, "--data", str(data), "--sources", str(seeds))
    assert done.returncode == 0, done.stderr
    assert hits(done.stdout) == found
    assert marked in done.stdout


def test_locate_shortens_a_long_paragraph_around_the_match(
    seeds_package: tuple[Path, Path],
) -> None:
    data, seeds = seeds_package
    paragraph = paragraphs_of(seeds / "002_9dd86669bea6f94b.txt")[5]
    assert len(paragraph) > SNIPPET_CHARS
    done = cli("locate", "namely India", "--data", str(data), "--sources", str(seeds))
    shown = done.stdout.splitlines()[1]
    assert shown.endswith("…")
    assert len(shown) <= SNIPPET_CHARS + len("……[[]]")
    assert shown.replace("[[", "").replace("]]", "").rstrip("…") in paragraph


def test_locate_shows_an_unregistered_text_by_its_file_name(
    package: tuple[Path, Path],
) -> None:
    data, seeds = package
    shutil.copyfile(FIXTURE, seeds / FIXTURE.name)
    done = cli("locate", "briefbook’s tests", "--data", str(data), "--sources", str(seeds))
    assert done.returncode == 0, done.stderr
    assert hits(done.stdout) == ["010_fixture_report.txt ¶1 (not registered)"]
    assert "[[briefbook's tests]]" in done.stdout  # the fixture has a straight apostrophe

    done = cli("locate", '"a room for everyone"', "--data", str(data), "--sources", str(seeds))
    assert hits(done.stdout) == ["010_fixture_report.txt ¶3 (not registered)"]
    assert "[[“a room for everyone”]]" in done.stdout


def test_locate_says_when_nothing_holds_the_words(seeds_package: tuple[Path, Path]) -> None:
    data, seeds = seeds_package
    done = cli("locate", "purple elephants", "--data", str(data), "--sources", str(seeds))
    assert done.returncode == 1
    assert done.stdout == ""
    assert "No paragraph" in one_sentence(done.stderr)


@pytest.mark.parametrize("words", ["", "   "])
def test_locate_refuses_an_empty_query(seeds_package: tuple[Path, Path], words: str) -> None:
    data, seeds = seeds_package
    done = cli("locate", words, "--data", str(data), "--sources", str(seeds))
    assert done.returncode == 1
    assert done.stdout == ""
    assert "no words to locate" in one_sentence(done.stderr)


@pytest.mark.parametrize("command", [["source", "add"], ["locate"]])
def test_help_gives_an_example(command: list[str]) -> None:
    done = cli(*command, "--help")
    assert done.returncode == 0
    example = done.stdout.split("example:", 1)[1]
    assert f"python -m briefbook {' '.join(command)} " in example
