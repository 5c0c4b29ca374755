"""A chart and the data behind it, shown together.

Under every chart a brief has a collapsed "Data behind this chart" table, cited row by row by
the one table renderer (:func:`briefbook.tables.html_table`), with a CSV download of the same
rows embedded in the file. It is also the chart's text alternative: readers without scripts or
sight get the table (:mod:`briefbook.render` opens it when scripts do not run and points the
chart's label at it).

A notebook displays a :class:`Chart` like a figure; it shows as two outputs, the plotly figure
and the data block, so JupyterLab shows both as the brief does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from briefbook.charts import DELIVERY_PARTS
from briefbook.citations import cite_row
from briefbook.tables import MAX_ROWS, Cell, Html, badge, esc, html_table, slug

__all__ = ["DATA_CLASS", "Chart", "chart_title", "counts_with_data", "delivery_columns",
           "timeline_columns", "with_data"]

DATA_CLASS = "bb-chart-data"
"""The class of the ``<details>`` holding a chart's data (the renderer looks for it)."""
SUMMARY = "Data behind this chart"


@dataclass(frozen=True)
class Chart:
    """A plotly figure and its data block (escaped, cited HTML)."""

    figure: go.Figure
    data: Html

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.figure)
        display(self.data)


def chart_title(figure: go.Figure) -> str:
    """The figure's title text (empty when it has none)."""
    return str(figure.layout.title.text or "")


def with_data(
    figure: go.Figure,
    rows: pd.DataFrame,
    columns: Sequence[tuple[str, str | Cell]],
    *,
    cite: bool = True,
    name: str | None = None,
) -> Chart:
    """``figure`` with a table of ``rows`` under it, as :func:`~briefbook.tables.html_table`
    renders them (``columns``, ``cite``), and a CSV download named ``name`` (by default from
    the chart's title)."""
    title = chart_title(figure)
    table = html_table(rows, columns, cite=cite, caption=f"The data behind “{title}”",
                       download=True, name=name or slug(title or "chart-data"))
    return Chart(figure, Html(f'<details class="{DATA_CLASS}"><summary>{SUMMARY}</summary>'
                              f"{table}</details>"))


def timeline_columns() -> list[tuple[str, str | Cell]]:
    """The data table of :func:`briefbook.charts.timeline`: one row per event, with the span it
    is drawn across (a point when its first and last days are the same)."""
    return [
        ("Event", "label"),
        ("When (as the sources give it)", "when"),
        ("First day", lambda r: esc(r.start.isoformat())),
        ("Last day", lambda r: esc(r.end.isoformat())),
        ("Status", lambda r: badge(r.shown_status)),
    ]


def delivery_columns() -> list[tuple[str, str | Cell]]:
    """The data table of :func:`briefbook.charts.delivery_chart` (its rows carry ``cites``:
    the citation links of the rows each part is taken from)."""
    return [
        ("Scenario", "scenario"),
        ("Part of the order", lambda r: esc(DELIVERY_PARTS[r.status])),
        ("Quantity", "quantity"),
        ("What it is", "label"),
        ("Source", lambda r: str(r.cites)),
    ]


def counts_with_data(
    figure: go.Figure,
    counts: pd.Series,
    items: pd.DataFrame,
    by: str,
    *,
    group: str,
    count: str,
    item: Cell,
    name: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> Chart:
    """A chart of ``counts`` with, per bar, its count and the ``items`` counted in it (those
    whose ``by`` is the bar's label, the first :data:`~briefbook.tables.MAX_ROWS` of them),
    each shown by ``item`` with its citation. ``labels`` replaces a bar's count in the table,
    as :func:`~briefbook.charts.bar_counts` does on the bar."""
    labels = labels or {}
    rows = pd.DataFrame({"group": [str(i) for i in counts.index],
                         "count": [labels.get(str(i), int(v)) for i, v in counts.items()]})

    def counted(row: pd.Series) -> str:
        part = items[items[by].astype(str) == row.group]
        shown = "; ".join(f"{item(x)} {cite_row(x)}" for _, x in part.head(MAX_ROWS).iterrows())
        left = len(part) - MAX_ROWS
        return shown + (f"; … and {left} more" if left > 0 else "")

    columns: list[tuple[str, str | Cell]] = [
        (group, "group"), (count, "count"), ("Rows counted, each with its source", counted)]
    return with_data(figure, rows, columns, cite=False, name=name)
