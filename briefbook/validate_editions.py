"""The validator's edition layer: every edition is checked as the book it was, and no edition
knows what came after it.

:func:`edition_views` rebuilds, from the rows the validator has read, the book each edition
shows (its sources by the inclusion rule of :mod:`briefbook.editions`, its judgment versions,
its assumptions and hypotheses, each row with the revisions made up to that edition). The
validator runs all its rules on every view, so an edition-1 credibility of 1 resting on a
second origin that only edition 2 has is caught like any other. :func:`edition_checks` adds
the rules about editions themselves: numbering and dates, revisions that name a real row and
column and a valid value, and hindsight (a judgment version citing evidence, an assumption or a
text its edition does not have; a row mentioning a row or source its edition does not have).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator

from briefbook import dates
from briefbook.editions import KEYS, source_included
from briefbook.exceptions import Problem

Row = dict[str, str]
Tables = dict[str, list[tuple[int, Row]]]

EVIDENCE_TABLES = {"claims": "claim_id", "events": "event_id", "deliveries": "delivery_id",
                   "factors": "factor_id"}
VERSION_LINKS = ("judgment_evidence", "judgment_assumptions")
INTRODUCED = ("assumptions", "hypotheses")
# Columns a revision may not change: keys, threads, citations and the edition itself.
FIXED_COLUMNS = {"thread", "source_id", "paragraph", "evidence", "edition", *KEYS.values()}
# Prose in our words, where a mention of a later row would be hindsight.
PROSE_COLUMNS = (
    "statement", "rationale", "credibility_rationale", "note", "description", "basis",
    "would_show_wrong", "published_basis", "reliability_rationale", "identity_basis",
    "status_note", "label", "proposition", "change_note", "date_basis", "indicator", "direction",
)
_ID = re.compile(r"\b(?:s\d{3}|[ACDEFIJKPQRV]\d{2,3}|H\d{1,2})\b")


def _edition_dates(tables: Tables) -> dict[int, dt.date]:
    out = {}
    for _, row in tables.get("editions", []):
        try:
            out[int(row["edition"])] = dates.parse_iso_day(row["as_of"])
        except (KeyError, ValueError, dates.EDTFError):
            continue  # the schema check reports it
    return out


def _included_sources(tables: Tables, as_of: dt.date | None) -> set[str]:
    kept = set()
    for _, row in tables.get("sources", []):
        try:
            if as_of is None or source_included(row.get("published", ""), as_of):
                kept.add(row.get("source_id", ""))
        except dates.EDTFError:
            continue  # the date check reports it
    return kept


def _int(text: str, default: int = 0) -> int:
    return int(text) if text.isdigit() else default


def _apply_revisions(tables: Tables, edition: int | None) -> Tables:
    """Each row with the revisions of its table up to ``edition`` (every one, when None)."""
    revised: dict[tuple[str, str], dict[str, str]] = {}
    ordered = sorted(tables.get("revisions", []),
                     key=lambda lr: (_int(lr[1].get("edition", "")), lr[1].get("revision_id", "")))
    for _, rev in ordered:
        if edition is not None and _int(rev.get("edition", "")) > edition:
            continue
        revised.setdefault((rev.get("table", ""), rev.get("row_id", "")), {})[
            rev.get("column", "")] = rev.get("value", "")
    out: Tables = {}
    for name, rows in tables.items():
        key = KEYS.get(name)
        if not key or not any(t == name for t, _ in revised):
            out[name] = rows
            continue
        out[name] = [(line, {**row, **{c: v for c, v in revised.get((name, row.get(key, "")),
                                                                      {}).items() if c in row}})
                     for line, row in rows]
    return out


def current_versions(rows: list[tuple[int, Row]], edition: int | None) -> list[tuple[int, Row]]:
    """Per judgment id, the row of its latest version at or before ``edition`` (None: any)."""
    best: dict[str, tuple[int, tuple[int, Row]]] = {}
    for line, row in rows:
        number = _int(row.get("edition", ""), 1)
        if edition is not None and number > edition:
            continue
        jid = row.get("judgment_id", "")
        if jid not in best or number > best[jid][0]:
            best[jid] = (number, (line, row))
    return sorted((v[1] for v in best.values()), key=lambda lr: lr[0])


def _view(tables: Tables, edition: int | None, as_of: dt.date | None) -> Tables:
    """The book as edition ``edition`` shows it (the whole book when None)."""
    tables = _apply_revisions(tables, edition)
    kept = _included_sources(tables, as_of)
    view: Tables = {}
    for name, rows in tables.items():
        if name == "sources":
            rows = [(ln, r) for ln, r in rows if r.get("source_id") in kept]
        elif name != "actors" and rows and "source_id" in rows[0][1] and name != "revisions":
            rows = [(ln, r) for ln, r in rows if r.get("source_id", "") in kept | {""}]
        if name in INTRODUCED and edition is not None:
            rows = [(ln, r) for ln, r in rows if _int(r.get("edition", ""), 1) <= edition]
        view[name] = rows
    if "judgments" in view:
        view["judgments"] = current_versions(view["judgments"], edition)
        versions = {(r.get("judgment_id"), r.get("edition")) for _, r in view["judgments"]}
        for name in VERSION_LINKS:
            view[name] = [(ln, r) for ln, r in view.get(name, [])
                          if (r.get("judgment_id"), r.get("edition")) in versions]
    if edition is None:
        return view  # the whole book: every link is checked as it stands
    present = {t: {r.get(k, "") for _, r in view.get(t, [])} for t, k in EVIDENCE_TABLES.items()}
    # Links to evidence outside the view are hindsight, reported once by edition_checks.
    for name in ("judgment_evidence", "ach"):
        view[name] = [(ln, r) for ln, r in view.get(name, [])
                      if r.get("evidence_id") in present.get(r.get("evidence_table", ""), set())]
    claims = present["claims"]
    view["claim_relations"] = [(ln, r) for ln, r in view.get("claim_relations", [])
                               if r.get("claim_id") in claims and r.get("other_claim_id") in claims]
    voiced = {r.get("proposition_id") for _, r in view.get("claims", [])}
    view["propositions"] = [(ln, r) for ln, r in view.get("propositions", [])
                            if r.get("proposition_id") in voiced]
    hypotheses = {r.get("hypothesis_id") for _, r in view.get("hypotheses", [])}
    view["ach"] = [(ln, r) for ln, r in view["ach"] if r.get("hypothesis_id") in hypotheses]
    return view


def edition_views(tables: Tables) -> Iterator[tuple[int | None, Tables]]:
    """The whole book (label None), then each edition's view (label: its number)."""
    yield None, _view(tables, None, None)
    for number, as_of in sorted(_edition_dates(tables).items()):
        yield number, _view(tables, number, as_of)


# --- rules about editions themselves ---------------------------------------------------------


def edition_checks(tables: Tables, files: dict[str, str], schema: dict[str, dict]) -> list[Problem]:
    """Numbering, revisions, change notes and hindsight."""
    return (_check_numbering(tables, files) + _check_revisions(tables, files, schema)
            + _check_change_notes(tables, files) + _check_hindsight(tables, files)
            + _check_mentions(tables, files))


def _check_numbering(tables: Tables, files: dict[str, str]) -> list[Problem]:
    problems, previous = [], None
    for index, (line, row) in enumerate(tables.get("editions", []), 1):
        if row.get("edition") != str(index):
            rule = ("breaks the numbering: editions are numbered 1, 2, 3 … in order "
                    f"(expected {index})")
            problems.append(Problem(files["editions"], line, "edition", row.get("edition"), rule))
        try:
            as_of = dates.parse_iso_day(row.get("as_of", ""))
        except dates.EDTFError:
            continue
        if previous and as_of <= previous:
            rule = f"is not after the previous edition's as-of date ({previous.isoformat()})"
            problems.append(Problem(files["editions"], line, "as_of", row.get("as_of"), rule))
        previous = as_of
    return problems


def _check_revisions(
    tables: Tables, files: dict[str, str], schema: dict[str, dict]
) -> list[Problem]:
    """A revision names a row that exists and a column it may change, with a valid value."""
    problems = []
    for line, rev in tables.get("revisions", []):
        table, row_id, column = rev.get("table", ""), rev.get("row_id", ""), rev.get("column", "")
        key = KEYS.get(table)
        if not key or table not in tables:
            continue  # the enum check reports an unknown table
        if row_id not in {r.get(key) for _, r in tables[table]}:
            rule = f"is not a row of {table}.csv ({key})"
            problems.append(Problem(files["revisions"], line, "row_id", row_id, rule))
            continue
        fields = {f["name"]: f for f in schema.get(table, {}).get("fields", [])}
        if column not in fields or column in FIXED_COLUMNS:
            rule = (f"is not a column of {table}.csv that a revision may change "
                    "(keys, threads, citations and editions stay as they are)")
            problems.append(Problem(files["revisions"], line, "column", column, rule))
            continue
        reason = _invalid_value(rev.get("value", ""), fields[column])
        if reason:
            problems.append(Problem(files["revisions"], line, "value", rev.get("value", ""),
                                    f"{reason} ({table}.{column})"))
    return problems


def _invalid_value(value: str, field: dict) -> str | None:
    """Why ``value`` breaks the column's Table Schema type or constraints, or None."""
    constraints = field.get("constraints", {})
    if value == "":
        return "is empty, but the column is required" if constraints.get("required") else None
    kind = field.get("type")
    if kind == "integer":
        if not re.fullmatch(r"-?\d+", value):
            return "is not an integer"
        number = int(value)
        if "minimum" in constraints and number < constraints["minimum"]:
            return f"is below the minimum {constraints['minimum']}"
        if "maximum" in constraints and number > constraints["maximum"]:
            return f"is above the maximum {constraints['maximum']}"
    if kind == "boolean" and value not in {"true", "false", "True", "False", "TRUE", "FALSE",
                                           "1", "0"}:
        return "is not true or false"
    if "enum" in constraints and value not in constraints["enum"]:
        return f"is not one of the allowed values {constraints['enum']}"
    if "pattern" in constraints and not re.fullmatch(constraints["pattern"], value):
        return f"does not match the pattern {constraints['pattern']}"
    return None


def _check_change_notes(tables: Tables, files: dict[str, str]) -> list[Problem]:
    """A version whose likelihood or confidence moved says why."""
    problems = []
    by_id: dict[str, list[tuple[int, int, Row]]] = {}
    for line, row in tables.get("judgments", []):
        by_id.setdefault(row.get("judgment_id", ""), []).append(
            (_int(row.get("edition", ""), 1), line, row))
    for versions in by_id.values():
        versions.sort()
        for (_, _, old), (_, line, new) in itertools.pairwise(versions):
            moved = [c for c in ("likelihood", "confidence") if old.get(c) != new.get(c)]
            if moved and not new.get("change_note"):
                rule = (f"is empty, but the {' and '.join(moved)} moved since edition "
                        f"{old.get('edition')}: say why")
                problems.append(Problem(files["judgments"], line, "change_note", None, rule))
    return problems


def _source_of(tables: Tables) -> dict[tuple[str, str], str]:
    return {(t, r.get(k, "")): r.get("source_id", "")
            for t, k in EVIDENCE_TABLES.items() for _, r in tables.get(t, [])}


def _check_hindsight(tables: Tables, files: dict[str, str]) -> list[Problem]:
    """A judgment version, an assumption or a revision uses only what its edition has."""
    as_of = _edition_dates(tables)
    published = {r.get("source_id", ""): r.get("published", "")
                 for _, r in tables.get("sources", [])}

    def missing(source_id: str, edition: int) -> str | None:
        if edition not in as_of or source_id not in published:
            return None  # foreign keys report these
        try:
            if source_included(published[source_id], as_of[edition]):
                return None
            last = dates.parse(published[source_id])
        except dates.EDTFError:
            return None
        return (f"edition {edition} (as of {as_of[edition].isoformat()}) does not include "
                f"{source_id}, which may have been published as late as "
                f"{last.end_or(last.start).isoformat()}")

    problems = []
    sources = _source_of(tables)
    for line, link in tables.get("judgment_evidence", []):
        key = (link.get("evidence_table", ""), link.get("evidence_id", ""))
        why = missing(sources.get(key, ""), _int(link.get("edition", ""), 1))
        if why:
            rule = f"is hindsight: {why}, the source of {key[0]} {key[1]}"
            problems.append(Problem(files["judgment_evidence"], line, "evidence_id", key[1], rule))
    introduced = {r.get("assumption_id", ""): _int(r.get("edition", ""), 1)
                  for _, r in tables.get("assumptions", [])}
    for line, link in tables.get("judgment_assumptions", []):
        aid, edition = link.get("assumption_id", ""), _int(link.get("edition", ""), 1)
        if aid in introduced and introduced[aid] > edition:
            rule = (f"is hindsight: {aid} is introduced in edition {introduced[aid]}, after this "
                    f"judgment version's edition {edition}")
            problems.append(Problem(files["judgment_assumptions"], line, "assumption_id", aid,
                                    rule))
    for table in ("assumptions", "revisions"):
        for line, row in tables.get(table, []):
            if row.get("source_id"):
                why = missing(row["source_id"], _int(row.get("edition", ""), 1))
                if why:
                    problems.append(Problem(files[table], line, "source_id", row["source_id"],
                                            f"is hindsight: {why}"))
    return problems


def _check_mentions(tables: Tables, files: dict[str, str]) -> list[Problem]:
    """In each edition, prose names no row or source that the edition does not have."""
    known = {r.get(k, "") for t, k in KEYS.items() for _, r in tables.get(t, [])}
    known |= {r.get("judgment_id", "") for _, r in tables.get("judgments", [])}
    problems: set[Problem] = set()
    for number, view in edition_views(tables):
        if number is None:
            continue
        present = {r.get(k, "") for t, k in KEYS.items() for _, r in view.get(t, [])}
        present |= {r.get("judgment_id", "") for _, r in view.get("judgments", [])}
        for table, rows in view.items():
            if table in ("revisions", "editions", "actors"):
                continue
            for line, row in rows:
                for column in PROSE_COLUMNS:
                    later = sorted({m for m in _ID.findall(row.get(column, ""))
                                    if m in known and m not in present})
                    if later:
                        rule = (f"mentions {', '.join(later)}, which edition {number} does not "
                                "have: write the row as its edition knew it and put the later "
                                "wording in revisions.csv")
                        problems.add(Problem(files[table], line, column, None, rule))
    return sorted(problems, key=lambda p: (p.file, p.line or 0, p.column or ""))
