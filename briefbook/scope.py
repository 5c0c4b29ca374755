"""Filter the book by a brief's parameters: what the brief may show, and what it left out.

* Sources published after ``as_of`` (their first possible day is later) are left out, and so is
  every row citing them. Sources graded below ``min_reliability`` are left out the same way.
* Dated items that start after ``as_of`` are shown as planned, never as fact.
* A claim's ``status`` is derived from the voices on its proposition that stay in scope
  (:func:`briefbook.tradecraft.claim_status`), so dropping a source can turn "confirmed" into
  "reported".
* With ``include_unverified`` false, disputed and denied claims, reports their own source flags
  as unconfirmed, and reported or denied events are left out.
* A judgment stays only while at least one of its evidence rows stays; so do its links to
  assumptions. ACH ratings stay only for evidence rows in scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from briefbook import dates, tradecraft
from briefbook.load import Book
from briefbook.params import RELIABILITY_GRADES, BriefParams

UNVERIFIED_EVENTS = ("reported", "denied")
DATED_TABLES = {"events": "date", "deliveries": "date"}


def data_as_of(book: Book) -> dt.date:
    """The default knowledge cut-off: the last possible publication day of the newest source."""
    ends = [dates.parse(text).end_or(dates.parse(text).start) for text in book["sources"].published]
    return max(ends)


@dataclass(frozen=True)
class Scope:
    """The rows one brief may show, after its parameters are applied."""

    thread: str
    params: BriefParams
    as_of: dt.date
    book: Book
    tables: dict[str, pd.DataFrame]
    excluded_sources: pd.DataFrame

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    @property
    def sources(self) -> pd.DataFrame:
        """The sources this brief uses."""
        return self.tables["sources"]

    @property
    def is_empty(self) -> bool:
        """True when no source survives the parameters (e.g. an as-of before every source)."""
        return self.sources.empty

    def of_thread(self, name: str) -> pd.DataFrame:
        """Rows of a table that belong to this brief's thread (every thread, for the overview)."""
        frame = self.tables[name]
        if self.thread == "overview" and name == "events":
            return frame
        return frame[frame.thread == self.thread]


def make_scope(book: Book, thread: str, params: BriefParams) -> Scope:
    """Apply the parameters to every table of the book."""
    as_of = params.as_of or data_as_of(book)
    sources = book["sources"].copy()
    sources["start"] = [dates.parse(t).start for t in sources.published]
    grade_ok = sources.reliability.map(RELIABILITY_GRADES.index) <= RELIABILITY_GRADES.index(
        params.min_reliability
    )
    date_ok = sources.start <= as_of
    excluded = sources[~(grade_ok & date_ok)].assign(
        reason=[
            "published after the as-of date" if not d else "graded below the minimum reliability"
            for d in date_ok[~(grade_ok & date_ok)]
        ]
    )
    kept_ids = set(sources[grade_ok & date_ok].source_id)

    tables: dict[str, pd.DataFrame] = {}
    for name, frame in book.tables.items():
        # Actors are the book's who's who: kept whatever the scope, so a name or a grade never
        # depends on which source happened to introduce the actor.
        if "source_id" in frame.columns and name not in {"sources", "actors"}:
            # An assumption need not cite a source; one that does goes with its source.
            frame = frame[frame.source_id.isin(kept_ids) | (frame.source_id == "")]
        tables[name] = frame.reset_index(drop=True)
    tables["sources"] = sources[sources.source_id.isin(kept_ids)].reset_index(drop=True)

    for name, column in DATED_TABLES.items():
        tables[name] = _with_spans(tables[name], column, as_of)
    claims = tables["claims"]
    claims = claims.assign(status=tradecraft.claim_status(claims))
    tables["claims"] = claims
    if not params.include_unverified:
        unverified = tradecraft.is_unverified(claims)
        tables["claims"] = claims[~unverified].reset_index(drop=True)
        # What is left of a proposition is judged on its own remaining voices.
        tables["claims"]["status"] = tradecraft.claim_status(tables["claims"])
        events = tables["events"]
        tables["events"] = events[~events.status.isin(UNVERIFIED_EVENTS)].reset_index(drop=True)

    tables["claim_relations"] = _relations_in_scope(tables["claim_relations"], tables["claims"])
    tables["judgment_evidence"], tables["judgments"] = _judgments_in_scope(tables)
    links = tables["judgment_assumptions"]
    tables["judgment_assumptions"] = links[
        links.judgment_id.isin(set(tables["judgments"].judgment_id))].reset_index(drop=True)
    tables["ach"] = _evidence_in_scope(tables["ach"], tables)
    return Scope(thread, params, as_of, book, tables, excluded.reset_index(drop=True))


def _with_spans(frame: pd.DataFrame, column: str, as_of: dt.date) -> pd.DataFrame:
    """Add start, end, precision words and the status as of ``as_of`` to a dated table."""
    # EDTF parsing costs milliseconds per string and rows share few dates: parse each once.
    parsed = {text: dates.parse(text) for text in set(frame[column])}
    spans = [parsed[text] for text in frame[column]]
    # A reported item cannot have happened after the as-of date: its span stops there. A
    # planned one keeps its whole span.
    frame = frame.assign(
        start=[s.start for s in spans],
        end=[
            s.end_or(as_of) if status == "planned" or s.start > as_of
            else min(s.end_or(as_of), as_of)
            for s, status in zip(spans, frame.status, strict=True)
        ],
        when=[dates.describe(s) for s in spans],
    )
    future = frame.start > as_of
    frame["shown_status"] = frame.status.where(~future, "planned")
    return frame.reset_index(drop=True)


def _relations_in_scope(relations: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    ids = set(claims.claim_id)
    keep = relations.claim_id.isin(ids) & relations.other_claim_id.isin(ids)
    return relations[keep].reset_index(drop=True)


def _evidence_in_scope(links: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Rows of ``links`` (evidence_table, evidence_id) whose evidence row is in scope."""
    available = {(t, i) for t, k in tradecraft.EVIDENCE_KEYS.items() for i in tables[t][k]}
    keep = [(t, i) in available
            for t, i in zip(links.evidence_table, links.evidence_id, strict=True)]
    return links[keep].reset_index(drop=True)


def _judgments_in_scope(tables: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    kept = _evidence_in_scope(tables["judgment_evidence"], tables)
    judgments = tables["judgments"]
    judgments = judgments[judgments.judgment_id.isin(set(kept.judgment_id))]
    return kept.reset_index(drop=True), judgments.reset_index(drop=True)
