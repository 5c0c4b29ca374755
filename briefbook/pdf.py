"""Print the briefs to PDF through headless Chromium: one PDF per brief, and the whole book.

``python -m briefbook pdf [--edition N] [--paper a4|letter]`` opens each built brief (and the
index) from ``file://`` in Debian's Chromium, waits for its plotly figures, redraws them at the
printable width and prints it with a running title (the brief's title, edition and as-of date,
read from the brief itself) and "page X of Y". Then, with pypdf:

* links are made to work inside the PDF: a citation's named destination becomes an explicit one,
  a link to another brief goes to that brief's PDF (``NAME.pdf``) or, in ``book.pdf``, to its
  place in the book; other local links become relative to the PDF;
* the outline (Chromium's, from the headings) keeps the headings' own words;
* the creation date is dropped and the file ID derived from the content, so the same briefs give
  byte-identical PDFs.

``briefs/pdf/NAME.pdf`` per brief, ``briefs/pdf/book.pdf`` for the index then every brief in
manifest order (``briefs/editions/N/pdf/`` for edition N). Playwright and pypdf are imported only
here, so building briefs never needs Chromium.
"""

from __future__ import annotations

import hashlib
import html
import io
import os
import re
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup

from briefbook import config
from briefbook.atomic import write_bytes_atomic
from briefbook.exceptions import BriefbookError
from briefbook.manifest import read_manifest

__all__ = ["CHROMIUM_ARGS", "PAPERS", "ChromiumMissing", "PdfReport", "chromium_path",
           "print_pdfs"]

PDF_DIR = "pdf"
BOOK = "book"
INSTALL_HINT = "apt-get install chromium"
# Headless Chromium as this machine allows it: no sandbox as root, and no background traffic to
# Google's services (the network is closed; those connections would only fail noisily).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
# Paper width in mm and Chromium's format name. The side margins leave 180 mm (680 CSS px, the
# width the brief's own print script redraws figures at) on either paper.
PAPERS = {"a4": (210.0, "A4"), "letter": (215.9, "Letter")}
TEXT_WIDTH_MM = 180.0
MARGIN_TOP_MM, MARGIN_BOTTOM_MM = 16.0, 14.0
MM_PER_PX = 25.4 / 96
DATES = ("/CreationDate", "/ModDate")
PAGE_CSS = "@page {{ margin: {top}mm {side}mm {bottom}mm; }}"

FIGURES_DRAWN = """() => [...document.querySelectorAll('.bb-figure')]
    .every(div => div.querySelector('.main-svg') !== null)"""
# Redraw every figure at the printable width (print media already on) and wait until drawn.
# Responsive figures also redraw on window resizes, which printing can cause at any moment: their
# handlers are removed and autosize turned off, so nothing redraws while page.pdf lays out pages.
FIGURES_AT = """width => Promise.all([...document.querySelectorAll('.bb-figure.js-plotly-plot')]
    .map(gd => {
        if (gd._responsiveChartHandler) {
            window.removeEventListener('resize', gd._responsiveChartHandler);
            delete gd._responsiveChartHandler;
        }
        return Plotly.relayout(gd, {width: width, autosize: false});
    }))"""
# The brief's own print script redraws figures on beforeprint/afterprint, asynchronously: while
# page.pdf prints, a redraw could still be running. We have already drawn them at print width, so
# those handlers are stopped (capturing listeners at the target run first in Chromium).
QUIET_PRINT = """() => ['beforeprint', 'afterprint'].forEach(kind =>
    window.addEventListener(kind, event => event.stopImmediatePropagation(), true))"""
# Fonts loaded and two frames painted: the layout page.pdf sees is final.
SETTLED = """() => document.fonts.ready.then(() => new Promise(done =>
    requestAnimationFrame(() => requestAnimationFrame(done))))"""
# On paper nothing can be unfolded: show what <details> hide.
OPEN_DETAILS = "() => document.querySelectorAll('details').forEach(d => { d.open = true; })"
HEADINGS = """() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
    .map(h => h.textContent.replace(/\\s+/g, ' ').trim())"""
HEADER = (
    '<div style="font: 7.5pt system-ui, sans-serif; color: #5b6570; width: 100%; '
    'margin: 0 {side}mm; display: flex; justify-content: space-between; gap: 2em">'
    "<span>{title}</span><span>{edition}</span></div>"
)
FOOTER = (
    '<div style="font: 7.5pt system-ui, sans-serif; color: #5b6570; width: 100%; '
    'margin: 0 {side}mm; text-align: right">page <span class="pageNumber"></span> of '
    '<span class="totalPages"></span></div>'
)


class ChromiumMissing(BriefbookError):
    """Printing needs Debian's Chromium and it is not installed."""


@dataclass(frozen=True)
class Part:
    """One page of the book to print: the index or a brief."""

    name: str
    html: Path
    title: str
    running: str  # "Edition 2 · as of 2025-10-31"


@dataclass
class PdfReport:
    """What was printed: page counts per PDF (the book last) and the seconds it took."""

    folder: Path
    pages: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def chromium_path() -> Path:
    """Debian's Chromium (``BRIEFBOOK_CHROMIUM`` overrides), or :class:`ChromiumMissing`."""
    given = os.environ.get("BRIEFBOOK_CHROMIUM")
    found = Path(given) if given else Path(shutil.which("chromium") or "/usr/bin/chromium")
    if not found.is_file():
        raise ChromiumMissing(f"printing PDFs needs Chromium, not found at {found}: "
                              f"install it with `{INSTALL_HINT}`")
    return found


def print_pdfs(folder: Path = config.BRIEFS_DIR, *, paper: str = "a4",
               manifest: Path = config.MANIFEST_PATH) -> PdfReport:
    """Print every brief in ``folder`` to ``folder/pdf/NAME.pdf`` and the book to ``book.pdf``."""
    started = time.monotonic()
    executable = chromium_path()
    parts = _parts(Path(folder), manifest)
    out = Path(folder) / PDF_DIR
    printed = _print_all(executable, parts, paper)
    report = PdfReport(out)
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    for part in parts[1:]:
        writer = PdfWriter(clone_from=_prepared(printed[part.name]))
        _relink(writer, {part.name: 0}, {part.name: _dests(printed[part.name])}, Path(folder), out)
        report.pages[part.name] = _write(writer, out / f"{part.name}.pdf")
    book, offsets, dests = PdfWriter(), {}, {}
    for part in parts:
        reader = _prepared(printed[part.name])
        offsets[part.name], dests[part.name] = len(book.pages), _dests(printed[part.name])
        book.append(reader, import_outline=True)
        if "/Lang" in reader.root_object:  # the index's language (every part's is the same)
            book.root_object.setdefault(NameObject("/Lang"),
                                        TextStringObject(str(reader.root_object["/Lang"])))
    book.root_object.pop("/Names", None)  # pypdf merged the parts' clashing named destinations
    _relink(book, offsets, dests, Path(folder), out)
    index = parts[0]
    book.add_metadata({"/Title": f"{index.title} · {index.running}"})
    report.pages[BOOK] = _write(book, out / f"{BOOK}.pdf")
    report.seconds = time.monotonic() - started
    return report


def _parts(folder: Path, manifest: Path) -> list[Part]:
    """The index, then every brief of the manifest that is built in ``folder``."""
    names = [spec.name for spec in read_manifest(manifest)]
    built = [name for name in names if (folder / f"{name}.html").is_file()]
    if not built or not (folder / "index.html").is_file():
        raise BriefbookError(f"no briefs to print in {folder}: build them first (make briefs, "
                             "or python -m briefbook build --edition N for edition N)")
    parts = [_part(name, folder / f"{name}.html") for name in built]
    index_html = folder / "index.html"
    index_title = _soup(index_html).title
    return [Part("index", index_html, index_title.get_text(strip=True) if index_title else
                 "Index", parts[0].running), *parts]


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _part(name: str, path: Path) -> Part:
    """A brief with its running title: edition and as-of date from its header table."""
    soup = _soup(path)
    header = {
        th.get_text(strip=True): td.get_text(" ", strip=True)
        for row in soup.select("table.bb-header tr")
        if (th := row.find("th")) and (td := row.find("td"))
    }
    edition = header.get("Edition", "").split(" ")[0]
    as_of = header.get("As of", "").split(" ")[0]
    running = " · ".join(filter(None, [edition and f"Edition {edition}",
                                       as_of and f"as of {as_of}"]))
    title = soup.title.get_text(strip=True) if soup.title else name
    return Part(name, path, title, running)


@dataclass
class _Printed:
    """Chromium's PDF of a part, its title and its headings' text."""

    data: bytes
    title: str
    headings: list[str]


def _print_all(executable: Path, parts: list[Part], paper: str) -> dict[str, _Printed]:
    """Print every part in one headless Chromium; returns Chromium's PDF and the headings."""
    width_mm, format_name = PAPERS[paper]
    side = (width_mm - TEXT_WIDTH_MM) / 2
    from playwright.sync_api import sync_playwright

    printed = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            for part in parts:
                page = browser.new_page()
                page.goto(part.html.resolve().as_uri(), wait_until="load")
                page.wait_for_function(FIGURES_DRAWN)
                # The brief's own @page margin would win over page.pdf's: set ours the same way.
                page.add_style_tag(content=PAGE_CSS.format(top=MARGIN_TOP_MM, side=side,
                                                           bottom=MARGIN_BOTTOM_MM))
                page.emulate_media(media="print")
                page.evaluate(OPEN_DETAILS)
                page.evaluate(FIGURES_AT, round(TEXT_WIDTH_MM / MM_PER_PX))
                page.evaluate(QUIET_PRINT)
                page.evaluate(SETTLED)
                data = page.pdf(
                    format=format_name, print_background=True, outline=True, tagged=True,
                    display_header_footer=True,
                    header_template=HEADER.format(side=side, title=html.escape(part.title),
                                                  edition=html.escape(part.running)),
                    footer_template=FOOTER.format(side=side),
                    margin={"top": f"{MARGIN_TOP_MM}mm", "bottom": f"{MARGIN_BOTTOM_MM}mm",
                            "left": f"{side}mm", "right": f"{side}mm"},
                )
                printed[part.name] = _Printed(data, part.title, page.evaluate(HEADINGS))
                page.close()
        finally:
            browser.close()
    return printed


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _prepared(printed: _Printed) -> Any:
    """Chromium's PDF, read, with local links made explicit and outline titles mended.

    Chromium's citation links name a destination (``/Dest /src-s004-p2``); explicit ones
    (page and position) survive merging into the book, where every brief has the same names.
    Chromium drops the space at a line break in a wrapped heading's outline title, so each title
    is given back its heading's words.
    """
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, NameObject, TextStringObject

    reader = PdfReader(io.BytesIO(printed.data))
    named = reader.root_object.get("/Dests")
    named = named.get_object() if named is not None else {}
    for page in reader.pages:
        for annot in page.get("/Annots", []):
            annot = annot.get_object()
            target = annot.get("/Dest")
            if isinstance(target, str) and target in named:
                annot[NameObject("/Dest")] = ArrayObject(named[target])
    words = {_squash(text): text for text in printed.headings}
    for item in _outline_items(reader.root_object.get("/Outlines")):
        title = str(item.get("/Title", ""))
        item[NameObject("/Title")] = TextStringObject(words.get(_squash(title), title))
    outline = reader.root_object.get("/Outlines")
    if outline is not None and "/First" in outline.get_object():
        # The top item (the H1) is named as the book names the part: the title in the manifest.
        outline.get_object()["/First"].get_object()[NameObject("/Title")] = TextStringObject(
            printed.title)
    _renumber_structure_ids(reader)
    return reader


def _renumber_structure_ids(reader: Any) -> None:
    """Number the tagged structure's element IDs in tree order.

    Chromium names each element after its DOM node (``node00000084``); how many nodes a page
    has created by the time it prints (plotly redraws, opened details) varies from run to run,
    so the same brief would print with other IDs. The IDs only link table cells to their
    headers (``/Headers``) and the ``/IDTree``, both rewritten here with the same mapping.
    """
    from pypdf.generic import (
        ArrayObject,
        ByteStringObject,
        DictionaryObject,
        NameObject,
        TextStringObject,
    )

    root = reader.root_object.get("/StructTreeRoot")
    if root is None:
        return
    mapping: dict[bytes, bytes] = {}
    elements: list[Any] = []
    stack = [root.get_object()]
    while stack:
        node = stack.pop()
        if not isinstance(node, DictionaryObject):
            continue
        elements.append(node)
        if "/ID" in node:
            old = bytes(node["/ID"].original_bytes if hasattr(node["/ID"], "original_bytes")
                        else str(node["/ID"]).encode())
            mapping.setdefault(old, f"e{len(mapping):08d}".encode())
        kids = node.get("/K")
        kids = kids.get_object() if kids is not None else None
        children = list(kids) if isinstance(kids, ArrayObject) else [kids]
        stack.extend(reversed([k.get_object() for k in children if k is not None
                               and not isinstance(k.get_object(), (int, float))]))

    def renamed(value: Any) -> Any:
        raw = bytes(value.original_bytes if hasattr(value, "original_bytes")
                    else str(value).encode())
        new = mapping.get(raw)
        if new is None:
            return value
        return ByteStringObject(new) if isinstance(value, ByteStringObject) else TextStringObject(
            new.decode())

    for node in elements:
        if "/ID" in node:
            node[NameObject("/ID")] = renamed(node["/ID"])
        attributes = node.get("/A")
        attributes = attributes.get_object() if attributes is not None else None
        for attr in attributes if isinstance(attributes, ArrayObject) else [attributes]:
            attr = attr.get_object() if attr is not None else None
            if isinstance(attr, DictionaryObject) and "/Headers" in attr:
                attr[NameObject("/Headers")] = ArrayObject(
                    renamed(h) for h in attr["/Headers"].get_object())
    tree = root.get_object().get("/IDTree")
    if tree is not None:
        _rename_name_tree(tree.get_object(), renamed)


def _rename_name_tree(node: Any, renamed: Any) -> None:
    """Rename the keys of a PDF name tree (``/Names`` pairs, ``/Kids``) and keep them sorted."""
    from pypdf.generic import ArrayObject, NameObject

    if "/Names" in node:
        flat = list(node["/Names"].get_object())
        pairs = sorted(((renamed(flat[i]), flat[i + 1]) for i in range(0, len(flat), 2)),
                       key=lambda pair: str(pair[0]))
        node[NameObject("/Names")] = ArrayObject(x for pair in pairs for x in pair)
        if "/Limits" in node and pairs:
            node[NameObject("/Limits")] = ArrayObject([pairs[0][0], pairs[-1][0]])
    for kid in node.get("/Kids", []):
        _rename_name_tree(kid.get_object(), renamed)


def _outline_items(node: Any) -> Iterable[Any]:
    """Every outline item under ``node`` (depth first)."""
    child = node.get_object().get("/First") if node is not None else None
    while child is not None:
        child = child.get_object()
        yield child
        yield from _outline_items(child)
        child = child.get("/Next")


def _dests(printed: _Printed) -> dict[str, tuple[int, list[Any]]]:
    """The named destinations of a part: name (the HTML id) → page index and position."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(printed.data))
    pages = {page.indirect_reference.idnum: n for n, page in enumerate(reader.pages)}
    named = reader.root_object.get("/Dests")
    return {
        str(name)[1:]: (pages[dest[0].idnum], list(dest[1:]))
        for name, dest in (named.get_object().items() if named is not None else [])
        if dest[0].idnum in pages
    }


def _relink(writer: Any, offsets: dict[str, int], dests: dict[str, dict[str, tuple[int, list]]],
            folder: Path, out: Path) -> None:
    """Rewrite links to local files: to a place in this PDF, another brief's PDF, or a path."""
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    def goto(name: str, fragment: str) -> DictionaryObject:
        index, where = dests[name].get(fragment, (0, [NameObject("/Fit")]))
        page = writer.pages[offsets[name] + index].indirect_reference
        return DictionaryObject({NameObject("/S"): NameObject("/GoTo"),
                                 NameObject("/D"): ArrayObject([page, *where])})

    def remote(name: str, fragment: str) -> DictionaryObject:
        where = (NameObject("/" + fragment) if fragment else
                 ArrayObject([NumberObject(0), NameObject("/Fit")]))
        return DictionaryObject({NameObject("/S"): NameObject("/GoToR"),
                                 NameObject("/F"): TextStringObject(f"{name}.pdf"),
                                 NameObject("/D"): where})

    briefs = {path.stem for path in folder.glob("*.html")}
    for page in writer.pages:
        for annot in page.get("/Annots", []):
            annot = annot.get_object()
            action = annot.get("/A")
            uri = str(action.get("/URI", "")) if action is not None else ""
            if not uri.startswith("file:"):
                continue
            parts = urlsplit(uri)
            path, fragment = Path(unquote(parts.path)), unquote(parts.fragment)
            if path.parent == folder.resolve() and path.stem in offsets:
                annot[NameObject("/A")] = goto(path.stem, fragment)
            elif path.parent == folder.resolve() and path.stem in briefs and path.stem != "index":
                annot[NameObject("/A")] = remote(path.stem, fragment)
            else:
                relative = os.path.relpath(path, out) + (f"#{parts.fragment}" if fragment else "")
                action[NameObject("/URI")] = TextStringObject(relative)


def _write(writer: Any, path: Path) -> int:
    """Write ``writer`` to ``path`` reproducibly (no dates, content-derived ID); its pages."""
    from pypdf.generic import ArrayObject, ByteStringObject

    writer.page_mode = "/UseOutlines"  # open with the bookmarks shown
    info = {k: v for k, v in (writer.metadata or {}).items() if k not in DATES}
    writer.metadata = info
    writer._ID = None  # pypdf has no public setter for the trailer's /ID
    draft = io.BytesIO()
    writer.write(draft)
    digest = ByteStringObject(hashlib.sha256(draft.getvalue()).digest()[:16])
    writer._ID = ArrayObject([digest, digest])
    final = io.BytesIO()
    writer.write(final)
    write_bytes_atomic(path, final.getvalue())
    return len(writer.pages)
