"""HTML for briefs: one citation-aware table renderer and the small pieces around it.

All text from the data passes through :func:`esc` before it reaches a brief, so HTML or
``<script>`` typed into a spreadsheet cell shows as text and never runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

import pandas as pd

from briefbook.citations import cite_row

# Long tables are cut to this many rows with a note saying how many more there are, so a brief
# stays readable (and small) however large the data grows.
MAX_ROWS = 40


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
    """
    if frame.empty:
        return empty_state(empty)
    heads = [h for h, _ in columns] + (["Source"] if cite else [])
    out = ['<table class="bb-table">']
    if caption:
        out.append(f"<caption>{esc(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in heads) + "</tr></thead>")
    out.append("<tbody>")
    for _, row in frame.head(max_rows).iterrows():
        cells = [col(row) if callable(col) else esc(row[col]) for _, col in columns]
        if cite:
            cells.append(cite_row(row))
        out.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    out.append("</tbody></table>")
    out.append(more_rows(len(frame), max_rows))
    return Html("".join(out))


def more_rows(total: int, shown: int = MAX_ROWS, noun: str = "rows") -> str:
    """The note under a list cut to ``shown`` of ``total`` rows (empty when nothing was cut)."""
    if total <= shown:
        return ""
    return (f'<p class="bb-more">… and {total - shown} more {noun}, not shown '
            f"(first {shown} of {total}).</p>")
