"""Make a synthetic data package FACTOR times larger than ``data/``, for scaling benchmarks.

Usage::

    python benchmarks/make_big_data.py OUT_DIR [--factor 100] [--data data]

How the package grows, deterministically (no randomness: the same input gives the same bytes):

* The fact tables (actors, propositions, events, claims, claim_relations, contracts, deliveries,
  judgments, judgment_evidence, judgment_assumptions, indicators, dispositions, integration,
  factors) keep their real rows and get ``FACTOR - 1`` copies of them. Copy ``k`` is a
  self-contained replica of the original "world": every row gets a new unique id, and every
  reference inside the copy (claimant, reporter, event actors, every origin, a voice's
  proposition, claim relations, a delivery's contract, a judgment's evidence and dependence, a
  disposition factor's option, ...) points at copy ``k`` of the referenced row, so foreign keys
  resolve and each copied contract's deliveries add up exactly as the original's do (never
  above the order).
* The vocabularies and provenance tables (threads, sources, likelihood_terms) and the book's
  analytic frame (assumptions, hypotheses and the ACH matrix on the original rows) are copied as
  they are: copied judgments rest on the same assumptions. Every copied row keeps its source,
  paragraph and verbatim evidence fragment, so the big package stays valid with and without
  ``--sources`` (the build checks provenance by default).
* Display texts (labels, propositions, statements ...) get a " (copy k)" suffix, so copies are
  distinct rows for charts and tables, as a real, larger package would be.

Ids: the data package's id patterns such as ``^C[0-9]{2}$`` allow only 100 ids, too few for
100x. New ids continue the numbering (``C68`` ... ``C6700``), and when an id no longer fits its
pattern, the copy of ``datapackage.json`` written to OUT_DIR has that pattern widened from
``^C[0-9]{2}$`` to ``^C[0-9]{2,}$`` (printed on stdout). The original package is never changed.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import shutil
import string
import sys
from collections.abc import Callable
from pathlib import Path

Row = dict[str, str]
IdMaps = dict[str, dict[str, str]]  # table -> original id -> id in the current copy

DEFAULT_DATA = Path(__file__).resolve().parent.parent / "data"
DESCRIPTOR = "datapackage.json"

# Replicated tables in dependency order (a table's references are mapped after its targets).
ID_COLUMNS = {
    "actors": "actor_id",
    "propositions": "proposition_id",
    "dispositions": "option_id",
    "events": "event_id",
    "claims": "claim_id",
    "claim_relations": "relation_id",
    "contracts": "contract_id",
    "deliveries": "delivery_id",
    "factors": "factor_id",
    "judgments": "judgment_id",
    "judgment_evidence": "",  # composite key; its columns are references
    "judgment_assumptions": "",
    "indicators": "indicator_id",
    "integration": "pair_id",
}
# Columns that reference another replicated table: (table, column) -> referenced table.
REFERENCES = {
    ("claims", "claimant"): "actors",
    ("claims", "reporter"): "actors",
    ("claims", "origin"): "actors",
    ("claims", "proposition_id"): "propositions",
    ("events", "origin"): "actors",
    ("deliveries", "origin"): "actors",
    ("factors", "origin"): "actors",
    ("judgments", "depends_on"): "judgments",
    ("factors", "same_as"): "factors",
    ("factors", "leans_on"): "factors",
    ("judgment_assumptions", "judgment_id"): "judgments",
    ("claim_relations", "claim_id"): "claims",
    ("claim_relations", "other_claim_id"): "claims",
    ("contracts", "supplier"): "actors",
    ("contracts", "recipient"): "actors",
    ("deliveries", "contract_id"): "contracts",
    ("dispositions", "proposed_by"): "actors",
    ("factors", "actor_id"): "actors",
    ("judgment_evidence", "judgment_id"): "judgments",
}
# Display texts that get the " (copy k)" suffix, with the column's maxLength where it has one.
MARKED = {
    "actors": ["name"],
    "propositions": ["statement"],
    "events": ["label", "description"],
    "claims": ["proposition"],
    "claim_relations": ["note"],
    "contracts": ["description"],
    "deliveries": ["note"],
    "dispositions": ["label"],
    "factors": ["statement"],
    "judgments": ["statement"],
    "indicators": ["indicator"],
    "integration": ["statement"],
}
DISPOSITION_KINDS = {"disposition_blocker", "disposition_advantage"}
NUMBERED_ID = re.compile(r"^([A-Za-z]+)([0-9]+)$")
NARROW_PATTERN = re.compile(r"^\^([A-Za-z]+)\[0-9\]\{(\d+)\}\$$")


def read_table(path: Path) -> tuple[list[str], list[Row]]:
    """The header and rows of a CSV file (all values as text)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_table(path: Path, header: list[str], rows: list[Row]) -> None:
    """Write rows as UTF-8 CSV with ``\\n`` line ends (quoting only where needed)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def letters(number: int) -> str:
    """0 -> 'a', 25 -> 'z', 26 -> 'ba' ...: a suffix for ids whose pattern allows no digits."""
    out = ""
    while True:
        number, digit = divmod(number, 26)
        out = string.ascii_lowercase[digit] + out
        if number == 0:
            return out


def id_maker(table: str, originals: list[str]) -> Callable[[str, int, int], str]:
    """A function (original id, copy number, row index) -> new id for one table's copies.

    Numbered ids (``C07``) continue after the largest original number, two digits at least;
    actors (``[a-z0-9_]+``) get ``_x<k>``; dispositions (``[a-z_]+``, no digits) get letters.
    """
    if all(NUMBERED_ID.match(i) for i in originals):
        prefix = NUMBERED_ID.match(originals[0]).group(1)  # type: ignore[union-attr]
        start = max(int(NUMBERED_ID.match(i).group(2)) for i in originals)  # type: ignore[union-attr]
        count = len(originals)
        return lambda _old, k, index: f"{prefix}{start + (k - 1) * count + index + 1:02d}"
    if table == "dispositions":
        return lambda old, k, _index: f"{old}_{letters(k)}"
    return lambda old, k, _index: f"{old}_x{k}"


def mark(text: str, k: int, max_length: int | None) -> str:
    """Append " (copy k)" to a display text, shortening the text to fit ``max_length``."""
    suffix = f" (copy {k})"
    if max_length is not None and len(text) + len(suffix) > max_length:
        text = text[: max_length - len(suffix)].rstrip()
    return text + suffix


def copy_row(table: str, row: Row, k: int, maps: IdMaps, limits: dict[str, int]) -> Row:
    """Copy ``k`` of one row: new id (already in ``maps``), references and texts mapped."""
    new = dict(row)
    id_column = ID_COLUMNS[table]
    if id_column:
        new[id_column] = maps[table][row[id_column]]
    for (ref_table, column), target in REFERENCES.items():
        if ref_table == table and row.get(column):
            new[column] = maps[target].get(row[column], row[column])
    if table == "events":
        new["actors"] = ";".join(maps["actors"].get(a, a) for a in row["actors"].split(";"))
    if table == "judgment_evidence":
        new["evidence_id"] = maps[row["evidence_table"]][row["evidence_id"]]
    if table == "factors":
        target = "dispositions" if row["kind"] in DISPOSITION_KINDS else "actors"
        new["subject"] = maps[target].get(row["subject"], row["subject"])
    if table == "dispositions":
        new["rank"] = str(int(row["rank"]) + k * limits["dispositions.rank"])
    if table == "judgments":
        new["rank"] = str(int(row["rank"]) + k * limits["judgments.rank"])
    for column in MARKED.get(table, []):
        if row.get(column):
            new[column] = mark(row[column], k, limits.get(f"{table}.{column}.maxLength"))
    return new


def field_limits(descriptor: dict, tables: dict[str, list[Row]]) -> dict[str, int]:
    """maxLength of marked columns, and the largest rank of tables whose copies shift ranks."""
    limits = {}
    for resource in descriptor["resources"]:
        for field in resource["schema"]["fields"]:
            max_length = field.get("constraints", {}).get("maxLength")
            if max_length is not None:
                limits[f"{resource['name']}.{field['name']}.maxLength"] = int(max_length)
    for table in ("dispositions", "judgments"):
        limits[f"{table}.rank"] = max(int(r["rank"]) for r in tables[table])
    return limits


def replicate(tables: dict[str, list[Row]], descriptor: dict, factor: int) -> dict[str, list[Row]]:
    """The replicated tables: the original rows followed by copies 1 .. factor-1."""
    limits = field_limits(descriptor, tables)
    makers = {
        t: id_maker(t, [r[c] for r in tables[t]]) for t, c in ID_COLUMNS.items() if c
    }
    out = {t: list(tables[t]) for t in ID_COLUMNS}
    for k in range(1, factor):
        maps: IdMaps = {
            t: {r[ID_COLUMNS[t]]: makers[t](r[ID_COLUMNS[t]], k, i) for i, r in enumerate(rows)}
            for t, rows in tables.items()
            if ID_COLUMNS.get(t)
        }
        for table in ID_COLUMNS:
            out[table] += [copy_row(table, row, k, maps, limits) for row in tables[table]]
    return out


def widen_patterns(descriptor: dict, tables: dict[str, list[Row]]) -> list[str]:
    """Widen ``^X[0-9]{n}$`` id patterns that the new ids outgrow; return what was changed.

    Raises ``SystemExit`` when an id breaks a pattern that is not of that simple form.
    """
    changed = []
    for resource in descriptor["resources"]:
        rows = tables.get(resource["name"], [])
        for field in resource["schema"]["fields"]:
            constraints = field.get("constraints", {})
            pattern = constraints.get("pattern")
            if not pattern or not rows or field["name"] not in rows[0]:
                continue
            if all(re.match(pattern, row[field["name"]]) for row in rows if row[field["name"]]):
                continue
            narrow = NARROW_PATTERN.match(pattern)
            if not narrow:
                raise SystemExit(f"{resource['name']}.{field['name']}: generated ids do not "
                                 f"match {pattern} and the pattern cannot be widened safely")
            wide = f"^{narrow.group(1)}[0-9]{{{narrow.group(2)},}}$"
            constraints["pattern"] = wide
            changed.append(f"{resource['name']}.{field['name']}: {pattern} -> {wide}")
    return changed


def check_unique(tables: dict[str, list[Row]]) -> None:
    """Fail loudly should two generated ids ever collide (the validator would say so later)."""
    for table, column in ID_COLUMNS.items():
        # A judgment has one row per edition: its key is (judgment_id, edition).
        versioned = table == "judgments"
        ids = [(r[column], r.get("edition", "")) if versioned else r[column]
               for r in tables[table]] if column else []
        if len(ids) != len(set(ids)):
            raise SystemExit(f"{table}: generated ids are not unique")


def make_big_data(data_dir: Path, out_dir: Path, factor: int) -> list[str]:
    """Write the big package into ``out_dir``; returns the id patterns that were widened."""
    descriptor = json.loads((data_dir / DESCRIPTOR).read_text(encoding="utf-8"))
    paths = {r["name"]: r["path"] for r in descriptor["resources"]}
    headers, tables = {}, {}
    for name in ID_COLUMNS:
        headers[name], tables[name] = read_table(data_dir / paths[name])
    big = replicate(tables, descriptor, factor)
    check_unique(big)
    changed = widen_patterns(descriptor, big)

    out_dir.mkdir(parents=True, exist_ok=True)
    for name, path in paths.items():
        if name in big:
            write_table(out_dir / path, headers[name], big[name])
        else:
            shutil.copyfile(data_dir / path, out_dir / path)
    if changed:
        text = json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n"
        (out_dir / DESCRIPTOR).write_text(text, encoding="utf-8")
    else:
        shutil.copyfile(data_dir / DESCRIPTOR, out_dir / DESCRIPTOR)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="folder to write the big package into")
    parser.add_argument("--factor", type=int, default=100, help="how many times larger")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the package to grow")
    args = parser.parse_args(argv)
    if args.factor < 1:
        parser.error("--factor must be at least 1")
    if args.out_dir.resolve() == args.data.resolve():
        parser.error("OUT_DIR must not be the source package")
    changed = make_big_data(args.data, args.out_dir, args.factor)
    for line in changed:
        print(f"widened id pattern {line}")
    rows = sum(len(read_table(path)[1]) for path in args.out_dir.glob("*.csv"))
    print(f"wrote {args.out_dir} ({args.factor}x, {rows} data rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
