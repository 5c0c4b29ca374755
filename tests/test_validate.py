"""The validator: the real package passes, its provenance holds, and every kind of bad input is
reported with the file, line and column a spreadsheet editor needs, without a traceback.

The catalogue copies ``data/`` into a temporary folder, breaks exactly one thing and runs the CLI
as a user would. Each run costs a few CPU-seconds (interpreter, imports, Frictionless), so the
runs this session selected start together on a thread pool the first time a catalogue test asks
for its result; each test then checks its own run.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from briefbook import config
from briefbook.validate import (
    MAX_EVIDENCE_WORDS,
    MAX_SHARED_WORDS,
    _longest_shared_run,
    _rule_checks,
    validate_package,
)

PROJECT_DIR = config.PROJECT_DIR
DATA_DIR = config.DATA_DIR
SOURCES_DIR = config.SOURCES_DIR
SEEDS = str(SOURCES_DIR)

# --- helpers: read and break a copied data package -------------------------------------------


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def write_csv(path: Path, rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def line_of(path: Path, key: str) -> int:
    """The physical line (from 1) of the one row whose first cell is ``key``."""
    lines = [n for n, text in enumerate(path.read_bytes().split(b"\n"), 1)
             if text.startswith(key.encode() + b",")]
    assert len(lines) == 1, f"{key} is on lines {lines} of {path}"
    return lines[0]


def set_cell(path: Path, key: str, column: str, value: str) -> int:
    """Set one cell of the row whose first cell is ``key`` (or whose first cells are ``key``'s
    comma-separated parts, as ``J02,2`` for a judgment version); returns that row's line."""
    rows = read_csv(path)
    index = rows[0].index(column)
    parts = key.split(",")
    matches = [row for row in rows[1:] if row[:len(parts)] == parts]
    assert len(matches) == 1, f"{key} is not one row of {path}"
    assert matches[0][index] != value, "the edit must change something"
    line = line_of(path, key)
    matches[0][index] = value
    write_csv(path, rows)
    return line


def replace_line(path: Path, old: str, new: str) -> int:
    """Replace the one line equal to ``old``; returns its number (from 1)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines.count(old) == 1, f"{old!r} is not exactly one line of {path}"
    number = lines.index(old) + 1
    lines[number - 1] = new
    path.write_text("\n".join(lines), encoding="utf-8")
    return number


def append_line(path: Path, text: str) -> int:
    """Add one line at the end of a file that ends with a newline; returns its number."""
    old = path.read_text(encoding="utf-8")
    assert old.endswith("\n")
    path.write_text(old + text + "\n", encoding="utf-8")
    return old.count("\n") + 1


def physical_line(path: Path, number: int) -> str:
    return path.read_text(encoding="utf-8").split("\n")[number - 1]


def copy_data(parent: Path) -> Path:
    data = parent / "data"
    shutil.copytree(DATA_DIR, data)
    return data


def run_validate(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "briefbook", "validate", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )


@pytest.fixture
def data_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the real package at ``tmp_path/data``, with ``tmp_path`` as cwd."""
    monkeypatch.chdir(tmp_path)
    return copy_data(tmp_path)


# --- the real package ------------------------------------------------------------------------


def test_real_package_is_valid_without_sources() -> None:
    assert validate_package(DATA_DIR) == []


def test_real_package_is_valid_with_sources() -> None:
    assert validate_package(DATA_DIR, SOURCES_DIR) == []


def test_cli_validates_real_package_with_sources() -> None:
    done = run_validate("--sources", SEEDS, cwd=PROJECT_DIR)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    valid = f"The data package in data and its provenance against {SEEDS} is valid."
    assert done.stdout.strip() == valid


def _paragraphs(path: Path) -> dict[int, str]:
    """Paragraph number (from 1) to text: the non-empty lines of a source file, stripped."""
    lines = [text.strip() for text in path.read_text(encoding="utf-8").splitlines()]
    return dict(enumerate((text for text in lines if text), start=1))


def test_provenance_every_fragment_is_verbatim_and_every_hash_matches() -> None:
    """Re-read the data with the csv module alone and check every citation against the texts."""
    with (DATA_DIR / "sources.csv").open(encoding="utf-8", newline="") as handle:
        sources = {row["source_id"]: row for row in csv.DictReader(handle)}
    assert len(sources) >= 3
    texts = {}
    for source_id, row in sources.items():
        path = SOURCES_DIR / row["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == row["sha256"], source_id
        texts[source_id] = _paragraphs(path)
        assert len(texts[source_id]) == int(row["paragraphs"]), source_id

    failures, checked, tables = [], 0, set()
    for path in sorted(DATA_DIR.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if "evidence" not in (reader.fieldnames or []):
                continue
            tables.add(path.stem)
            for row in reader:
                if not row["source_id"]:
                    continue  # an assumption need not rest on a source
                where = f"{path.name}:{reader.line_num}"
                paragraph = texts[row["source_id"]].get(int(row["paragraph"]))
                if paragraph is None:
                    failures.append(f"{where}: no paragraph {row['paragraph']}")
                elif not row["evidence"] or row["evidence"] not in paragraph:
                    failures.append(f"{where}: {row['evidence']!r} not in {row['source_id']}")
                elif len(row["evidence"].split()) > MAX_EVIDENCE_WORDS:
                    failures.append(f"{where}: {row['evidence']!r} is too long")
                checked += 1
    assert failures == []
    assert {"actors", "events", "claims", "deliveries", "contracts", "factors"} <= tables
    assert checked > 150


# --- the catalogue of bad inputs -------------------------------------------------------------
# Each entry breaks exactly one thing in a copied ``data/`` and returns the exact lines the CLI
# must print (run from the copy's parent with ``--data data``). CATALOGUE entries run the CLI in a
# subprocess; EXTRAS (regressions for validator bugs) call validate_package in-process, which
# prints the same lines without paying for a fresh interpreter.

Breaker = Callable[[Path], list[str]]
CATALOGUE: dict[str, tuple[Breaker, bool]] = {}
EXTRAS: dict[str, tuple[Breaker, bool]] = {}


def case(name: str, *, sources: bool = False, cli: bool = True) -> Callable[[Breaker], Breaker]:
    def register(breaker: Breaker) -> Breaker:
        (CATALOGUE if cli else EXTRAS)[name] = (breaker, sources)
        return breaker

    return register


@case("invalid-edtf-date")
def _invalid_edtf_date(data: Path) -> list[str]:
    line = set_cell(data / "events.csv", "E12", "date", "2019-13-45")
    return [f"data/events.csv:{line}: date: '2019-13-45' is not a valid EDTF date "
            "(EDTFParseException)"]


@case("precision-contradicts-date")
def _precision_contradicts_date(data: Path) -> list[str]:
    line = set_cell(data / "events.csv", "E12", "precision", "year")  # date is 2018-10
    return [f"data/events.csv:{line}: precision: 'year' is a month date, "
            "but the precision column says 'year'"]


@case("interval-ends-before-start")
def _interval_ends_before_start(data: Path) -> list[str]:
    line = set_cell(data / "deliveries.csv", "D02", "date", "2025-10/2018-10")
    return [f"data/deliveries.csv:{line}: date: '2025-10/2018-10' "
            "is an interval that ends before it starts"]


@case("unknown-event-status")
def _unknown_event_status(data: Path) -> list[str]:
    line = set_cell(data / "events.csv", "E05", "status", "rumoured")
    return [f"data/events.csv:{line}: status: 'rumoured' is not one of the allowed values "
            "['occurred', 'reported', 'denied', 'planned']"]


@case("credibility-out-of-range")
def _credibility_out_of_range(data: Path) -> list[str]:
    line = set_cell(data / "claims.csv", "C03", "credibility", "7")
    return [f"data/claims.csv:{line}: credibility: '7' is above the maximum 6"]


@case("unknown-claimant")
def _unknown_claimant(data: Path) -> list[str]:
    line = set_cell(data / "claims.csv", "C03", "claimant", "atlantis")
    return [f"data/claims.csv:{line}: claimant: 'atlantis' is not found in actors.csv (actor_id)"]


@case("unknown-actor-in-list")
def _unknown_actor_in_list(data: Path) -> list[str]:
    line = set_cell(data / "events.csv", "E02", "actors", "turkey;atlantis;russia")
    return [f"data/events.csv:{line}: actors: 'atlantis' is not found in actors.csv (actor_id)"]


@case("deliveries-exceed-order")
def _deliveries_exceed(data: Path) -> list[str]:
    # K02 orders 5 squadrons and D02 delivered 3, so D03 may bring at most 2.
    line = set_cell(data / "deliveries.csv", "D03", "quantity", "3")
    return [f"data/deliveries.csv:{line}: quantity: '3' brings deliveries under K02 to 6, "
            "more than the 5 ordered"]


@case("judgment-without-evidence")
def _judgment_without_evidence(data: Path) -> list[str]:
    rows = read_csv(data / "judgment_evidence.csv")
    kept = [row for row in rows if row[0] != "J12"]  # J12 has one version (edition 2)
    assert len(rows) - len(kept) >= 1
    write_csv(data / "judgment_evidence.csv", kept)
    line = line_of(data / "judgments.csv", "J12")
    return [f"data/judgments.csv:{line}: judgment_id: 'J12' has no evidence: "
            "add a row for it to judgment_evidence.csv"]


@case("evidence-points-at-missing-claim")
def _evidence_points_at_missing_claim(data: Path) -> list[str]:
    line = replace_line(data / "judgment_evidence.csv", "J01,2,claims,C09",
                        "J01,2,claims,C999")
    return [f"data/judgment_evidence.csv:{line}: evidence_id: 'C999' "
            "is not found in claims.csv (claim_id)"]


@case("paragraph-past-end")
def _paragraph_past_end(data: Path) -> list[str]:
    line = set_cell(data / "events.csv", "E02", "paragraph", "38")  # s004 has 37
    return [f"data/events.csv:{line}: paragraph: '38' is past the last paragraph of s004 "
            "(37 paragraphs)"]


@case("paragraph-zero", sources=True, cli=False)
def _paragraph_zero(data: Path) -> list[str]:
    # Once also read as "the last paragraph" (index -1) by the verbatim check.
    line = set_cell(data / "events.csv", "E02", "paragraph", "0")
    return [f"data/events.csv:{line}: paragraph: '0' is below the minimum 1"]


@case("evidence-not-verbatim", sources=True)
def _evidence_not_verbatim(data: Path) -> list[str]:
    line = set_cell(data / "events.csv", "E02", "evidence", "in a deal signed in 2018")
    return [f"data/events.csv:{line}: evidence: 'in a deal signed in 2018' "
            "is not found verbatim in s004 paragraph 6"]


@case("evidence-too-long", sources=True)
def _evidence_too_long(data: Path) -> list[str]:
    # Verbatim from s004 paragraph 6, so only the length rule is broken: 13 words.
    quote = "purchased four batteries of S-400 from Russia in a deal signed in 2017."
    assert len(quote.split()) == MAX_EVIDENCE_WORDS + 1
    line = set_cell(data / "events.csv", "E02", "evidence", quote)
    return [f"data/events.csv:{line}: evidence: {quote!r} is longer than 12 words: "
            "quote a few words, not a sentence"]


def _rows_citing(data: Path, source_id: str) -> list[str]:
    cited = []
    for path in sorted(data.glob("*.csv")):
        if path.name == "sources.csv":
            continue
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            cited += [f"{path.name}:{reader.line_num}" for row in reader
                      if row.get("source_id") == source_id]
    return cited


@case("source-sha256-mismatch", sources=True)
def _source_sha256_mismatch(data: Path) -> list[str]:
    bad = "0" * 64
    line = set_cell(data / "sources.csv", "s002", "sha256", bad)
    real = hashlib.sha256((SOURCES_DIR / "002_9dd86669bea6f94b.txt").read_bytes()).hexdigest()
    cited = _rows_citing(data, "s002")
    assert len(cited) >= 20 and "events.csv" in " ".join(cited)
    return [f"data/sources.csv:{line}: sha256: {bad!r} does not match 002_9dd86669bea6f94b.txt "
            f"(sha256 {real[:12]}…): the source text has changed; re-check the {len(cited)} "
            f"fact rows citing s002: {', '.join(cited)}"]


@case("missing-csv-file")
def _missing_csv_file(data: Path) -> list[str]:
    (data / "indicators.csv").unlink()
    return ["data/indicators.csv: is missing: the data package lists it"]


@case("missing-column")
def _missing_column(data: Path) -> list[str]:
    header = physical_line(data / "deliveries.csv", 1)
    replace_line(data / "deliveries.csv", header, header.replace(",contract_id,", ",contract,"))
    return ["data/deliveries.csv:1: contract_id: header 'contract' should be 'contract_id'"]


@case("extra-cell")
def _extra_cell(data: Path) -> list[str]:
    path = data / "deliveries.csv"
    line = line_of(path, "D03")
    row = physical_line(path, line)
    replace_line(path, row, row + ",surplus")
    return [f"data/deliveries.csv:{line}: 'surplus' is an extra cell: "
            "the row has more cells than the header"]


@case("missing-cell", cli=False)
def _missing_cell(data: Path) -> list[str]:
    # Frictionless once showed the absent cell as the text 'None'.
    path = data / "deliveries.csv"
    line = line_of(path, "D03")
    row = physical_line(path, line)
    replace_line(path, row, row.rsplit(",", 1)[0])
    return [f"data/deliveries.csv:{line}: evidence: is empty, but the column is required",
            f"data/deliveries.csv:{line}: evidence: is missing: "
            "the row has fewer cells than the header"]


@case("empty-required-cell", cli=False)
def _empty_required_cell(data: Path) -> list[str]:
    line = set_cell(data / "events.csv", "E02", "label", "")
    return [f"data/events.csv:{line}: label: is empty, but the column is required"]


@case("not-utf8")
def _not_utf8(data: Path) -> list[str]:
    path = data / "events.csv"
    line = line_of(path, "E12")
    raw = path.read_bytes()
    assert raw.count(b"\nE12,") == 1
    path.write_bytes(raw.replace(b"\nE12,", b"\nE12,\xff"))
    return [f"data/events.csv:{line}: '0xff' is not UTF-8: save the file as UTF-8"]


@case("duplicated-primary-key")
def _duplicated_primary_key(data: Path) -> list[str]:
    # Reported once, with its column (Frictionless raises a unique and a primary-key error).
    line = set_cell(data / "events.csv", "E03", "event_id", "E02")
    return [f"data/events.csv:{line}: event_id: 'E02' repeats a value that must be unique "
            "in this column"]


@case("duplicated-composite-key", cli=False)
def _duplicated_composite_key(data: Path) -> list[str]:
    path = data / "judgment_evidence.csv"
    text = path.read_text(encoding="utf-8")
    assert "\nJ01,2,claims,C09\n" in text
    path.write_text(text + "J01,2,claims,C09\n", encoding="utf-8")
    line = text.count("\n") + 1
    return [f"data/judgment_evidence.csv:{line}: repeats a primary key that must be unique"]


@case("blank-row", cli=False)
def _blank_row(data: Path) -> list[str]:
    # Once also reported as a repeated (all-empty) primary key.
    path = data / "events.csv"
    line = line_of(path, "E03")
    replace_line(path, physical_line(path, line), "\n" + physical_line(path, line))
    return [f"data/events.csv:{line}: is a blank row"]


@case("unparseable-datapackage")
def _unparseable_datapackage(data: Path) -> list[str]:
    path = data / "datapackage.json"
    broken = path.read_text(encoding="utf-8").rstrip()[:-1]  # drop the closing brace
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(json.JSONDecodeError) as caught:
        json.loads(broken)
    return ["data/datapackage.json: is not a valid data package descriptor "
            f"(JSONDecodeError: {caught.value})"]


@case("judgment-more-likely-than-its-premise")
def _judgment_more_likely_than_its_premise(data: Path) -> list[str]:
    line = set_cell(data / "judgments.csv", "J03,2", "depends_on", "J01")  # likely vs even chance
    return [f"data/judgments.csv:{line}: likelihood: 'likely' is more likely than J01 "
            "('roughly even chance'), which this judgment depends on"]


@case("confidence-beyond-evidence")
def _confidence_beyond_evidence(data: Path) -> list[str]:
    line = set_cell(data / "judgments.csv", "J10,2", "confidence", "high")
    return [f"data/judgments.csv:{line}: confidence: 'high' is more than its evidence allows: "
            "high needs at least 2 independent origins graded B or better, and J10's evidence "
            "has 3 (author_s002: F, erdogan: C, eurasian_times: C)"]


@case("credibility-1-from-one-origin")
def _credibility_1_from_one_origin(data: Path) -> list[str]:
    line = set_cell(data / "claims.csv", "C24", "credibility", "1")  # no proposition_id
    return [f"data/claims.csv:{line}: credibility: '1' needs at least 2 independent origins "
            "asserting the proposition, one graded C or better; C24 has 1 (eurasian_times: C)"]


@case("credibility-1-from-two-ungradable-origins")
def _credibility_1_from_two_ungradable_origins(data: Path) -> list[str]:
    # Q02 is asserted by s000 and s002, both F: two origins, neither gradable, confirm nothing.
    line = set_cell(data / "claims.csv", "C05", "credibility", "1")
    return [f"data/claims.csv:{line}: credibility: '1' needs at least 2 independent origins "
            "asserting the proposition, one graded C or better; Q02 has 2 (author_s000: F, "
            "author_s002: F)"]


@case("ach-relay-of-another-origin")
def _ach_relay_of_another_origin(data: Path) -> list[str]:
    # RIA Novosti's report, not the Nefes report that C03 relays.
    line = set_cell(data / "ach.csv", "H1,claims,C03", "relay_of", "C04")
    return [f"data/ach.csv:{line}: relay_of: 'C04' names a claim of another origin "
            "('ria_novosti', not 'nefes'): a relay shares its origin"]


@case("ach-relay-of-nothing")
def _ach_relay_of_nothing(data: Path) -> list[str]:
    line = set_cell(data / "ach.csv", "H1,claims,C07", "relay_of", "C999")
    return [f"data/ach.csv:{line}: relay_of: 'C999' is not found in claims.csv (claim_id)"]


@case("opinion-not-graded-6")
def _opinion_not_graded_6(data: Path) -> list[str]:
    line = set_cell(data / "claims.csv", "C14", "credibility", "3")
    return [f"data/claims.csv:{line}: credibility: '3' grades an opinion: an opinion's truth "
            "cannot be judged, so it is graded 6"]


@case("hedged-claim-graded-2")
def _hedged_claim_graded_2(data: Path) -> list[str]:
    line = set_cell(data / "claims.csv", "C51", "credibility", "2")  # hedged: 'may have'
    return [f"data/claims.csv:{line}: credibility: '2' is too high for a hedged claim: "
            "a claim its source hedges is at most 3"]


@case("relay-flag-contradicts-origin")
def _relay_flag_contradicts_origin(data: Path) -> list[str]:
    line = set_cell(data / "claims.csv", "C28", "relay", "false")  # Erdogan, via s004
    return [f"data/claims.csv:{line}: relay: 'false' marks an original report, but the origin "
            "(erdogan) is not the reporter (eurasian_times)"]


@case("relay-counted-as-support")
def _relay_counted_as_support(data: Path) -> list[str]:
    line = append_line(data / "claim_relations.csv", "R99,C02,C01,supports,s000 relays Nefes.")
    return [f"data/claim_relations.csv:{line}: relation: 'supports' joins C02 and C01, which "
            "share the origin nefes: a relay is not corroboration"]


@case("voice-outside-its-proposition-thread")
def _voice_outside_its_proposition_thread(data: Path) -> list[str]:
    line = set_cell(data / "claims.csv", "C01", "thread", "caatsa_f35")
    return [f"data/claims.csv:{line}: thread: 'caatsa_f35' is not the thread of its proposition "
            "Q01 ('overview'): a voice shares its proposition's thread"]


@case("open-ended-horizon")
def _open_ended_horizon(data: Path) -> list[str]:
    line = set_cell(data / "judgments.csv", "J01,2", "horizon", "2025/..")
    return [f"data/judgments.csv:{line}: horizon: '2025/..' is open-ended: "
            "a horizon needs a last date"]


@case("ach-points-at-missing-claim")
def _ach_points_at_missing_claim(data: Path) -> list[str]:
    line = append_line(data / "ach.csv", "H1,claims,C999,neutral,Does not bear on it.,")
    return [f"data/ach.csv:{line}: evidence_id: 'C999' is not found in claims.csv (claim_id)"]


@case("ach-matrix-incomplete")
def _ach_matrix_incomplete(data: Path) -> list[str]:
    rows = read_csv(data / "ach.csv")
    kept = [row for row in rows if row[:3] != ["H3", "claims", "C58"]]
    assert len(rows) - len(kept) == 1
    write_csv(data / "ach.csv", kept)
    line = line_of(data / "hypotheses.csv", "H3")
    return [f"data/hypotheses.csv:{line}: hypothesis_id: 'H3' is not rated against claims C58: "
            "every hypothesis is rated against every evidence row of the matrix"]


@case("assumption-cites-without-paragraph")
def _assumption_cites_without_paragraph(data: Path) -> list[str]:
    line = set_cell(data / "assumptions.csv", "A05", "paragraph", "")
    return [f"data/assumptions.csv:{line}: paragraph: is empty, but source_id and evidence are "
            "filled: cite source_id, paragraph and evidence together, or none of them"]


@case("judgment-rests-on-missing-assumption")
def _judgment_rests_on_missing_assumption(data: Path) -> list[str]:
    line = replace_line(data / "judgment_assumptions.csv", "J21,2,A02", "J21,2,A99")
    return [f"data/judgment_assumptions.csv:{line}: assumption_id: 'A99' "
            "is not found in assumptions.csv (assumption_id)"]


@case("proposition-copies-source", sources=True)
def _proposition_copies_source(data: Path) -> list[str]:
    # s004 paragraph 6: "Turkey purchased four batteries of S-400 from Russia in a deal signed ..."
    copied = "Turkey purchased four batteries of S-400 from Russia in 2017."
    line = set_cell(data / "claims.csv", "C24", "proposition", copied)
    return [f"data/claims.csv:{line}: proposition: {copied!r} shares 10 consecutive words with "
            "s004 paragraph 6 (\"Turkey purchased four batteries of S-400 from Russia in\"): "
            "write it in our own words"]


@case("repeat-factor-from-another-paragraph", cli=False)
def _repeat_factor_from_another_paragraph(data: Path) -> list[str]:
    line = set_cell(data / "factors.csv", "F32", "same_as", "F11")  # F11: analysts, not Güler
    return [f"data/factors.csv:{line}: same_as: 'F11' names F11, whose origin is 'analysts', "
            "not 'guler': a repeat must be the same item"]


@case("repeat-factor-names-a-repeat", cli=False)
def _repeat_factor_names_a_repeat(data: Path) -> list[str]:
    line = set_cell(data / "factors.csv", "F31", "same_as", "F32")
    return [f"data/factors.csv:{line}: same_as: 'F32' names F32, itself a repeat of F10: "
            "name the first row"]


@case("leaning-factor-on-another-subject", cli=False)
def _leaning_factor_on_another_subject(data: Path) -> list[str]:
    line = set_cell(data / "factors.csv", "F27", "leans_on", "F20")  # F20: NATO integration
    return [f"data/factors.csv:{line}: leans_on: 'F20' names F20, whose subject is 'NATO "
            "integration': the row it may rest on must be on the same subject"]


@case("leaning-factor-of-the-same-origin", cli=False)
def _leaning_factor_of_the_same_origin(data: Path) -> list[str]:
    line = set_cell(data / "factors.csv", "F22", "leans_on", "F21")  # both the Nefes report
    return [f"data/factors.csv:{line}: leans_on: 'F21' names F21, whose origin is 'nefes': the "
            "row it may rest on must come from another origin (one origin counts once anyway)"]


@case("assessment-rated-against-a-hypothesis", cli=False)
def _assessment_rated_against_a_hypothesis(data: Path) -> list[str]:
    rows = read_csv(data / "ach.csv")
    target = next(r for r in rows if r[:3] == ["H1", "claims", "C13"])  # C13: an assessment
    target[3] = "inconsistent"
    write_csv(data / "ach.csv", rows)
    line = rows.index(target) + 1
    return [f"data/ach.csv:{line}: rating: 'inconsistent' rates C13, an assessment, against H1: "
            "only a record can count against a hypothesis; rate it neutral or consistent"]


# --- editions: every edition is checked as it was, and none knows what came after it -------


@case("judgment-version-cites-a-later-source")
def _judgment_version_cites_a_later_source(data: Path) -> list[str]:
    line = append_line(data / "judgment_evidence.csv", "J01,1,claims,C01")  # C01: s004
    return [f"data/judgment_evidence.csv:{line}: evidence_id: 'C01' is hindsight: edition 1 "
            "(as of 2025-09-30) does not include s004, which may have been published as late "
            "as 2025-10-31, the source of claims C01"]


@case("judgment-version-rests-on-a-later-assumption", cli=False)
def _judgment_version_rests_on_a_later_assumption(data: Path) -> list[str]:
    line = append_line(data / "judgment_assumptions.csv", "J01,1,A01")
    return [f"data/judgment_assumptions.csv:{line}: assumption_id: 'A01' is hindsight: A01 is "
            "introduced in edition 2, after this judgment version's edition 1"]


@case("grade-resting-on-a-later-source", cli=False)
def _grade_resting_on_a_later_source(data: Path) -> list[str]:
    # C27's second origin (s004, graded C) arrives in edition 2; graded 1 from edition 1 on, it
    # is hindsight.
    line = set_cell(data / "claims.csv", "C27", "credibility", "1")
    return [f"data/claims.csv:{line}: credibility: '1' needs at least 2 independent origins "
            "asserting the proposition, one graded C or better; Q03 has 1 (author_s002: F) "
            "(in edition 1)"]


@case("row-mentions-a-later-row", cli=False)
def _row_mentions_a_later_row(data: Path) -> list[str]:
    line = set_cell(data / "claims.csv", "C80", "credibility_rationale",
                    "One origin here; s000 agrees in C05 (rule 3).")
    return [f"data/claims.csv:{line}: credibility_rationale: mentions C05, s000, which edition 1 "
            "does not have: write the row as its edition knew it and put the later wording in "
            "revisions.csv"]


@case("moved-judgment-without-change-note", cli=False)
def _moved_judgment_without_change_note(data: Path) -> list[str]:
    line = set_cell(data / "judgments.csv", "J10,2", "change_note", "")
    return [f"data/judgments.csv:{line}: change_note: is empty, but the confidence moved "
            "since edition 1: say why"]


@case("revision-names-a-missing-row", cli=False)
def _revision_names_a_missing_row(data: Path) -> list[str]:
    line = append_line(data / "revisions.csv", "V99,2,claims,C999,credibility,1,A later grade.,,,")
    return [f"data/revisions.csv:{line}: row_id: 'C999' is not a row of claims.csv (claim_id)"]


@case("revision-value-out-of-range", cli=False)
def _revision_value_out_of_range(data: Path) -> list[str]:
    line = append_line(data / "revisions.csv", "V99,2,claims,C80,credibility,9,A later grade.,,,")
    return [f"data/revisions.csv:{line}: value: '9' is above the maximum 6 (claims.credibility)"]


@case("revision-of-a-citation", cli=False)
def _revision_of_a_citation(data: Path) -> list[str]:
    line = append_line(data / "revisions.csv", "V99,2,claims,C80,paragraph,3,Moved.,,,")
    return [f"data/revisions.csv:{line}: column: 'paragraph' is not a column of claims.csv that "
            "a revision may change (keys, threads, citations and editions stay as they are)"]


@case("edition-numbering-gap", cli=False)
def _edition_numbering_gap(data: Path) -> list[str]:
    line = append_line(data / "editions.csv", "4,2025-12-31,A later edition.")
    return [f"data/editions.csv:{line}: edition: '4' breaks the numbering: editions are "
            "numbered 1, 2, 3 … in order (expected 3)"]


def _two_problems(data: Path) -> list[str]:
    """Breaks two files: both problems are reported, sorted by file and line."""
    events_line = set_cell(data / "events.csv", "E12", "date", "2019-13-45")
    claims_line = set_cell(data / "claims.csv", "C03", "credibility", "7")
    return [
        f"data/claims.csv:{claims_line}: credibility: '7' is above the maximum 6",
        f"data/events.csv:{events_line}: date: '2019-13-45' is not a valid EDTF date "
        "(EDTFParseException)",
    ]


SEVERAL = "two-files-broken"
RUNS = {**CATALOGUE, SEVERAL: (_two_problems, False)}


def _run_case(name: str, parent: Path) -> tuple[list[str], subprocess.CompletedProcess[str]]:
    breaker, with_sources = RUNS[name]
    expected = breaker(copy_data(parent))
    args = ["--data", "data", *(["--sources", SEEDS] if with_sources else [])]
    return expected, run_validate(*args, cwd=parent)


@pytest.fixture(scope="module")
def catalogue_runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Future[tuple[list[str], subprocess.CompletedProcess[str]]]]]:
    """Start the CLI runs of every selected catalogue case at once, on all CPUs."""
    selected = []
    for item in request.session.items:
        if item.path != Path(__file__):
            continue
        if getattr(item, "originalname", None) == "test_bad_input_is_reported":
            selected.append(item.callspec.params["name"])
        elif getattr(item, "originalname", None) == "test_several_problems_are_all_reported":
            selected.append(SEVERAL)
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {
            name: pool.submit(_run_case, name, tmp_path_factory.mktemp(name))
            for name in selected
        }
        yield futures


def test_catalogue_is_large_enough() -> None:
    assert len(CATALOGUE) >= 20
    assert not set(CATALOGUE) & set(EXTRAS)


@pytest.mark.parametrize("name", list(CATALOGUE), ids=list(CATALOGUE))
def test_bad_input_is_reported(
    name: str,
    catalogue_runs: dict[str, Future[tuple[list[str], subprocess.CompletedProcess[str]]]],
) -> None:
    expected, done = catalogue_runs[name].result(timeout=300)
    _assert_reported(expected, done)


def _assert_reported(expected: list[str], done: subprocess.CompletedProcess[str]) -> None:
    output = done.stdout + done.stderr
    assert "Traceback" not in output
    assert done.returncode == 1, output
    assert done.stdout.splitlines() == expected
    assert done.stderr.strip() == f"{len(expected)} problem(s) found in data."


def test_several_problems_are_all_reported(
    catalogue_runs: dict[str, Future[tuple[list[str], subprocess.CompletedProcess[str]]]],
) -> None:
    expected, done = catalogue_runs[SEVERAL].result(timeout=300)
    assert len(expected) == 2
    _assert_reported(expected, done)


@pytest.mark.parametrize("name", list(EXTRAS), ids=list(EXTRAS))
def test_bad_input_in_process(name: str, data_copy: Path) -> None:
    breaker, with_sources = EXTRAS[name]
    expected = breaker(data_copy)
    problems = validate_package(Path("data"), SOURCES_DIR if with_sources else None)
    assert [str(problem) for problem in problems] == expected


# --- in-process extras -----------------------------------------------------------------------


def _edit_descriptor(data: Path, edit: Callable[[dict], None]) -> None:
    path = data / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    edit(descriptor)
    path.write_text(json.dumps(descriptor), encoding="utf-8")


def _events(descriptor: dict) -> dict:
    return next(r for r in descriptor["resources"] if r["name"] == "events")


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: _events(d).pop("schema"),
        lambda d: _events(d).pop("path"),
        lambda d: _events(d)["schema"]["fields"][0].update(type="bogus"),
        lambda d: d.update(resources={}),
    ],
    ids=["resource-without-schema", "resource-without-path", "unknown-field-type",
         "resources-not-a-list"],
)
def test_broken_descriptor_is_a_problem_not_a_traceback(
    data_copy: Path, edit: Callable[[dict], None]
) -> None:
    _edit_descriptor(data_copy, edit)
    problems = validate_package(Path("data"))
    assert len(problems) == 1
    problem = problems[0]
    assert (problem.file, problem.line, problem.column) == ("data/datapackage.json", None, None)
    assert problem.rule.startswith("is not a valid data package descriptor (")


def test_missing_descriptor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    problems = validate_package(Path("data"))
    assert [str(p) for p in problems] == ["data/datapackage.json: is missing: no data package here"]


def test_csv_with_byte_order_mark_is_valid(data_copy: Path) -> None:
    """Excel's "CSV UTF-8" starts with a BOM; it once crashed the rule checks (KeyError)."""
    path = data_copy / "events.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert validate_package(Path("data"), SOURCES_DIR) == []


def test_missing_source_text_is_reported(data_copy: Path) -> None:
    line = set_cell(data_copy / "sources.csv", "s002", "file", "nope.txt")
    problems = validate_package(Path("data"), SOURCES_DIR)
    assert [str(p) for p in problems] == [
        f"data/sources.csv:{line}: file: 'nope.txt' names a source text that is missing "
        f"from {SOURCES_DIR}"
    ]


# --- the rules on hand-made tables -----------------------------------------------------------
# Each rule's edge cases, without Frictionless or a copy of the data: the tables are CSV text.

SOURCES = "source_id,reliability\ns1,B\ns2,C\ns3,D\n"
TERMS = "term,rank\nunlikely,3\nroughly even chance,4\nlikely,5\n"


def rule_lines(**tables: str) -> list[str]:
    """The problems the rule checks find in the given tables, as printed lines, in the order
    validate_package sorts them."""
    parsed = {
        name: list(enumerate(csv.DictReader(io.StringIO(text.strip() + "\n")), start=2))
        for name, text in tables.items()
    }
    files = {name: f"{name}.csv" for name in parsed}
    problems = _rule_checks(parsed, files, None)
    return [str(p) for p in sorted(problems, key=lambda p: (p.file, p.line, p.column, p.rule))]


def test_rule_dependence_never_more_likely_and_never_self() -> None:
    judgments = ("judgment_id,likelihood,depends_on\nJ01,roughly even chance,\n"
                 "J02,likely,J01\nJ03,roughly even chance,J01\nJ04,unlikely,J04\n")
    assert rule_lines(judgments=judgments, likelihood_terms=TERMS) == [
        "judgments.csv:3: likelihood: 'likely' is more likely than J01 ('roughly even chance'), "
        "which this judgment depends on",
        "judgments.csv:5: depends_on: 'J04' is this judgment's own id: "
        "a judgment cannot depend on itself",
    ]


def test_rule_confidence_follows_the_rubric() -> None:
    judgments = ("judgment_id,confidence\nJ01,high\nJ02,high\nJ03,moderate\nJ04,moderate\n"
                 "J05,moderate\nJ06,low\nJ07,high\n")
    evidence = "\n".join([
        "judgment_id,evidence_table,evidence_id",
        "J01,claims,C1", "J01,claims,C2",  # b: B (its best grade), c: C
        "J02,claims,C1", "J02,events,E1",  # a: B, b: B
        "J03,claims,C2", "J03,claims,C3",  # one origin, c
        "J04,claims,C2", "J04,events,E2",  # c: C, d: D
        "J05,events,E2", "J05,claims,C4",  # d: D, e: D
        "J06,claims,C4", "J07,claims,C99",  # low is always allowed; a missing row is not counted
    ])
    claims = ("claim_id,origin,source_id\nC1,b,s1\nC2,c,s2\nC3,c,s3\nC4,e,s3\nC5,b,s3\n")
    events = "event_id,origin,source_id\nE1,a,s1\nE2,d,s3\n"
    lines = rule_lines(judgments=judgments, judgment_evidence=evidence, claims=claims,
                       events=events, sources=SOURCES)
    assert lines == [
        "judgment_evidence.csv:13: evidence_id: 'C99' is not found in claims.csv (claim_id)",
        "judgments.csv:2: confidence: 'high' is more than its evidence allows: high needs at "
        "least 2 independent origins graded B or better, and J01's evidence has 2 (b: B, c: C)",
        "judgments.csv:4: confidence: 'moderate' is more than its evidence allows: moderate "
        "needs at least 2 independent origins, one of them graded C or better, and J03's "
        "evidence has 1 (c: C)",
        "judgments.csv:6: confidence: 'moderate' is more than its evidence allows: moderate "
        "needs at least 2 independent origins, one of them graded C or better, and J05's "
        "evidence has 2 (d: D, e: D)",
    ]


CLAIMS = ("claim_id,thread,proposition_id,origin,relay,reporter,polarity,claim_kind,hedged,"
          "credibility")


def test_rule_credibility_one_needs_two_asserting_origins() -> None:
    claims = "\n".join([
        CLAIMS + ",source_id",
        "C1,t,Q1,a,false,a,asserts,report,false,1,good",
        "C2,t,Q1,b,false,b,asserts,report,false,1,poor",  # Q1: a and b assert, a graded C
        "C3,t,Q2,a,false,a,asserts,report,false,1,good",
        "C4,t,Q2,a,true,x,asserts,report,false,2,good",   # a relay adds no origin
        "C5,t,Q2,b,false,b,denies,report,false,5,good",   # a denial asserts nothing
        "C6,t,,a,false,a,asserts,report,false,1,good",
        "C7,t,Q3,a,false,a,asserts,report,false,1,poor",
        "C8,t,Q3,b,false,b,asserts,report,false,1,poor",  # two ungradable origins
        "C9,t,Q4,a,true,x,asserts,report,true,1,good",    # a relay its carrier hedges: F
        "C10,t,Q4,b,false,b,asserts,report,false,3,poor",
    ])
    sources = "source_id,reliability\ngood,C\npoor,F\n"
    assert rule_lines(claims=claims, sources=sources) == [
        "claims.csv:4: credibility: '1' needs at least 2 independent origins asserting the "
        "proposition, one graded C or better; Q2 has 1 (a: C)",
        "claims.csv:7: credibility: '1' needs at least 2 independent origins asserting the "
        "proposition, one graded C or better; C6 has 1 (a: C)",
        "claims.csv:8: credibility: '1' needs at least 2 independent origins asserting the "
        "proposition, one graded C or better; Q3 has 2 (a: F, b: F)",
        "claims.csv:9: credibility: '1' needs at least 2 independent origins asserting the "
        "proposition, one graded C or better; Q3 has 2 (a: F, b: F)",
        "claims.csv:10: credibility: '1' is too high for a hedged claim: a claim its source "
        "hedges is at most 3",
        "claims.csv:10: credibility: '1' needs at least 2 independent origins asserting the "
        "proposition, one graded C or better; Q4 has 2 (a: F, b: F)",
    ]


def test_rule_opinions_are_6_and_hedged_claims_at_most_3() -> None:
    claims = "\n".join([
        CLAIMS,
        "C1,t,,a,false,a,asserts,opinion,false,3",
        "C2,t,,a,false,a,asserts,opinion,false,7",  # out of range: the schema's problem
        "C3,t,,a,false,a,asserts,report,true,2",
        "C4,t,,a,false,a,asserts,report,true,3",
    ])
    assert rule_lines(claims=claims) == [
        "claims.csv:2: credibility: '3' grades an opinion: an opinion's truth cannot be judged, "
        "so it is graded 6",
        "claims.csv:4: credibility: '2' is too high for a hedged claim: a claim its source "
        "hedges is at most 3",
    ]


def test_rule_relay_flag_agrees_with_origin_and_reporter() -> None:
    claims = "\n".join([
        CLAIMS,
        "C1,t,,a,true,a,asserts,report,false,3",
        "C2,t,,a,false,b,asserts,report,false,3",
        "C3,t,,a,true,b,asserts,report,false,3",
        "C4,t,,a,false,a,asserts,report,false,3",
    ])
    assert rule_lines(claims=claims) == [
        "claims.csv:2: relay: 'true' marks a relay, but the origin is the reporter (a)",
        "claims.csv:3: relay: 'false' marks an original report, but the origin (a) is not the "
        "reporter (b)",
    ]


def test_rule_supports_joins_distinct_origins() -> None:
    claims = "claim_id,origin\nC1,a\nC2,a\nC3,b\n"
    relations = ("claim_id,other_claim_id,relation\nC2,C1,supports\nC3,C1,supports\n"
                 "C2,C1,qualifies\n")
    assert rule_lines(claims=claims, claim_relations=relations) == [
        "claim_relations.csv:2: relation: 'supports' joins C2 and C1, which share the origin a: "
        "a relay is not corroboration",
    ]


def test_rule_voices_share_the_thread_and_every_proposition_has_one() -> None:
    claims = "\n".join([CLAIMS, "C1,t,Q1,a,false,a,asserts,report,false,3",
                        "C2,u,Q1,b,false,b,asserts,report,false,3"])
    propositions = "proposition_id,thread\nQ1,t\nQ2,t\n"
    assert rule_lines(claims=claims, propositions=propositions) == [
        "claims.csv:3: thread: 'u' is not the thread of its proposition Q1 ('t'): "
        "a voice shares its proposition's thread",
        "propositions.csv:3: proposition_id: 'Q2' has no voice: "
        "no claim in claims.csv speaks to it",
    ]


def test_rule_an_unnamed_origin_is_graded_f_whatever_carries_it() -> None:
    judgments = "judgment_id,confidence\nJ01,high\nJ02,moderate\n"
    evidence = "\n".join([
        "judgment_id,evidence_table,evidence_id",
        "J01,claims,C1", "J01,claims,C2",  # both carried by an A-graded source
        "J02,claims,C1", "J02,claims,C2",
    ])
    claims = "claim_id,origin,source_id\nC1,minister,s1\nC2,analysts,s1\n"
    actors = "actor_id,named\nminister,true\nanalysts,false\n"
    sources = "source_id,reliability\ns1,A\n"
    assert rule_lines(judgments=judgments, judgment_evidence=evidence, claims=claims,
                      actors=actors, sources=sources) == [
        "judgments.csv:2: confidence: 'high' is more than its evidence allows: high needs at "
        "least 2 independent origins graded B or better, and J01's evidence has 2 "
        "(analysts: F, minister: A)",
    ]


def test_rule_horizon_is_edtf_with_a_last_date() -> None:
    judgments = ("judgment_id,horizon\nJ1,2026-12\nJ2,2025-10/2027-12\nJ3,2025/..\nJ4,2025/\n"
                 "J5,2025-13\n")
    assert rule_lines(judgments=judgments) == [
        "judgments.csv:4: horizon: '2025/..' is open-ended: a horizon needs a last date",
        "judgments.csv:5: horizon: '2025/' is open-ended: a horizon needs a last date",
        "judgments.csv:6: horizon: '2025-13' is not a valid EDTF date (EDTFParseException)",
    ]
    hypotheses = "hypothesis_id,horizon\nH1,2026-12\nH2,2026/..\n"
    assert rule_lines(hypotheses=hypotheses) == [
        "hypotheses.csv:3: horizon: '2026/..' is open-ended: a horizon needs a last date",
    ]


def test_rule_ach_rows_exist_and_the_matrix_is_complete() -> None:
    hypotheses = "hypothesis_id,thread\nH1,t\nH2,t\nH3,t\nH4,u\n"
    ach = "\n".join([
        "hypothesis_id,evidence_table,evidence_id",
        "H1,claims,C1", "H1,events,E1", "H2,claims,C1", "H2,events,E1",
        "H3,claims,C1",                 # H3 lacks events E1; H4 is another thread's matrix
        "H4,claims,C2", "H1,claims,C9",  # C9 does not exist: reported once, not as a gap
    ])
    claims, events = "claim_id\nC1\nC2\n", "event_id\nE1\n"
    assert rule_lines(hypotheses=hypotheses, ach=ach, claims=claims, events=events) == [
        "ach.csv:8: evidence_id: 'C9' is not found in claims.csv (claim_id)",
        "hypotheses.csv:4: hypothesis_id: 'H3' is not rated against events E1: every hypothesis "
        "is rated against every evidence row of the matrix",
    ]


def test_rule_assumption_cites_all_or_nothing() -> None:
    assumptions = ("assumption_id,source_id,paragraph,evidence\nA1,,,\nA2,s1,3,some words\n"
                   "A3,s1,,\nA4,,2,some words\n")
    tail = "filled: cite source_id, paragraph and evidence together, or none of them"
    assert rule_lines(assumptions=assumptions) == [
        f"assumptions.csv:4: evidence: is empty, but source_id is {tail}",
        f"assumptions.csv:4: paragraph: is empty, but source_id is {tail}",
        f"assumptions.csv:5: source_id: is empty, but paragraph and evidence are {tail}",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It said that the US had agreed to tolerate them.", (0, "")),  # 7 shared words
        ("IN NOVEMBER 2024 That the us had AGREED", (8, "in November 2024 that the US had agreed")),
        ("the US had agreed to tolerate Turkey’s idle S-400s, in",  # ’ is ', S-400s two words
         (10, "the US had agreed to tolerate Turkey's idle S-400s")),
    ],
    ids=["seven-words-pass", "case-is-ignored", "curly-apostrophe-and-hyphen"],
)
def test_shared_run_counts_words(text: str, expected: tuple[int, str]) -> None:
    paragraph = ("Güler said in November 2024 that the US had agreed to tolerate Turkey's idle "
                 "S-400s, kept in storage.")
    assert MAX_SHARED_WORDS == 7
    assert _longest_shared_run(text, paragraph) == expected
