"""Parameter checks: every bad value is one sentence naming the parameter and what is allowed."""

from __future__ import annotations

import datetime as dt

import pytest

from briefbook.exceptions import ParameterError
from briefbook.params import check_params


def test_defaults_are_taken_from_the_data_not_the_clock() -> None:
    params = check_params("caatsa_f35")
    assert params.as_of is None  # resolved later from the newest source's date
    assert params.min_reliability == "F"
    assert params.include_unverified is True


def test_valid_values_are_converted() -> None:
    params = check_params("india_s400_timeline", as_of="2025-09-30", min_reliability="c",
                          include_unverified="false", scenario="buyback")
    assert params.as_of == dt.date(2025, 9, 30)
    assert params.min_reliability == "C"
    assert params.include_unverified is False
    assert params.thread == {"scenario": "buyback"}


@pytest.mark.parametrize(
    ("thread", "given", "name", "phrase"),
    [
        ("caatsa_f35", {"as_of": "not-a-date"}, "as_of", "ISO date"),
        ("caatsa_f35", {"as_of": "2025-02-30"}, "as_of", "ISO date"),
        ("caatsa_f35", {"min_reliability": "G"}, "min_reliability", "from A to F"),
        ("caatsa_f35", {"min_reliability": "AB"}, "min_reliability", "from A to F"),
        ("caatsa_f35", {"include_unverified": "maybe"}, "include_unverified", "true or false"),
        ("india_s400_timeline", {"scenario": "invasion"}, "scenario", "'baseline', 'buyback'"),
        ("caatsa_f35", {"scenario": "buyback"}, "scenario", "takes only"),
        ("overview", {"colour": "red"}, "colour", "takes only"),
    ],
)
def test_bad_values_name_parameter_value_and_rule(thread, given, name, phrase) -> None:
    with pytest.raises(ParameterError) as caught:
        check_params(thread, **given)
    message = str(caught.value)
    assert f"'{name}'" in message
    assert repr(next(iter(given.values()))) in message
    assert phrase in message
    assert message.count(".") >= 1 and "\n" not in message
