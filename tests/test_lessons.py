"""The training path's answers, each held to the simulation: closed forms exactly where the
lesson's plan makes them exact, simulated counts and probabilities within a stated Monte
Carlo error (four standard errors: a false alarm about once in 16,000 checks)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator import analytic, center_pin, engine, lessons, levers
from simulator.funnel import Funnel
from simulator.plan import KpiSet
from simulator.results import SimulationResult
from ui.plans import sample

Z = 4.0  # standard errors a simulated figure may differ by
CHECK_TRIALS = 20_000
OTHER_SEED = 987_654_321  # an independent run: not the lesson's own trials


@pytest.fixture(scope="module")
def plan() -> KpiSet:
    return lessons.with_trials(sample(lessons.SAMPLE))


@pytest.fixture(scope="module")
def pure(plan: KpiSet) -> KpiSet:
    return lessons.pure_funnel(plan)


def independent(plan: KpiSet, trials: int = CHECK_TRIALS) -> SimulationResult:
    return engine.simulate(plan, trials=trials, seed=OTHER_SEED)


def within(simulated: np.ndarray, expected: float) -> None:
    """The mean of ``simulated`` (one value per trial) within Z standard errors of
    ``expected``."""
    error = simulated.std(ddof=1) / math.sqrt(len(simulated))
    assert abs(simulated.mean() - expected) <= Z * error + 1e-9 * abs(expected), (
        simulated.mean(),
        expected,
        error,
    )


# ----------------------------------------------------------------------------- 1 the funnel


def test_funnel_chain_is_the_product_of_the_glossary_kpis(plan: KpiSet) -> None:
    chain = lessons.funnel_chain(plan)
    assert [s.metric for s in chain.steps] == [
        "calls.volume",
        "calls.connect",
        "calls.opportunity",
        "wins",
        "revenue",
    ]
    rates = [s.rate for s in chain.steps if s.rate is not None]
    assert chain.calls_per_win == pytest.approx(1 / math.prod(rates), rel=1e-12)
    calls, *_, wins, revenue = chain.steps
    assert calls.value / wins.value == pytest.approx(chain.calls_per_win, rel=1e-12)
    assert revenue.value == pytest.approx(wins.value * chain.deal_size, rel=1e-12)
    assert 0 < chain.share_of_revenue < 1


def test_funnel_chain_counts_match_the_simulated_stage_counts(plan: KpiSet) -> None:
    chain = lessons.funnel_chain(plan)
    detail = independent(plan, 10_000).detail
    simulated = {
        "calls.volume": detail.volumes["calls"],
        "calls.connect": detail.stages["calls"]["connect"],
        "calls.opportunity": detail.stages["calls"]["opportunity"],
    }
    for step in chain.steps[:3]:
        within(simulated[step.metric].sum(axis=1), step.value)


def test_funnel_chain_slider_moves_every_later_step(plan: KpiSet) -> None:
    base = lessons.funnel_chain(plan)
    path = base.steps[1].rate_path
    moved = lessons.funnel_chain(plan, {path: base.steps[1].rate * 2})
    assert moved.steps[0].value == base.steps[0].value
    for before, after in zip(base.steps[1:], moved.steps[1:], strict=True):
        assert after.value == pytest.approx(2 * before.value, rel=1e-12)
    assert moved.calls_per_win == pytest.approx(base.calls_per_win / 2, rel=1e-12)


# ----------------------------------------------------------------------------- 2 compounding


def test_pure_funnel_is_the_calls_chain_at_mean_values(plan: KpiSet, pure: KpiSet) -> None:
    assert [c.key for c in pure.channels] == ["calls"]
    assert pure.open_opportunities == 0
    assert lessons.chain_levers(pure) == [
        "team.calls_per_rep_per_day",
        "channels.calls.stages.connect.rate",
        "channels.calls.stages.opportunity.rate",
        "win_rate",
        "deal_size",
    ]
    for path in lessons.chain_levers(pure):
        assert isinstance(levers.get(pure, path), float)
    # The calls' expected counts are the full plan's: only the other channels are gone.
    full = analytic.expected(plan).stages["calls"]["opportunity"]
    np.testing.assert_allclose(analytic.expected(pure).opportunities, full, rtol=1e-9)


@pytest.mark.parametrize("improvement", [0.05, 0.10, 0.20])
def test_compounding_is_one_plus_p_to_the_k(pure: KpiSet, improvement: float) -> None:
    result = lessons.compounding(pure, improvement)
    assert result.factors == 5
    assert result.closed_form == pytest.approx((1 + improvement) ** 5 - 1, rel=1e-12)
    # Fixed inputs: each trial's expected revenue is exact, so the simulated gain is too.
    assert result.simulated == pytest.approx(result.closed_form, rel=1e-9)
    assert result.one_factor == pytest.approx(improvement, rel=1e-9)
    expected = [(1 + improvement) ** i - 1 for i in range(1, 6)]
    assert result.cumulative == pytest.approx(expected, rel=1e-9)


def test_compounding_holds_for_simulated_revenue_with_count_noise(pure: KpiSet) -> None:
    better = lessons.improved(pure, lessons.chain_levers(pure), 0.10)
    expected = analytic.expected(pure).total_revenue * 1.1**5
    assert analytic.expected(better).total_revenue == pytest.approx(expected, rel=1e-9)
    within(independent(better).total_revenue, expected)


def test_compounding_refuses_a_gain_out_of_bounds(pure: KpiSet) -> None:
    for bad in (0.0, -0.1, 1.5):
        with pytest.raises(ValueError):
            lessons.compounding(pure, bad)


# ----------------------------------------------------------------------------- 3 the tie


@pytest.fixture(scope="module")
def pure_analysis(pure: KpiSet) -> center_pin.Analysis:
    return center_pin.analyse(pure, trials=lessons.TRIALS, required=False)


def test_every_ten_percent_gives_the_same_revenue(
    pure: KpiSet, pure_analysis: center_pin.Analysis
) -> None:
    tie = lessons.honest_tie(pure, pure_analysis)
    assert tie.tie
    assert set(tie.relative) == set(lessons.chain_levers(pure))
    for path in tie.relative:
        assert tie.relative[path] == pytest.approx(0.10, rel=1e-9)
        assert tie.simulated[path] == pytest.approx(0.10, rel=1e-9)


def test_the_step_ranking_is_what_each_step_simulates(
    pure: KpiSet, pure_analysis: center_pin.Analysis
) -> None:
    tie = lessons.honest_tie(pure, pure_analysis)
    gains = [row.revenue_gain for row in tie.steps]
    assert gains == sorted(gains, reverse=True)
    assert tie.center_pin == tie.steps[0].lever
    assert len({round(g / tie.base_revenue, 3) for g in gains}) > 1  # no longer a tie
    base = engine.simulate(pure, trials=lessons.TRIALS, seed=pure.simulation.seed)
    for row in tie.steps[:2]:
        lever = levers.find(pure, row.lever)
        stepped = levers.with_value(
            pure, row.lever, center_pin.stepped_value(pure, lever, row.step)
        )
        run = engine.simulate(stepped, trials=lessons.TRIALS, seed=pure.simulation.seed)
        gain = run.expected_revenue.mean() - base.expected_revenue.mean()
        assert gain == pytest.approx(row.revenue_gain, rel=1e-6)


# ----------------------------------------------------------------------------- 4 the lag


def test_a_lift_from_the_first_month_is_the_whole_lift(pure: KpiSet) -> None:
    result = lessons.lag(pure, 0, 0.10)
    assert result.gain == pytest.approx(0.10, rel=1e-9)
    assert result.closed_form == pytest.approx(0.10, rel=1e-9)


def test_a_lift_from_october_pays_less_than_its_months(pure: KpiSet) -> None:
    start = Funnel(pure).month_keys.index("2027-10")
    result = lessons.lag(pure, start, 0.10)
    assert result.gain == pytest.approx(result.closed_form, rel=1e-9)
    assert 0 < result.gain < result.naive < result.full_year
    assert result.extra_by_month[:start] == pytest.approx(0.0, abs=1e-6)
    # Every extra win closes inside the horizon or after it: nothing is lost or made up.
    f, expect = Funnel(pure), analytic.expected(pure)
    extra_wins = 0.10 * expect.opportunities[start:].sum() * expect.win_rate
    assert (result.extra_by_month.sum() + result.extra_after) == pytest.approx(
        extra_wins * expect.deal_size, rel=1e-9
    )
    assert f.month_keys[start] == "2027-10"


def test_the_lag_gain_is_the_simulated_revenue_gain(pure: KpiSet) -> None:
    start = 6
    lifted = lessons.lifted_from(pure, start, 0.10)
    expected = analytic.expected(pure).total_revenue * (1 + lessons.lag(pure, start).gain)
    within(independent(lifted).total_revenue, expected)


def test_a_longer_sales_cycle_leaves_less_for_this_year(pure: KpiSet) -> None:
    gains = [lessons.lag(lessons.with_cycle(pure, c), 6).gain for c in (0.0, 1.0, 2.0, 4.0)]
    assert gains == sorted(gains, reverse=True)
    assert gains[0] > gains[-1]


def test_a_lift_needs_a_month_inside_a_year(pure: KpiSet) -> None:
    with pytest.raises(ValueError):
        lessons.lifted_from(pure, pure.months, 0.1)
    with pytest.raises(ValueError):
        lessons.lifted_from(pure, -1, 0.1)


# ----------------------------------------------------------------------------- 5 uncertainty


@pytest.fixture(scope="module")
def at_80(plan: KpiSet) -> lessons.Uncertainty:
    return lessons.uncertainty(plan, 0.8)


def test_a_plan_on_its_average_reaches_the_target_about_half_the_time(
    plan: KpiSet, at_80: lessons.Uncertainty
) -> None:
    assert analytic.expected(at_80.plain_plan).total_revenue == pytest.approx(
        plan.target.revenue, rel=1e-3
    )
    check = independent(at_80.plain_plan)
    p, error = check.p_target()
    combined = math.hypot(error, at_80.plain_p_error)
    assert abs(at_80.plain_p_target - p) <= Z * combined
    assert at_80.plain_p_target < 0.5 + Z * at_80.plain_p_error  # P50 is not the plan
    assert at_80.p10 < at_80.p50 < at_80.p90


def test_the_confidence_costs_activity_and_reaches_the_confidence(
    at_80: lessons.Uncertainty,
) -> None:
    assert at_80.required_value > at_80.plain_value
    assert at_80.cost == pytest.approx(at_80.required_value / at_80.plain_value - 1)
    p, error = independent(at_80.required_plan).p_target()
    # The search stops within its tolerance (1 pt at most) of the confidence.
    assert p >= 0.8 - 0.01 - Z * math.hypot(error, math.sqrt(0.16 / lessons.TRIALS))


def test_more_confidence_costs_more(plan: KpiSet, at_80: lessons.Uncertainty) -> None:
    at_60 = lessons.uncertainty(plan, 0.6)
    at_90 = lessons.uncertainty(plan, 0.9)
    assert at_60.required_value < at_80.required_value < at_90.required_value
    with pytest.raises(ValueError):
        lessons.uncertainty(plan, 1.0)


# ----------------------------------------------------------------------------- 6 KGI逆算


def test_this_months_calls_follow_from_the_goal_by_the_chain(plan: KpiSet) -> None:
    result = lessons.kgi(plan)
    stages = {stage: (rate, needed) for stage, rate, needed in result.steps}
    opportunities = stages["opportunity"][1]
    assert opportunities == pytest.approx(result.opportunities * result.channel_share)
    assert stages["volume"][1] == pytest.approx(
        opportunities / stages["opportunity"][0] / stages["connect"][0]
    )
    assert result.wins == pytest.approx(plan.target.revenue / result.deal_size)
    f = Funnel(plan)
    rep_days = f.reps_effective[0] * f.working_days[0] * f.seasonality[0]
    assert result.calls_per_rep_per_day == pytest.approx(result.calls_this_month / rep_days)
    doubled = lessons.kgi(plan, 2 * plan.target.revenue)
    assert doubled.calls_this_month > 2 * result.calls_this_month  # the open pipeline counts once


def test_making_the_chains_calls_reaches_the_goal_month_by_month(pure: KpiSet) -> None:
    """A plan whose team makes exactly the chain's calls each month (a fixed, whole sales
    cycle): from the cycle's end, every month's simulated revenue is the goal's share."""
    plan = lessons.with_cycle(pure, 2.0)
    result = lessons.kgi(plan)
    f = Funnel(plan)
    pace = levers.get(plan, lessons.CALLS_PER_DAY)
    seasonality = list(plan.seasonality)
    for m, key in enumerate(f.month_keys):
        rep_days = f.reps_effective[m] * f.working_days[m]
        seasonality[int(key[5:7]) - 1] = result.calls_by_month[m] / (rep_days * pace)
    making = plan.model_copy(update={"seasonality": seasonality})
    np.testing.assert_allclose(
        analytic.expected(making).volumes["calls"], result.calls_by_month, rtol=1e-9
    )
    run = independent(making)
    share = plan.target.revenue / plan.months
    for m in range(result.lag_months, plan.months):
        within(run.revenue[:, m], share)
    assert result.unreachable_revenue == pytest.approx(share * result.lag_months)


# ----------------------------------------------------------------------------- 7 the quiz


@pytest.fixture(scope="module")
def mystery() -> tuple[KpiSet, center_pin.Analysis]:
    plan = lessons.with_trials(sample("jp_enterprise"))
    return plan, center_pin.analyse(plan, trials=lessons.TRIALS, required=False)


def test_guessing_the_pin_scores_full_marks(mystery) -> None:
    _, analysis = mystery
    quiz = lessons.center_pin_quiz(analysis, analysis.center_pin)
    assert (quiz.rank, quiz.score) == (1, 100)
    assert quiz.pin.lever == quiz.center_pin == analysis.levers[0].lever


def test_another_guess_scores_its_share_of_the_pins_gain(mystery) -> None:
    _, analysis = mystery
    for rank, row in enumerate(analysis.levers[1:], start=2):
        quiz = lessons.center_pin_quiz(analysis, row.lever)
        assert quiz.rank == rank
        share = max(row.revenue_gain, 0) / analysis.levers[0].revenue_gain
        assert quiz.score == round(100 * share)
        assert 0 <= quiz.score <= 100
    with pytest.raises(ValueError):
        lessons.center_pin_quiz(analysis, "no.such.lever")


def test_the_revealed_pin_gains_most_when_simulated(mystery) -> None:
    plan, analysis = mystery
    base = engine.simulate(plan, trials=lessons.TRIALS, seed=plan.simulation.seed)
    gains = {}
    for row in analysis.levers[:3]:
        lever = levers.find(plan, row.lever)
        stepped = levers.with_value(
            plan, row.lever, center_pin.stepped_value(plan, lever, row.step)
        )
        run = engine.simulate(stepped, trials=lessons.TRIALS, seed=plan.simulation.seed)
        gains[row.lever] = run.expected_revenue.mean() - base.expected_revenue.mean()
        assert gains[row.lever] == pytest.approx(row.revenue_gain, rel=1e-6)
    assert max(gains, key=gains.get) == analysis.center_pin


def test_score_bounds() -> None:
    assert lessons.score(5, 10) == 50
    assert lessons.score(-1, 10) == 0
    assert lessons.score(20, 10) == 100
    assert lessons.score(1, 0) == 0


def test_the_mystery_plan_is_never_the_one_seen() -> None:
    for seen in (lessons.SAMPLE, *lessons.MYSTERY):
        assert lessons.mystery_plan(seen) != seen
        assert lessons.mystery_plan(seen) in lessons.MYSTERY
