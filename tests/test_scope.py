"""Filtering by parameters: as_of, reliability, verification status, and judgments' evidence."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from briefbook import tradecraft
from briefbook.load import load_book
from briefbook.params import check_params
from briefbook.scope import data_as_of, make_scope


@pytest.fixture(scope="module")
def book():
    return load_book()


def scope_of(book, thread="caatsa_f35", **params):
    return make_scope(book, thread, check_params(thread, **params))


def test_default_as_of_is_the_latest_editions_date(book) -> None:
    assert data_as_of(book) == dt.date(2025, 10, 31)
    assert scope_of(book).as_of == dt.date(2025, 10, 31)


def test_as_of_leaves_out_sources_not_certainly_published_and_every_row_citing_them(book) -> None:
    # s002's interval ends on 30 September 2025; s000's and s004's run to 31 October.
    scope = scope_of(book, as_of="2025-10-15")
    assert list(scope.sources.source_id) == ["s002"]
    # A text that may not have existed yet is simply absent, not listed as left out.
    assert scope.excluded_sources.empty
    for name, frame in scope.tables.items():
        if "source_id" in frame.columns and name not in {"sources", "actors", "revisions"}:
            assert set(frame.source_id) <= {"s002", ""}, name
    # Actors are the who's who: an actor's name and grade never depend on the scope.
    assert scope["actors"].equals(book["actors"].reset_index(drop=True))


def test_as_of_before_every_source_gives_an_empty_scope(book) -> None:
    scope = scope_of(book, as_of="2019-01-01")
    assert scope.is_empty
    assert scope["claims"].empty and scope["judgments"].empty


def test_dated_items_after_as_of_are_shown_as_planned(book) -> None:
    scope = scope_of(book, "india_s400_timeline")
    events = scope["events"].set_index("event_id")
    assert events.loc["E15", "shown_status"] == "planned"  # due by 2027
    assert events.loc["E12", "shown_status"] == "occurred"  # the 2018 order


def test_min_reliability_drops_lower_graded_sources(book) -> None:
    scope = scope_of(book, min_reliability="C")
    assert set(scope.sources.source_id) == {"s004"}  # s000 and s002 name no outlet: F
    assert {"s000", "s002"}.isdisjoint(set(scope["claims"].source_id))
    assert scope_of(book, min_reliability="A").is_empty


def test_include_unverified_false_drops_unverified_and_denied(book) -> None:
    everything = scope_of(book, "overview")
    verified = scope_of(book, "overview", include_unverified=False)
    assert {"disputed"} & set(everything["claims"].status)
    assert not {"disputed", "denied"} & set(verified["claims"].status)
    assert not (verified["claims"].hedged & (verified["claims"].claim_kind == "report")).any()
    assert not {"reported", "denied"} & set(verified["events"].status)
    assert len(verified["claim_relations"]) < len(everything["claim_relations"])


def test_judgments_survive_only_with_evidence_in_scope(book) -> None:
    scope = scope_of(book, min_reliability="C")
    kept = set(scope["judgment_evidence"].judgment_id)
    assert set(scope["judgments"].judgment_id) == kept
    evidence_ids = set(scope["judgment_evidence"].evidence_id)
    assert evidence_ids <= set(scope["claims"].claim_id) | set(scope["events"].event_id) | set(
        scope["deliveries"].delivery_id) | set(scope["factors"].factor_id)


def test_uncertain_dates_become_spans(book) -> None:
    events = scope_of(book)["events"].set_index("event_id")
    assert events.loc["E01", "start"] == dt.date(2016, 6, 1)  # summer 2016
    assert events.loc["E01", "end"] == dt.date(2016, 8, 31)
    assert events.loc["E01", "when"] == "summer 2016"
    assert events.loc["E10", "end"] == dt.date(2025, 10, 31)  # open interval ends at as_of


def test_status_is_derived_from_the_voices_in_scope(book) -> None:
    """Q03 (sanctions and F-35 expulsion) has two origins: confirmed with both sources,
    only reported when a parameter leaves one out; the offer (Q01) is disputed."""
    claims = scope_of(book, "caatsa_f35")["claims"].set_index("claim_id")
    assert claims.loc["C26", "status"] == claims.loc["C27", "status"] == "confirmed"
    assert claims.loc["C01", "status"] == "disputed"
    only_c = scope_of(book, "caatsa_f35", min_reliability="C")["claims"].set_index("claim_id")
    assert only_c.loc["C26", "status"] == "reported"


def test_an_origin_the_texts_do_not_name_is_graded_f(book) -> None:
    # C32 is carried by s004 (graded C), but its origin is "unnamed analysts".
    scope = scope_of(book)
    links = pd.DataFrame({"evidence_table": ["claims", "claims"], "evidence_id": ["C32", "C33"]})
    rows = tradecraft.evidence_rows(scope.tables, links).set_index("evidence_id")
    assert (rows.loc["C32", "origin"], rows.loc["C32", "grade"]) == ("analysts", "F")
    assert (rows.loc["C33", "origin"], rows.loc["C33", "grade"]) == ("guler", "C")
