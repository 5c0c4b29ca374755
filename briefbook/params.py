"""Brief parameters: the rules every notebook's ``parameters`` cell must satisfy.

Each notebook's first cell after ``parameters`` calls :func:`check_params`; a bad value stops it
there with one sentence naming the parameter, the value given and what is allowed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from briefbook import dates
from briefbook.exceptions import ParameterError

RELIABILITY_GRADES = "ABCDEF"
LATEST = "latest"
COMMON = ("as_of", "min_reliability", "include_unverified")
# Parameters only some threads take, with the values each allows.
THREAD_PARAMS: dict[str, dict[str, tuple[str, ...]]] = {
    "india_s400_timeline": {"scenario": ("baseline", "buyback")},
}
_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}


@dataclass(frozen=True)
class BriefParams:
    """Checked parameters. ``as_of`` is ``None`` when the brief should use the data's date."""

    as_of: dt.date | None
    min_reliability: str
    include_unverified: bool
    thread: dict[str, str] = field(default_factory=dict)

    def as_dict(self, as_of: dt.date) -> dict[str, object]:
        """The parameters as the header shows them, with the as-of date resolved."""
        return {
            "as_of": as_of.isoformat(),
            "min_reliability": self.min_reliability,
            "include_unverified": self.include_unverified,
            **self.thread,
        }


def check_params(thread: str, **given: object) -> BriefParams:
    """Check a notebook's parameters; raise :class:`ParameterError` on the first bad one."""
    allowed = THREAD_PARAMS.get(thread, {})
    unknown = sorted(set(given) - set(COMMON) - set(allowed))
    if unknown:
        names = ", ".join([*COMMON, *allowed])
        raise ParameterError(unknown[0], given[unknown[0]], f"this brief takes only {names}")
    return BriefParams(
        as_of=check_as_of(given.get("as_of", LATEST)),
        min_reliability=check_reliability(given.get("min_reliability", "F")),
        include_unverified=check_bool("include_unverified", given.get("include_unverified", True)),
        thread={name: check_choice(name, given.get(name, values[0]), values)
                for name, values in allowed.items()},
    )


def check_as_of(value: object) -> dt.date | None:
    """``latest`` (the data's own date) or an ISO calendar day."""
    if value == LATEST or value is None:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dates.parse_iso_day(str(value))
    except dates.EDTFError:
        raise ParameterError(
            "as_of", value, f"it must be an ISO date such as 2025-10-31, or {LATEST!r}"
        ) from None


def check_reliability(value: object) -> str:
    """One Admiralty grade, A (completely reliable) to F (cannot be judged)."""
    if not isinstance(value, str) or value.upper() not in RELIABILITY_GRADES or len(value) != 1:
        raise ParameterError("min_reliability", value, "it must be one grade from A to F")
    return value.upper()


def check_bool(name: str, value: object) -> bool:
    """A boolean, or its usual spellings on a command line (true/false, yes/no, 1/0)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
        return value.lower() in _TRUE
    raise ParameterError(name, value, "it must be true or false")


def check_choice(name: str, value: object, allowed: tuple[str, ...]) -> str:
    """One of a fixed set of words."""
    if value not in allowed:
        raise ParameterError(name, value, "it must be one of " + ", ".join(map(repr, allowed)))
    return str(value)
