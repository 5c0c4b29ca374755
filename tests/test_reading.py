"""Briefs as every reader gets them: at most 2.0 MB, the data behind every chart (with a CSV
download equal to it), and readable top to bottom with JavaScript off, in a real Chromium.

Uses the session's real build (``built_briefs``) and test_browser's Chromium fixtures.
"""

from __future__ import annotations

import base64
import csv
import io
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag

from briefbook.chartdata import DATA_CLASS
from tests.test_browser import (  # noqa: F401 (fixtures)
    BRIEFS,
    SCREENSHOTS,
    VIEWPORT,
    browser,
    opened,
    page_path,
)

pytestmark = pytest.mark.browser

MAX_BRIEF_BYTES = 2_000_000  # 2.0 MB, in 10^6 bytes like the benchmark


def soup_of(out: Path, name: str) -> BeautifulSoup:
    return BeautifulSoup(page_path(out, name).read_text(encoding="utf-8"), "html.parser")


def csv_of(link: Tag) -> list[list[str]]:
    head, data = str(link["href"]).split(",", 1)
    assert head == "data:text/csv;charset=utf-8;base64", head
    return list(csv.reader(io.StringIO(base64.b64decode(data).decode("utf-8-sig"))))


def text_rows(table: Tag) -> list[list[str]]:
    return [[" ".join(cell.get_text().split()) for cell in tr.find_all(["th", "td"])]
            for tr in table.find_all("tr")]


@pytest.mark.parametrize("name", BRIEFS)
def test_brief_is_at_most_2_mb(built_briefs: Path, name: str) -> None:
    size = page_path(built_briefs, name).stat().st_size
    assert size <= MAX_BRIEF_BYTES, f"{name} is {size / 1e6:.2f} MB, over 2.0 MB"


@pytest.mark.parametrize("name", BRIEFS)
def test_every_chart_has_its_data_table_and_csv(built_briefs: Path, name: str) -> None:
    soup = soup_of(built_briefs, name)
    charts = soup.select("figure.bb-chart")
    assert charts, f"{name} has no chart"
    for chart in charts:
        plot = chart.find("div", class_="bb-figure")
        data = soup.find(id=chart.get("aria-details"))
        assert isinstance(data, Tag) and DATA_CLASS in data["class"], f"{plot['id']}: no data"
        assert data["id"] == f"{plot['id']}-data"
        assert "table" in chart.figcaption.get_text(), "the text alternative names the table"
        table = data.find("table")
        assert table.find("caption") and table.select("a.bb-cite"), f"{data['id']}: no citations"
        assert all(th.get_text(strip=True) for th in table.find_all("th")), "an empty header"
        rows = csv_of(data.select_one('a[href^="data:text/csv"]'))
        assert rows == [[" ".join(c.split()) for c in r] for r in text_rows(table)], (
            f"{data['id']}: the CSV is not the table")


@pytest.mark.parametrize("name", BRIEFS)
def test_long_tables_carry_a_csv_download(built_briefs: Path, name: str) -> None:
    for table in soup_of(built_briefs, name).select("main table.bb-table"):
        rows = len(table.select("tbody tr"))
        link = table.find_next_sibling("p", class_="bb-csv")
        if rows > 10:
            assert link is not None, f"{name}: a table of {rows} rows has no CSV download"
            total = len(csv_of(link.a)) - 1  # every row, those cut from the page too
            assert total >= rows and f"all {total} rows" in link.get_text()


@pytest.mark.parametrize("name", BRIEFS)
def test_chart_data_starts_collapsed_with_scripts(opened: Any, name: str) -> None:  # noqa: F811
    page = opened(name).page
    states = page.eval_on_selector_all(f"details.{DATA_CLASS}", "ds => ds.map(d => d.open)")
    assert states and not any(states), f"{name}: chart data not collapsed: {states}"


@pytest.fixture(scope="module")
def no_script(browser: Any) -> Any:  # noqa: F811 (the imported fixture)
    """A browser context with JavaScript disabled, loading nothing from the network."""
    context = browser.new_context(viewport=VIEWPORT, java_script_enabled=False)
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith("file://") else route.abort())
    yield context
    context.close()


@pytest.mark.parametrize("name", BRIEFS)
def test_reads_top_to_bottom_without_javascript(built_briefs: Path, no_script: Any,
                                                name: str) -> None:
    page = no_script.new_page()
    try:
        page.goto(page_path(built_briefs, name).resolve().as_uri(), wait_until="load")
        found = page.evaluate(f"""() => {{
            const shown = el => el.getBoundingClientRect().height > 0;
            return {{
                plots: document.querySelectorAll('.js-plotly-plot').length,
                figures: [...document.querySelectorAll('.bb-figure')].map(div => ({{
                    note: div.innerText.trim(), height: div.getBoundingClientRect().height}})),
                data: [...document.querySelectorAll('details.{DATA_CLASS}')].map(d => ({{
                    open: d.open, table: shown(d.querySelector('table')),
                    rows: d.querySelectorAll('tbody tr').length}})),
                empty: [...document.querySelectorAll('main div, main td, main p')]
                    .filter(el => shown(el) && !el.innerText.trim() && !el.querySelector('svg'))
                    .map(el => el.outerHTML.slice(0, 80)),
                headings: [...document.querySelectorAll('main h1, main h2')].filter(shown).length,
            }};
        }}""")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-noscript.png"), full_page=True)
    finally:
        page.close()
    assert found["plots"] == 0, "scripts ran"
    assert found["figures"], f"{name} has no chart"
    for figure in found["figures"]:
        assert figure["note"].startswith("Chart: ") and "table below" in figure["note"]
        assert figure["height"] < 200, f"{name}: an empty chart box {figure}"
    assert len(found["data"]) == len(found["figures"])
    assert all(d["open"] and d["table"] and d["rows"] for d in found["data"]), found["data"]
    assert found["empty"] == [], f"{name}: empty boxes without scripts: {found['empty']}"
    assert found["headings"] > 3
