"""HTML for briefs: one citation-aware table renderer and the small pieces around it.

All text from the data passes through :func:`esc` before it reaches a brief, so HTML or
``<script>`` typed into a spreadsheet cell shows as text and never runs.
"""

from __future__ import annotations

import base64
import csv
import io
import re
from collections.abc import Callable, Sequence
from html import escape, unescape
from html.parser import HTMLParser

import pandas as pd

from briefbook.citations import cite_row, recording_paused

# Long tables are cut to this many rows with a note saying how many more there are, so a brief
# stays readable (and small) however large the data grows.
MAX_ROWS = 40
CSV_MIN_ROWS = 10
"""A table with more rows than this carries a CSV download of its data."""
CSV_MAX_ROWS = 60
"""The CSV holds every row of the table, up to this many (so a brief stays under 2 MB even on
the benchmark's 100-times data; the largest real table has 47 rows)."""


class Html(str):
    """A piece of a brief. Jupyter shows it as HTML; its plain-text form is a fixed label.

    The fixed label keeps stored notebook outputs free of anything volatile.
    """

    label = "briefbook section"

    def _repr_html_(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return f"<{self.label}>"


def esc(value: object) -> str:
    """Text from the data, escaped for HTML (empty for missing values)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return escape(str(value))


def badge(status: str) -> str:
    """A coloured status label (occurred, reported, denied, planned, confirmed, unverified …)."""
    css = "bb-status-" + "-".join(str(status).split()).replace(",", "")
    return f'<span class="bb-status {esc(css)}">{esc(status)}</span>'


PLURALS = {"battery": "batteries"}


def quantity(n: int, unit: str) -> str:
    """``3 squadrons``, ``1 battery``, ``4 batteries``: a count with its unit, escaped."""
    word = unit if n == 1 else PLURALS.get(unit, unit + "s")
    return f"{int(n)} {esc(word)}"


def paragraph(text_html: str) -> Html:
    """A paragraph of prose whose parts the caller has already escaped."""
    return Html(f'<p class="bb-prose">{text_html}</p>')


def empty_state(message: str) -> Html:
    """What a section shows when the parameters leave it nothing to show."""
    return Html(f'<p class="bb-empty">{esc(message)}</p>')


Cell = Callable[[pd.Series], str]


def html_table(
    frame: pd.DataFrame,
    columns: Sequence[tuple[str, str | Cell]],
    *,
    cite: bool = True,
    empty: str = "Nothing to show with these parameters.",
    max_rows: int = MAX_ROWS,
    caption: str | None = None,
    download: bool | None = None,
    name: str | None = None,
    classes: str = "",
) -> Html:
    """Render rows as an HTML table, escaping every value.

    Parameters
    ----------
    columns
        ``(header, column)`` pairs; ``column`` is a column name (escaped text) or a function
        of the row returning ready HTML (the function must escape what it takes from the data).
    cite
        Add a "Source" column linking each row to its source paragraph.
    max_rows
        Show at most this many rows, then one line saying how many were left out.
    download
        Add a link that downloads the table's rows as CSV, embedded in the brief; by default
        only for tables of more than :data:`CSV_MIN_ROWS` rows. ``name`` is the file's name
        (without ``.csv``; by default taken from the caption or the headers). ``classes``
        are added to the table's own.
    """
    if frame.empty:
        return empty_state(empty)
    heads = [h for h, _ in columns] + (["Source"] if cite else [])

    def cells(row: pd.Series) -> list[str]:
        out = [col(row) if callable(col) else esc(row[col]) for _, col in columns]
        return out + ([cite_row(row)] if cite else [])

    rows = [cells(row) for _, row in frame.head(max_rows).iterrows()]
    out = [f'<table class="{" ".join(["bb-table", *classes.split()])}">']
    if caption:
        out.append(f"<caption>{esc(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f'<th scope="col">{esc(h)}</th>' for h in heads)
               + "</tr></thead>")
    out.append("<tbody>")
    out += ["<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows]
    out.append("</tbody></table>")
    out.append(more_rows(len(frame), max_rows))
    if download or (download is None and len(frame) > CSV_MIN_ROWS):
        with recording_paused():  # rows beyond those shown are not cited in the brief
            rows += [cells(row) for _, row in frame.iloc[max_rows:CSV_MAX_ROWS].iterrows()]
        out.append(csv_link(heads, [[plain_text(c) for c in row] for row in rows[:CSV_MAX_ROWS]],
                            name or slug(caption or " ".join(heads[:3])), total=len(frame)))
    return Html("".join(out))


class _TextOf(HTMLParser):
    """The text of an HTML fragment as a reader sees it (line breaks and list items spaced)."""

    SPACED = frozenset({"br", "li", "p", "div", "ul", "ol", "tr", "td", "th", "dd", "dt"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SPACED:
            self.parts.append(" ")


def plain_text(fragment: str) -> str:
    """The text of an HTML fragment, whitespace collapsed: what a CSV cell holds."""
    if "<" not in fragment:
        return " ".join(unescape(fragment).split())
    parser = _TextOf()
    parser.feed(fragment)
    parser.close()
    return " ".join("".join(parser.parts).split())


def slug(text: str) -> str:
    """A file name from a caption or headers: ``The data behind “Timeline”`` ->
    ``the-data-behind-timeline``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].rstrip("-") or "table"


def csv_bytes(heads: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    """The CSV file of a table: RFC 4180 (CRLF), UTF-8 with a byte-order mark (for Excel)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(heads)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def csv_link(heads: Sequence[str], rows: Sequence[Sequence[str]], name: str,
             total: int | None = None) -> str:
    """A download link carrying the table as a ``data:text/csv`` address (no network)."""
    data = base64.b64encode(csv_bytes(heads, rows)).decode("ascii")
    total = len(rows) if total is None else total
    what = (f"all {total} rows" if total == len(rows) else
            f"the first {len(rows)} of {total} rows")
    return (f'<p class="bb-csv"><a download="{esc(name)}.csv" '
            f'href="data:text/csv;charset=utf-8;base64,{data}">Download {what} as CSV</a> '
            f'<span class="bb-muted">({esc(name)}.csv, embedded in this file)</span></p>')


def more_rows(total: int, shown: int = MAX_ROWS, noun: str = "rows") -> str:
    """The note under a list cut to ``shown`` of ``total`` rows (empty when nothing was cut)."""
    if total <= shown:
        return ""
    return (f'<p class="bb-more">… and {total - shown} more {noun}, not shown '
            f"(first {shown} of {total}).</p>")
