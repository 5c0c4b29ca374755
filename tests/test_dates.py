"""EDTF dates: the span, precision and reader's wording of every form the data uses."""

from __future__ import annotations

import datetime as dt

import pytest

from briefbook import dates
from briefbook.dates import EDTFError, describe, parse, parse_iso_day, precision_of

D = dt.date


@pytest.mark.parametrize(
    ("text", "start", "end", "precision", "uncertain", "approximate", "described"),
    [
        ("2019", D(2019, 1, 1), D(2019, 12, 31), "year", False, False, "2019"),
        ("2018-10", D(2018, 10, 1), D(2018, 10, 31), "month", False, False, "2018-10"),
        ("2016-22", D(2016, 6, 1), D(2016, 8, 31), "season", False, False, "summer 2016"),
        ("2025-21", D(2025, 3, 1), D(2025, 5, 31), "season", False, False, "spring 2025"),
        ("2025-09-08?", D(2025, 9, 8), D(2025, 9, 8), "day", True, False,
         "2025-09-08 (uncertain)"),
        ("2019?", D(2019, 1, 1), D(2019, 12, 31), "year", True, False, "2019 (uncertain)"),
        ("2025-10~", D(2025, 10, 1), D(2025, 10, 31), "month", False, True,
         "2025-10 (approximate)"),
        ("2019%", D(2019, 1, 1), D(2019, 12, 31), "year", True, True,
         "2019 (uncertain, approximate)"),
        ("2018-10/2025-10~", D(2018, 10, 1), D(2025, 10, 31), "interval", False, True,
         "2018-10 to 2025-10 (approximate)"),
        ("2025-09/2025-10", D(2025, 9, 1), D(2025, 10, 31), "interval", False, False,
         "2025-09 to 2025-10"),
        ("2022/..", D(2022, 1, 1), None, "interval", False, False, "2022 onwards"),
    ],
)
def test_parse_and_describe(
    text: str,
    start: dt.date,
    end: dt.date | None,
    precision: str,
    uncertain: bool,
    approximate: bool,
    described: str,
) -> None:
    span = parse(text)
    assert span.text == text
    assert (span.start, span.end) == (start, end)
    assert span.precision == precision == precision_of(text)
    assert (span.uncertain, span.approximate) == (uncertain, approximate)
    assert describe(span) == described


def test_day_is_a_point_and_month_is_not() -> None:
    assert parse("2025-09-08?").is_point
    assert not parse("2018-10").is_point
    assert not parse("2022/..").is_point


def test_open_end_lasts_until_the_given_day() -> None:
    span = parse("2022/..")
    assert span.end is None
    as_of = D(2025, 10, 31)
    assert span.end_or(as_of) == as_of
    assert parse("2019").end_or(as_of) == D(2019, 12, 31)


def test_qualifier_words() -> None:
    assert parse("2019").qualifier == ""
    assert parse("2019?").qualifier == "uncertain"
    assert parse("2025-10~").qualifier == "approximate"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2019-13-45", "is not a valid EDTF date (EDTFParseException)"),
        ("2019-02-30", "is not a valid EDTF date (EDTFParseException)"),
        ("October 2019", "is not a valid EDTF date (EDTFParseException)"),
        ("", "is not a valid EDTF date (EDTFParseException)"),
        ("2025-10/2018-10", "is an interval that ends before it starts"),
        ("2019-06-02/2019-06-01", "is an interval that ends before it starts"),
        ("../2022", "has an open start, which briefbook cannot place on a timeline"),
    ],
)
def test_invalid_dates_raise_edtf_error(text: str, message: str) -> None:
    with pytest.raises(EDTFError) as caught:
        parse(text)
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError)


def test_precision_of_without_parsing() -> None:
    assert [precision_of(t) for t in ("2019", "2018-10", "2016-22", "2025-09-08", "2022/..")] == [
        "year", "month", "season", "day", "interval"]
    assert set(dates.PRECISIONS) == {"day", "month", "season", "year", "interval"}


def test_parse_iso_day() -> None:
    assert parse_iso_day("2025-10-31") == D(2025, 10, 31)
    assert parse_iso_day("2024-02-29") == D(2024, 2, 29)


@pytest.mark.parametrize("text", ["2025-10", "2025-13-01", "2023-02-29", "31/10/2025", "", None])
def test_parse_iso_day_rejects(text: str | None) -> None:
    with pytest.raises(EDTFError, match=r"is not an ISO date \(YYYY-MM-DD\)"):
        parse_iso_day(text)  # type: ignore[arg-type]
