"""EDTF dates: parsing, precision, and the span an uncertain date covers.

The data stores every date as an EDTF string (``2019``, ``2018-10``, ``2016-22`` for summer 2016,
``2019?``, ``2025-10~``, ``2018-10/2025-10~``, ``2022/..``). Parsing is the ``edtf`` library's job;
this module only turns its answer into what the briefs need: a first and last day, a precision
and whether the date is uncertain or approximate.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass

import edtf

PRECISIONS = ("day", "month", "season", "year", "interval")


class EDTFError(ValueError):
    """Raised when a string is not a valid EDTF date (the message says why)."""


@dataclass(frozen=True)
class DateSpan:
    """The days an EDTF date may fall on.

    ``end`` is ``None`` for an open-ended interval (``2022/..``): it lasts until the as-of date.
    """

    text: str
    start: dt.date
    end: dt.date | None
    precision: str
    uncertain: bool
    approximate: bool

    @property
    def is_point(self) -> bool:
        """True when the date is known to the day (drawn as a point, not a span)."""
        return self.end is not None and self.start == self.end

    def end_or(self, default: dt.date) -> dt.date:
        """The last day, or ``default`` for an open-ended interval."""
        return self.end if self.end is not None else default

    @property
    def qualifier(self) -> str:
        """A reader's word for how firm the date is."""
        if self.uncertain and self.approximate:
            return "uncertain, approximate"
        if self.uncertain:
            return "uncertain"
        if self.approximate:
            return "approximate"
        return ""


def _to_date(parts: object) -> dt.date | None:
    """Turn a ``time.struct_time`` from the edtf library into a date (None when infinite)."""
    if isinstance(parts, float) and math.isinf(parts):
        return None
    year, month, day = parts[:3]  # type: ignore[index]
    return dt.date(year, month, day)


def precision_of(text: str) -> str:
    """The precision an EDTF string expresses: day, month, season, year or interval."""
    core = text.rstrip("?~%")
    if "/" in core:
        return "interval"
    parts = core.split("-")
    if len(parts) == 3:
        return "day"
    if len(parts) == 2:
        return "season" if int(parts[1]) > 12 else "month"
    return "year"


@functools.lru_cache(maxsize=4096)
def parse(text: str) -> DateSpan:
    """Parse an EDTF string into a :class:`DateSpan` (cached: tables repeat few dates, and the
    edtf grammar costs milliseconds per call).

    Raises
    ------
    EDTFError
        When the string is not valid EDTF, or is an interval that ends before it starts.
    """
    try:
        obj = edtf.parse_edtf(text)
    except Exception as exc:  # the edtf library raises several exception types
        raise EDTFError(f"is not a valid EDTF date ({type(exc).__name__})") from None
    start = _to_date(obj.lower_strict())
    end = _to_date(obj.upper_strict())
    if start is None:
        raise EDTFError("has an open start, which briefbook cannot place on a timeline")
    if end is not None and end < start:
        raise EDTFError("is an interval that ends before it starts")
    return DateSpan(
        text=text,
        start=start,
        end=end,
        precision=precision_of(text),
        uncertain="?" in text or "%" in text,
        approximate="~" in text or "%" in text,
    )


def parse_iso_day(text: str) -> dt.date:
    """Parse an ISO calendar day (``YYYY-MM-DD``), as the ``as_of`` parameter must be."""
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise EDTFError("is not an ISO date (YYYY-MM-DD)") from None


def describe(span: DateSpan) -> str:
    """The date as a reader should see it: ``2018-10 to 2025-10 (approximate)``."""
    text = span.text.replace("/..", " onwards").replace("/", " to ").rstrip("?~%")
    for mark in "?~%":
        text = text.replace(mark, "")
    seasons = {"21": "spring", "22": "summer", "23": "autumn", "24": "winter"}
    if span.precision == "season":
        year, code = text.split("-")
        text = f"{seasons[code]} {year}"
    return f"{text} ({span.qualifier})" if span.qualifier else text
