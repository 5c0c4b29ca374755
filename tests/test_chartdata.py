"""The data behind a chart: a cited table, a CSV download equal to it, and how it shows."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io

import nbformat
import pandas as pd
import plotly.graph_objects as go
import pytest
from bs4 import BeautifulSoup
from nbformat import v4

from briefbook.chartdata import DATA_CLASS, Chart, timeline_columns, with_data
from briefbook.citations import cite, recorded, reset_record
from briefbook.exceptions import BriefbookError
from briefbook.render import PLOTLY_MIMETYPE, render_html
from briefbook.tables import CSV_MIN_ROWS, MAX_ROWS, html_table, plain_text

HOSTILE = '<script>alert(1)</script>, "quoted"'


def events(n: int = 3) -> pd.DataFrame:
    day = dt.date(2025, 9, 8)
    return pd.DataFrame({
        "event_id": [f"E{i:02d}" for i in range(n)],
        "label": [HOSTILE if i == 0 else f"event {i}" for i in range(n)],
        "when": ["2025-09-08"] * n, "start": [day] * n,
        "end": [day + dt.timedelta(days=i) for i in range(n)],
        "shown_status": ["reported"] * n, "source_id": ["s004"] * n,
        "paragraph": list(range(1, n + 1)), "evidence": ["some words"] * n,
    })


def figure(title: str = "A timeline") -> go.Figure:
    return go.Figure(go.Bar(x=[1, 2], y=["a", "b"], orientation="h"), layout={"title": title})


def csv_rows(html: str) -> list[list[str]]:
    """The rows of the (single) CSV download in ``html``."""
    link = BeautifulSoup(html, "html.parser").select_one('a[href^="data:text/csv"]')
    assert link is not None and str(link["download"]).endswith(".csv")
    head, data = str(link["href"]).split(",", 1)
    assert head == "data:text/csv;charset=utf-8;base64"
    text = base64.b64decode(data).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def table_rows(html: str) -> list[list[str]]:
    """The header and cells of the first table in ``html``, as a reader reads them."""
    table = BeautifulSoup(html, "html.parser").find("table")
    return [[" ".join(c.get_text().split()) for c in tr.find_all(["th", "td"])]
            for tr in table.find_all("tr")]


def test_chart_data_is_a_collapsed_cited_table_with_a_csv_equal_to_it() -> None:
    chart = with_data(figure(), events(), timeline_columns(), name="t")
    soup = BeautifulSoup(chart.data, "html.parser")
    details = soup.find("details", class_=DATA_CLASS)
    assert details is not None and not details.has_attr("open")
    assert details.summary.get_text() == "Data behind this chart"
    assert "A timeline" in details.caption.get_text()
    assert len(soup.select("a.bb-cite")) == 3  # every row cited
    assert "<script>" not in chart.data  # text from the data is escaped, in table and CSV
    rows = csv_rows(chart.data)
    assert rows[0] == ["Event", "When (as the sources give it)", "First day", "Last day",
                       "Status", "Source"]
    assert rows[1][0] == HOSTILE and rows[2][3] == "2025-09-09" and rows[3][5] == "[s004 ¶3]"
    assert rows == [[" ".join(c.split()) for c in r] for r in table_rows(chart.data)]


def test_csv_bytes_are_deterministic() -> None:
    a = with_data(figure(), events(), timeline_columns(), name="t").data
    b = with_data(figure(), events(), timeline_columns(), name="t").data
    assert a == b


def test_long_tables_get_a_csv_of_every_row_and_short_ones_none() -> None:
    columns = [("Event", "label")]
    assert "data:text/csv" not in html_table(events(CSV_MIN_ROWS), columns)
    html = html_table(events(MAX_ROWS + 5), columns)
    rows = csv_rows(html)
    assert len(rows) == 1 + MAX_ROWS + 5  # the rows not shown are in the CSV too
    assert f"all {MAX_ROWS + 5} rows" in html


def test_rows_only_in_the_csv_are_not_listed_as_cited() -> None:
    reset_record()
    html_table(events(MAX_ROWS + 5), [("Event", "label")])
    assert max(p for _, p in recorded()) == MAX_ROWS
    cite("s000", 1)
    assert ("s000", 1) in recorded()
    reset_record()


def test_plain_text_reads_like_the_page() -> None:
    assert plain_text("a<br>b <span>c</span>, &amp; d") == "a b c, & d"
    assert plain_text("<ul><li>one</li><li>two</li></ul>") == "one two"


def test_a_chart_shows_as_figure_then_data(monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[object] = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    chart = with_data(figure(), events(), timeline_columns())
    chart._ipython_display_()
    assert shown == [chart.figure, chart.data]
    assert isinstance(chart, Chart)


def rendered(chart: Chart) -> BeautifulSoup:
    nb = v4.new_notebook()
    nb.cells = [v4.new_markdown_cell("# Brief"), v4.new_code_cell("chart", outputs=[
        v4.new_output("display_data", data={PLOTLY_MIMETYPE: chart.figure.to_plotly_json()}),
        v4.new_output("display_data", data={"text/html": str(chart.data)}),
    ])]
    return BeautifulSoup(render_html(nbformat.from_dict(nb)), "html.parser")


def test_the_brief_labels_the_chart_and_opens_its_data_for_readers_without_scripts() -> None:
    soup = rendered(with_data(figure("Deliveries"), events(), timeline_columns()))
    chart = soup.find("figure", class_="bb-chart")
    data = soup.find("details", class_=DATA_CLASS)
    assert data["id"] == "bb-figure-1-data" and data.has_attr("open")  # a script closes it
    assert chart["aria-details"] == "bb-figure-1-data"
    caption = chart.figcaption.get_text()
    assert "Deliveries" in caption and "table" in caption
    assert "Deliveries" in chart.find("noscript").get_text()
    assert 'details.bb-chart-data[open]' in soup.find_all("script")[1].get_text()


def test_a_trace_type_the_basic_bundle_lacks_is_refused() -> None:
    chart = Chart(go.Figure(go.Heatmap(z=[[1, 2]])), with_data(figure(), events(),
                                                                timeline_columns()).data)
    with pytest.raises(BriefbookError, match="heatmap"):
        rendered(chart)
