"""The build, tested as used: real kernels, real papermill, the real renderer."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT, run_cli

pytestmark = pytest.mark.slow

MANIFEST = json.loads((PROJECT / "manifest.json").read_text(encoding="utf-8"))
NAMES = [b["name"] for b in MANIFEST["briefs"]]
EXTERNAL = re.compile(r"<(?:script|link|img|iframe|source|video|audio)\b[^>]*\b(?:src|href)\s*=\s*"
                      r"[\"']?(?:https?:)?//", re.IGNORECASE)
# What a reader must find in each brief: its key figures and findings.
KEY_CONTENT = {
    "overview": ["Nefes", "RIA Novosti", "no such offer", 'href="caatsa_f35.html"',
                 'href="india_s400_timeline.html"', "What each party wants", "DISPUTED".lower(),
                 'id="alternatives"', "bb-ach-matrix", "best discriminates", "Findings."],
    "caatsa_f35": ["CAATSA", "inactive storage", "full disposal", "Greece", "F-16",
                   "That the US would tolerate inactive storage: Yaşar Güler",
                   "voices to weigh, not votes to count", 'href="overview.html#alternatives"'],
    "steel_dome": ["Integration matrix", "reported not integrable",
                   "Keep the systems",
                   "Transfer to Ukraine", "end-user certificate", "shelf life"],
    "india_s400_timeline": ["<strong>3 of 5</strong>", "US$1.09 billion", "by 2027",
                            "May 2025", "Case this brief leads with: baseline", "US$5.43 billion"],
    "india_s400_timeline_buyback": ["Case this brief leads with: buyback",
                                    "<strong>3 of 5</strong>"],
}


def html_of(folder: Path, name: str) -> str:
    return (folder / f"{name}.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", NAMES)
def test_each_brief_shows_its_key_content_and_sources(built_briefs: Path, name: str) -> None:
    html = html_of(built_briefs, name)
    for needle in KEY_CONTENT[name]:
        assert needle in html, f"{name} lacks {needle!r}"
    for source in ("s000", "s002", "s004"):
        assert f'id="src-{source}"' in html
    for section in ("Bottom line", "Key assumptions", "Timeline", "Claims ledger",
                    "Indicators to watch", "Sources"):
        assert f">{section}<" in html
    # ICD 203: every judgment states its horizon; the sourcing line counts origins.
    assert html.count('class="bb-judgment"') == html.count("Horizon: ")
    assert "independent origins" in html
    assert "Data fingerprint" in html and "bb-figure-1" in html


@pytest.mark.parametrize("name", [*NAMES, "index"])
def test_briefs_load_nothing_from_the_network_and_show_no_code(built_briefs, name) -> None:
    html = html_of(built_briefs, name)
    assert not EXTERNAL.findall(html)
    assert "require.js" not in html and "MathJax.js" not in html
    for leak in ("Traceback", "import briefbook", str(PROJECT), "/tmp/", "bb.open_brief"):
        assert leak not in html, f"{name} shows {leak!r}"


def test_index_links_every_brief_with_bottom_line_and_fingerprint(built_briefs: Path) -> None:
    index = html_of(built_briefs, "index")
    fingerprint = re.search(r"data fingerprint <code>([0-9a-f]{12})</code>", index)[1]
    for name in NAMES:
        assert f'href="{name}.html"' in index
    # Every brief of one edition with the same filters shares its scope's fingerprint, and the
    # header of each brief shows the same one.
    assert index.count(fingerprint) == len(NAMES)
    assert fingerprint in html_of(built_briefs, "overview")
    assert index.count("· as of 2025-10-31") == len(NAMES)
    assert "Russia had offered Turkey to buy back" in index  # the overview's bottom line
    assert "Edition history" in index and "Key judgments across editions" in index


def test_citations_all_land_on_a_source_entry(built_briefs: Path) -> None:
    for name in NAMES:
        html = html_of(built_briefs, name)
        targets = set(re.findall(r'href="#(src-[^"]+)"', html))
        ids = set(re.findall(r'id="(src-[^"]+)"', html))
        assert targets and targets <= ids, (name, sorted(targets - ids)[:5])


def test_same_inputs_give_byte_identical_briefs(built_briefs: Path, tmp_path: Path) -> None:
    done = run_cli("build", "--out", str(tmp_path), "--only", "caatsa_f35", "overview")
    assert done.returncode == 0, done.stderr
    for name in ("caatsa_f35", "overview"):
        fresh, first = tmp_path / f"{name}.html", built_briefs / f"{name}.html"
        assert fresh.read_bytes() == first.read_bytes()


def test_warm_build_takes_everything_from_the_cache(built_briefs: Path) -> None:
    executed = sorted((built_briefs / "executed").glob("*.ipynb"))
    before = {p: p.stat().st_mtime_ns for p in executed}
    done = run_cli("build", "--out", str(built_briefs))
    assert done.returncode == 0, done.stderr
    for name in NAMES:
        assert f"briefbook: {name}: cached" in done.stderr
    assert "running" not in done.stderr
    assert {p: p.stat().st_mtime_ns for p in executed} == before


def test_as_of_before_every_source_says_so(tmp_path: Path) -> None:
    done = run_cli("build", "--out", str(tmp_path), "--only", "overview", "-p", "as_of=2019-01-01")
    assert done.returncode == 0, done.stderr
    html = html_of(tmp_path, "overview")
    assert "No source passes these parameters" in html
    assert "none certainly published by 2019-01-01" in html
    assert "Sources used</th><td>0</td>" in html
    assert "No edition is dated on or before this as-of date" in html


def test_bad_parameter_on_the_command_line_names_brief_parameter_and_value(tmp_path) -> None:
    done = run_cli("build", "--out", str(tmp_path), "-p", "scenario=invasion",
                   "--only", "india_s400_timeline")
    assert done.returncode == 1
    assert ("Brief 'overview': parameter 'scenario' was given 'invasion'" in done.stderr
            or "parameter 'scenario' was given 'invasion'" in done.stderr)
    assert "Traceback" not in done.stderr
    assert not list(tmp_path.glob("*.html"))


def papermill(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("papermill")
    return subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_papermill_cli_runs_a_notebook_with_a_scenario(tmp_path: Path) -> None:
    notebook = PROJECT / "notebooks" / "india_s400_timeline.ipynb"
    done = papermill(str(notebook), str(tmp_path / "out.ipynb"), "-p", "scenario", "buyback",
                     cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    executed = (tmp_path / "out.ipynb").read_text(encoding="utf-8")
    assert "Case this brief leads with: buyback" in executed


def test_papermill_cli_stops_on_a_bad_date_naming_as_of(tmp_path: Path) -> None:
    notebook = PROJECT / "notebooks" / "caatsa_f35.ipynb"
    done = papermill(str(notebook), str(tmp_path / "out.ipynb"), "-p", "as_of", "not-a-date",
                     cwd=tmp_path)
    assert done.returncode != 0
    assert "Parameter 'as_of' was given 'not-a-date'" in done.stderr
    out = json.loads((tmp_path / "out.ipynb").read_text(encoding="utf-8"))
    code = [c for c in out["cells"] if c["cell_type"] == "code"]
    failed = [i for i, c in enumerate(code) if any(o.get("output_type") == "error"
                                                   for o in c["outputs"])]
    assert failed == [2]  # the cell right after the parameters (and the injected ones)
