"""The built briefs opened as readers open them: from file:// in a real headless Chromium.

One real build (the session fixture ``built_briefs``) and one Chromium for this module. Every brief
in the manifest, and the index, is checked for: no request but the page itself, no console or
page errors, every plotly figure drawn with its axis titles and legend, working citation and
contents links, printing, and a full-page screenshot written to ``test-artefacts/screenshots``
for a human to look at. A last test builds the overview from hostile data and checks that text
from the data is shown, never run.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from briefbook.render import PLOTLY_MIMETYPE, PRINT_JS
from tests.conftest import CHROMIUM_ARGS, PROJECT, require_chromium, run_cli

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1200, "height": 900}
SCREENSHOTS = PROJECT / "test-artefacts" / "screenshots"
BRIEFS = [entry["name"] for entry in
          json.loads((PROJECT / "manifest.json").read_text(encoding="utf-8"))["briefs"]]
PAGES = [*BRIEFS, "index"]
HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'

# Where each figure's parts are: its axis titles, legend entries, and any part (title, axis
# title, tick label, legend) drawn outside the figure's SVG (cut off) or a legend entry drawn
# over the figure's title.
FIGURE_GEOMETRY = """figures => figures.map(div => {
    const box = div.querySelector('.main-svg').getBoundingClientRect();
    const inside = el => {
        const r = el.getBoundingClientRect();
        return r.left >= box.left - 1 && r.right <= box.right + 1
            && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
    };
    const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1
        && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
    const text = sel => [...div.querySelectorAll(sel)].map(e => e.textContent).join(' ');
    const parts = '.xtitle, .ytitle, .xtick text, .ytick text, .legend, .gtitle';
    const title = div.querySelector('.gtitle');
    const entries = [...div.querySelectorAll('.legend .traces .legendtext')];
    return {
        id: div.id,
        xtitle: text('.xtitle'),
        ytitle: text('.ytitle'),
        legendEntries: div.querySelectorAll('.legend .traces').length,
        outside: [...div.querySelectorAll(parts)]
            .filter(el => !inside(el))
            .map(el => el.getAttribute('class') + ': ' + el.textContent),
        overlaps: title === null ? [] : entries
            .filter(el => overlap(el.getBoundingClientRect(), title.getBoundingClientRect()))
            .map(el => el.textContent),
        width: box.width,
        height: box.height,
    };
})"""
PRINT_WIDTH = int(re.search(r"PRINT_WIDTH = (\d+)", PRINT_JS).group(1))

# Every figure drawn: plotly.js has put its SVG into each figure's <div>.
FIGURES_DRAWN = """() => [...document.querySelectorAll('.bb-figure')]
    .every(div => div.querySelector('.main-svg') !== null)"""


@dataclass
class Visit:
    """A page opened from file://, with what it asked for and what went wrong in it."""

    page: Any
    url: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def foreign_requests(self) -> list[str]:
        """Requests for anything but the page's own file (fragments aside)."""
        return [url for url in self.requests if url.split("#")[0] != self.url]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for this module (one sync Playwright may run at a time)."""
    executable = require_chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


def _open(browser: Any, path: Path, contexts: list[Any]) -> Visit:
    """Open ``path`` in a fresh browser context that may load nothing but that file."""
    assert path.is_file(), f"{path} was not built"
    context = browser.new_context(viewport=VIEWPORT)
    contexts.append(context)
    page = context.new_page()
    seen = Visit(page, path.resolve().as_uri())
    page.on("request", lambda request: seen.requests.append(request.url))
    page.on("console", lambda msg: msg.type == "error" and seen.console_errors.append(
        f"{msg.text} ({msg.location.get('url', '')})"))
    page.on("pageerror", lambda error: seen.page_errors.append(str(error)))

    def only_itself(route: Any) -> None:
        # A violation is refused at once, so it fails the test instead of hanging it.
        if route.request.url.split("#")[0] == seen.url:
            route.continue_()
        else:
            route.abort()

    page.route("**/*", only_itself)
    page.goto(seen.url, wait_until="load")
    page.wait_for_function(FIGURES_DRAWN, timeout=30_000)
    # Two frames, so whatever the page starts once drawn has been asked for ("networkidle" would
    # wait out its timeout after an aborted request).
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    return seen


@pytest.fixture(scope="module")
def opened(browser: Any, built_briefs: Path) -> Iterator[Any]:
    """``opened(name)``: the built page ``name``, loaded once per module (loading is slow).

    Tests that change the page's state (scrolling, media emulation) put it back.
    """
    contexts: list[Any] = []
    pages: dict[str, Visit | Exception] = {}

    def get(name: str) -> Visit:
        if name not in pages:
            try:
                pages[name] = _open(browser, page_path(built_briefs, name), contexts)
            except Exception as exc:  # every test of this page fails at once, not after a timeout
                pages[name] = exc
        found = pages[name]
        if isinstance(found, Exception):
            raise found
        return found

    yield get
    for context in contexts:
        context.close()


@pytest.fixture
def visit(browser: Any) -> Iterator[Any]:
    """``visit(path)``: open a file afresh, for tests that navigate or need a new page."""
    contexts: list[Any] = []
    yield lambda path: _open(browser, path, contexts)
    for context in contexts:
        context.close()


def page_path(out: Path, name: str) -> Path:
    return out / f"{name}.html"


def notebook_figures(out: Path, name: str) -> list[dict[str, Any]]:
    """The plotly figures the executed notebook of brief ``name`` holds, in order."""
    nb = json.loads((out / "executed" / f"{name}.ipynb").read_text(encoding="utf-8"))
    return [
        output["data"][PLOTLY_MIMETYPE]
        for cell in nb["cells"] if cell["cell_type"] == "code"
        for output in cell.get("outputs", []) if PLOTLY_MIMETYPE in output.get("data", {})
    ]


def title_text(layout: dict[str, Any], axis: str) -> str:
    title = layout.get(axis, {}).get("title")
    return str(title.get("text") or "") if isinstance(title, dict) else str(title or "")


def legend_traces(spec: dict[str, Any]) -> int:
    """How many traces the figure lists in its legend (0 when the legend is switched off)."""
    if spec.get("layout", {}).get("showlegend") is False:
        return 0
    return sum(1 for trace in spec.get("data", []) if trace.get("showlegend") is not False)


# --- loading: offline, no errors --------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_only_itself_without_errors(opened: Any, name: str) -> None:
    seen = opened(name)
    assert seen.requests, "the page's own request was not recorded"
    assert seen.foreign_requests() == [], f"{name} loads more than itself"
    assert seen.console_errors == [], f"{name} logs console errors"
    assert seen.page_errors == [], f"{name} raises in the page"


def test_every_index_link_opens_a_brief(built_briefs: Path, browser: Any) -> None:
    """Click each link of the index, as a reader does, and land on a brief.

    Scripts are off here: the title and header are static HTML, and plotly.js would only make
    each of the five page loads slow (the figures are tested on their own above).
    """
    index_url = page_path(built_briefs, "index").resolve().as_uri()
    briefs = {page_path(built_briefs, name).resolve().as_uri(): name for name in BRIEFS}
    context = browser.new_context(viewport=VIEWPORT, java_script_enabled=False)
    try:
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.route("**/*", lambda route: route.continue_()
                   if route.request.url in {index_url, *briefs} else route.abort())
        page.goto(index_url)
        hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
        assert sorted(hrefs) == sorted(briefs), "the index does not link each brief once"
        for number, href in enumerate(hrefs):
            page.locator("a[href]").nth(number).click()
            page.wait_for_url(href)
            assert page.title(), f"{briefs[href]} has no <title>"
            assert page.locator("main .bb-header").count() == 1, f"{briefs[href]}: no header"
            page.go_back()
            page.wait_for_url(index_url)
        assert [url for url in requests if url != index_url] == hrefs, "loaded more than briefs"
    finally:
        context.close()


# --- figures -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", BRIEFS)
def test_every_figure_is_drawn_with_titles_and_legend(
    built_briefs: Path, opened: Any, name: str
) -> None:
    specs = notebook_figures(built_briefs, name)
    assert specs, f"the {name} notebook has no plotly figure"
    page = opened(name).page
    drawn = page.eval_on_selector_all(".bb-figure.js-plotly-plot", FIGURE_GEOMETRY)
    assert len(drawn) == len(specs), f"{name}: {len(drawn)} figures drawn, {len(specs)} made"
    assert page.locator(".bb-figure").count() == len(specs)
    for number, (figure, spec) in enumerate(zip(drawn, specs, strict=True), 1):
        where = f"{name} figure {number}"
        layout = spec.get("layout", {})
        assert figure["id"] == f"bb-figure-{number}"
        assert figure["width"] > 300 and figure["height"] > 150, f"{where} is drawn too small"
        assert figure["xtitle"].strip(), f"{where} has no x-axis title"
        assert figure["ytitle"].strip(), f"{where} has no y-axis title"
        assert figure["xtitle"] == title_text(layout, "xaxis"), where
        assert figure["ytitle"] == title_text(layout, "yaxis"), where
        if legend_traces(spec) > 1:
            assert figure["legendEntries"] >= 2, f"{where} has several traces but no legend"
        assert figure["outside"] == [], f"{where}: parts drawn outside the figure (cut off)"


def test_thread_briefs_have_a_figure(built_briefs: Path) -> None:
    for name in BRIEFS:
        assert len(notebook_figures(built_briefs, name)) >= 1, name


# --- links within a brief ----------------------------------------------------------------------


@pytest.mark.parametrize("name", BRIEFS)
def test_citations_lead_to_their_source_paragraph(opened: Any, name: str) -> None:
    page = opened(name).page
    found = page.evaluate(
        """() => {
            const links = [...document.querySelectorAll('a.bb-cite')];
            const hrefs = links.map(a => a.getAttribute('href'));
            return {
                count: links.length,
                badHref: hrefs.filter(h => !/^#src-/.test(h || '')),
                missing: hrefs.filter(h => /^#src-/.test(h)
                    && document.getElementById(decodeURIComponent(h.slice(1))) === null),
            };
        }"""
    )
    assert found["count"] > 0, f"{name} cites nothing"
    assert found["badHref"] == [], f"{name}: citations that do not point to a source"
    assert found["missing"] == [], f"{name}: citations whose target is missing"

    # As a reader clicks them: those on screen (a chart's data table starts collapsed).
    links = page.locator("a.bb-cite:visible")
    shown = links.count()
    for index in sorted({0, shown // 2, shown - 1}):
        link = links.nth(index)
        target = link.get_attribute("href")
        page.evaluate("window.scrollTo(0, 0)")
        link.click()
        page.wait_for_function("h => location.hash === h", arg=target)
        top = page.evaluate(
            "id => document.getElementById(id).getBoundingClientRect().top",
            target[1:],
        )
        height = page.evaluate("window.innerHeight")
        # Sub-pixel rounding may leave the target a fraction of a pixel above the top.
        assert -2 <= top < height, f"{name}: clicking {target} left it off screen (top {top})"
    page.evaluate("history.replaceState(null, '', location.pathname); window.scrollTo(0, 0)")


@pytest.mark.parametrize("name", BRIEFS)
def test_contents_link_every_section(opened: Any, name: str) -> None:
    page = opened(name).page
    assert page.locator("nav.bb-toc").count() == 1, f"{name} has no table of contents"
    found = page.evaluate(
        """() => ({
            links: [...document.querySelectorAll('nav.bb-toc a')].map(a => {
                const id = decodeURIComponent(a.getAttribute('href').replace(/^#/, ''));
                const el = document.getElementById(id);
                return [a.getAttribute('href'), el ? el.tagName : null];
            }),
            h2: [...document.querySelectorAll('main h2')].map(h => '#' + h.id),
        })"""
    )
    assert found["links"], f"{name}: the contents list is empty"
    assert [tag for _, tag in found["links"] if tag != "H2"] == [], (
        f"{name}: contents links that lead to no section heading: {found['links']}"
    )
    assert [href for href, _ in found["links"]] == found["h2"], f"{name}: contents != sections"


# --- print and screenshots ---------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_full_page_screenshot(opened: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"{name}.png"
    page = opened(name).page
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10_000


@pytest.mark.parametrize("name", PAGES)
def test_prints_with_its_figures(opened: Any, name: str) -> None:
    seen = opened(name)
    page = seen.page
    pdf = page.pdf(print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))
    assert pages >= (1 if name == "index" else 2), f"{name} prints to {pages} page(s)"
    assert seen.page_errors == [] and seen.console_errors == [], f"{name}: errors on printing"

    page.emulate_media(media="print")
    try:
        figures = page.eval_on_selector_all(
            ".bb-figure",
            """figures => figures.map(div => {
                const r = div.getBoundingClientRect();
                const css = getComputedStyle(div);
                return r.width > 0 && r.height > 0 && css.display !== 'none'
                    && css.visibility !== 'hidden' && div.querySelector('.main-svg') !== null
                    && div.querySelectorAll('.cartesianlayer .trace').length > 0;
            })""",
        )
    finally:
        page.emulate_media(media="screen")
    if name != "index":
        assert figures, f"{name} has no figure in print"
    assert all(figures), f"{name}: figures hidden in print: {figures}"


@contextmanager
def laid_out_for_paper(page: Any) -> Iterator[None]:
    """Lay the page out as printing does (print media, figures redrawn at the print width)."""
    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    try:
        page.wait_for_function(
            """w => [...document.querySelectorAll('.bb-figure .main-svg')]
                .every(svg => Math.abs(svg.getBoundingClientRect().width - w) < 1)""",
            arg=PRINT_WIDTH,
        )
        yield
    finally:
        page.evaluate("window.dispatchEvent(new Event('afterprint'))")
        page.emulate_media(media="screen")
        page.wait_for_function(
            """() => [...document.querySelectorAll('.bb-figure')].every(div =>
                Math.abs(div.querySelector('.main-svg').getBoundingClientRect().width
                         - div.getBoundingClientRect().width) < 1)"""
        )


@pytest.mark.parametrize("name", BRIEFS)
def test_figures_fit_the_printed_page(opened: Any, name: str) -> None:
    """Before printing, each figure is redrawn at the printable width, with nothing cut off."""
    page = opened(name).page
    with laid_out_for_paper(page):
        printed = page.eval_on_selector_all(".bb-figure.js-plotly-plot", FIGURE_GEOMETRY)
    assert printed, f"{name} has no figure"
    for figure in printed:
        where = f"{name} {figure['id']} in print"
        assert figure["width"] == pytest.approx(PRINT_WIDTH, abs=1), where
        assert figure["xtitle"].strip() and figure["ytitle"].strip(), f"{where}: axis titles lost"
        assert figure["outside"] == [], f"{where}: parts drawn outside the figure (cut off)"


@pytest.mark.parametrize("name", BRIEFS)
def test_legends_keep_clear_of_titles(opened: Any, name: str) -> None:
    page = opened(name).page
    on_screen = page.eval_on_selector_all(".bb-figure.js-plotly-plot", FIGURE_GEOMETRY)
    with laid_out_for_paper(page):
        on_paper = page.eval_on_selector_all(".bb-figure.js-plotly-plot", FIGURE_GEOMETRY)
    for medium, figures in (("on screen", on_screen), ("in print", on_paper)):
        for figure in figures:
            assert figure["overlaps"] == [], (
                f"{name} {figure['id']} {medium}: legend entries drawn over the title"
            )


# --- hostile data ------------------------------------------------------------------------------


def _rewrite_cell(path: Path, key: str, row_id: str, column: str, value: str) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields, rows = list(reader.fieldnames or []), list(reader)
    hits = [row for row in rows if row[key] == row_id]
    assert len(hits) == 1, f"{path.name} has no single row {row_id}"
    hits[0][column] = value
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_hostile_text_is_shown_not_run(tmp_path: Path, visit: Any) -> None:
    data = tmp_path / "data"
    shutil.copytree(PROJECT / "data", data)
    # C01 is an overview claim made by the outlet Nefes, so both land in the claims ledger.
    _rewrite_cell(data / "claims.csv", "claim_id", "C01", "proposition", "Offer " + HOSTILE)
    _rewrite_cell(data / "actors.csv", "actor_id", "nefes", "name", "Nefes " + HOSTILE)
    out = tmp_path / "out"
    done = run_cli("build", "--data", str(data), "--out", str(out), "--only", "overview")
    assert done.returncode == 0, done.stderr

    seen = visit(out / "overview.html")
    page = seen.page
    page.wait_for_timeout(200)  # give an injected onerror handler the time to fire
    assert page.evaluate("typeof window.__pwned") == "undefined", "text from the data ran"
    assert seen.foreign_requests() == [], "text from the data made the page load something"
    assert seen.page_errors == []
    text = page.evaluate("document.body.innerText")
    assert "Offer " + HOSTILE in text, "the claim is not shown verbatim"
    assert "Nefes " + HOSTILE in text, "the actor is not shown verbatim"
    assert page.get_by_text("<script>window.__pwned=1</script>").first.is_visible()
