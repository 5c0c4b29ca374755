"""Chart data: uncertain dates drawn as spans, exact days as points, coloured by status."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from briefbook.charts import STATUS_COLOURS, delivery_chart, timeline


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
