"""Render an executed notebook into one self-contained, offline HTML brief.

The brief is meant for readers who open it offline, print it or e-mail it, so the HTML:

* shows outputs only (no code, prompts, stderr, tracebacks or ``parameters`` cells);
* loads nothing from the network: plotly.js's basic bundle (scatter, bar, pie), vendored by
  :mod:`briefbook.assets`, is inlined once, and only when the brief has a figure; a figure
  with any other trace type is refused;
* reads without scripts and with a screen reader: each figure is labelled with its title and
  points at the "Data behind this chart" table under it (:mod:`briefbook.chartdata`), which is
  open in the file and closed by script, so without JavaScript the table stands in for the
  chart;
* is byte-deterministic: figures are numbered ``bb-figure-1``, ``bb-figure-2``... in order and
  their JSON is written with sorted keys, so the same notebook always gives the same bytes.

Typical use::

    renderer = Renderer()          # builds the nbconvert exporter once
    html = renderer.render(nb)     # ...and renders as many notebooks as needed
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from functools import cache
from typing import Any

import nbformat
from bs4 import BeautifulSoup, Tag
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from plotly.utils import PlotlyJSONEncoder
from traitlets.config import Config

from briefbook import assets
from briefbook.chartdata import DATA_CLASS
from briefbook.config import TEMPLATES_DIR
from briefbook.exceptions import BriefbookError

__all__ = [
    "HIDDEN_TAGS",
    "PLOTLY_MIMETYPE",
    "Renderer",
    "external_resources",
    "figure_json",
    "render_html",
]

PLOTLY_MIMETYPE = "application/vnd.plotly.v1+json"
TEMPLATE_NAME = "briefbook"
HIDDEN_TAGS = frozenset({"parameters", "injected-parameters"})
"""Cells carrying any of these tags are dropped from the brief."""

# The richest representation wins; javascript, widgets and mermaid are left out on purpose:
# they need scripts from a CDN, so such outputs fall back to their next-best mimetype.
DISPLAY_PRIORITY = [
    PLOTLY_MIMETYPE,
    "text/html",
    "text/markdown",
    "image/svg+xml",
    "image/png",
    "image/jpeg",
    "text/latex",
    "text/plain",
]

# ``typesetMath: False`` keeps plotly.js from ever looking for MathJax. plotly.js 4 (bundled with
# plotly 7) adds a "Share chart..." modebar button that uploads the figure to Plotly Cloud:
# ``showSendToCloud: False`` and an empty ``plotlyServerURL`` remove it. ``topojsonURL`` is left
# unset on purpose (it is only fetched by geo traces, which briefs do not use).
PLOTLY_CONFIG = {
    "displaylogo": False,
    "plotlyServerURL": "",
    "responsive": True,
    "showSendToCloud": False,
    "typesetMath": False,
}

# Plotly lays a figure out at the screen width and does not re-lay it out for paper, so before
# printing each figure is redrawn at the printable width, and back after.
PRINT_JS = """\
(function () {
  var PRINT_WIDTH = 680;
  function figures() { return document.querySelectorAll(".bb-figure.js-plotly-plot"); }
  window.addEventListener("beforeprint", function () {
    figures().forEach(function (gd) { Plotly.relayout(gd, {width: PRINT_WIDTH}); });
  });
  window.addEventListener("afterprint", function () {
    figures().forEach(function (gd) {
      Plotly.relayout(gd, {width: null, autosize: true}).then(function () {
        Plotly.Plots.resize(gd);
      });
    });
  });
}());"""

# The data tables under the charts are open in the file, so that they stand in for the charts
# when scripts do not run; with scripts they start collapsed.
DATA_JS = f"""\
document.addEventListener("DOMContentLoaded", function () {{
  document.querySelectorAll("details.{DATA_CLASS}[open]").forEach(function (d) {{
    d.open = false;
  }});
}});"""

_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}
_SCRIPT_ESCAPE_RE = re.compile("[<>&]")


def figure_json(value: Any) -> str:
    """Dump ``value`` as JSON that is safe to paste inside an HTML ``<script>`` element.

    Keys are sorted for determinism. plotly's own encoder turns what a raw
    ``fig.to_plotly_json()`` may hold (numpy arrays, datetimes, NaN) into the JSON plotly.js
    expects. ``<``, ``>`` and ``&`` can only occur inside JSON strings, where ``\\u003c`` etc.
    mean the same to JavaScript, so no text in a figure (``</script>``, ``<!--``) can end or
    derail the script element; ``ensure_ascii`` also covers U+2028/U+2029.
    """
    text = json.dumps(value, cls=PlotlyJSONEncoder, sort_keys=True, ensure_ascii=True)
    return _SCRIPT_ESCAPE_RE.sub(lambda m: _SCRIPT_ESCAPES[m.group()], text)


@cache
def plotly_js() -> str:
    """The plotly.js bundle briefs embed (vendored, integrity-checked)."""
    # The bundle contains no "</script" today; keep it that way should a release add one.
    return re.sub(r"</(script)", r"<\\/\1", assets.read_text(assets.PLOTLY),
                  flags=re.IGNORECASE)


class _BriefPreprocessor(Preprocessor):
    """Drop what readers must not see and number the plotly figures.

    Runs on nbconvert's private copy of the notebook, so the caller's notebook is untouched.
    """

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict) -> tuple:
        count = 0
        cells = []
        for cell in nb.cells:
            if HIDDEN_TAGS.intersection(cell.get("metadata", {}).get("tags", [])):
                continue
            if cell.cell_type == "code":
                cell.outputs = [out for out in cell.get("outputs", []) if _shown(out)]
                for output in cell.outputs:
                    if PLOTLY_MIMETYPE in output.get("data", {}):
                        count += 1
                        output.setdefault("metadata", nbformat.NotebookNode())
                        output.metadata["briefbook"] = {
                            "figure": _figure(count, output.data[PLOTLY_MIMETYPE])
                        }
            cells.append(cell)
        nb.cells = cells
        resources.setdefault("briefbook", {})["figure_count"] = count
        if count:
            resources["briefbook"]["plotly_js"] = plotly_js()
            resources["briefbook"]["print_js"] = PRINT_JS + "\n" + DATA_JS
        return nb, resources


def _shown(output: nbformat.NotebookNode) -> bool:
    """Errors and stderr are for the build log, never for readers."""
    kind = output.get("output_type")
    return kind != "error" and not (kind == "stream" and output.get("name") != "stdout")


def _figure(number: int, spec: Any) -> dict[str, str]:
    traces = spec.get("data", [])
    other = sorted({str(t.get("type", "scatter")) for t in traces} - assets.PLOTLY_TRACE_TYPES)
    if other:
        raise BriefbookError(
            f"figure {number} uses trace type(s) {', '.join(other)}; the embedded plotly.js "
            f"basic bundle draws only {', '.join(sorted(assets.PLOTLY_TRACE_TYPES))}")
    config = {**(spec.get("config") or {}), **PLOTLY_CONFIG}
    config.pop("topojsonURL", None)
    title = (spec.get("layout") or {}).get("title") or {}
    title = title.get("text", "") if isinstance(title, dict) else str(title)
    return {
        "id": f"bb-figure-{number}",
        "title": re.sub(r"<[^>]*>", " ", str(title or f"Figure {number}")).strip(),
        "data": figure_json(spec.get("data", [])),
        "layout": figure_json(spec.get("layout", {})),
        "config": figure_json(config),
    }


class Renderer:
    """Render executed notebooks to HTML briefs, reusing one nbconvert exporter.

    The exporter resolves and compiles its Jinja templates on first use and keeps them, so a
    build that renders many briefs should create one ``Renderer`` and call :meth:`render` for
    each notebook. ``render`` is serialised with a lock because nbconvert
    exporters keep per-call state and are not thread-safe.
    """

    def __init__(self) -> None:
        config = Config({"NbConvertBase": {"display_data_priority": DISPLAY_PRIORITY}})
        self._exporter = HTMLExporter(
            config=config,
            template_name=TEMPLATE_NAME,
            extra_template_basedirs=[str(TEMPLATES_DIR)],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            embed_images=True,
        )
        self._exporter.register_preprocessor(_BriefPreprocessor(), enabled=True)
        self._lock = threading.Lock()

    def render(self, nb: nbformat.NotebookNode, *, title: str | None = None) -> str:
        """Return the HTML document for ``nb``.

        Parameters
        ----------
        nb
            An executed notebook; it is not modified.
        title
            The document ``<title>``; defaults to the text of the notebook's first H1.
        """
        with self._lock:
            body, _ = self._exporter.from_notebook_node(nb, resources={"briefbook": {}})
        return _postprocess(body, title=title, fallback_title=nb.metadata.get("title"))


def _postprocess(html: str, *, title: str | None, fallback_title: str | None) -> str:
    """Add the table of contents and the ``<title>``, drop nbconvert's heading anchor links."""
    soup = BeautifulSoup(html, "html.parser")
    main = soup.find("main")
    assert isinstance(main, Tag), "the briefbook template always emits <main>"
    for link in main.select("a.anchor-link"):
        link.decompose()
    _link_chart_data(main)

    h1 = main.find("h1")
    if title is None:
        title = h1.get_text(" ", strip=True) if isinstance(h1, Tag) else None
    assert isinstance(soup.title, Tag)
    soup.title.string = title or fallback_title or "Brief"

    nav = _toc(soup, main.find_all("h2"))
    header = main.find("table", class_="bb-header")
    if nav is not None and isinstance(header, Tag):
        # Title, lede, header (as-of date, parameters, fingerprint), then the contents.
        cell = header.find_parent("div", class_="bb-cell")
        (cell if isinstance(cell, Tag) else header).insert_after(nav)
    elif nav is not None:
        if isinstance(h1, Tag):
            cell = h1.find_parent("div", class_="bb-cell")
            # Title, lede, contents - unless the title cell already holds sections.
            anchor = cell if isinstance(cell, Tag) and cell.find("h2") is None else h1
            anchor.insert_after(nav)
        else:
            main.insert(0, nav)
    text = str(soup)
    return text if text.endswith("\n") else text + "\n"


def _link_chart_data(main: Tag) -> None:
    """Give each figure's data table an id, point the figure at it and open it in the file
    (a script closes it; without scripts it stands in for the chart)."""
    for figure in main.select("figure.bb-chart"):
        plot = figure.find("div", class_="bb-figure")
        cell = figure.find_parent("div", class_="bb-cell")
        data = cell.find("details", class_=DATA_CLASS) if isinstance(cell, Tag) else None
        if not isinstance(data, Tag) or not isinstance(plot, Tag) or data.get("id"):
            continue
        data["id"] = f"{plot['id']}-data"
        data["open"] = ""
        figure["aria-details"] = data["id"]


def _toc(soup: BeautifulSoup, headings: Iterable[Tag]) -> Tag | None:
    used = {str(tag["id"]) for tag in soup.find_all(id=True)}
    seen: set[str] = set()
    items = []
    for heading in headings:
        label = heading.get_text(" ", strip=True)
        ident = str(heading.get("id") or "")
        if not ident or ident in seen:  # missing (raw HTML output) or duplicate heading text
            base = ident or "section-" + (re.sub(r"[^\w-]+", "-", label).strip("-") or "x")
            ident, n = base, 2
            while ident in used:
                ident, n = f"{base}-{n}", n + 1
            heading["id"] = ident
            used.add(ident)
        seen.add(ident)
        items.append((ident, label))
    if not items:
        return None
    nav = soup.new_tag("nav", attrs={"class": "bb-toc", "aria-label": "Contents"})
    caption = soup.new_tag("p", attrs={"class": "bb-toc-title"})
    caption.string = "Contents"
    nav.append(caption)
    ol = soup.new_tag("ol")
    for ident, label in items:
        li = soup.new_tag("li")
        link = soup.new_tag("a", href=f"#{ident}")
        link.string = label
        li.append(link)
        ol.append(li)
    nav.append(ol)
    return nav


def external_resources(html: str) -> list[str]:
    """List what a brief would load from outside itself, network or disk (should be empty).

    Looks at ``src``/``href`` of the elements a browser fetches on its own (scripts, ``<link>``s,
    images, frames, media) and at CSS ``url()``/``@import``; not at ordinary ``<a>`` links nor at
    text inside scripts (plotly.js mentions URLs that it never loads for these figures).
    """
    soup = BeautifulSoup(html, "html.parser")
    found = []
    for tag in soup.find_all(
        ["script", "link", "img", "iframe", "embed", "source", "video", "audio", "object", "input"]
    ):
        for attr in ("src", "href", "data", "srcset"):
            value = str(tag.get(attr) or "").strip()
            if value and not value.startswith(("data:", "#")):
                found.append(value)
    css = [str(tag["style"]) for tag in soup.find_all(style=True)]
    css += [tag.get_text() for tag in soup.find_all("style")]
    for text in css:
        found += re.findall(r"url\(\s*['\"]?(?!data:|#)([^'\")]+)", text)
        found += re.findall(r"@import\s+['\"]([^'\"]+)", text)
    return found


_default_renderer: Renderer | None = None
_default_lock = threading.Lock()


def render_html(nb: nbformat.NotebookNode, *, title: str | None = None) -> str:
    """Render ``nb`` with a module-wide :class:`Renderer` (built on first use)."""
    global _default_renderer
    with _default_lock:
        if _default_renderer is None:
            _default_renderer = Renderer()
        renderer = _default_renderer
    return renderer.render(nb, title=title)
