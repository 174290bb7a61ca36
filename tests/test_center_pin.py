"""Center pin analysis: the tie, timing, effort, variance shares, unreachable levers."""

from __future__ import annotations

import numpy as np
import pytest

from simulator import center_pin
from tests.conftest import make_plan, plan_dict

TWO_CHANNELS = [
    {
        "key": "calls",
        "volume_from": "team",
        "stages": [{"key": "connect", "rate": 0.1}, {"key": "opportunity", "rate": 0.2}],
    },
    {"key": "inbound", "volume_per_month": 40, "stages": [{"key": "opportunity", "rate": 0.35}]},
]


def test_relative_steps_tie_without_open_pipeline() -> None:
    tie, gains = center_pin.relative_tie(make_plan(channels=TWO_CHANNELS[:1]))
    assert tie
    assert set(gains) >= {
        "team.calls_per_rep_per_day",
        "channels.calls.stages.connect.rate",
        "channels.calls.stages.opportunity.rate",
        "win_rate",
        "deal_size",
    }
    assert all(g == pytest.approx(0.10, rel=1e-6) for g in gains.values())
    analysis = center_pin.analyse(
        make_plan(channels=TWO_CHANNELS[:1]), trials=5_000, required=False
    )
    assert analysis.tie and "tie" in center_pin.reason_text(analysis)


def test_open_pipeline_and_long_cycle_favour_late_funnel_levers() -> None:
    plan = make_plan(open_opportunities=60, sales_cycle_months=4, months=6)
    tie, gains = center_pin.relative_tie(plan)
    assert not tie
    calls = gains["team.calls_per_rep_per_day"]
    assert gains["win_rate"] > calls and gains["deal_size"] > calls
    # New calls close too late: only months 5 and 6 see their wins.
    analysis = center_pin.analyse(
        plan,
        trials=5_000,
        required=False,
        steps={
            "win_rate": 0.025,
            "team.calls_per_rep_per_day": 4.0,  # +10% each
        },
    )
    by_lever = {r.lever: r for r in analysis.levers}
    assert by_lever["win_rate"].revenue_gain > by_lever["team.calls_per_rep_per_day"].revenue_gain
    assert (
        by_lever["win_rate"].half_gain_month
        <= by_lever["team.calls_per_rep_per_day"].half_gain_month
    )


def test_effort_lets_a_cheap_lever_outrank_a_bigger_one() -> None:
    plan = make_plan()
    raw = center_pin.analyse(plan, trials=5_000, required=False)
    gains = {r.lever: r.revenue_gain for r in raw.levers}
    big, small = "team.reps", "deal_size"
    assert gains[big] > gains[small]  # +1 rep of 4 is +25%; +10% deal size is +10%
    efforts = {big: 10.0, small: 1.0}
    ranked = center_pin.analyse(plan, trials=5_000, required=False, efforts=efforts)
    order = [r.lever for r in ranked.levers]
    assert order.index(small) < order.index(big)
    assert ranked.reason["code"] == "per_effort"


def test_one_dominant_uncertain_rate_gets_the_variance() -> None:
    channels = plan_dict()["channels"]
    channels[0]["stages"][0]["rate"] = {"low": 0.03, "high": 0.2}  # very uncertain
    channels[0]["stages"][1]["rate"] = {"low": 0.19, "high": 0.21}  # well measured
    plan = make_plan(channels=channels, win_rate={"low": 0.24, "high": 0.26})
    shares = center_pin.variance_shares(plan, seed=1)
    top = max(shares, key=shares.get)
    assert top == "channels.calls.stages.connect.rate"
    assert shares[top] > 0.8


def test_a_zero_width_range_is_a_fixed_input_to_the_variance_shares() -> None:
    channels = plan_dict()["channels"]
    channels[0]["stages"][0]["rate"] = {"low": 0.03, "high": 0.2}
    channels[0]["stages"][1]["rate"] = {"low": 0.2, "high": 0.2}  # a point mass
    plan = make_plan(channels=channels, win_rate={"low": 0.24, "high": 0.26})
    fixed = make_plan(
        channels=[
            {
                **channels[0],
                "stages": [channels[0]["stages"][0], {"key": "opportunity", "rate": 0.2}],
            }
        ],
        win_rate={"low": 0.24, "high": 0.26},
    )
    shares = center_pin.variance_shares(plan, seed=1, power=8)
    assert shares == center_pin.variance_shares(fixed, seed=1, power=8)
    assert set(shares) == {"channels.calls.stages.connect.rate", "win_rate"}


def test_required_values_and_unreachable_levers() -> None:
    plan = make_plan(target={"revenue": 60_000_000, "confidence": 0.8})
    analysis = center_pin.analyse(plan, trials=5_000)
    by_lever = {r.lever: r for r in analysis.levers}
    assert by_lever["team.reps"].required_for_target is not None
    assert by_lever["sales_cycle_months"].required_problem == "not_solvable"
    out = analysis.to_dict()
    assert set(out) == {"levers", "center_pin", "reason"}
    assert set(out["levers"][0]) == {
        "lever",
        "base",
        "step",
        "revenue_gain",
        "p_target_gain",
        "required_for_target",
        "variance_share",
    }


def test_cli_center_pin_json() -> None:
    import json
    import subprocess
    import sys

    from tests.conftest import ROOT

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulator",
            "center-pin",
            "sample_data/jp_enterprise.json",
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["center_pin"] == out["levers"][0]["lever"]
    assert out["reason"]["lever"] == out["center_pin"]
    gains = [row["revenue_gain"] for row in out["levers"]]
    assert gains == sorted(gains, reverse=True)


def test_required_values_put_back_reach_the_confidence() -> None:
    from simulator import engine, levers
    from simulator.plan import load_plan
    from tests.conftest import ROOT

    plan = load_plan(ROOT / "sample_data" / "jp_smb_saas.json")
    analysis = center_pin.analyse(plan)
    checked = 0
    for row in analysis.levers:
        if row.required_setting is None:
            continue
        solved = levers.with_values(plan, {row.lever: row.required_setting})
        fresh = engine.simulate(solved, seed=plan.simulation.seed + 7).p_target()[0]
        if row.kind == "reps":  # whole reps: at or above the confidence
            assert fresh >= plan.target.confidence - 0.02, row.lever
        else:
            assert abs(fresh - plan.target.confidence) <= 0.02, (row.lever, fresh)
        checked += 1
    assert checked >= 8


def test_ranking_first_then_required_values_is_the_full_analysis() -> None:
    plan = make_plan(target={"revenue": 60_000_000, "confidence": 0.8})
    full = center_pin.analyse(plan, trials=5_000)
    ranking = center_pin.analyse(plan, trials=5_000, required=False)
    assert full.required_solved and not ranking.required_solved
    assert [r.lever for r in ranking.levers] == [r.lever for r in full.levers]
    assert all(r.required_for_target is None and r.required_problem is None for r in ranking.levers)
    filled = center_pin.required_values(plan, ranking)
    assert filled == full
    assert center_pin.required_values(plan, filled) is filled
    # Efforts chosen before the required values arrive keep their order.
    efforts = {"deal_size": 1.0, "team.reps": 10.0}
    ranked = center_pin.with_efforts(ranking, efforts)
    assert [r.lever for r in center_pin.required_values(plan, ranked).levers] == [
        r.lever for r in ranked.levers
    ]


def test_step_down_from_shared_draws_is_the_engines_expected_revenue() -> None:
    from simulator import engine, levers
    from simulator.plan import load_plan
    from tests.conftest import ROOT

    for plan in (load_plan(ROOT / "sample_data" / "us_sdr.json"), make_plan(months=6)):
        seed, trials = plan.simulation.seed, 12_000  # two chunks, the second short
        draws = center_pin._Base(plan, trials, seed)
        for lever in levers.levers(plan):
            value = center_pin.stepped_value(plan, lever, -center_pin.STEPS[lever.kind])
            down = levers.with_value(plan, lever.path, value)
            np.testing.assert_allclose(
                draws.expected_revenue(down, lever),
                engine.expected_revenue(down, trials=trials, seed=seed),
                rtol=1e-12,
                err_msg=lever.path,
            )


def test_a_scaled_deal_size_scales_the_run_as_the_engine_does() -> None:
    from simulator import engine, levers
    from simulator.plan import load_plan
    from tests.conftest import ROOT

    for plan in (load_plan(ROOT / "sample_data" / "us_sdr.json"), make_plan()):
        base = engine.simulate(plan, trials=20_000)
        scaled_plan = levers.with_value(
            plan, "deal_size", levers.scaled(levers.get(plan, "deal_size"), 1.37)
        )
        scaled = center_pin._deal_size_scaled(base, scaled_plan, 1.37)
        simulated = engine.simulate(scaled_plan, trials=20_000)
        np.testing.assert_allclose(scaled.total_revenue, simulated.total_revenue, rtol=1e-12)
        np.testing.assert_allclose(scaled.expected_revenue, simulated.expected_revenue, rtol=1e-12)
        np.testing.assert_array_equal(scaled.wins, simulated.wins)
        assert scaled.p_target() == simulated.p_target()
