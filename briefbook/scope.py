"""Filter the book by a brief's parameters: what the brief may show, and what it left out.

* A source is in scope when it was certainly published by ``as_of`` (the last day of its
  estimated publication interval is on or before it: the editions' rule, see
  :mod:`briefbook.editions`); every row citing a source out of scope is left out. Sources graded
  below ``min_reliability`` are left out the same way.
* The brief belongs to the latest edition on or before ``as_of``: it shows each judgment in the
  version current at that edition, the assumptions and hypotheses introduced by then, and every
  row with the revisions made by then. The scope's fingerprint is a digest of exactly these rows
  (and, through their sha256, the texts), so adding rows for a later edition changes nothing here.
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
import hashlib
from dataclasses import dataclass, replace

import pandas as pd

from briefbook import dates, editions, tradecraft
from briefbook.load import Book
from briefbook.params import RELIABILITY_GRADES, BriefParams

UNVERIFIED_EVENTS = ("reported", "denied")
DATED_TABLES = {"events": "date", "deliveries": "date"}


def data_as_of(book: Book) -> dt.date:
    """The default knowledge cut-off: the latest edition's as-of date (with no editions, the last
    possible publication day of the newest source)."""
    listed = editions.editions_of(book["editions"])
    if listed:
        return listed[-1].as_of
    return max(editions.last_possible_day(text) for text in book["sources"].published)


@dataclass(frozen=True)
class Scope:
    """The rows one brief may show, after its parameters are applied."""

    thread: str
    params: BriefParams
    as_of: dt.date
    book: Book
    tables: dict[str, pd.DataFrame]
    excluded_sources: pd.DataFrame
    edition: editions.Edition | None
    fingerprint: str

    @property
    def editions(self) -> list[editions.Edition]:
        """The editions up to and including this brief's own."""
        number = self.edition.number if self.edition else 0
        return [e for e in editions.editions_of(self.book["editions"]) if e.number <= number]

    @property
    def baseline(self) -> editions.Edition | None:
        """The edition "what changed" compares with: the latest one before the as-of date."""
        earlier = [e for e in editions.editions_of(self.book["editions"]) if e.as_of < self.as_of]
        return earlier[-1] if earlier else None

    def at(self, as_of: dt.date) -> Scope:
        """The same brief with another as-of date (for comparing editions)."""
        return make_scope(self.book, self.thread, replace(self.params, as_of=as_of))

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


_SCOPES: dict[tuple[str, str, str], Scope] = {}


def make_scope(book: Book, thread: str, params: BriefParams) -> Scope:
    """Apply the parameters to every table of the book.

    The tables do not depend on the thread, so a scope is computed once per book and parameters
    (a brief compares itself with the previous edition, and its summary walks every edition).
    """
    key = (str(book.data_dir), book.fingerprint, repr(params))
    if key not in _SCOPES:
        _SCOPES[key] = _make_scope(book, thread, params)
    return replace(_SCOPES[key], thread=thread)


def _make_scope(book: Book, thread: str, params: BriefParams) -> Scope:
    as_of = params.as_of or data_as_of(book)
    edition = editions.edition_at(editions.editions_of(book["editions"]), as_of)
    number = edition.number if edition else 0
    sources = book["sources"].copy()
    grade_ok = sources.reliability.map(RELIABILITY_GRADES.index) <= RELIABILITY_GRADES.index(
        params.min_reliability
    )
    date_ok = pd.Series([editions.source_included(t, as_of) for t in sources.published],
                        index=sources.index, dtype=bool)
    # Only sources the reader could have known are named as left out: a text not yet published
    # by the as-of date is simply absent, so an edition never changes when later ones grow.
    excluded = sources[date_ok & ~grade_ok].assign(reason="graded below the minimum reliability")
    kept_ids = set(sources[grade_ok & date_ok].source_id)

    tables: dict[str, pd.DataFrame] = {}
    revised = editions.apply_revisions(book.tables, number)
    for name, frame in revised.items():
        # Actors are the book's who's who: kept whatever the scope, so a name or a grade never
        # depends on which source happened to introduce the actor.
        if "source_id" in frame.columns and name not in {"sources", "actors", "revisions"}:
            # An assumption need not cite a source; one that does goes with its source.
            frame = frame[frame.source_id.isin(kept_ids) | (frame.source_id == "")]
        if name in editions.INTRODUCED:
            frame = frame[frame.edition <= number]
        tables[name] = frame.reset_index(drop=True)
    tables["sources"] = revised["sources"][revised["sources"].source_id.isin(kept_ids)
                                           ].reset_index(drop=True)
    tables["editions"] = tables["editions"][tables["editions"].edition <= number
                                            ].reset_index(drop=True)
    tables["revisions"] = tables["revisions"][(tables["revisions"].edition <= number)
                                              & tables["revisions"].source_id.isin(kept_ids | {""})
                                              ].reset_index(drop=True)
    versions = editions.current_versions(tables["judgments"], number)
    tables["judgments"] = versions
    for name in editions.VERSIONED[1:]:
        tables[name] = editions.links_of_versions(tables[name], versions)
    fingerprint = _fingerprint(tables)

    for name, column in DATED_TABLES.items():
        tables[name] = _with_spans(tables[name], column, as_of)
    claims = tables["claims"]
    grades = tradecraft.claim_grades(claims, tables["sources"], tables["actors"])
    claims = claims.assign(status=tradecraft.claim_status(claims, grades))
    tables["claims"] = claims
    if not params.include_unverified:
        unverified = tradecraft.is_unverified(claims)
        tables["claims"] = claims[~unverified].reset_index(drop=True)
        # What is left of a proposition is judged on its own remaining voices.
        kept = grades[~unverified].reset_index(drop=True)
        tables["claims"]["status"] = tradecraft.claim_status(tables["claims"], kept)
        events = tables["events"]
        tables["events"] = events[~events.status.isin(UNVERIFIED_EVENTS)].reset_index(drop=True)

    tables["claim_relations"] = _relations_in_scope(tables["claim_relations"], tables["claims"])
    tables["judgment_evidence"], tables["judgments"] = _judgments_in_scope(tables)
    links = tables["judgment_assumptions"]
    tables["judgment_assumptions"] = links[
        links.judgment_id.isin(set(tables["judgments"].judgment_id))].reset_index(drop=True)
    ach = _evidence_in_scope(tables["ach"], tables)
    ach = ach[ach.hypothesis_id.isin(set(tables["hypotheses"].hypothesis_id))]
    # One report is rated once: a relay leaves the matrix once the row it relays is in it.
    rated = set(ach.evidence_id[ach.evidence_table == "claims"])
    tables["ach"] = ach[~ach.relay_of.isin(rated - {""})].reset_index(drop=True)
    return Scope(thread, params, as_of, book, tables, excluded.reset_index(drop=True),
                 edition, fingerprint)


def _fingerprint(tables: dict[str, pd.DataFrame]) -> str:
    """SHA-256 of the rows in scope (first 12 hex digits): the texts enter through their sha256.

    Actors count only where a row in scope names them, so an actor a later source introduces
    leaves an earlier edition's fingerprint alone.
    """
    named: set[str] = set()
    for name, frame in tables.items():
        if name == "actors":
            continue
        for column in frame.columns:
            if frame[column].dtype == "string":
                for value in frame[column]:
                    named.update(str(value).split(";"))
    digest = hashlib.sha256()
    for name in sorted(tables):
        frame = tables[name]
        if name == "actors":
            frame = frame[frame.actor_id.isin(named)]
        digest.update(name.encode() + b"\0" + frame.to_csv(index=False).encode() + b"\0")
    return digest.hexdigest()[:12]


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
    keep = pd.Series([(t, i) in available
                      for t, i in zip(links.evidence_table, links.evidence_id, strict=True)],
                     index=links.index, dtype=bool)
    return links[keep].reset_index(drop=True)


def _judgments_in_scope(tables: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    kept = _evidence_in_scope(tables["judgment_evidence"], tables)
    judgments = tables["judgments"]
    judgments = judgments[judgments.judgment_id.isin(set(kept.judgment_id))]
    return kept.reset_index(drop=True), judgments.reset_index(drop=True)
