"""Tests for briefbook.render: tiny notebooks built in code, no kernels started."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import pytest
from bs4 import BeautifulSoup
from nbformat import v4

from briefbook.config import PROJECT_DIR, TEMPLATES_DIR
from briefbook.render import (
    PLOTLY_MIMETYPE,
    Renderer,
    external_resources,
    figure_json,
    plotly_js,
    render_html,
)
from tests.conftest import CHROMIUM_ARGS, require_chromium

TRICKY_TITLE = "Deliveries </script><!--<script> & more"
TABLE_HTML = (
    '<table class="bb-table"><thead><tr><th>Date</th><th>Status</th></tr></thead><tbody>'
    '<tr><td>2019-07-12</td><td><span class="bb-status bb-status-occurred">occurred</span>'
    ' <a class="bb-cite" href="#src-tass-p3">[1]</a></td></tr></tbody></table>'
)


def timeline_figure(title: str = "Timeline") -> go.Figure:
    df = pd.DataFrame(
        {
            "Phase": ["Talks", "Deliveries"],
            "Start": ["2017-01-01", "2019-07-12"],
            "Finish": ["2017-09-12", "2019-09-15"],
        }
    )
    return px.timeline(df, x_start="Start", x_end="Finish", y="Phase", title=title)


def bar_figure() -> go.Figure:
    return go.Figure(go.Bar(x=[3, 4], y=["a", "b"], base=[1, 2], orientation="h"))


def figure_output(fig: go.Figure, output_type: str = "display_data") -> nbformat.NotebookNode:
    data = {PLOTLY_MIMETYPE: fig.to_plotly_json()}
    if output_type == "execute_result":
        return v4.new_output("execute_result", data=data, execution_count=1)
    return v4.new_output("display_data", data=data)


def make_notebook(*, figures: bool = True) -> nbformat.NotebookNode:
    nb = v4.new_notebook()
    cells = [
        v4.new_markdown_cell(
            "# The S-400 *buy-back* offer\n\nLede: [report](https://example.org)."
        ),
        v4.new_code_cell(
            "country = 'TR'  # PARAMETERS-SOURCE",
            metadata={"tags": ["parameters"]},
            outputs=[v4.new_output("stream", name="stdout", text="PARAMETERS-OUTPUT")],
        ),
        v4.new_code_cell(
            "country = 'GR'  # INJECTED-SOURCE",
            metadata={"tags": ["injected-parameters"]},
            outputs=[v4.new_output("stream", name="stdout", text="INJECTED-OUTPUT")],
        ),
        v4.new_markdown_cell("## Key judgments\n\nCosts range from $2.5 billion to $3 billion."),
        v4.new_code_cell(
            "display(table)  # CODE-SOURCE",
            outputs=[
                v4.new_output(
                    "display_data", data={"text/html": TABLE_HTML, "text/plain": "PLAIN-REPR"}
                ),
                v4.new_output("stream", name="stderr", text="STDERR-NOISE"),
            ],
        ),
        v4.new_markdown_cell("## Timeline & phases"),
    ]
    if figures:
        cells += [
            v4.new_code_cell("fig.show()", outputs=[figure_output(timeline_figure(TRICKY_TITLE))]),
            v4.new_code_cell("fig", outputs=[figure_output(bar_figure(), "execute_result")]),
        ]
    cells += [
        v4.new_code_cell(
            "1 / 0",
            outputs=[
                v4.new_output(
                    "error",
                    ename="ZeroDivisionError",
                    evalue="ERROR-VALUE",
                    traceback=["\x1b[31mTRACEBACK-LINE\x1b[0m"],
                )
            ],
        ),
        v4.new_markdown_cell('## Sources\n\n<p id="src-tass-p3">TASS, paragraph 3.</p>'),
    ]
    nb.cells = cells
    return nb


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


@pytest.fixture(scope="module")
def html(renderer: Renderer) -> str:
    return renderer.render(make_notebook())


@pytest.fixture(scope="module")
def html_no_figures(renderer: Renderer) -> str:
    return renderer.render(make_notebook(figures=False))


def without_plotly_js(html: str) -> str:
    return html.replace(plotly_js(), "")


def figure_scripts(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    return [s.string or "" for s in soup.find_all("script") if "Plotly.newPlot" in (s.string or "")]


def newplot_args(script: str) -> list:
    """Decode the four JSON arguments of one ``Plotly.newPlot(...)`` call."""
    decoder, text, args = json.JSONDecoder(), script.removeprefix("Plotly.newPlot("), []
    while len(args) < 4:
        value, end = decoder.raw_decode(text)
        args.append(value)
        text = text[end:].removeprefix(", ")
    assert text == ");"
    return args


def test_figures_are_numbered_divs_with_newplot_scripts(html: str) -> None:
    soup = BeautifulSoup(without_plotly_js(html), "html.parser")
    divs = soup.select("div.bb-figure")
    assert [d["id"] for d in divs] == ["bb-figure-1", "bb-figure-2"]
    assert '<div class="bb-figure" id="bb-figure-1">' in html
    scripts = figure_scripts(html)
    assert len(scripts) == 2
    for number, script in enumerate(scripts, 1):
        assert script.startswith(f'Plotly.newPlot("bb-figure-{number}", [')
        assert '"responsive": true' in script
        assert '"displaylogo": false' in script
        assert '"typesetMath": false' in script
        assert '"showSendToCloud": false' in script
        assert "topojsonURL" not in script
    # each script follows its own div
    assert html.index('id="bb-figure-1"') < html.index('Plotly.newPlot("bb-figure-1"')
    assert html.index('Plotly.newPlot("bb-figure-1"') < html.index('id="bb-figure-2"')


def test_plotly_js_is_inlined_once_only_when_needed(html: str, html_no_figures: str) -> None:
    bundle = plotly_js()
    assert html.count(bundle) == 1
    assert html.count("* plotly.js (basic - minified) v4.1.1") == 1  # the vendored bundle
    assert html.index(bundle) < html.index('Plotly.newPlot("bb-figure-1"')
    assert "plotly.js" not in html_no_figures
    assert "<script" not in html_no_figures
    assert 'class="bb-figure"' not in html_no_figures


def test_nothing_is_loaded_from_the_network(html: str, html_no_figures: str) -> None:
    for doc in (without_plotly_js(html), html_no_figures):
        lowered = doc.lower()
        assert "<script src" not in lowered
        assert "require.js" not in lowered
        assert "requirejs" not in lowered
        assert "mathjax" not in lowered
        assert "cdn" not in lowered
        assert "<link" not in lowered
        assert "@import" not in lowered
        assert external_resources(doc) == []
    assert external_resources(html) == []
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.find_all("script", src=True)
    # a link in prose is fine: it is not loaded
    assert soup.find("a", href="https://example.org") is not None


def test_external_resources_finds_loaded_urls() -> None:
    doc = (
        '<script src="https://cdn.example/x.js"></script><link rel="stylesheet" href="//f.example">'
        '<img src="data:image/png;base64,AA=="><img src="local.png"><a href="https://ok.example">'
        '</a><div style="background: url(https://bg.example/i.png)"></div>'
        '<style>@import "https://fonts.example/f.css"; b { background: url(#x) }</style>'
    )
    assert external_resources(doc) == [
        "https://cdn.example/x.js",
        "//f.example",
        "local.png",
        "https://bg.example/i.png",
        "https://fonts.example/f.css",
    ]


def test_hidden_cells_code_stderr_errors_and_plain_fallbacks_are_dropped(html: str) -> None:
    for text in (
        "PARAMETERS-OUTPUT",
        "PARAMETERS-SOURCE",
        "INJECTED-OUTPUT",
        "INJECTED-SOURCE",
        "CODE-SOURCE",
        "STDERR-NOISE",
        "TRACEBACK-LINE",
        "ERROR-VALUE",
        "ZeroDivisionError",
        "PLAIN-REPR",
        "In&nbsp;[",
        "Out[",
        "jp-",
    ):
        assert text not in html, text
    assert TABLE_HTML in html


def test_stdout_outside_hidden_cells_is_kept(renderer: Renderer) -> None:
    nb = v4.new_notebook()
    nb.cells = [
        v4.new_code_cell("print('x')", outputs=[v4.new_output("stream", name="stdout", text="HI")])
    ]
    assert '<pre class="bb-stdout">HI</pre>' in renderer.render(nb)


def test_toc_lists_every_h2_in_order(html: str) -> None:
    soup = BeautifulSoup(html, "html.parser")
    nav = soup.select_one("nav.bb-toc")
    assert nav is not None
    headings = [h for h in soup.find_all("h2") if not h.find_parent("nav")]
    assert [h.get_text(strip=True) for h in headings] == [
        "Key judgments",
        "Timeline & phases",
        "Sources",
    ]
    links = nav.select("a")
    assert [a.get_text() for a in links] == [h.get_text(strip=True) for h in headings]
    assert [a["href"] for a in links] == [f"#{h['id']}" for h in headings]
    # nbconvert's pilcrow anchor links are gone
    assert "¶" not in html
    assert not soup.select("a.anchor-link")
    # near the top: right after the title cell, before the first section
    text = str(soup)
    assert text.index("<h1") < text.index("<nav") < text.index('id="Key-judgments"')


def test_toc_gives_ids_to_duplicate_and_raw_html_headings(renderer: Renderer) -> None:
    nb = v4.new_notebook()
    nb.cells = [
        v4.new_markdown_cell("## Notes"),
        v4.new_markdown_cell("## Notes"),
        v4.new_code_cell(
            "", outputs=[v4.new_output("display_data", data={"text/html": "<h2>Raw</h2>"})]
        ),
    ]
    soup = BeautifulSoup(renderer.render(nb), "html.parser")
    ids = [h["id"] for h in soup.find_all("h2")]
    assert len(set(ids)) == 3
    assert [a["href"] for a in soup.select("nav.bb-toc a")] == [f"#{i}" for i in ids]


def test_no_toc_without_sections(renderer: Renderer) -> None:
    nb = v4.new_notebook()
    nb.cells = [v4.new_markdown_cell("# Only a title\n\nAnd text.")]
    assert "bb-toc" not in renderer.render(nb).split("</style>")[1]


def test_title_is_argument_or_first_h1(renderer: Renderer, html: str) -> None:
    assert "<title>The S-400 buy-back offer</title>" in html
    titled = renderer.render(make_notebook(figures=False), title="Brief <one> & two")
    assert "<title>Brief &lt;one&gt; &amp; two</title>" in titled


def test_script_breaking_text_in_figures_is_escaped(html: str) -> None:
    soup = BeautifulSoup(html, "html.parser")
    # the document still has exactly the scripts we wrote: nothing broke out of them
    assert len(soup.find_all("script")) == 4  # plotly.js, print helper, 2 figures
    assert len(figure_scripts(html)) == 2
    first = figure_scripts(html)[0]
    assert "</script" not in first and "<!--" not in first and "<" not in first
    # ...and the escaped JSON still means the original text
    figure_id, data, layout, config = newplot_args(first)
    assert figure_id == "bb-figure-1"
    assert layout["title"]["text"] == TRICKY_TITLE
    assert data[0]["type"] == "bar" and data[0]["y"] == ["Talks", "Deliveries"]
    assert config == {
        "displaylogo": False,
        "plotlyServerURL": "",
        "responsive": True,
        "showSendToCloud": False,
        "typesetMath": False,
    }


def test_figure_json_is_sorted_and_script_safe() -> None:
    value = {"b": "</script>", "a": "x\u2028y & z", "c": np.array([1.5, np.nan])}
    text = figure_json(value)
    assert text == ('{"a": "x\\u2028y \\u0026 z", "b": "\\u003c/script\\u003e", "c": [1.5, null]}')
    assert json.loads(text) == {"a": "x\u2028y & z", "b": "</script>", "c": [1.5, None]}


def test_renders_are_identical_and_machine_independent(renderer: Renderer, html: str) -> None:
    assert renderer.render(make_notebook()) == html
    assert render_html(make_notebook()) == html
    for path in (str(TEMPLATES_DIR), str(PROJECT_DIR), os.getcwd(), str(Path.home())):
        assert path not in without_plotly_js(html)
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-", without_plotly_js(html))


def test_renders_in_two_processes_are_byte_identical(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        f"sys.path[:0] = [{str(Path(__file__).parent)!r}, {str(PROJECT_DIR)!r}]\n"
        "from test_render import make_notebook\n"
        "from briefbook.render import render_html\n"
        "sys.stdout.buffer.write(render_html(make_notebook()).encode())\n"
    )
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            check=True,
            cwd=tmp_path,
            env=env,
            timeout=120,
        )
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) > len(plotly_js())


def test_renderer_is_reusable_and_leaves_the_notebook_alone(renderer: Renderer) -> None:
    nb = make_notebook()
    before = figure_json(copy.deepcopy(nb))
    first = renderer.render(nb)
    assert figure_json(nb) == before
    other = v4.new_notebook()
    other.cells = [v4.new_code_cell("fig", outputs=[figure_output(bar_figure())])]
    second = renderer.render(other)
    # numbering restarts for every brief
    assert 'id="bb-figure-1"' in second and 'id="bb-figure-2"' not in second
    assert renderer.render(nb) == first


def test_output_metadata_is_not_shown_and_json_round_trips(renderer: Renderer) -> None:
    # the same figure as it comes out of a kernel (plain JSON) and from to_plotly_json (numpy)
    fig = timeline_figure()
    as_json = json.loads(fig.to_json())
    nb_numpy, nb_json = v4.new_notebook(), v4.new_notebook()
    nb_numpy.cells = [v4.new_code_cell("", outputs=[figure_output(fig)])]
    nb_json.cells = [
        v4.new_code_cell(
            "", outputs=[v4.new_output("display_data", data={PLOTLY_MIMETYPE: as_json})]
        )
    ]
    a, b = renderer.render(nb_numpy), renderer.render(nb_json)
    assert newplot_args(figure_scripts(a)[0]) == newplot_args(figure_scripts(b)[0])
    assert "briefbook" not in without_plotly_js(a).split("</style>")[1]


@pytest.mark.browser
def test_chromium_draws_the_figures(html: str, tmp_path: Path) -> None:
    chromium = require_chromium()
    page = tmp_path / "brief.html"
    page.write_text(html, encoding="utf-8")
    done = subprocess.run(
        [
            chromium,
            "--headless",
            *CHROMIUM_ARGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=5000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    dom = BeautifulSoup(done.stdout, "html.parser")
    for number in (1, 2):
        div = dom.find(id=f"bb-figure-{number}")
        assert div is not None
        assert "js-plotly-plot" in div["class"]
        assert div.select("svg.main-svg")
    assert "Share chart" not in done.stdout.split("</script>")[-1]
