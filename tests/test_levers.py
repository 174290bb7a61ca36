"""Lever arithmetic: scaling and stepping a value in the file format."""

from __future__ import annotations

from typing import Any

import pytest

from simulator import levers, uncertain
from simulator.plan import PlanError, load_plan, parse_plan
from tests.conftest import ROOT, make_plan, plan_dict

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


# A lever set by the core (a step, a solver's factor) is validated for that field only;
# it must come out exactly as a full parse of the plan would have it, or fail alike.
_SDR = ROOT / "sample_data" / "us_sdr.json"
QUICK_CASES = [
    ("team.reps", 12),
    ("team.reps", 0),
    ("team.reps", -1),
    ("team.reps", 3.5),
    ("team.calls_per_rep_per_day", {"low": 70.0, "high": 100.0}),
    ("team.calls_per_rep_per_day", 0.0),
    ("team.calls_per_rep_per_day", -5.0),
    ("channels.email.volume_per_month", {"low": 6600.0, "high": 13200.0}),
    ("channels.email.volume_per_month", {"low": 10.0, "high": 5.0}),
    ("channels.calls.stages.connect.rate", {"low": 0.05, "high": 0.11}),
    ("channels.calls.stages.connect.rate", 0.07),
    ("channels.calls.stages.connect.rate", {"low": 0.5, "high": 1.2}),
    ("channels.calls.stages.connect.rate", {"low": 0.3, "high": 0.3000001}),
    ("channels.calls.stages.connect.rate", {"successes": 3, "trials": 40}),
    ("channels.calls.stages.connect.rate", {"successes": 50, "trials": 40}),
    ("channels.inbound.stages.opportunity.rate", {"low": 0.6, "high": 0.7}),
    ("win_rate", {"low": 0.13, "high": 0.24}),
    ("win_rate", float("nan")),
    ("win_rate", "0.2"),
    ("deal_size", {"low": 16500.0, "high": 66000.0}),
    ("deal_size", 45000),
    ("sales_cycle_months", 2.5),
    ("sales_cycle_months", {"low": 0.0, "high": 4.0}),
]


def _outcome(build: Any) -> Any:
    try:
        plan = build()
    except PlanError as exc:
        return [(issue.path, issue.code) for issue in exc.issues]
    return plan.model_dump(mode="json")


@pytest.mark.parametrize(("path", "value"), QUICK_CASES, ids=str)
def test_with_value_validates_as_a_full_parse_does(path: str, value: Any) -> None:
    plan = load_plan(_SDR)
    quick = _outcome(lambda: levers.with_value(plan, path, value))
    assert quick == _outcome(lambda: levers.with_values(plan, {path: value}))
    if isinstance(quick, dict):
        assert levers.get(parse_plan(quick), path) == levers.get(
            levers.with_value(plan, path, value), path
        )


def test_with_value_checks_the_headcount_across_fields() -> None:
    plan = make_plan(team={**plan_dict()["team"], "hires": [{"month": "2027-05", "change": -2}]})
    with pytest.raises(PlanError) as caught:
        levers.with_value(plan, "team.reps", 1)
    assert [(i.path, i.code) for i in caught.value.issues] == [
        ("team.hires[0].change", "headcount_negative")
    ]
    assert levers.with_value(plan, "team.reps", 2).team.reps == 2


def test_with_value_leaves_the_plan_it_started_from_alone() -> None:
    plan = load_plan(_SDR)
    before = plan.model_dump(mode="json")
    changed = levers.with_value(plan, "channels.calls.stages.connect.rate", 0.07)
    assert plan.model_dump(mode="json") == before
    assert changed.channels[1] is plan.channels[1]  # unchanged parts are shared
    assert changed.channels[0].stages[0].rate == 0.07


def test_get_and_location_name_the_same_field() -> None:
    plan = load_plan(_SDR)
    assert levers.location(plan, "channels.email.stages.reply.rate") == (
        "channels",
        1,
        "stages",
        1,
        "rate",
    )
    assert levers.get(plan, "channels.email.stages.reply.rate") == {"low": 0.06, "high": 0.13}
    assert levers.get(plan, "team.reps") == 10
    with pytest.raises(KeyError, match="no stage 'nope'"):
        levers.location(plan, "channels.email.stages.nope.rate")
