"""Editions: what each edition holds, what changed between them, and that adding a source and
rows for a new edition leaves every earlier edition byte-identical (end to end, on a fixture)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

import pytest

from briefbook import config, editions
from briefbook.brief import open_brief
from briefbook.load import load_book
from briefbook.params import check_params
from briefbook.scope import make_scope
from tests.conftest import run_cli

FIXTURE = Path(__file__).parent / "fixtures" / "sources" / "010_fixture_report.txt"


def scope_at(thread: str, as_of: str | None = None, data_dir: Path | None = None):
    params = {"as_of": as_of} if as_of else {}
    return make_scope(load_book(data_dir), thread, check_params(thread, **params))


def test_inclusion_rule_uses_the_last_possible_publication_day() -> None:
    assert editions.source_included("2025-09-08/2025-09~", dt.date(2025, 9, 30))
    assert not editions.source_included("2025-09~/2025-10~", dt.date(2025, 9, 30))
    assert editions.source_included("2025-09~/2025-10~", dt.date(2025, 10, 31))


def test_edition_one_holds_only_what_was_certainly_published_by_its_date() -> None:
    scope = scope_at("overview", "2025-09-30")
    assert scope.edition.number == 1
    assert list(scope.sources.source_id) == ["s002"]
    claims = scope["claims"].set_index("claim_id")
    # Rows as edition 1 knew them: no named origin yet, one origin so no confirmation.
    assert claims.loc["C03", "origin"] == "turkish_media"
    assert claims.loc["C21", "credibility"] == 3
    judgments = scope["judgments"].set_index("judgment_id")
    assert set(judgments.edition) == {1}
    assert judgments.loc["J01", "horizon"] == "2025-09"
    assert "J12" not in judgments.index  # first made in edition 2


def test_edition_two_applies_its_revisions_and_versions() -> None:
    scope = scope_at("overview")
    assert scope.edition.number == 2 and scope.as_of == dt.date(2025, 10, 31)
    claims = scope["claims"].set_index("claim_id")
    assert claims.loc["C03", "origin"] == "nefes"
    assert claims.loc["C21", "credibility"] == 1  # a second, C-graded origin (s004, V07)
    caatsa = scope_at("caatsa_f35")["judgments"].set_index("judgment_id")
    assert caatsa.loc["J10", "confidence"] == "moderate"


def test_an_as_of_between_editions_keeps_the_earlier_editions_judgments() -> None:
    scope = scope_at("caatsa_f35", "2025-10-15")
    assert scope.edition.number == 1 and scope.baseline.number == 1
    assert scope["judgments"].set_index("judgment_id").loc["J10", "confidence"] == "low"


def test_what_changed_names_sources_moves_and_revisions() -> None:
    first = open_brief("caatsa_f35", as_of="2025-09-30").what_changed()
    assert "This is the first edition" in first
    second = open_brief("caatsa_f35").what_changed()
    for needle in ("Since edition 1", "Sources added (2)", "s004", "Judgments moved",
                   "J10: likely, low confidence → likely, moderate confidence",
                   "Revised rows", "C27 credibility now 1"):
        assert needle in second, needle
    assert 'class="bb-cite"' in second


def _copy_book(tmp_path: Path) -> tuple[Path, Path]:
    data, seeds = tmp_path / "data", tmp_path / "seeds"
    shutil.copytree(config.DATA_DIR, data)
    shutil.copytree(config.SOURCES_DIR, seeds)
    return data, seeds


def _append(path: Path, row: list[str]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(row)
    path.write_text(path.read_text(encoding="utf-8") + out.getvalue(), encoding="utf-8")


def _fill_source(path: Path, source_id: str, values: dict[str, str]) -> None:
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    for row in rows:
        if row["source_id"] == source_id:
            row.update(values)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def test_fingerprint_of_an_edition_ignores_rows_for_later_editions(tmp_path: Path) -> None:
    data, _ = _copy_book(tmp_path)
    before = scope_at("overview", "2025-09-30", data).fingerprint
    _append(data / "actors.csv", ["newcomer", "A newcomer", "person", "true",
                                  "Someone only a later text names.", "s004", "2", "Nefes"])
    latest = scope_at("overview", None, data).fingerprint
    assert scope_at("overview", "2025-09-30", data).fingerprint == before
    assert latest == scope_at("overview").fingerprint  # an actor no row names is not shown
    _append(data / "claims.csv", [
        "C901", "overview", "", "A newcomer is said to have spoken.", "newcomer", "newcomer",
        "true", "eurasian_times", "asserts", "report", "false", "3", "One origin (rule 3).",
        "s004", "2", "Nefes"])
    assert scope_at("overview", "2025-09-30", data).fingerprint == before
    assert scope_at("overview", None, data).fingerprint != latest


@pytest.mark.slow
def test_a_new_source_and_edition_leave_earlier_editions_byte_identical(tmp_path: Path) -> None:
    """The README's path, end to end: add the text, add rows, add an edition, rebuild."""
    data, seeds = _copy_book(tmp_path)
    out = tmp_path / "briefs"
    common = ["--data", str(data), "--sources", str(seeds), "--out", str(out)]
    first = run_cli("build", "--all-editions", "--only", "overview", *common)
    assert first.returncode == 0, first.stderr
    earlier = {p.relative_to(out): p.read_bytes()
               for n in ("1", "2") for p in (out / "editions" / n).glob("*.html")}
    assert len(earlier) == 4  # overview and index of editions 1 and 2

    added = run_cli("source", "add", str(FIXTURE), "--data", str(data), "--sources", str(seeds))
    assert added.returncode == 0, added.stderr
    assert "s010" in added.stdout and "¶2" in added.stdout
    _fill_source(data / "sources.csv", "s010", {
        "title": "Test fixture", "kind": "news report", "identity_basis": "A test fixture.",
        "published": "2025-11-15", "published_basis": "The fixture's own date, for the test.",
        "reliability": "F", "reliability_rationale": "Rule R (F): a fixture names no outlet."})
    _append(data / "actors.csv", ["fixture_writer", "Fixture writer", "person", "false",
                                  "The unnamed writer of the test fixture.", "s010", "2",
                                  "opened a small public library"])
    _append(data / "claims.csv", [
        "C900", "overview", "", "The fixture says a small town opened a public library.",
        "fixture_writer", "fixture_writer", "false", "fixture_writer", "asserts", "report",
        "false", "3", "One origin in an unidentified text (rule 3).", "s010", "2",
        "opened a small public library"])
    _append(data / "editions.csv", ["3", "2025-11-30", "Adds the test fixture."])
    _append(data / "revisions.csv", [
        "V99", "3", "indicators", "I01", "status", "observed",
        "Fixture: marks the indicator observed to test status changes.", "s010", "2",
        "opened a small public library"])
    valid = run_cli("validate", "--data", str(data), "--sources", str(seeds))
    assert valid.returncode == 0, valid.stdout + valid.stderr

    second = run_cli("build", "--all-editions", "--only", "overview", *common)
    assert second.returncode == 0, second.stderr
    for rel, content in earlier.items():
        assert (out / rel).read_bytes() == content, f"{rel} changed"
    assert second.stderr.count("overview: cached") >= 2  # editions 1 and 2 were not rerun
    newest = (out / "editions" / "3" / "overview.html").read_text(encoding="utf-8")
    for needle in ("Since edition 2", "Sources added (1)", "s010", "C900",
                   "Indicators newly observed", "I01"):
        assert needle in newest, needle
    assert (out / "overview.html").read_bytes() == newest.encode("utf-8")
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="editions/3/index.html"' in index and 'href="editions/1/index.html"' in index
