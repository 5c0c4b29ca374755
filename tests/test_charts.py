"""Chart data: uncertain dates drawn as spans, exact days as points, coloured by status."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from briefbook.charts import STATUS_COLOURS, bar_counts, delivery_chart, timeline
from briefbook.tradecraft import origin_counts


def events() -> pd.DataFrame:
    return pd.DataFrame({
        "event_id": ["E1", "E2", "E3"],
        "label": ["year only", "exact day", "after as-of"],
        "start": [dt.date(2019, 1, 1), dt.date(2025, 9, 8), dt.date(2027, 1, 1)],
        "end": [dt.date(2019, 12, 31), dt.date(2025, 9, 8), dt.date(2027, 12, 31)],
        "shown_status": ["occurred", "reported", "planned"],
        "when": ["2019", "2025-09-08", "2027"],
        "source_id": ["s004"] * 3, "paragraph": [8, 6, 27],
    })


def test_timeline_draws_spans_as_bars_and_days_as_points() -> None:
    fig = timeline(events(), dt.date(2025, 10, 31), "t")
    bars = [t for t in fig.data if t.type == "bar"]
    points = [t for t in fig.data if t.type == "scatter"]
    assert {t.name for t in bars} == {"occurred", "planned"}
    assert [t.name for t in points] == ["reported"]
    year = next(t for t in bars if t.name == "occurred")
    assert year.base[0] == "2019-01-01" and year.x[0] == 365 * 86_400_000
    assert year.marker.color == STATUS_COLOURS["occurred"]
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
    assert fig.layout.annotations[0].text == "as of 2025-10-31"


def test_timeline_json_is_deterministic() -> None:
    a = timeline(events(), dt.date(2025, 10, 31), "t").to_json()
    b = timeline(events(), dt.date(2025, 10, 31), "t").to_json()
    assert a == b and "uid" not in a


def test_delivery_chart_stacks_by_status() -> None:
    rows = pd.DataFrame({"scenario": ["base", "base"], "status": ["delivered", "planned"],
                         "quantity": [3, 2], "label": ["a", "b"]})
    fig = delivery_chart(rows, ordered=5, unit="squadron", title="t")
    assert [t.name for t in fig.data] == ["delivered", "promised by Russia"]
    assert fig.layout.barmode == "stack" and list(fig.layout.xaxis.range) == [0, 5]


def test_origin_counts_count_a_row_that_may_rest_on_another_with_it() -> None:
    factors = pd.DataFrame({
        "factor_id": ["F1", "F2", "F3", "F4"],
        "subject": ["fit", "fit", "age", "age"],
        "origin": ["elgin", "outlet", "nefes", "polish"],
        "leans_on": ["", "F1", "", ""],
    })
    counts = origin_counts(factors, "subject")
    assert counts.to_dict("index") == {"age": {"full": 2, "cautious": 2},
                                       "fit": {"full": 2, "cautious": 1}}
    assert list(counts.index) == ["age", "fit"]  # the cautious count leads


def test_bar_counts_print_a_range_where_a_count_is_uncertain() -> None:
    fig = bar_counts(pd.Series({"fit": 1, "age": 2}), title="t", x_title="x", y_title="y",
                     labels={"fit": "1–2"})
    assert list(fig.data[0].text) == ["1–2", "2"] and list(fig.data[0].x) == [1, 2]
