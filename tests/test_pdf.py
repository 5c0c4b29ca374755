"""``python -m briefbook pdf``: the briefs and the book printed by a real headless Chromium.

One real build (the session fixture ``built_briefs``), copied and printed once for this module;
the PDFs are read back with pypdf (pages, text, outline, links) and a page with a chart is
rendered by poppler's ``pdftoppm`` and looked at pixel by pixel, as a reader would. A second print
of the same briefs in another folder must give byte-identical files.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from briefbook.pdf import BOOK, MARGIN_BOTTOM_MM, MARGIN_TOP_MM, PDF_DIR
from tests.conftest import IN_CI, PROJECT, require_chromium, run_cli

pytestmark = pytest.mark.browser

pypdf = pytest.importorskip("pypdf")

BRIEFS = [entry["name"] for entry in
          json.loads((PROJECT / "manifest.json").read_text(encoding="utf-8"))["briefs"]]
with (PROJECT / "data" / "editions.csv").open(encoding="utf-8") as _f:
    LATEST = list(csv.DictReader(_f))[-1]
RUNNING = f"Edition {LATEST['edition']} · as of {LATEST['as_of']}"
AXIS_TITLE = "Date (bars span the uncertainty of a date)"
A4 = (595.92, 842.88)  # points
PT = 72 / 25.4  # points per mm


def _copy_briefs(built: Path, to: Path) -> Path:
    """The built HTML briefs and index, alone in a fresh folder (nothing else is printed)."""
    to.mkdir()
    for page in built.glob("*.html"):
        shutil.copy2(page, to / page.name)
    return to


def _print(folder: Path) -> subprocess.CompletedProcess[str]:
    done = run_cli("pdf", "--out", str(folder), timeout=900)
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def printed(built_briefs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every brief and the book, printed once: the folder holding ``NAME.pdf`` and book.pdf."""
    require_chromium()
    folder = _copy_briefs(built_briefs, tmp_path_factory.mktemp("print") / "briefs")
    _print(folder)
    return folder / PDF_DIR


def _words(text: str) -> str:
    """Text as a reader reads it: ligatures (ﬀ, ﬁ) undone, any run of space made one."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _text(page: Any) -> str:
    return _words(page.extract_text())


def _read(printed: Path, name: str) -> Any:
    return pypdf.PdfReader(printed / f"{name}.pdf")


def _top_outline(reader: Any) -> list[tuple[str, int]]:
    """The outline's top-level items: title and page number (from 1)."""
    return [(item.title, reader.get_destination_page_number(item) + 1)
            for item in reader.outline if not isinstance(item, list)]


def _outline_titles(items: list[Any]) -> list[str]:
    out: list[str] = []
    for item in items:
        out += _outline_titles(item) if isinstance(item, list) else [item.title]
    return out


# --- pages, running title, page numbers ---------------------------------------------------------

def test_every_brief_and_the_book_are_printed(printed: Path) -> None:
    assert sorted(p.stem for p in printed.glob("*.pdf")) == sorted([*BRIEFS, BOOK])
    pages = {name: len(_read(printed, name).pages) for name in [*BRIEFS, BOOK]}
    assert all(pages[name] >= 5 for name in BRIEFS), pages
    # The book is the index (one page or more) followed by every brief, page for page.
    assert pages[BOOK] > sum(pages[name] for name in BRIEFS), pages


@pytest.mark.parametrize("name", [*BRIEFS, BOOK])
def test_every_page_has_its_running_title_and_number(printed: Path, name: str) -> None:
    reader = _read(printed, name)
    assert all(float(v) == pytest.approx(a, abs=1)
               for v, a in zip(reader.pages[0].mediabox[2:], A4, strict=True)), "A4 by default"
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, 1):
        text = _text(page)
        assert RUNNING in text, f"{name} page {number}: no running title"
        if name != BOOK:  # the book numbers each of its parts: checked with the outline
            assert f"page {number} of {total}" in text, f"{name} page {number}: no page number"


# --- text ----------------------------------------------------------------------------------------

def test_the_pdf_holds_the_bottom_line_a_citation_and_an_axis_title(
        printed: Path, built_briefs: Path) -> None:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup((built_briefs / "overview.html").read_text(encoding="utf-8"),
                         "html.parser")
    judgment = soup.select_one(".bb-judgment-text strong")
    cite = soup.select_one(".bb-judgment a.bb-cite")
    assert judgment is not None and cite is not None
    text = " ".join(_text(page) for page in _read(printed, "overview").pages)
    assert _words(judgment.get_text()) in text, "the bottom line is not in the PDF"
    assert _words(cite.get_text()) in text, "the first judgment's citation is not in the PDF"
    assert AXIS_TITLE in text, "the timeline's axis title is not in the PDF (chart as text)"


def _last_line(page: Any) -> str:
    """The lowest line of a page's body (between the running title and the page number)."""
    top, bottom = float(page.mediabox.top) - MARGIN_TOP_MM * PT, MARGIN_BOTTOM_MM * PT
    lines: dict[int, list[str]] = {}

    def visit(text: str, cm: list[float], tm: list[float], *_: Any) -> None:
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        if _words(text) and bottom < y < top:
            lines.setdefault(round(y), []).append(_words(text))

    page.extract_text(visitor_text=visit)
    return " ".join(lines[min(lines)]) if lines else ""


def test_no_heading_is_left_alone_at_the_foot_of_a_page(printed: Path) -> None:
    for name in BRIEFS:
        reader = _read(printed, name)
        headings = {_words(t) for t in _outline_titles(reader.outline)}
        for number, page in enumerate(reader.pages[:-1], 1):
            last = _last_line(page)
            # A heading, or its first lines when it wraps, is never a page's last line.
            assert last and not any(h.startswith(last) for h in headings), (
                f"{name} page {number} ends with a heading: {last!r}")


# --- outline and links ---------------------------------------------------------------------------

def test_outline_from_the_headings(printed: Path) -> None:
    overview = _read(printed, "overview")
    titles = _outline_titles(overview.outline)
    assert {"Bottom line", "Timeline", "Claims ledger", "Sources"} <= set(titles), titles
    book = _read(printed, BOOK)
    top = _top_outline(book)
    assert [t for t, _ in top[1:]] == [_read(printed, n).metadata.title for n in BRIEFS]
    starts = [page for _, page in top]
    assert starts[0] == 1 and starts == sorted(starts), "parts in manifest order"
    assert [b - a for a, b in zip(starts[1:], [*starts[2:], len(book.pages) + 1],
                                  strict=True)] == [len(_read(printed, n).pages) for n in BRIEFS]


def _links(reader: Any) -> list[tuple[int, Any]]:
    """Every link annotation: (page index, annotation)."""
    return [(n, annot.get_object()) for n, page in enumerate(reader.pages)
            for annot in page.get("/Annots", []) if annot.get_object()["/Subtype"] == "/Link"]


def _target(reader: Any, annot: Any) -> int | None:
    """The page index an internal link goes to, None for any other link."""
    dest = annot.get("/Dest")
    if dest is None and annot.get("/A", {}).get("/S") == "/GoTo":
        dest = annot["/A"]["/D"]
    return reader.get_page_number(dest[0].get_object()) if dest is not None else None


@pytest.mark.parametrize("name", [*BRIEFS, BOOK])
def test_links_work_inside_the_pdf(printed: Path, name: str) -> None:
    reader = _read(printed, name)
    links = _links(reader)
    for number, annot in links:
        action = annot.get("/A", {})
        uri = str(action.get("/URI", ""))
        assert not uri.startswith("file:"), f"{name} page {number + 1}: a link to {uri}"
        assert "/Dest" in annot or action.get("/S") in {"/GoTo", "/GoToR", "/URI"}
        if "/Dest" in annot or action.get("/S") == "/GoTo":
            assert _target(reader, annot) is not None
    internal = [a for _, a in links if "/Dest" in a]
    assert len(internal) > 20, f"{name}: only {len(internal)} internal links"
    if name == BOOK:
        return
    # Each goes where its anchor is in the brief: the page and height of an HTML id, and a
    # citation [s004 ¶2] to the page listing s004's paragraph 2.
    anchors = {str(key)[1:]: dest for key, dest in reader.root_object["/Dests"].items()}
    places = {(reader.get_page_number(d[0].get_object()), float(d[3])) for d in anchors.values()}
    for annot in internal:
        dest = annot["/Dest"]
        assert (_target(reader, annot), float(dest[3])) in places, f"{name}: a link to nowhere"
    cited = next(m for key in anchors if (m := re.fullmatch(r"src-s\d+-p(\d+)", key)))
    page = reader.pages[reader.get_page_number(anchors[cited.group()][0])]
    assert f"¶{cited.group(1)}" in _text(page), f"{name}: {cited.group()} is not on its page"


def test_book_links_go_to_the_briefs(printed: Path) -> None:
    book = _read(printed, BOOK)
    starts = {title: page - 1 for title, page in _top_outline(book)}
    index_pages = min(p for t, p in starts.items() if p > 0)
    to_briefs = {_target(book, a) for n, a in _links(book)
                 if n < index_pages and a.get("/A", {}).get("/S") == "/GoTo"}
    assert to_briefs == set(list(starts.values())[1:]), "the index links each brief's first page"
    remote = {str(a["/A"]["/F"]) for _, a in _links(_read(printed, "overview"))
              if a.get("/A", {}).get("/S") == "/GoToR"}
    assert remote and remote <= {f"{n}.pdf" for n in BRIEFS}, remote


# --- reproducible --------------------------------------------------------------------------------

def test_the_same_briefs_print_to_the_same_bytes(printed: Path, tmp_path: Path) -> None:
    again = _copy_briefs(printed.parent, tmp_path / "elsewhere")
    _print(again)
    for name in [*BRIEFS, BOOK]:
        first, second = (printed / f"{name}.pdf").read_bytes(), (again / PDF_DIR / f"{name}.pdf")
        assert first == second.read_bytes(), f"{name}.pdf differs on a second print"
    metadata = _read(printed, BOOK).metadata
    assert "/CreationDate" not in metadata and "/ModDate" not in metadata


# --- as a reader sees it -------------------------------------------------------------------------

def _pdftoppm() -> str:
    found = shutil.which("pdftoppm")
    if found:
        return found
    message = "poppler's pdftoppm is not installed: `apt-get install poppler-utils`"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def _pixels(ppm: bytes) -> tuple[int, int, bytes]:
    """Width, height and RGB bytes of a binary PPM (P6, 8 bits) as pdftoppm writes it."""
    fields = ppm.split(maxsplit=4)
    assert fields[0] == b"P6" and fields[3] == b"255", "not an 8-bit P6 PPM"
    return int(fields[1]), int(fields[2]), fields[4]


def test_a_page_with_a_chart_reads_as_a_chart(printed: Path) -> None:
    tool = _pdftoppm()
    reader = _read(printed, "overview")
    number = next(n for n, page in enumerate(reader.pages, 1) if AXIS_TITLE in _text(page))
    artefacts = PROJECT / "test-artefacts" / "pdf"
    artefacts.mkdir(parents=True, exist_ok=True)
    args = [tool, "-r", "60", "-f", str(number), "-l", str(number), "-singlefile"]
    subprocess.run([*args, "-png", str(printed / "overview.pdf"),
                    str(artefacts / "overview-chart")], check=True, timeout=120)
    assert (artefacts / "overview-chart.png").stat().st_size > 10_000
    ppm = subprocess.run([*args, str(printed / "overview.pdf")], check=True, timeout=120,
                         capture_output=True).stdout
    width, height, rgb = _pixels(ppm)

    def pixel(x: int, y: int) -> tuple[int, int, int]:
        i = 3 * (y * width + x)
        return rgb[i], rgb[i + 1], rgb[i + 2]

    ink = sum(min(pixel(x, y)) < 200 for y in range(height) for x in range(width))
    # A status colour (the chart's bars and legend), not the grey of text and gridlines.
    bars = [(x, y) for y in range(height) for x in range(width)
            if max(pixel(x, y)) - min(pixel(x, y)) > 60]
    assert ink > 0.02 * width * height, "the page is blank"
    assert len(bars) > 0.005 * width * height, "no chart bars drawn"
    # Across the bars' rows, the chart (event labels to the as-of line) spans the text width.
    top, bottom = min(y for _, y in bars), max(y for _, y in bars)
    drawn = [x for y in range(top, bottom + 1) for x in range(width) if min(pixel(x, y)) < 200]
    assert max(drawn) - min(drawn) > 0.6 * width, "the chart is not drawn at the page width"


# --- without Chromium ----------------------------------------------------------------------------

def test_without_chromium_one_line_says_how_to_install_it(tmp_path: Path) -> None:
    done = run_cli("pdf", "--out", str(tmp_path), env={"BRIEFBOOK_CHROMIUM": str(tmp_path / "no")})
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "apt-get install chromium" in lines[0], done.stderr


def test_building_briefs_never_needs_chromium() -> None:
    code = ("import sys, briefbook.cli, briefbook.build; "
            "sys.exit(bool({'playwright', 'pypdf'} & set(sys.modules)))")
    assert subprocess.run([sys.executable, "-c", code], cwd=PROJECT, timeout=120).returncode == 0
