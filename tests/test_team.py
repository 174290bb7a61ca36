"""The roll-up over members: N identical members are one team of N reps, targets add up,
percentiles do not, and the member-level center pin's gains match re-runs."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from scipy import stats

from simulator import engine, team
from simulator.plan import PlanError, parse_plan
from tests.conftest import plan_dict

TRIALS = 40_000


def uncertain_plan(**team_fields: Any) -> dict[str, Any]:
    """A plan with every kind of team-level uncertainty: rates, calls, deal size, lag."""
    data = plan_dict(
        win_rate={"low": 0.15, "high": 0.35},
        deal_size={"low": 300_000, "high": 900_000},
        sales_cycle_months={"low": 0.5, "high": 2},
        months=6,
        simulation={"trials": TRIALS, "seed": 11},
    )
    data["team"]["calls_per_rep_per_day"] = {"low": 30, "high": 50}
    data["channels"][0]["stages"][0]["rate"] = {"low": 0.08, "high": 0.14}
    data["team"].update(team_fields)
    return data


def batch_quantile_se(values: np.ndarray, q: np.ndarray, batches: int = 40) -> np.ndarray:
    """Standard errors of quantiles by batch means: the quantiles of ``batches`` equal
    parts, their spread over √batches (each part's error is √batches times the whole's)."""
    parts = np.quantile(values.reshape(batches, -1), q, axis=1)  # (Q, batches)
    return parts.std(axis=1, ddof=1) / np.sqrt(batches)


@pytest.mark.parametrize("reps", [1, 4])
def test_n_identical_members_roll_up_to_one_team_of_n_reps(reps: int) -> None:
    members = [{"name": f"rep {i}"} for i in range(reps)]
    by_member = parse_plan(uncertain_plan(members=members, reps=0))
    one_team = parse_plan(uncertain_plan(reps=reps))
    # Independent seeds: the KS test and the standard errors assume independent samples.
    rolled = team.simulate(by_member, seed=101, pin=False).team_revenue
    direct = engine.simulate(one_team, seed=202).total_revenue
    assert stats.ks_2samp(rolled, direct).pvalue > 0.001
    deciles = np.linspace(0.1, 0.9, 9)
    difference = np.quantile(rolled, deciles) - np.quantile(direct, deciles)
    se = np.hypot(batch_quantile_se(rolled, deciles), batch_quantile_se(direct, deciles))
    assert np.all(np.abs(difference) < 4 * se), (difference, se)
    assert abs(rolled.mean() - direct.mean()) < 4 * np.hypot(
        rolled.std() / np.sqrt(TRIALS), direct.std() / np.sqrt(TRIALS)
    )


def test_a_team_of_members_is_seeded_and_members_have_their_own_chance() -> None:
    plan = parse_plan(uncertain_plan(members=[{"name": "a"}, {"name": "b"}]))
    first = team.simulate(plan, trials=20_000, pin=False)
    again = team.simulate(plan, trials=20_000, pin=False)
    np.testing.assert_array_equal(first.member_revenue, again.member_revenue)
    a, b = first.member_revenue.T
    # Identical members: the same distribution, but not the same draws (chance is theirs).
    assert not np.array_equal(a, b)
    assert stats.ks_2samp(a, b).pvalue > 0.001
    # The shared team-level uncertainty makes them move together: positively correlated.
    assert np.corrcoef(a, b)[0, 1] > 0.2


def test_pooled_rates_scale_a_members_revenue() -> None:
    members = [
        {"name": "low", "rates": {"connect": {"successes": 40, "trials": 1000}}},
        {"name": "high", "rates": {"connect": {"successes": 160, "trials": 1000}}},
        {"name": "none"},
    ]
    result = team.simulate(parse_plan(uncertain_plan(members=members)), trials=20_000, pin=False)
    path = "channels.calls.stages.connect.rate"
    pooled = [m.pooled[path] for m in result.members]
    assert pooled[0] < 0.04 / 0.96 * 1.2 and pooled[1] > 0.13
    assert pooled[2] == pytest.approx(result.pools[0].prior.mean)
    # A member's expected revenue is proportional to their rate (the rest is shared).
    expected_ratio = pooled[1] / pooled[0]
    means = result.member_means
    assert means[1] / means[0] == pytest.approx(expected_ratio, rel=0.05)


def test_top_down_targets_add_up_to_the_kgi_and_typed_ones_are_kept() -> None:
    data = plan_dict(
        target={"revenue": 50_000_000, "confidence": 0.8},
        channels=[
            *plan_dict()["channels"],
            {"key": "inbound", "volume_per_month": 40, "stages": [{"key": "opportunity",
                                                                   "rate": 0.3}]},
        ],
    )  # fmt: skip
    data["team"]["members"] = [
        {"name": "a"},
        {"name": "b", "calls_per_rep_per_day": 80},
        {"name": "c", "target": 5_000_000},
    ]
    result = team.simulate(parse_plan(data), trials=20_000, pin=False)
    targets = result.top_down
    shared = result.shared_revenue.mean()
    assert targets[2] == 5_000_000
    assert targets.sum() + shared == pytest.approx(50_000_000)
    assert targets[1] == pytest.approx(2 * targets[0])  # twice the calls, twice the share
    out = result.to_dict()
    assert [m["target_typed"] for m in out["members"]] == [False, False, True]
    assert sum(m["contribution"] for m in out["members"]) + out["shared"][
        "contribution"
    ] == pytest.approx(1.0)
    p = out["members"][0]["p_target"]
    assert p == pytest.approx((result.member_revenue[:, 0] >= targets[0]).mean())


def test_member_percentiles_add_up_to_more_than_the_teams_and_consistent_targets_do_not() -> None:
    members = [{"name": f"m{i}"} for i in range(6)]
    result = team.simulate(parse_plan(uncertain_plan(members=members)), pin=False)
    out = result.to_dict()
    diversification = out["diversification"]
    assert diversification["sum_of_member_percentiles"] > diversification["team_percentile"]
    at_confidence = out["team"]["revenue_at_confidence"]
    q, targets, shared = result.consistent_targets(at_confidence)
    assert targets.sum() + shared == pytest.approx(at_confidence, rel=2e-3)
    # Each member reaches theirs with less than the team's confidence: the team's P80 asks
    # each member for less than their own P80... so members' chance is lower than 80%.
    member_confidence = out["consistent"]["member_confidence"]
    assert member_confidence == pytest.approx(1 - q)
    assert member_confidence < result.confidence
    for i in range(6):
        reach = (result.member_revenue[:, i] >= targets[i]).mean()
        assert reach == pytest.approx(member_confidence, abs=0.01)
    assert (result.team_revenue >= at_confidence).mean() == pytest.approx(0.8, abs=0.005)


def test_hiring_one_more_gains_what_a_rerun_with_one_more_member_shows() -> None:
    members = [{"name": "a"}, {"name": "b", "rates": {"connect": 0.05}}]
    data = uncertain_plan(members=members, ramp_months=2)
    result = team.simulate(parse_plan(data), trials=20_000)
    hire = next(o for o in result.pin if o.action == "hire")
    bigger = copy.deepcopy(data)
    bigger["team"]["members"].append({"name": "new", "start_month": data["start_month"]})
    rerun = team.simulate(parse_plan(bigger), trials=20_000, pin=False)
    new = rerun.member_revenue[:, 2]
    assert hire.revenue_gain == pytest.approx(new.mean(), abs=4 * new.std() / np.sqrt(20_000))
    # Coaching the member at 5% connect by a point: revenue × 6/5 on that member.
    coach = next(
        o for o in result.pin if o.member == "b" and o.path == "channels.calls.stages.connect.rate"
    )
    b = result.member_revenue[:, 1]
    assert coach.revenue_gain == pytest.approx(0.2 * b.mean(), rel=0.05)


def test_a_roll_up_over_budget_is_refused_naming_the_trials() -> None:
    plan = parse_plan(uncertain_plan(members=[{"name": f"m{i}"} for i in range(200)]))
    with pytest.raises(PlanError) as caught:
        team.simulate(plan, trials=2_000_000)
    assert caught.value.issues[0].path == "simulation.trials"
    assert caught.value.issues[0].code == "work_too_large"


def test_a_plan_without_members_is_refused() -> None:
    with pytest.raises(team.NotAMemberPlan):
        team.simulate(parse_plan(plan_dict()), trials=100)
