"""Editions: which sources, judgment versions and analytic rows an edition (or any as-of date)
holds, and the one rule that decides it.

The inclusion rule, written once and used by the scope, the validator and the build:

* A source is **in** an edition (or a brief with an ad-hoc ``as_of``) when the *last* day its
  estimated publication interval allows is on or before the as-of date. A source that may have
  appeared after the cut-off is left out, so an edition never rests on a text that might not
  have existed yet.
* An analytic row (an assumption, a hypothesis) belongs from the ``edition`` it was introduced in.
* A judgment is versioned: each row of ``judgments.csv`` is the judgment as assessed at its
  ``edition``, with its own evidence and assumption links. A brief shows, per judgment, the
  latest version whose edition is on or before its as-of date; an edition with no new version
  keeps the previous one, so nothing is copied.

An as-of date between two editions belongs to the earlier one (its judgments are that edition's);
"what changed" always compares with the edition before the brief's own.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from briefbook import dates

VERSIONED = ("judgments", "judgment_evidence", "judgment_assumptions")
INTRODUCED = ("assumptions", "hypotheses")
# The single-column key of every table a revision (or a mention in prose) can name.
KEYS = {
    "sources": "source_id", "actors": "actor_id", "events": "event_id",
    "propositions": "proposition_id", "claims": "claim_id", "claim_relations": "relation_id",
    "contracts": "contract_id", "deliveries": "delivery_id", "assumptions": "assumption_id",
    "hypotheses": "hypothesis_id", "indicators": "indicator_id", "dispositions": "option_id",
    "integration": "pair_id", "factors": "factor_id", "revisions": "revision_id",
}
_TRUE = {"true", "True", "TRUE", "1"}


@dataclass(frozen=True)
class Edition:
    """One row of ``editions.csv``."""

    number: int
    as_of: dt.date
    summary: str


def last_possible_day(published: str) -> dt.date:
    """The last day an EDTF publication date allows (its first day, for an open interval)."""
    span = dates.parse(published)
    return span.end_or(span.start)


def source_included(published: str, as_of: dt.date) -> bool:
    """The inclusion rule: the source was certainly published by ``as_of``."""
    return last_possible_day(published) <= as_of


def editions_of(frame: pd.DataFrame) -> list[Edition]:
    """``editions.csv`` as Edition records, in number order."""
    return sorted(
        (Edition(int(r.edition), dates.parse_iso_day(str(r.as_of)), str(r.summary))
         for r in frame.itertuples()),
        key=lambda e: e.number,
    )


def edition_at(editions: list[Edition], as_of: dt.date) -> Edition | None:
    """The edition an as-of date belongs to: the latest one published on or before it."""
    current = [e for e in editions if e.as_of <= as_of]
    return current[-1] if current else None


def previous(editions: list[Edition], edition: Edition | None) -> Edition | None:
    """The edition before ``edition`` (None for the first, or for no edition)."""
    if edition is None:
        return None
    earlier = [e for e in editions if e.number < edition.number]
    return earlier[-1] if earlier else None


def by_number(editions: list[Edition], number: int) -> Edition:
    """Edition ``number``; raises KeyError naming the editions there are."""
    for e in editions:
        if e.number == number:
            return e
    raise KeyError(number)


def current_versions(judgments: pd.DataFrame, edition: int) -> pd.DataFrame:
    """Per judgment id, its latest version at or before ``edition`` (none when 0)."""
    kept = judgments[judgments.edition <= edition]
    if kept.empty:
        return kept.reset_index(drop=True)
    latest = kept.groupby("judgment_id").edition.transform("max")
    return kept[kept.edition == latest].reset_index(drop=True)


def links_of_versions(links: pd.DataFrame, versions: pd.DataFrame) -> pd.DataFrame:
    """The evidence or assumption links of exactly the judgment versions in ``versions``."""
    keys = set(zip(versions.judgment_id, versions.edition, strict=True))
    keep = pd.Series([(j, e) in keys
                      for j, e in zip(links.judgment_id, links.edition, strict=True)],
                     index=links.index, dtype=bool)
    return links[keep].reset_index(drop=True)


def apply_revisions(tables: dict[str, pd.DataFrame], edition: int) -> dict[str, pd.DataFrame]:
    """Every table with the revisions of editions up to ``edition`` applied, in edition order.

    A row keeps what was known when it entered the book; a revision gives a column's value from
    its edition on (a credibility raised by a second origin, an origin once it is named).
    """
    revisions = tables["revisions"]
    due = revisions[revisions.edition <= edition].sort_values(["edition", "revision_id"])
    if due.empty:
        return tables
    out = dict(tables)
    for rev in due.itertuples():
        frame = out[rev.table]
        if frame is tables[rev.table]:
            frame = out[rev.table] = frame.copy()
        mask = frame[KEYS[rev.table]] == rev.row_id
        frame.loc[mask, rev.column] = _typed(rev.value, frame[rev.column].dtype)
    return out


def _typed(value: str, dtype: object) -> object:
    """A revision's text value in its column's type."""
    if str(dtype) == "Int64":
        return int(value) if value else pd.NA
    if str(dtype) == "boolean":
        return value in _TRUE
    return value


def read_edition_dates(data_dir: Path) -> dict[int, str]:
    """Edition number -> as-of date, read straight from ``editions.csv`` (no pandas: the CLI
    needs it before the build machinery loads). The validator checks the file."""
    path = Path(data_dir) / "editions.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return {int(r["edition"]): r["as_of"] for r in csv.DictReader(handle)
                if r.get("edition", "").isdigit()}
