"""WCAG 2.1 AA, checked by a real engine: axe-core (pinned, vendored by briefbook.assets) run in
headless Chromium on every brief and the index, as opened from file://.

No serious or critical violation is allowed, nor any report of the rules the project promises
(one main landmark, headings in order, table headers, contrast, text alternatives). Whatever
axe still reports (any impact, or "needs review") is written to ``test-artefacts/axe/NAME.json``
and printed with ``-s``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from briefbook import assets
from tests.conftest import PROJECT
from tests.test_browser import PAGES, browser, opened  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

REPORTS = PROJECT / "test-artefacts" / "axe"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
PROMISED = {
    "landmark-one-main", "landmark-no-duplicate-main", "region", "heading-order",
    "page-has-heading-one", "empty-heading", "empty-table-header", "th-has-data-cells",
    "td-headers-attr", "color-contrast", "image-alt", "svg-img-alt", "role-img-alt",
    "nested-interactive", "aria-valid-attr-value", "link-name", "document-title", "html-has-lang",
}
"""Rules for what the issue names: none of them may be reported at any impact."""


OPEN_ALL = """() => [...document.querySelectorAll('details:not([open])')].map(d => {
    d.open = true; return d; })"""


def axe_results(page: Any) -> dict[str, Any]:
    """axe-core's results for the page with every ``<details>`` opened, as a reader opening the
    data behind each chart would see it (the script is injected, not fetched)."""
    page.add_script_tag(content=assets.read_text(assets.AXE))
    were_closed = page.evaluate_handle(OPEN_ALL)
    try:
        return page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                             TAGS)
    finally:  # put the page back as it was
        page.evaluate("ds => ds.forEach(d => { d.open = false; })", were_closed)


def summary(results: dict[str, Any]) -> dict[str, list[str]]:
    """Each rule axe reports, with its impact and how many nodes (and of which kind) it names."""
    def nodes(rule: dict[str, Any]) -> str:
        svg = sum(1 for n in rule["nodes"] if any(k in t for k in ("svg", "text[", "tspan")
                                                  for t in map(str, n["target"])))
        return f"{len(rule['nodes'])} nodes, {svg} of them SVG text"

    return {kind: sorted(f"{r['id']} ({r.get('impact') or 'n/a'}, {nodes(r)})"
                         for r in results[kind]) for kind in ("violations", "incomplete")}


@pytest.mark.parametrize("name", PAGES)
def test_no_serious_accessibility_violations(opened: Any, name: str) -> None:  # noqa: F811
    page = opened(name).page
    results = axe_results(page)
    assert results["testEngine"]["version"] == assets.AXE.version
    found = summary(results)
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"{name}.json").write_text(json.dumps(found, indent=1) + "\n", encoding="utf-8")
    print(f"axe {assets.AXE.version} on {name}: {found}")
    serious = [f"{r['id']}: {r['help']} at {[n['target'] for n in r['nodes'][:3]]}"
               for r in results["violations"] if r["impact"] in {"serious", "critical"}]
    assert serious == [], f"{name}: {serious}"
    promised = [r["id"] for r in results["violations"] if r["id"] in PROMISED]
    assert promised == [], f"{name} breaks {promised}"
    assert page.get_by_role("main").count() == 1
    charts = page.locator("figure.bb-chart").count()
    assert page.get_by_role("figure", name="Chart: ").count() == charts  # each one labelled
