"""Lever arithmetic: scaling and stepping a value in the file format."""

from __future__ import annotations

import pytest

from simulator import levers, uncertain

COUNTS = {"successes": 38, "trials": 100}


def test_scaled_moves_both_ends_and_reads_counts_as_their_p10_p90() -> None:
    assert levers.scaled(40, 1.5) == 60.0
    assert levers.scaled({"low": 2.0, "high": 4.0}, 0.5) == {"low": 1.0, "high": 2.0}
    low, high = uncertain.p10_p90(COUNTS)
    assert levers.scaled(COUNTS, 2.0) == {"low": low * 2.0, "high": high * 2.0}


def test_stepped_keeps_values_at_zero_or_above() -> None:
    assert levers.stepped(3.0, -5.0, "productivity") == 0.0
    assert levers.stepped({"low": 1.0, "high": 4.0}, -2.0, "cycle") == {"low": 0.0, "high": 2.0}
    assert levers.stepped(4, 1.0, "reps") == 5


def test_stepped_rate_stays_under_its_ceiling() -> None:
    assert levers.stepped(0.995, 0.01, "rate") == 1.0
    stepped = levers.stepped({"low": 0.97, "high": 0.995}, 0.01, "rate")
    assert stepped == {"low": 0.98, "high": levers.RATE_RANGE_MAX}
    assert levers.stepped({"low": 0.999, "high": 0.9995}, 0.01, "rate") == {
        "low": levers.RATE_RANGE_MAX,
        "high": levers.RATE_RANGE_MAX,
    }
    low, high = uncertain.p10_p90(COUNTS)
    assert levers.stepped(COUNTS, 0.01, "rate") == {
        "low": pytest.approx(low + 0.01),
        "high": pytest.approx(high + 0.01),
    }


def test_scaled_holds_values_at_a_ceiling() -> None:
    assert 0.1 * 10.000000000000002 > 1.0  # what rounding can do to a rate at its limit
    assert levers.scaled(0.1, 10.000000000000002, at_most=1.0) == 1.0
    assert levers.scaled({"low": 0.5, "high": 0.9}, 2.0, at_most=levers.RATE_RANGE_MAX) == {
        "low": levers.RATE_RANGE_MAX,
        "high": levers.RATE_RANGE_MAX,
    }
