"""Backwards planning: the plain chain by hand, solved levers re-simulated, unreachable goals."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from simulator import engine, levers, reverse
from simulator.plan import KpiSet, load_plan
from tests.conftest import ROOT, SAMPLES, make_plan, plan_dict


def test_plain_chain_is_target_over_deal_times_rates() -> None:
    plan = make_plan(target={"revenue": 48_000_000, "confidence": 0.8})
    chain = reverse.plain_chain(plan)
    # 48,000,000 / (500,000 × 0.25 × 0.2 × 0.1) calls, exactly.
    assert chain.steps["calls"][0] == (
        "volume",
        1.0,
        pytest.approx(48_000_000 / (500_000 * 0.25 * 0.2 * 0.1)),
    )
    assert chain.wins == pytest.approx(96.0)
    assert chain.opportunities == pytest.approx(384.0)
    assert chain.unreachable_revenue == 0.0
    np.testing.assert_allclose(chain.monthly["revenue"].sum(), 48_000_000)
    np.testing.assert_allclose(chain.monthly["calls.volume"].sum(), 48_000_000 / 2_500.0)


def test_sales_cycle_places_opportunities_before_revenue() -> None:
    plan = make_plan(months=12, sales_cycle_months=3)
    chain = reverse.plain_chain(plan)
    opportunities = chain.monthly["opportunities"].to_numpy()
    wins = chain.monthly["wins"].to_numpy()
    # Revenue of month m needs opportunities in month m - 3 ...
    np.testing.assert_allclose(opportunities[:9], wins[3:] / 0.25)
    # ... so the last three months create none for this horizon, and the first three
    # months of revenue cannot be reached by new activity.
    np.testing.assert_allclose(opportunities[9:], 0.0)
    assert chain.unreachable_revenue == pytest.approx(3 * plan.target.revenue / 12)


def test_open_pipeline_is_counted_before_new_activity() -> None:
    with_open = reverse.plain_chain(make_plan(open_opportunities=40))
    without = reverse.plain_chain(make_plan())
    assert with_open.open_pipeline_wins == pytest.approx(10.0)
    assert with_open.opportunities == pytest.approx(without.opportunities - 40)


def test_capacity_check_flags_short_months_and_reps_needed() -> None:
    plan = make_plan()  # 4 reps × 40 calls × 20 days = 3,200 calls a month
    check = reverse.capacity(plan, np.array([3_000.0, 3_200.0, 6_400.0, 0, 0, 0]))
    assert list(check["short"]) == [False, False, True, False, False, False]
    assert check["reps_needed"].iloc[2] == pytest.approx(8.0)


def _solvable(plan: KpiSet) -> list[str]:
    return [lever.path for lever in levers.levers(plan) if lever.kind in reverse.SOLVABLE]


CASES = [(path.stem, lever) for path in SAMPLES for lever in _solvable(load_plan(path))]


@pytest.mark.parametrize(("plan_id", "lever"), CASES, ids=[f"{p}:{lv}" for p, lv in CASES])
def test_solved_plan_reaches_the_confidence_with_a_fresh_seed(plan_id: str, lever: str) -> None:
    plan = load_plan(ROOT / "sample_data" / f"{plan_id}.json")
    try:
        solution = reverse.solve(plan, lever)
    except reverse.Unsolvable as exc:
        # Only a rate may be unable to reach the goal alone (it cannot pass 100%).
        assert exc.code == "rate_above_one", exc
        assert (
            levers.levers(plan)[[lv.path for lv in levers.levers(plan)].index(lever)].kind == "rate"
        )
        return
    fresh = engine.simulate(solution.plan, seed=plan.simulation.seed + 1).p_target()[0]
    confidence = plan.target.confidence
    if lever == "team.reps":  # whole reps: the fewest that reach, so at or above
        assert fresh >= confidence - 0.02
        fewer = levers.with_values(solution.plan, {lever: int(solution.value) - 1})
        assert engine.simulate(fewer, seed=plan.simulation.seed).p_target()[0] < confidence
    else:
        assert abs(fresh - confidence) <= 0.02, (lever, solution.value, fresh)
    assert solution.plan.target.confidence == confidence
    assert solution.plan.target.revenue == plan.target.revenue


def test_solve_for_another_target_and_confidence() -> None:
    plan = load_plan(ROOT / "sample_data" / "jp_smb_saas.json")
    solution = reverse.solve(plan, "deal_size", target=200_000_000, confidence=0.9)
    assert solution.plan.target.revenue == 200_000_000
    assert solution.plan.target.confidence == 0.9
    fresh = engine.simulate(solution.plan, seed=5).p_target()[0]
    assert abs(fresh - 0.9) <= 0.02


def test_a_rate_that_would_pass_one_is_unreachable() -> None:
    plan = make_plan(target={"revenue": 1e12, "confidence": 0.8})
    with pytest.raises(reverse.Unsolvable) as caught:
        reverse.solve(plan, "win_rate", search_trials=2_000)
    assert caught.value.code == "rate_above_one"
    assert "100%" in str(caught.value)


def test_reps_past_the_cap_are_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reverse, "MAX_REPS", 64)
    plan = make_plan(target={"revenue": 1e12, "confidence": 0.8})
    with pytest.raises(reverse.Unsolvable) as caught:
        reverse.solve(plan, "team.reps", search_trials=2_000)
    assert caught.value.code == "reps_cap"


def test_the_sales_cycle_is_not_solved_for() -> None:
    with pytest.raises(reverse.Unsolvable) as caught:
        reverse.solve(make_plan(), "sales_cycle_months")
    assert caught.value.code == "not_solvable"


def test_plain_value_gives_expected_revenue_equal_to_target() -> None:
    from simulator import analytic

    plan = make_plan(**{"win_rate": {"low": 0.2, "high": 0.3}})
    for lever in ("team.calls_per_rep_per_day", "win_rate", "deal_size"):
        solved = reverse.plain_value(plan, lever)
        assert analytic.expected(solved).total_revenue == pytest.approx(
            plan.target.revenue, rel=1e-6
        )
    # A fixed rate (0.1) whose limit factor, 1 / 0.1, rounds the rate to just above 1.
    connect = reverse.plain_value(plan, "channels.calls.stages.connect.rate")
    assert analytic.expected(connect).total_revenue == pytest.approx(plan.target.revenue, rel=1e-6)
    reps = reverse.plain_value(plan, "team.reps")
    assert analytic.expected(reps).total_revenue >= plan.target.revenue
    fewer = levers.with_values(reps, {"team.reps": reps.team.reps - 1})
    assert analytic.expected(fewer).total_revenue < plan.target.revenue


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_reverse_json() -> None:
    done = _cli("reverse", "sample_data/jp_enterprise.json", "--lever", "team.reps", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) == {"lever", "value", "p_target", "plan"}
    assert out["lever"] == "team.reps" and out["value"] == out["plan"]["team"]["reps"]
    assert out["p_target"] >= 0.8


def test_cli_reverse_errors(tmp_path) -> None:
    bad = _cli("reverse", "sample_data/jp_enterprise.json", "--lever", "nope")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan_dict(target={"revenue": 1e13, "confidence": 0.8})))
    none = _cli("reverse", str(path), "--lever", "win_rate")
    assert none.returncode == 4 and "100%" in none.stderr
    assert _cli("reverse", str(path), "--lever", "win_rate", "--confidence", "1.5").returncode == 2


def test_revenue_reached_is_the_highest_revenue_reached_at_the_confidence() -> None:
    revenue = np.random.default_rng(3).lognormal(10.0, 0.5, 5_001)
    for confidence in (0.5, 0.8, 0.9, 0.95):
        reached = reverse.revenue_reached(revenue, confidence)
        assert np.mean(revenue >= reached) >= confidence
        assert np.mean(revenue >= np.nextafter(reached, np.inf)) < confidence


def test_deal_size_is_solved_in_closed_form() -> None:
    plan = load_plan(ROOT / "sample_data" / "us_sdr.json")
    solution = reverse.solve(plan, "deal_size", search_trials=20_000, check=False)
    assert solution.evaluations == 1  # one run of the plan as it is: no search
    # With the same trials and seed the solved plan reaches the confidence, and no less
    # would: the (1 - confidence) quantile sits on the target.
    result = engine.simulate(solution.plan, trials=20_000)
    reached = reverse.revenue_reached(result.total_revenue, plan.target.confidence)
    assert result.p_target()[0] >= plan.target.confidence
    assert reached == pytest.approx(plan.target.revenue, rel=1e-9)


def test_a_run_of_the_plan_as_it_is_saves_the_first_run() -> None:
    plan = load_plan(ROOT / "sample_data" / "jp_smb_saas.json")
    base_run = engine.simulate(plan, trials=5_000)
    for lever in ("team.calls_per_rep_per_day", "team.reps", "win_rate"):
        alone = reverse.solve(plan, lever, search_trials=5_000, check=False)
        known = reverse.solve(plan, lever, search_trials=5_000, check=False, base_run=base_run)
        assert known.value == alone.value
        assert known.evaluations == alone.evaluations - 1


@pytest.mark.parametrize("lever", ["team.calls_per_rep_per_day", "deal_size"])
def test_plain_value_past_the_plan_bounds_is_unsolvable(lever: str) -> None:
    """A target only a value beyond the plan's bounds would reach (here 1,000 × a deal size
    of 10^10 is past the 10^12 a deal may be) is "cannot be reached", not an invalid plan."""
    plan = make_plan(
        target={"revenue": 10**15, "confidence": 0.8},
        deal_size=10**10,
        team={"reps": 5_000, "calls_per_rep_per_day": 50_000, "ramp_months": 0},
    )
    with pytest.raises(reverse.Unsolvable):
        reverse.plain_value(plan, lever)
