"""Seeds, edge cases and properties of the fast engine."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator import engine, reference
from simulator import funnel as fn
from simulator.plan import KpiSet
from tests.conftest import make_plan, plan_dict


def _arrays(result) -> dict[str, np.ndarray]:
    detail = result.detail
    out = {
        "revenue": result.revenue,
        "wins": result.wins,
        "carry": result.carry_over_wins,
        "expected": result.expected_revenue,
        "opportunities": detail.opportunities,
    }
    for channel, stages in detail.stages.items():
        out[f"{channel}.volume"] = detail.volumes[channel]
        out |= {f"{channel}.{stage}": counts for stage, counts in stages.items()}
    return out


# ------------------------------------------------------------------ seeds


def test_same_seed_gives_identical_results(sample_plan: KpiSet) -> None:
    a = _arrays(engine.simulate(sample_plan, trials=25_000, seed=5))
    b = _arrays(engine.simulate(sample_plan, trials=25_000, seed=5))
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_different_seeds_give_different_results(sample_plan: KpiSet) -> None:
    a = engine.simulate(sample_plan, trials=5_000, seed=5)
    b = engine.simulate(sample_plan, trials=5_000, seed=6)
    assert not np.array_equal(a.revenue, b.revenue)
    assert a.revenue_summary().mean != b.revenue_summary().mean


def test_results_do_not_depend_on_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = make_plan(sales_cycle_months={"low": 1, "high": 3}, win_rate={"low": 0.2, "high": 0.3})
    threaded = _arrays(engine.simulate(plan, trials=3 * fn.CHUNK_TRIALS + 17, seed=9))
    monkeypatch.setattr(engine, "_map", lambda function, items: [function(i) for i in items])
    serial = _arrays(engine.simulate(plan, trials=3 * fn.CHUNK_TRIALS + 17, seed=9))
    for key in threaded:
        np.testing.assert_array_equal(threaded[key], serial[key], err_msg=key)


def test_plan_seed_is_used_by_default() -> None:
    plan = make_plan(simulation={"trials": 3_000, "seed": 42})
    result = engine.simulate(plan)
    assert (result.trials, result.seed) == (3_000, 42)
    np.testing.assert_array_equal(result.revenue, engine.simulate(plan, seed=42).revenue)


def test_reference_engine_is_seeded_too() -> None:
    plan = make_plan(sales_cycle_months={"low": 1, "high": 3})
    a = reference.simulate(plan, trials=2_000, seed=1)
    b = reference.simulate(plan, trials=2_000, seed=1)
    np.testing.assert_array_equal(a.revenue, b.revenue)


# ------------------------------------------------------------------ degenerate inputs


@pytest.mark.parametrize(
    "simulate", [engine.simulate, reference.simulate], ids=["fast", "reference"]
)
def test_zero_rate_means_no_wins(simulate) -> None:
    plan = make_plan(win_rate=0.0, open_opportunities=10)
    result = simulate(plan, trials=2_000, seed=1)
    assert result.wins.sum() == 0 and result.carry_over_wins.sum() == 0
    assert result.total_revenue.max() == 0.0
    assert result.p_target() == (0.0, 0.0)


@pytest.mark.parametrize(
    "simulate", [engine.simulate, reference.simulate], ids=["fast", "reference"]
)
def test_all_rates_one_turn_every_call_into_a_win(simulate) -> None:
    channels = plan_dict()["channels"]
    for stage in channels[0]["stages"]:
        stage["rate"] = 1.0
    plan = make_plan(channels=channels, win_rate=1.0, sales_cycle_months=0)
    result = simulate(plan, trials=2_000, seed=1)
    detail = result.detail
    np.testing.assert_array_equal(result.wins, detail.volumes["calls"])
    np.testing.assert_array_equal(result.wins, detail.opportunities)
    assert result.carry_over_wins.sum() == 0
    np.testing.assert_allclose(result.revenue, result.wins * 500_000.0)


@pytest.mark.parametrize(
    "simulate", [engine.simulate, reference.simulate], ids=["fast", "reference"]
)
def test_zero_reps_make_no_calls(simulate) -> None:
    team = plan_dict()["team"] | {"reps": 0}
    result = simulate(make_plan(team=team), trials=1_000, seed=1)
    assert result.detail.volumes["calls"].sum() == 0
    assert result.total_revenue.sum() == 0.0


@pytest.mark.parametrize(
    "simulate", [engine.simulate, reference.simulate], ids=["fast", "reference"]
)
def test_one_trial(simulate) -> None:
    result = simulate(make_plan(sales_cycle_months={"low": 1, "high": 2}), trials=1, seed=1)
    assert result.revenue.shape == (1, 6)
    summary = result.revenue_summary()
    assert summary.p10 == summary.p50 == summary.p90 == summary.mean
    assert result.to_dict()["trials"] == 1


def test_zero_width_ranges_equal_fixed_numbers() -> None:
    fixed = make_plan(win_rate=0.25, deal_size=500_000, sales_cycle_months=2)
    ranged = make_plan(
        win_rate={"low": 0.25, "high": 0.25},
        deal_size={"low": 500_000, "high": 500_000},
        sales_cycle_months={"low": 2, "high": 2},
    )
    a = engine.simulate(fixed, trials=5_000, seed=3)
    b = engine.simulate(ranged, trials=5_000, seed=3)
    np.testing.assert_array_equal(a.revenue, b.revenue)


def test_lag_past_horizon_is_all_carry_over() -> None:
    result = engine.simulate(make_plan(sales_cycle_months=6), trials=2_000, seed=1)
    assert result.wins.sum() == 0
    assert result.carry_over_wins.mean() == pytest.approx(6 * 16, rel=0.05)


def test_trials_must_be_positive() -> None:
    with pytest.raises(ValueError, match="trials"):
        engine.simulate(make_plan(), trials=0)


# ------------------------------------------------------------------ properties

RATE_PATHS = ["connect", "opportunity", "win_rate"]


def _raised(data: dict, lever: str, factor: float) -> dict:
    """The plan with one rate or volume multiplied by ``factor`` (capped at 1 for rates)."""
    data = {**data, "channels": [dict(c) for c in data["channels"]]}
    if lever == "win_rate":
        data["win_rate"] = min(1.0, data["win_rate"] * factor)
    elif lever == "calls_per_rep_per_day":
        data["team"] = data["team"] | {
            "calls_per_rep_per_day": {
                k: v * factor for k, v in data["team"]["calls_per_rep_per_day"].items()
            }
        }
    elif lever == "inbound":
        data["channels"][1] = data["channels"][1] | {
            "volume_per_month": data["channels"][1]["volume_per_month"] * factor
        }
    else:
        stages = [dict(s) for s in data["channels"][0]["stages"]]
        for stage in stages:
            if stage["key"] == lever:
                stage["rate"] = {k: min(0.99, v * factor) for k, v in stage["rate"].items()}
        data["channels"][0] = data["channels"][0] | {"stages": stages}
    return data


rates = st.floats(0.02, 0.6)
plans = st.fixed_dictionaries(
    {
        "connect": rates,
        "opportunity": rates,
        "win": rates,
        "inbound": st.floats(0.0, 80.0),
        "open": st.integers(0, 40),
        "lag": st.sampled_from([0, 1, 2.5, {"low": 1, "high": 3}]),
        "months": st.integers(1, 14),
    }
)


def _plan_data(p: dict) -> dict:
    return plan_dict(
        months=p["months"],
        team=plan_dict()["team"] | {"calls_per_rep_per_day": {"low": 30, "high": 50}},
        channels=[
            {
                "key": "calls",
                "volume_from": "team",
                "stages": [
                    {"key": "connect", "rate": {"low": p["connect"] * 0.8, "high": p["connect"]}},
                    {
                        "key": "opportunity",
                        "rate": {"low": p["opportunity"] * 0.8, "high": p["opportunity"]},
                    },
                ],
            },
            {
                "key": "inbound",
                "volume_per_month": p["inbound"],
                "stages": [{"key": "opportunity", "rate": 0.3}],
            },
        ],
        win_rate=p["win"],
        open_opportunities=p["open"],
        sales_cycle_months=p["lag"],
    )


PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(
    p=plans,
    lever=st.sampled_from(
        ["connect", "opportunity", "win_rate", "calls_per_rep_per_day", "inbound"]
    ),
    factor=st.floats(1.0001, 2.0),
)
def test_raising_a_rate_or_volume_never_lowers_mean_revenue(
    p: dict, lever: str, factor: float
) -> None:
    """Under common random numbers, the expected revenue of every trial can only rise."""
    base_data = _plan_data(p)
    base = engine.simulate(make_plan(**base_data), trials=2_000, seed=17)
    raised = engine.simulate(make_plan(**_raised(base_data, lever, factor)), trials=2_000, seed=17)
    assert raised.expected_revenue.mean() >= base.expected_revenue.mean() - 1e-6 * abs(
        base.expected_revenue.mean()
    )


@PROPERTY_SETTINGS
@given(p=plans, seed=st.integers(0, 2**32))
def test_wins_never_exceed_opportunities(p: dict, seed: int) -> None:
    plan = make_plan(**_plan_data(p))
    result = engine.simulate(plan, trials=500, seed=seed)
    detail = result.detail
    won = result.wins.sum(axis=1) + result.carry_over_wins
    assert np.all(won <= detail.opportunities.sum(axis=1) + plan.open_opportunities)
    for channel, stages in detail.stages.items():
        previous = detail.volumes[channel]
        for counts in stages.values():
            assert np.all(counts <= previous)
            previous = counts


@PROPERTY_SETTINGS
@given(p=plans, seed=st.integers(0, 2**32))
def test_percentiles_are_ordered(p: dict, seed: int) -> None:
    out = engine.simulate(make_plan(**_plan_data(p)), trials=300, seed=seed).to_dict()
    summaries = [out["revenue"], out["opportunities"], out["wins"], out["carry_over_wins"]]
    for month in out["monthly"]:
        summaries += [month["revenue"], month["opportunities"], month["wins"]]
    for s in summaries:
        assert s["p10"] <= s["p50"] <= s["p90"]


@pytest.mark.parametrize(
    "simulate", [engine.simulate, reference.simulate], ids=["fast", "reference"]
)
def test_detail_head_is_the_first_trials_of_detail(simulate) -> None:
    plan = make_plan(sales_cycle_months={"low": 1, "high": 3})
    trials = 2 * fn.CHUNK_TRIALS + 500
    head = simulate(plan, trials=trials, seed=4).detail_head(fn.CHUNK_TRIALS + 1)
    full = simulate(plan, trials=trials, seed=4).detail
    assert head.trials == 2 * fn.CHUNK_TRIALS
    np.testing.assert_array_equal(head.opportunities, full.opportunities[: head.trials])
    np.testing.assert_array_equal(
        head.stages["calls"]["connect"], full.stages["calls"]["connect"][: head.trials]
    )


def test_expected_revenue_without_counts_matches_the_simulation(sample_plan: KpiSet) -> None:
    quick = engine.expected_revenue(sample_plan, trials=12_345, seed=8)
    full = engine.simulate(sample_plan, trials=12_345, seed=8).expected_revenue
    np.testing.assert_allclose(quick, full, rtol=1e-12)
