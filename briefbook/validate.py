"""Validate the data package: its schema (Frictionless) and the rules no schema can express.

Every problem is reported, one per line, as ``file:line: column: 'value' rule``. Nothing here
raises on bad data: a missing file, a missing column, a row with extra cells or bytes that are
not UTF-8 all become :class:`~briefbook.exceptions.Problem` objects.

The two layers:

1. Frictionless checks what ``datapackage.json`` declares: types, required fields, enums,
   patterns, primary and foreign keys.
2. :func:`_rule_checks` adds the rules a Table Schema cannot state:

   - dates: EDTF dates parse and match their precision, interval ends follow starts, and a
     judgment's horizon has a last date;
   - references: semicolon-separated actor lists resolve, every judgment has evidence and every
     judgment or ACH row points at evidence that exists, disposition factors name an option;
   - quantities: deliveries never exceed the order, likelihood ranges are ordered;
   - analytic rigour: a judgment is never more likely than one it depends on, its confidence is
     what the origins and source grades of its evidence allow, credibility 1 needs two
     independent origins, opinions are graded 6, hedged claims at most 3, the relay flag agrees
     with origin and reporter, "supports" never joins two voices of one origin, voices share
     their proposition's thread and every proposition has a voice, every hypothesis is rated
     against every evidence row of its thread's ACH matrix;
   - citations: each cited paragraph exists, evidence is short, an assumption cites all of
     source, paragraph and evidence or none; given the source texts, each evidence fragment is
     found verbatim in its paragraph, no text written in our words shares a run of more than
     ``MAX_SHARED_WORDS`` words with it, and each source file's sha256 matches.
"""

from __future__ import annotations

import csv
import functools
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from frictionless import Checklist, FrictionlessException, Package, Resource

from briefbook import dates
from briefbook.config import DATAPACKAGE_NAME
from briefbook.exceptions import Problem
from briefbook.sourcetext import read_paragraphs, sha256_of
from briefbook.validate_editions import edition_checks, edition_views

Row = dict[str, str]
Tables = dict[str, list[tuple[int, Row]]]

# Tables whose rows cite a source paragraph with an evidence fragment.
MAX_EVIDENCE_WORDS = 12
# Text we write in our own words may share at most this many consecutive words with its source.
MAX_SHARED_WORDS = 7
OWN_WORDS_COLUMNS = (
    "proposition", "statement", "description", "label", "note", "status_note", "indicator",
    "basis", "would_show_wrong",
)
# Date columns in EDTF, per table, with the column holding their declared precision (if any).
EDTF_COLUMNS = {
    "events": [("date", "precision")],
    "deliveries": [("date", None)],
    "contracts": [("order_date", None)],
    "sources": [("published", None)],
    "judgments": [("horizon", None)],
    "hypotheses": [("horizon", None)],
}
# Tables a judgment or an ACH row may cite as evidence, with their key column.
EVIDENCE_KEYS = {
    "claims": "claim_id",
    "events": "event_id",
    "deliveries": "delivery_id",
    "factors": "factor_id",
}
# What a judgment's confidence needs from the origins of its evidence (an origin's grade is the
# best source reliability among its rows, F for an origin the texts do not name): (origins,
# grade, how many origins reach the grade).
CONFIDENCE_RUBRIC = {
    "high": (2, "B", 2, "at least 2 independent origins graded B or better"),
    "moderate": (2, "C", 1, "at least 2 independent origins, one of them graded C or better"),
}
CITATION_COLUMNS = ("source_id", "paragraph", "evidence")
TRUE_VALUES = {"true", "True", "TRUE", "1"}  # Frictionless's defaults for a boolean
FALSE_VALUES = {"false", "False", "FALSE", "0"}
DISPOSITION_KINDS = {"disposition_blocker", "disposition_advantage"}


def display_path(data_dir: Path, name: str) -> str:
    """How a data file is named in messages: relative to the working directory when possible."""
    path = data_dir / name
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def validate_package(data_dir: Path, sources_dir: Path | None = None) -> list[Problem]:
    """Check the package in ``data_dir``; with ``sources_dir``, check provenance too.

    Returns every problem found (an empty list means valid), sorted by file and line.
    """
    descriptor_path = data_dir / DATAPACKAGE_NAME
    descriptor_name = display_path(data_dir, DATAPACKAGE_NAME)
    try:
        descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
        resources = {r["name"]: r for r in descriptor["resources"]}
        package = Package(str(descriptor_path))  # checks the descriptor: paths, schemas, types
    except FileNotFoundError:
        return [Problem(descriptor_name, None, None, None, "is missing: no data package here")]
    except (ValueError, KeyError, TypeError, FrictionlessException) as exc:
        rule = f"is not a valid data package descriptor ({type(exc).__name__}: {exc})"
        return [Problem(descriptor_name, None, None, None, rule)]

    problems: list[Problem] = []
    readable: set[str] = set()
    for name, res in resources.items():
        problem = _check_readable(data_dir, res["path"])
        if problem:
            problems.append(problem)
        else:
            readable.add(name)

    if readable == set(resources):
        problems += _frictionless_problems(package, data_dir)
    else:
        # Foreign keys need every table; check what can be read on its own.
        for name in sorted(readable):
            descriptor_copy = json.loads(json.dumps(resources[name]))
            descriptor_copy["schema"].pop("foreignKeys", None)
            resource = Resource(descriptor_copy, basepath=str(data_dir))
            problems += _frictionless_problems(resource, data_dir, skip_foreign_keys=True)

    # A header that does not match the schema shifts every column: Frictionless then reports a
    # label error per column and a type error per cell. Say what is wrong with the header once.
    for name in sorted(readable):
        header_problems = _check_header(data_dir, resources[name])
        if header_problems:
            file = header_problems[0].file
            problems = [p for p in problems if p.file != file] + header_problems

    broken = {p.file for p in problems if p.line in (None, 1)}
    tables = {
        name: list(_read_rows(data_dir / resources[name]["path"]))
        for name in readable
        if display_path(data_dir, resources[name]["path"]) not in broken
    }
    files = {name: display_path(data_dir, res["path"]) for name, res in resources.items()}
    problems += edition_checks(tables, files, {n: r["schema"] for n, r in resources.items()})
    problems += _check_ach_relays_exist(tables, files)
    # Every rule holds in the whole book and in each edition as it was: a problem only an
    # earlier edition shows (a grade resting on a later source) names that edition.
    seen: set[Problem] = set()
    for number, view in edition_views(tables):
        for problem in _rule_checks(view, files, sources_dir, check_hashes=number is None):
            if problem in seen:
                continue
            seen.add(problem)
            problems.append(problem if number is None else
                            replace(problem, rule=f"{problem.rule} (in edition {number})"))
    return sorted(set(problems), key=lambda p: (p.file, p.line or 0, p.column or "", p.rule))


def _check_header(data_dir: Path, resource: dict) -> list[Problem]:
    """Problems with a CSV's header row: missing, extra, renamed or reordered columns."""
    name = display_path(data_dir, resource["path"])
    expected = [f["name"] for f in resource["schema"]["fields"]]
    with (data_dir / resource["path"]).open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), [])
    if header == expected:
        return []
    missing = [c for c in expected if c not in header]
    extra = [c for c in header if c not in expected]
    if len(missing) == 1 and len(extra) == 1:
        return [Problem(name, 1, missing[0], None, f"header {extra[0]!r} should be {missing[0]!r}")]
    problems = [Problem(name, 1, c, None, f"header has no column {c!r}: the schema requires it")
                for c in missing]
    problems += [Problem(name, 1, c, None, f"header has a column {c!r} the schema does not list")
                 for c in extra]
    if not problems:
        order = ", ".join(expected)
        problems.append(Problem(name, 1, None, None, f"header has the columns in another order "
                                f"than the schema: {order}"))
    return problems


def _check_readable(data_dir: Path, relpath: str) -> Problem | None:
    """A problem if the file is missing or is not UTF-8 (with the line of the first bad byte)."""
    name = display_path(data_dir, relpath)
    try:
        raw = (data_dir / relpath).read_bytes()
    except FileNotFoundError:
        return Problem(name, None, None, None, "is missing: the data package lists it")
    except OSError as exc:
        return Problem(name, None, None, None, f"cannot be read ({exc.strerror})")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        value = raw[exc.start : exc.start + 1].hex()
        return Problem(name, line, None, f"0x{value}", "is not UTF-8: save the file as UTF-8")
    return None


_FK_NOTE = re.compile(
    r'for "(?P<field>[^"]+)": values "(?P<value>[^"]*)" not found in the '
    r'lookup table "(?P<table>[^"]+)" as "(?P<key>[^"]+)"'
)


def _frictionless_problems(
    target: Package | Resource, data_dir: Path, skip_foreign_keys: bool = False
) -> list[Problem]:
    """Run Frictionless and translate its errors into problems with file, line and column."""
    checklist = Checklist(skip_errors=["foreign-key"]) if skip_foreign_keys else Checklist()
    report = target.validate(checklist=checklist)
    paths = {}
    if isinstance(target, Package):
        paths = {r.name: r.path for r in target.resources}
    else:
        paths = {target.name: target.path}
    problems = []
    for task in report.tasks:
        name = display_path(data_dir, paths.get(task.name, task.name))
        # A repeated one-column key is also a unique-error, a blank row also a primary-key error:
        # report each row's problem once, with its column where Frictionless gives one.
        explained = {e.row_number for e in task.errors if e.type in {"unique-error", "blank-row"}}
        for error in task.errors:
            if error.type == "primary-key" and error.row_number in explained:
                continue
            problems.append(_translate(name, error))
    return problems


def _translate(name: str, error: object) -> Problem:
    """One Frictionless error as a problem a spreadsheet editor can act on."""
    kind = error.type  # type: ignore[attr-defined]
    line = getattr(error, "row_number", None)
    column = getattr(error, "field_name", None) or None
    cell = getattr(error, "cell", None)
    note = getattr(error, "note", "")
    if kind == "constraint-error":
        if note.startswith('constraint "required"'):
            cell = None  # the cell is empty (Frictionless shows a missing one as 'None')
        return Problem(name, line, column, cell, _constraint_rule(note))
    if kind == "type-error":
        field_type = getattr(error, "field_type", "value")
        return Problem(name, line, column, cell, f"is not a valid {field_type}")
    if kind == "extra-cell":
        return Problem(
            name, line, None, cell, "is an extra cell: the row has more cells than the header"
        )
    if kind == "missing-cell":
        return Problem(
            name, line, column, None, "is missing: the row has fewer cells than the header"
        )
    if kind in {
        "incorrect-label",
        "missing-label",
        "blank-label",
        "duplicate-label",
        "extra-label",
    }:
        label = getattr(error, "label", None)
        rule = {
            "incorrect-label": f"header {label!r} should be {column!r}",
            "missing-label": f"header has no column {column!r}",
            "blank-label": "header has a blank column name",
            "duplicate-label": f"header repeats the column {label!r}",
            "extra-label": f"header has a column {label!r} the schema does not list",
        }[kind]
        return Problem(name, 1, column, None, rule)
    if kind == "primary-key":
        return Problem(name, line, column, None, "repeats a primary key that must be unique")
    if kind == "foreign-key":
        match = _FK_NOTE.search(note)
        if match:
            rule = f"is not found in {match['table']}.csv ({match['key']})"
            return Problem(name, line, match["field"], match["value"], rule)
        return Problem(name, line, None, None, f"breaks a foreign key ({note})")
    if kind in {"blank-row"}:
        return Problem(name, line, None, None, "is a blank row")
    if kind == "unique-error":
        rule = "repeats a value that must be unique in this column"
        return Problem(name, line, column, cell, rule)
    message = getattr(error, "message", str(error))
    return Problem(name, line, column, None, f"breaks the schema: {message}")


def _constraint_rule(note: str) -> str:
    """Frictionless's constraint note (``constraint "enum" is "[...]"``) as a sentence."""
    match = re.match(r'constraint "(\w+)" is "(.*)"', note)
    if not match:
        return f"breaks a constraint ({note})"
    constraint, limit = match.groups()
    if constraint == "enum":
        return f"is not one of the allowed values {limit}"
    if constraint == "required":
        return "is empty, but the column is required"
    if constraint == "unique":
        return "repeats a value that must be unique in this column"
    if constraint == "pattern":
        return f"does not match the pattern {limit}"
    if constraint in {"minimum", "maximum"}:
        return f"is {'below' if constraint == 'minimum' else 'above'} the {constraint} {limit}"
    if constraint in {"minLength", "maxLength"}:
        word = "shorter" if constraint == "minLength" else "longer"
        return f"is {word} than allowed ({constraint} {limit})"
    return f"breaks the constraint {constraint} {limit}"


def _read_rows(path: Path) -> Iterator[tuple[int, Row]]:
    """Rows as dicts with their line number (header is line 1), for the rule checks."""
    with path.open(encoding="utf-8-sig", newline="") as handle:  # Excel writes a BOM
        reader = csv.DictReader(handle)
        for row in reader:
            yield reader.line_num, {k: (v or "") for k, v in row.items() if k is not None}


# --- rules no schema can express ------------------------------------------------------------


def _rule_checks(
    tables: Tables, files: dict[str, str], sources_dir: Path | None, check_hashes: bool = True
) -> list[Problem]:
    problems: list[Problem] = []
    problems += _check_dates(tables, files)
    problems += _check_horizons(tables, files)
    problems += _check_event_actors(tables, files)
    problems += _check_deliveries(tables, files)
    problems += _check_judgments(tables, files)
    problems += _check_dependence(tables, files)
    problems += _check_confidence(tables, files)
    problems += _check_likelihood_ranges(tables, files)
    problems += _check_factor_subjects(tables, files)
    problems += _check_same_as(tables, files)
    problems += _check_leans_on(tables, files)
    problems += _check_relations(tables, files)
    problems += _check_corroboration(tables, files)
    problems += _check_credibility_one(tables, files)
    problems += _check_credibility_caps(tables, files)
    problems += _check_relay_flags(tables, files)
    problems += _check_propositions(tables, files)
    problems += _check_ach_links(tables, files)
    problems += _check_ach_matrix(tables, files)
    problems += _check_ach_records(tables, files)
    problems += _check_assumption_citations(tables, files)
    problems += _check_citations(tables, files, sources_dir, check_hashes)
    return problems


def _check_dates(tables: Tables, files: dict[str, str]) -> list[Problem]:
    problems = []
    for table, columns in EDTF_COLUMNS.items():
        for line, row in tables.get(table, []):
            for column, precision_column in columns:
                text = row.get(column, "")
                if not text:
                    continue
                try:
                    span = dates.parse(text)
                except dates.EDTFError as exc:
                    problems.append(Problem(files[table], line, column, text, str(exc)))
                    continue
                declared = row.get(precision_column, "") if precision_column else ""
                if declared and declared != span.precision:
                    rule = f"is a {span.precision} date, but the precision column says {declared!r}"
                    problems.append(Problem(files[table], line, precision_column, declared, rule))
    return problems


def _check_event_actors(tables: Tables, files: dict[str, str]) -> list[Problem]:
    known = {row["actor_id"] for _, row in tables.get("actors", [])}
    if not known:
        return []
    problems = []
    for line, row in tables.get("events", []):
        for actor in filter(None, row.get("actors", "").split(";")):
            if actor not in known:
                rule = "is not found in actors.csv (actor_id)"
                problems.append(Problem(files["events"], line, "actors", actor, rule))
    return problems


def _check_deliveries(tables: Tables, files: dict[str, str]) -> list[Problem]:
    contracts = {row["contract_id"]: row for _, row in tables.get("contracts", [])}
    totals: dict[str, int] = defaultdict(int)
    problems = []
    for line, row in tables.get("deliveries", []):
        contract = contracts.get(row.get("contract_id", ""))
        if contract is None:
            continue
        if row.get("unit") != contract.get("unit"):
            rule = f"differs from the contract's unit {contract.get('unit')!r}"
            problems.append(Problem(files["deliveries"], line, "unit", row.get("unit"), rule))
        if (
            not row.get("quantity", "").isdigit()
            or not contract.get("number_ordered", "").isdigit()
        ):
            continue
        totals[row["contract_id"]] += int(row["quantity"])
        ordered = int(contract["number_ordered"])
        if totals[row["contract_id"]] > ordered:
            rule = (
                f"brings deliveries under {row['contract_id']} to {totals[row['contract_id']]}, "
                f"more than the {ordered} ordered"
            )
            problems.append(Problem(files["deliveries"], line, "quantity", row["quantity"], rule))
    return problems


def _evidence_rows(tables: Tables) -> dict[str, dict[str, Row]]:
    """Each evidence table's rows by key, for the tables that could be read."""
    return {
        table: {row.get(key, ""): row for _, row in tables[table]}
        for table, key in EVIDENCE_KEYS.items()
        if table in tables
    }


def _missing_evidence(
    file: str, line: int, row: Row, evidence: dict[str, dict[str, Row]]
) -> list[Problem]:
    """A problem if the row's (evidence_table, evidence_id) names no existing row."""
    table, key = row.get("evidence_table", ""), row.get("evidence_id", "")
    if table not in evidence or key in evidence[table]:
        return []
    rule = f"is not found in {table}.csv ({EVIDENCE_KEYS[table]})"
    return [Problem(file, line, "evidence_id", key, rule)]


def _check_judgments(tables: Tables, files: dict[str, str]) -> list[Problem]:
    if "judgments" not in tables or "judgment_evidence" not in tables:
        return []
    evidence = _evidence_rows(tables)
    problems = []
    cited = set()
    for line, row in tables["judgment_evidence"]:
        cited.add(row.get("judgment_id"))
        problems += _missing_evidence(files["judgment_evidence"], line, row, evidence)
    for line, row in tables["judgments"]:
        if row.get("judgment_id") not in cited:
            rule = "has no evidence: add a row for it to judgment_evidence.csv"
            problems.append(
                Problem(files["judgments"], line, "judgment_id", row.get("judgment_id"), rule)
            )
    return problems


def _check_horizons(tables: Tables, files: dict[str, str]) -> list[Problem]:
    """A horizon (of a judgment or a hypothesis) is a closed date or interval: no ``..`` and no
    empty end."""
    problems = []
    for table in ("judgments", "hypotheses"):
        for line, row in tables.get(table, []):
            text = row.get("horizon", "")
            if ".." not in text and not text.rstrip("?~%").endswith("/"):
                continue
            try:
                dates.parse(text)
            except dates.EDTFError:
                continue  # _check_dates has said so
            rule = "is open-ended: a horizon needs a last date"
            problems.append(Problem(files[table], line, "horizon", text, rule))
    return problems


def _likelihood_ranks(tables: Tables) -> dict[str, int]:
    return {
        row.get("term", ""): int(row["rank"])
        for _, row in tables.get("likelihood_terms", [])
        if row.get("rank", "").isdigit()
    }


def _check_dependence(tables: Tables, files: dict[str, str]) -> list[Problem]:
    """A judgment is never more likely than the judgment it depends on, nor depends on itself."""
    ranks = _likelihood_ranks(tables)
    judgments = {row.get("judgment_id", ""): row for _, row in tables.get("judgments", [])}
    problems = []
    for line, row in tables.get("judgments", []):
        own, other = row.get("judgment_id", ""), row.get("depends_on", "")
        if other and other == own:
            rule = "is this judgment's own id: a judgment cannot depend on itself"
            problems.append(Problem(files["judgments"], line, "depends_on", other, rule))
            continue
        mine, theirs = row.get("likelihood", ""), judgments.get(other, {}).get("likelihood", "")
        if mine in ranks and theirs in ranks and ranks[mine] > ranks[theirs]:
            rule = f"is more likely than {other} ({theirs!r}), which this judgment depends on"
            problems.append(Problem(files["judgments"], line, "likelihood", mine, rule))
    return problems


def origin_grade(source_grade: str, named: bool, vouched: bool = True) -> str:
    """The grade an origin earns from one source carrying it: the source's own, unless the texts
    do not name the origin ('unnamed analysts', 'Turkish media') or the carrier does not vouch
    for what it relays (a relayed claim it hedges: 'alleged', 'claimed', 'could not be
    verified'); neither can be judged (F)."""
    return source_grade if named and vouched else "F"


def vouched(relay: object, hedged: object) -> bool:
    """False for a relayed claim its carrier hedges; rows without those columns pass ''."""
    return not (_is_true(relay) and _is_true(hedged))


def _is_true(value: object) -> bool:
    """A boolean cell, read as the CSV text ('true') or as pandas loaded it (NA is not true)."""
    if isinstance(value, str):
        return value in TRUE_VALUES
    try:
        return bool(value)
    except TypeError:  # pandas.NA
        return False


def _evidence_origins(tables: Tables) -> dict[str, dict[str, str]]:
    """Per judgment, the origins of its evidence with each origin's best grade."""
    evidence = _evidence_rows(tables)
    grades = {row.get("source_id", ""): row.get("reliability", "")
              for _, row in tables.get("sources", [])}
    unnamed = {row.get("actor_id", "") for _, row in tables.get("actors", [])
               if _flag(row.get("named", "")) is False}
    origins: dict[str, dict[str, str]] = defaultdict(dict)
    for _, link in tables.get("judgment_evidence", []):
        row = evidence.get(link.get("evidence_table", ""), {}).get(link.get("evidence_id", ""))
        grade = grades.get(row.get("source_id", "")) if row else None
        if not row or not row.get("origin") or not grade:
            continue  # a missing row, origin or source is reported elsewhere
        grade = origin_grade(grade, row["origin"] not in unnamed,
                             vouched(row.get("relay", ""), row.get("hedged", "")))
        graded = origins[link.get("judgment_id", "")]
        graded[row["origin"]] = min(grade, graded.get(row["origin"], grade))
    return origins


def _check_confidence(tables: Tables, files: dict[str, str]) -> list[Problem]:
    """A judgment's confidence is no more than CONFIDENCE_RUBRIC allows for its evidence."""
    origins = _evidence_origins(tables)
    problems = []
    for line, row in tables.get("judgments", []):
        level, judgment = row.get("confidence", ""), row.get("judgment_id", "")
        graded = origins.get(judgment)
        if level not in CONFIDENCE_RUBRIC or not graded:
            continue  # low is always allowed; no evidence is reported elsewhere
        needed, grade, reaching, text = CONFIDENCE_RUBRIC[level]
        if len(graded) >= needed and sum(g <= grade for g in graded.values()) >= reaching:
            continue
        listed = ", ".join(f"{origin}: {g}" for origin, g in sorted(graded.items()))
        rule = (f"is more than its evidence allows: {level} needs {text}, "
                f"and {judgment}'s evidence has {len(graded)} ({listed})")
        problems.append(Problem(files["judgments"], line, "confidence", level, rule))
    return problems


def _check_likelihood_ranges(tables: Tables, files: dict[str, str]) -> list[Problem]:
    problems = []
    for line, row in tables.get("likelihood_terms", []):
        low, high = row.get("min_percent", ""), row.get("max_percent", "")
        if low.isdigit() and high.isdigit() and int(low) >= int(high):
            rule = f"must be above min_percent {low}"
            problems.append(Problem(files["likelihood_terms"], line, "max_percent", high, rule))
    return problems


def _check_factor_subjects(tables: Tables, files: dict[str, str]) -> list[Problem]:
    options = {row["option_id"] for _, row in tables.get("dispositions", [])}
    if not options:
        return []
    problems = []
    for line, row in tables.get("factors", []):
        if row.get("kind") in DISPOSITION_KINDS and row.get("subject") not in options:
            rule = "is not an option_id in dispositions.csv (required for disposition factors)"
            problems.append(Problem(files["factors"], line, "subject", row.get("subject"), rule))
    return problems


def _factor_links(tables: Tables, column: str) -> Iterator[tuple[int, Row, Row]]:
    """Each factor row whose ``column`` names another factor: (line, row, the row named).
    Empty cells and missing targets (which the foreign-key check reports) are skipped."""
    factors = {row.get("factor_id", ""): row for _, row in tables.get("factors", [])}
    for line, row in tables.get("factors", []):
        target = factors.get(row.get(column, ""))
        if target:
            yield line, row, target


def _check_same_as(tables: Tables, files: dict[str, str]) -> list[Problem]:
    """A factor filed again for a second analysis (``same_as``) is the same item: same origin,
    source and paragraph as the row it names, and that row is an item's first row."""
    problems = []
    for line, row, first in _factor_links(tables, "same_as"):
        if first.get("same_as"):
            rule = (f"names {first['factor_id']}, itself a repeat of {first['same_as']}: "
                    "name the first row")
            problems.append(Problem(files["factors"], line, "same_as", row["same_as"], rule))
            continue
        for column in ("origin", "source_id", "paragraph"):
            if row.get(column) != first.get(column):
                rule = (f"names {first['factor_id']}, whose {column} is {first.get(column)!r}, "
                        f"not {row.get(column)!r}: a repeat must be the same item")
                problems.append(Problem(files["factors"], line, "same_as", row["same_as"], rule))
                break
    return problems


def _check_leans_on(tables: Tables, files: dict[str, str]) -> list[Problem]:
    """A factor that may rest on another (``leans_on``) names one on the same subject from
    another origin: a row cannot lean on itself, a relay of the same origin is counted once
    already, and a row on another subject changes no count."""
    problems = []
    for line, row, other in _factor_links(tables, "leans_on"):
        if row.get("subject") != other.get("subject"):
            column, rule = "subject", "must be on the same subject"
        elif row.get("origin") == other.get("origin"):
            column, rule = "origin", "must come from another origin (one origin counts once anyway)"
        else:
            continue
        problems.append(Problem(
            files["factors"], line, "leans_on", row["leans_on"],
            f"names {other['factor_id']}, whose {column} is {other.get(column)!r}: "
            f"the row it may rest on {rule}"))
    return problems


def _check_relations(tables: Tables, files: dict[str, str]) -> list[Problem]:
    problems = []
    for line, row in tables.get("claim_relations", []):
        if row.get("claim_id") and row.get("claim_id") == row.get("other_claim_id"):
            rule = "relates a claim to itself"
            problems.append(
                Problem(files["claim_relations"], line, "other_claim_id", row["claim_id"], rule)
            )
    return problems


def _check_corroboration(tables: Tables, files: dict[str, str]) -> list[Problem]:
    """A supports relation joins claims of distinct origins: a relay is not corroboration."""
    origins = {row.get("claim_id", ""): row.get("origin", "")
               for _, row in tables.get("claims", [])}
    problems = []
    for line, row in tables.get("claim_relations", []):
        one, other = row.get("claim_id", ""), row.get("other_claim_id", "")
        origin = origins.get(one)
        if row.get("relation") == "supports" and origin and origin == origins.get(other):
            rule = (f"joins {one} and {other}, which share the origin {origin}: "
                    "a relay is not corroboration")
            problems.append(Problem(files["claim_relations"], line, "relation", "supports", rule))
    return problems


def _grade(row: Row) -> int | None:
    """A claim's credibility as a number, or None when the schema check has reported it."""
    text = row.get("credibility", "")
    return int(text) if text in {"1", "2", "3", "4", "5", "6"} else None


def _flag(text: str) -> bool | None:
    """A boolean cell as Frictionless reads it, or None when it is not one."""
    return True if text in TRUE_VALUES else False if text in FALSE_VALUES else None


def _check_credibility_one(tables: Tables, files: dict[str, str]) -> list[Problem]:
    """Credibility 1 (confirmed) needs at least two independent origins asserting it, one of
    them graded C or better (two ungradable origins confirm nothing)."""
    grades = {row.get("source_id", ""): row.get("reliability", "")
              for _, row in tables.get("sources", [])}
    unnamed = {row.get("actor_id", "") for _, row in tables.get("actors", [])
               if _flag(row.get("named", "")) is False}
    def graded(row: Row) -> str:
        return origin_grade(grades.get(row.get("source_id", ""), "F") or "F",
                            row.get("origin", "") not in unnamed,
                            vouched(row.get("relay", ""), row.get("hedged", "")))

    asserting: dict[str, dict[str, str]] = defaultdict(dict)
    for _, row in tables.get("claims", []):
        if row.get("proposition_id") and row.get("polarity") == "asserts" and row.get("origin"):
            grade, seen = graded(row), asserting[row["proposition_id"]]
            seen[row["origin"]] = min(grade, seen.get(row["origin"], grade))
    problems = []
    for line, row in tables.get("claims", []):
        if _grade(row) != 1:
            continue
        proposition = row.get("proposition_id", "")
        name = proposition or row.get("claim_id", "")
        origins = (asserting[proposition] if proposition
                   else {row["origin"]: graded(row)} if row.get("origin") else {})
        if len(origins) >= 2 and min(origins.values()) <= CONFIRMING_GRADE:
            continue
        listed = (f" ({', '.join(f'{o}: {g}' for o, g in sorted(origins.items()))})"
                  if origins else "")
        rule = (f"needs at least 2 independent origins asserting the proposition, one graded "
                f"{CONFIRMING_GRADE} or better; {name} has {len(origins)}{listed}")
        problems.append(Problem(files["claims"], line, "credibility", row["credibility"], rule))
    return problems


# The worst origin grade that can help confirm a proposition (rule 1, data/README.md).
CONFIRMING_GRADE = "C"


# Ceilings on a claim's credibility the rubric sets (data/README.md): (applies, allowed, rule).
CREDIBILITY_CAPS = (
    (lambda row: row.get("claim_kind") == "opinion", {6},
     "grades an opinion: an opinion's truth cannot be judged, so it is graded 6"),
    (lambda row: bool(_flag(row.get("hedged", ""))), {3, 4, 5, 6},
     "is too high for a hedged claim: a claim its source hedges is at most 3"),
)


def _check_credibility_caps(tables: Tables, files: dict[str, str]) -> list[Problem]:
    """Opinions are graded 6; a claim its own source hedges is at most "possibly true" (3)."""
    problems = []
    for line, row in tables.get("claims", []):
        grade = _grade(row)
        for applies, allowed, rule in CREDIBILITY_CAPS:
            if grade is not None and applies(row) and grade not in allowed:
                problems.append(
                    Problem(files["claims"], line, "credibility", row["credibility"], rule))
    return problems


def _check_relay_flags(tables: Tables, files: dict[str, str]) -> list[Problem]:
    """relay is true exactly when the reporter is not the origin."""
    problems = []
    for line, row in tables.get("claims", []):
        relay = _flag(row.get("relay", ""))
        origin, reporter = row.get("origin"), row.get("reporter")
        if relay is None or not origin or not reporter or relay == (origin != reporter):
            continue
        if relay:
            rule = f"marks a relay, but the origin is the reporter ({origin})"
        else:
            rule = (f"marks an original report, but the origin ({origin}) is not the reporter "
                    f"({reporter})")
        problems.append(Problem(files["claims"], line, "relay", row["relay"], rule))
    return problems


def _check_propositions(tables: Tables, files: dict[str, str]) -> list[Problem]:
    """Each voice shares its proposition's thread, and each proposition has a voice."""
    threads = {row.get("proposition_id", ""): row.get("thread", "")
               for _, row in tables.get("propositions", [])}
    problems = []
    voiced = set()
    for line, row in tables.get("claims", []):
        proposition, thread = row.get("proposition_id", ""), row.get("thread", "")
        voiced.add(proposition)
        if proposition in threads and thread != threads[proposition]:
            rule = (f"is not the thread of its proposition {proposition} "
                    f"({threads[proposition]!r}): a voice shares its proposition's thread")
            problems.append(Problem(files["claims"], line, "thread", thread, rule))
    if "claims" not in tables:
        return problems
    for line, row in tables.get("propositions", []):
        if row.get("proposition_id") not in voiced:
            rule = "has no voice: no claim in claims.csv speaks to it"
            problems.append(
                Problem(files["propositions"], line, "proposition_id", row["proposition_id"], rule)
            )
    return problems


def _check_ach_links(tables: Tables, files: dict[str, str]) -> list[Problem]:
    """Every rated row exists; a ``relay_of`` names a claim of the same origin (when both are
    in this view: in an edition without the relayed claim, the relay stands alone)."""
    evidence = _evidence_rows(tables)
    claims = evidence.get("claims", {})
    problems = []
    for line, row in tables.get("ach", []):
        problems += _missing_evidence(files["ach"], line, row, evidence)
        relayed = row.get("relay_of", "")
        if not relayed or row.get("evidence_table") != "claims":
            continue
        mine = claims.get(row.get("evidence_id", ""))
        if mine and relayed in claims and mine.get("origin") != claims[relayed].get("origin"):
            rule = (f"names a claim of another origin ({claims[relayed].get('origin')!r}, not "
                    f"{mine.get('origin')!r}): a relay shares its origin")
            problems.append(Problem(files["ach"], line, "relay_of", relayed, rule))
    return problems


def _check_ach_relays_exist(tables: Tables, files: dict[str, str]) -> list[Problem]:
    """A ``relay_of`` names a claim of the whole book (run once, not per edition: an edition
    may not have the relayed claim yet, and then the relay stands alone)."""
    claims = {row.get("claim_id", "") for _, row in tables.get("claims", [])}
    return [Problem(files["ach"], line, "relay_of", row["relay_of"],
                    "is not found in claims.csv (claim_id)")
            for line, row in tables.get("ach", [])
            if row.get("relay_of") and row["relay_of"] not in claims]


def _check_ach_records(tables: Tables, files: dict[str, str]) -> list[Problem]:
    """Only a record counts against a hypothesis: an assessment or opinion is never rated
    inconsistent (data/README.md, "Competing hypotheses")."""
    kinds = {row.get("claim_id", ""): row.get("claim_kind", "")
             for _, row in tables.get("claims", [])}
    problems = []
    for line, row in tables.get("ach", []):
        is_claim = row.get("evidence_table") == "claims"
        kind = kinds.get(row.get("evidence_id", ""), "") if is_claim else ""
        if row.get("rating") == "inconsistent" and kind in ("assessment", "opinion"):
            rule = (f"rates {row['evidence_id']}, an {kind}, against {row.get('hypothesis_id')}: "
                    "only a record can count against a hypothesis; rate it neutral or consistent")
            problems.append(Problem(files["ach"], line, "rating", "inconsistent", rule))
    return problems


def _check_ach_matrix(tables: Tables, files: dict[str, str]) -> list[Problem]:
    """Every hypothesis of a thread is rated against every evidence row rated in that thread."""
    threads = {row.get("hypothesis_id", ""): row.get("thread", "")
               for _, row in tables.get("hypotheses", [])}
    evidence = _evidence_rows(tables)
    matrix: dict[str, set[tuple[str, str]]] = defaultdict(set)
    rated: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for _, row in tables.get("ach", []):
        hypothesis, table = row.get("hypothesis_id", ""), row.get("evidence_table", "")
        key = row.get("evidence_id", "")
        if hypothesis in threads and key in evidence.get(table, {}):
            matrix[threads[hypothesis]].add((table, key))
            rated[hypothesis].add((table, key))
    problems = []
    for line, row in tables.get("hypotheses", []):
        hypothesis = row.get("hypothesis_id", "")
        missing = sorted(matrix[row.get("thread", "")] - rated[hypothesis])
        if missing:
            listed = ", ".join(f"{table} {key}" for table, key in missing)
            rule = (f"is not rated against {listed}: every hypothesis is rated against every "
                    "evidence row of the matrix")
            problems.append(Problem(files["hypotheses"], line, "hypothesis_id", hypothesis, rule))
    return problems


def _check_assumption_citations(tables: Tables, files: dict[str, str]) -> list[Problem]:
    """An assumption cites its source with all of source_id, paragraph and evidence, or none."""
    problems = []
    for line, row in tables.get("assumptions", []):
        filled = [column for column in CITATION_COLUMNS if row.get(column)]
        if not filled or len(filled) == len(CITATION_COLUMNS):
            continue
        given = " and ".join(filled) + (" is" if len(filled) == 1 else " are")
        rule = (f"is empty, but {given} filled: cite source_id, paragraph and evidence "
                "together, or none of them")
        problems += [Problem(files["assumptions"], line, column, None, rule)
                     for column in CITATION_COLUMNS if column not in filled]
    return problems


def _check_citations(
    tables: Tables, files: dict[str, str], sources_dir: Path | None, check_hashes: bool = True
) -> list[Problem]:
    """Paragraphs exist, evidence is short; given the texts, evidence is verbatim, hashes match."""
    sources = {row["source_id"]: (line, row) for line, row in tables.get("sources", [])}
    paragraphs: dict[str, list[str] | None] = {}
    problems: list[Problem] = []
    if sources_dir is not None:
        for source_id, (line, row) in sources.items():
            paragraphs[source_id] = None
            path = sources_dir / row.get("file", "")
            try:
                digest = sha256_of(path)
                paragraphs[source_id] = read_paragraphs(path)
            except OSError:
                rule = f"names a source text that is missing from {sources_dir}"
                problems.append(Problem(files["sources"], line, "file", row.get("file"), rule))
                continue
            except UnicodeDecodeError:
                rule = f"names a source text in {sources_dir} that is not UTF-8"
                problems.append(Problem(files["sources"], line, "file", row.get("file"), rule))
                continue
            if check_hashes and digest != row.get("sha256"):
                affected = _rows_citing(tables, source_id)
                rule = (
                    f"does not match {row.get('file')} (sha256 {digest[:12]}…): the source text "
                    f"has changed; re-check the {len(affected)} fact rows citing {source_id}: "
                    + ", ".join(affected)
                )
                problems.append(Problem(files["sources"], line, "sha256", row.get("sha256"), rule))

    for table, rows in tables.items():
        if table == "sources" or not rows or "evidence" not in rows[0][1]:
            continue
        for line, row in rows:
            problems += _check_one_citation(files[table], line, row, sources, paragraphs)
    return problems


def _check_one_citation(
    file: str,
    line: int,
    row: Row,
    sources: dict[str, tuple[int, Row]],
    paragraphs: dict[str, list[str] | None],
) -> list[Problem]:
    source_id, para, evidence = (
        row.get("source_id", ""),
        row.get("paragraph", ""),
        row.get("evidence", ""),
    )
    if source_id not in sources or not para.isdigit() or int(para) < 1:
        return []  # the foreign key, type or minimum check has already said so
    number = int(para)
    problems = []
    if len(evidence.split()) > MAX_EVIDENCE_WORDS:
        rule = f"is longer than {MAX_EVIDENCE_WORDS} words: quote a few words, not a sentence"
        problems.append(Problem(file, line, "evidence", evidence, rule))
    count = sources[source_id][1].get("paragraphs", "")
    if count.isdigit() and number > int(count):
        rule = f"is past the last paragraph of {source_id} ({count} paragraphs)"
        return [*problems, Problem(file, line, "paragraph", para, rule)]
    texts = paragraphs.get(source_id)
    if texts is None:
        return problems
    if number > len(texts):
        rule = f"is past the last paragraph of {source_id}'s text ({len(texts)} paragraphs)"
        return [*problems, Problem(file, line, "paragraph", para, rule)]
    if evidence and evidence not in texts[number - 1]:
        rule = f"is not found verbatim in {source_id} paragraph {number}"
        problems.append(Problem(file, line, "evidence", evidence, rule))
    elif evidence and evidence == texts[number - 1]:
        rule = "is the whole paragraph: quote a few words, not the text"
        problems.append(Problem(file, line, "evidence", evidence, rule))
    return problems + _check_own_words(file, line, row, f"{source_id} paragraph {number}",
                                       texts[number - 1])


def _check_own_words(file: str, line: int, row: Row, cited: str, paragraph: str) -> list[Problem]:
    """Text we write in our words shares no run of more than MAX_SHARED_WORDS with its source."""
    problems = []
    for column in OWN_WORDS_COLUMNS:
        count, run = _longest_shared_run(row.get(column, ""), paragraph)
        if count > MAX_SHARED_WORDS:
            rule = (f"shares {count} consecutive words with {cited} (\"{run}\"): "
                    "write it in our own words")
            problems.append(Problem(file, line, column, row[column], rule))
    return problems


_WORD = re.compile(r"(?:[^\W_]|')+")  # letters, digits and apostrophes


def _words(text: str) -> list[re.Match[str]]:
    return list(_WORD.finditer(text.replace("\u2019", "'")))  # ’ is ', at the same offset


@functools.lru_cache(maxsize=1024)
def _paragraph_index(paragraph: str) -> tuple[list[str], list[tuple[int, int]], dict]:
    """A paragraph's words (casefolded), their spans, and where each run of
    MAX_SHARED_WORDS + 1 words starts."""
    matches = _words(paragraph)
    words = [m.group().casefold() for m in matches]
    size = MAX_SHARED_WORDS + 1
    starts: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for at in range(len(words) - size + 1):
        starts[tuple(words[at : at + size])].append(at)
    return words, [m.span() for m in matches], starts


def _longest_shared_run(text: str, paragraph: str) -> tuple[int, str]:
    """The longest run of more than MAX_SHARED_WORDS consecutive words ``text`` shares with
    ``paragraph`` (compared case-insensitively), and that run as the paragraph writes it."""
    if not text:
        return 0, ""
    theirs, spans, starts = _paragraph_index(paragraph)
    mine = _WORD.findall(text.replace("\u2019", "'").casefold())
    size = MAX_SHARED_WORDS + 1
    best, where = 0, 0
    for at in range(len(mine) - size + 1):
        for start in starts.get(tuple(mine[at : at + size]), ()):
            count = size
            while (at + count < len(mine) and start + count < len(theirs)
                   and mine[at + count] == theirs[start + count]):
                count += 1
            if count > best:
                best, where = count, start
    if not best:
        return 0, ""
    return best, paragraph[spans[where][0] : spans[where + best - 1][1]]


def _rows_citing(tables: Tables, source_id: str) -> list[str]:
    """``table.csv:line`` for every fact row that cites ``source_id``."""
    return [
        f"{table}.csv:{line}"
        for table, rows in sorted(tables.items())
        if table != "sources"
        for line, row in rows
        if row.get("source_id") == source_id
    ]
