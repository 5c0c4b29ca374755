"""Plotly figures for the briefs: one theme and one builder per kind of chart.

Figures are shown through the ``plotly_mimetype`` renderer only, so a notebook stores plotly's
JSON (which JupyterLab draws natively and the brief template turns into a figure with the
embedded plotly.js) and never a copy of plotly.js or a random div id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

pio.renderers.default = "plotly_mimetype"

STATUS_COLOURS = {
    "occurred": "#2e7d32",
    "confirmed": "#2e7d32",
    "delivered": "#2e7d32",
    "reported": "#ef6c00",
    "unverified": "#9e9e9e",
    "denied": "#c62828",
    "planned": "#1565c0",
}
STATUS_ORDER = ("occurred", "reported", "denied", "planned")
# Status is never told by colour alone: besides the legend's words, each status has its own
# fill pattern (bars) and marker symbol (points).
STATUS_PATTERNS = {"occurred": "", "reported": "/", "denied": "x", "planned": "."}
STATUS_SYMBOLS = {"occurred": "diamond", "reported": "circle", "denied": "x", "planned": "square"}
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

# A small template of our own: plotly's default one would add ~7 kB to every stored figure.
THEME = go.layout.Template(
    layout=go.Layout(
        font={"family": FONT, "size": 13, "color": "#222"},
        paper_bgcolor="white",
        plot_bgcolor="white",
        xaxis={"gridcolor": "#e5e5e5", "linecolor": "#999", "ticks": "outside"},
        yaxis={"gridcolor": "#f0f0f0", "linecolor": "#999", "automargin": True,
               "ticksuffix": "  "},
        # Title at the very top, legend in its own band under it: they never overlap, even when
        # the legend wraps at print width.
        title={"y": 1.0, "yanchor": "top", "x": 0.5, "xanchor": "center", "pad": {"t": 12}},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "traceorder": "normal"},
        margin={"l": 10, "r": 20, "t": 100, "b": 50},
        showlegend=True,
        hoverlabel={"font": {"family": FONT}},
    )
)


def _day(value: dt.date) -> str:
    return value.isoformat()


def timeline(events: pd.DataFrame, as_of: dt.date, title: str) -> go.Figure:
    """Events on a time axis, coloured by status; a date known only to a month, season or year
    is drawn as a bar across that span, a date known to the day as a point.

    ``events`` needs ``label``, ``start``, ``end``, ``shown_status``, ``when``, ``source_id`` and
    ``paragraph`` (as :func:`briefbook.scope.make_scope` provides).
    """
    frame = events.sort_values(["start", "end", "event_id"]).reset_index(drop=True)
    order = list(dict.fromkeys(frame.label))
    fig = go.Figure()
    for status in STATUS_ORDER:
        rows = frame[frame.shown_status == status]
        if rows.empty:
            continue
        colour = STATUS_COLOURS[status]
        hover = [f"{r.label}<br>{r.when} · {status}<br>source {r.source_id} ¶{r.paragraph}"
                 for r in rows.itertuples()]
        spans = rows.start != rows.end
        if spans.any():
            span_rows = rows[spans]
            fig.add_trace(go.Bar(
                name=status, legendgroup=status, orientation="h",
                y=list(span_rows.label),
                base=[_day(s) for s in span_rows.start],
                x=[((e - s).days + 1) * 86_400_000 for s, e in zip(span_rows.start, span_rows.end,
                                                                   strict=True)],
                marker={"color": colour, "opacity": 0.55, "line": {"color": colour, "width": 1},
                        "pattern": {"shape": STATUS_PATTERNS[status], "fillmode": "overlay",
                                    "fgcolor": "#ffffff",
                                    "solidity": 0.3}},
                hovertext=[h for h, m in zip(hover, spans, strict=True) if m],
                hoverinfo="text",
            ))
        if (~spans).any():
            point_rows = rows[~spans]
            fig.add_trace(go.Scatter(
                name=status, legendgroup=status, showlegend=not spans.any(), mode="markers",
                y=list(point_rows.label), x=[_day(s) for s in point_rows.start],
                marker={"color": colour, "size": 11, "symbol": STATUS_SYMBOLS[status]},
                hovertext=[h for h, m in zip(hover, spans, strict=True) if not m],
                hoverinfo="text",
            ))
    fig.add_vline(x=_day(as_of), line={"color": "#555", "dash": "dot", "width": 1})
    fig.add_annotation(x=_day(as_of), y=1, yref="paper", text=f"as of {as_of.isoformat()}",
                       showarrow=False, xanchor="left", yanchor="bottom", font={"size": 11})
    fig.update_layout(
        template=THEME, title={"text": title}, barmode="overlay", showlegend=True,
        height=140 + 30 * max(len(order), 1),
        xaxis={"type": "date", "title": {"text": "Date (bars span the uncertainty of a date)"}},
        yaxis={"title": {"text": "Event", "standoff": 12}, "categoryorder": "array",
               "categoryarray": order[::-1], "type": "category", "automargin": True},
    )
    return fig


DELIVERY_PARTS = {"delivered": "delivered", "planned": "promised by Russia",
                  "resold": "resold from Turkey's stock, if it covers the rest (no date reported)",
                  "open": "not yet scheduled"}
"""The parts of an order :func:`delivery_chart` stacks, by status, as its legend names them."""


def delivery_chart(
    rows: pd.DataFrame, *, ordered: int, unit: str, title: str
) -> go.Figure:
    """Stacked bars of an order's tranches per scenario: delivered, promised, resold, open.

    ``rows`` has ``scenario``, ``status`` (delivered / planned / resold / open), ``quantity``
    and a hover ``label``.
    """
    fig = go.Figure()
    names = DELIVERY_PARTS
    colours = {"delivered": STATUS_COLOURS["delivered"], "planned": STATUS_COLOURS["planned"],
               "resold": "#6a1b9a", "open": "#bdbdbd"}
    scenarios = list(dict.fromkeys(rows.scenario))
    for status in names:
        part = rows[rows.status == status]
        if part.empty:
            continue
        fig.add_trace(go.Bar(
            name=names[status], orientation="h", y=list(part.scenario), x=list(part.quantity),
            marker={"color": colours[status]}, text=[str(q) for q in part.quantity],
            textposition="inside", hovertext=list(part.label), hoverinfo="text+x",
        ))
    fig.update_layout(
        template=THEME, title={"text": title}, barmode="stack", height=170 + 45 * len(scenarios),
        xaxis={"title": {"text": f"{unit.capitalize()}s (of {ordered} ordered)"},
               "range": [0, ordered], "dtick": 1},
        yaxis={"title": {"text": "Scenario", "standoff": 12}, "categoryorder": "array",
               "categoryarray": scenarios[::-1], "automargin": True},
    )
    return fig


def bar_counts(counts: pd.Series, *, title: str, x_title: str, y_title: str,
               labels: Mapping[str, str] | None = None) -> go.Figure:
    """A simple horizontal bar chart of counts (e.g. claims per status); ``labels`` replaces
    the number printed at a bar's end (a range such as "1–2" where a count is uncertain)."""
    labels = labels or {}
    fig = go.Figure(go.Bar(
        orientation="h", y=[str(i) for i in counts.index], x=[int(v) for v in counts.values],
        marker={"color": [STATUS_COLOURS.get(str(i), "#546e7a") for i in counts.index]},
        text=[labels.get(str(i), str(int(v))) for i, v in counts.items()],
        textposition="outside", showlegend=False,
    ))
    fig.update_layout(
        template=THEME, title={"text": title}, height=150 + 32 * len(counts),
        xaxis={"title": {"text": x_title}, "dtick": 1},
        yaxis={"title": {"text": y_title, "standoff": 12}, "autorange": "reversed",
               "automargin": True},
    )
    return fig
