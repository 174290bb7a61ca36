"""The quarterly review: plan against actual, the gap's parts, recalibration, re-forecast."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from simulator import actuals, analytic, review, uncertain
from simulator.actuals import Actuals
from simulator.calendar import month_keys
from simulator.plan import KpiSet, load_plan, parse_plan
from tests.conftest import ROOT, make_plan, plan_dict

PLAN = load_plan(ROOT / "sample_data" / "jp_smb_saas.json")
SAMPLE = actuals.read(ROOT / "sample_data" / "actuals_jp_smb_saas.csv", PLAN)


def expected_actuals(plan: KpiSet, k: int, scale: float = 1.0) -> Actuals:
    """Actuals equal to the plan's expected counts in its first ``k`` months (× scale)."""
    expect = analytic.expected(plan)
    rows = []
    for m, month in enumerate(month_keys(plan.start_month, plan.months)[:k]):
        for channel in plan.channels:
            rows.append((month, channel.key, "", scale * expect.volumes[channel.key][m]))
            for stage in channel.stages:
                count = expect.stages[channel.key][stage.key][m]
                rows.append((month, f"{channel.key}.{stage.key}", "", scale * count))
        rows.append((month, "opportunities", "", scale * expect.opportunities[m]))
        rows.append((month, "wins", "", scale * expect.wins[m]))
        rows.append((month, "revenue", "", scale * expect.revenue[m]))
    return Actuals.from_rows(rows)


# --------------------------------------------------------------------------- the sample


@pytest.fixture(scope="module")
def sample_review() -> review.Review:
    return review.review(PLAN, SAMPLE, trials=20_000)


def test_the_sample_half_year_is_behind_plan_and_says_where(sample_review) -> None:
    r = sample_review
    assert r.as_of == "2027-09" and r.actual_revenue == 81_070_000
    assert r.comparison.plan_p50_revenue == pytest.approx(94e6, rel=0.05)
    assert r.gap == 81_070_000 - round(r.comparison.plan_p50_revenue)
    parts = {p.factor: p.amount for p in r.parts}
    assert list(parts) == [*review.factors(PLAN), review.MEDIAN]
    # Fewer calls, weaker call conversion and a lower win rate: the sample was generated so.
    for factor in (
        "channels.calls.volume",
        "channels.calls.stages.opportunity.rate",
        "win_rate",
    ):
        assert parts[factor] < 0
    assert r.bottleneck in parts and parts[r.bottleneck] == min(
        v for k, v in parts.items() if k != review.MEDIAN
    )
    assert r.forecast.p_target < r.plan_p_target
    assert r.forecast.locked_revenue == 81_070_000
    assert r.forecast.p10 <= r.forecast.p50 <= r.forecast.p90
    assert r.imputed == []


def test_plan_against_actual_flags_only_outside_the_band(sample_review) -> None:
    table = sample_review.comparison.table
    assert set(table["month"]) == set(SAMPLE.months)
    below = table["actual"] < table["p10"]
    above = table["actual"] > table["p90"]
    assert (table["flag"] == "below").equals(below)
    assert (table["flag"] == "above").equals(above)
    under_median = (table["actual"] < table["p50"]) & ~below
    assert under_median.any() and (table.loc[under_median, "flag"] == "").all()
    fan = sample_review.comparison.cumulative
    assert fan.shape == (3, 12) and (fan[0] <= fan[1]).all() and (fan[1] <= fan[2]).all()


def test_the_rest_of_the_year_as_a_plan(sample_review) -> None:
    rest = sample_review.rest
    assert rest.plan.start_month == "2027-10" and rest.plan.months == 6
    # The July hire has ramped by October: a rep at the start; the October hire stays.
    assert rest.plan.team.reps == 7
    assert [(h.month, h.change) for h in rest.plan.team.hires] == [("2027-10", 1)]
    assert rest.remaining_target == PLAN.target.revenue - 81_070_000
    assert rest.plan.target.revenue == rest.remaining_target
    assert list(rest.pipeline.ages) == [6, 5, 4, 3, 2, 1]
    assert rest.plan.open_opportunities > 0
    # Updated distributions: the rest's win rate is the recalibrated one.
    assert rest.plan.win_rate == sample_review.recalibrated.win_rate


def test_a_hire_still_ramping_counts_as_the_nearer_of_ramped_or_hired_again() -> None:
    plan = PLAN  # hires: +1 in July, +1 in October; ramp 3 months
    august = review.rest_of_year(plan, SAMPLE, "2027-08")  # July hire: 2 of 3 months done
    assert august.plan.team.reps == 7 and august.ramping == ["2027-07"]
    slow = parse_plan(
        plan.model_dump(mode="json") | {"team": plan.team.model_dump() | {"ramp_months": 6}}
    )
    july = review.rest_of_year(slow, SAMPLE, "2027-07")  # 1 of 6 done: closer to a new hire
    assert july.plan.team.reps == 6
    assert [(h.month, h.change) for h in july.plan.team.hires] == [
        ("2027-08", 1),
        ("2027-10", 1),
    ]


# --------------------------------------------------------------------------- attribution


def _random_plan(draw: Any) -> KpiSet:
    channels = []
    for c in range(draw(st.integers(1, 3))):
        stages = []
        for s in range(draw(st.integers(1, 3))):
            if draw(st.booleans()):
                rate: Any = draw(st.floats(0.0, 1.0))
            else:
                low = draw(st.floats(0.02, 0.6))
                rate = {"low": low, "high": low + draw(st.floats(0.05, 0.3))}
            stages.append({"key": f"s{s}", "rate": rate})
        channel: dict[str, Any] = {"key": f"c{c}", "stages": stages}
        if c == 0:
            channel["volume_from"] = "team"
        else:
            channel["volume_per_month"] = draw(st.floats(0.0, 500.0))
        channels.append(channel)
    cycle = draw(st.sampled_from([0, 1, 2.5, {"low": 1, "high": 3}]))
    deal = draw(st.sampled_from([500_000, {"low": 300_000, "high": 900_000}]))
    return parse_plan(
        plan_dict(
            channels=channels,
            months=draw(st.integers(2, 12)),
            sales_cycle_months=cycle,
            deal_size=deal,
            win_rate={"low": 0.1, "high": 0.3},
            open_opportunities=draw(st.integers(0, 40)),
        )
    )


@st.composite
def plans_and_actuals(draw: Any) -> tuple[KpiSet, Actuals, str]:
    plan = _random_plan(draw)
    k = draw(st.integers(1, plan.months))
    counts = st.integers(0, 5_000)
    rows = []
    for month in month_keys(plan.start_month, plan.months)[:k]:
        for channel in plan.channels:
            value = draw(counts)
            if draw(st.booleans()):
                rows.append((month, channel.key, "", value))
            for stage in channel.stages:
                value = draw(st.integers(0, value))
                if stage is channel.stages[-1] or draw(st.booleans()):
                    rows.append((month, f"{channel.key}.{stage.key}", "", value))
        wins = draw(st.integers(0, 80))
        rows.append((month, "wins", "", wins))
        revenue = draw(st.integers(0, 90_000_000)) if wins else 0
        rows.append((month, "revenue", "", revenue))
    return plan, Actuals.from_rows(rows), month_keys(plan.start_month, plan.months)[k - 1]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans_and_actuals(), st.floats(0.0, 2e8))
def test_the_parts_add_up_to_the_gap_exactly(case, plan_p50: float) -> None:
    plan, found, as_of = case
    amounts, actual, expected = review.decompose(plan, found, as_of)
    assert set(amounts) <= set(review.factors(plan))
    # The decomposition itself is exact (floating point aside) ...
    assert math.isclose(sum(amounts.values()), actual - expected, rel_tol=1e-9, abs_tol=1e-3)
    # ... and the parts shown are whole units adding up to the gap to the unit.
    parts, bottleneck = review.attribute(plan, found, as_of, plan_p50)
    assert all(float(p.amount).is_integer() for p in parts)
    assert sum(p.amount for p in parts) == round(actual) - round(plan_p50)
    assert [p.factor for p in parts] == [*review.factors(plan), review.MEDIAN]
    assert all(abs(p.amount - amounts.get(p.factor, 0.0)) <= len(parts) for p in parts[:-1])
    if bottleneck is not None:
        assert (
            min(p.amount for p in parts[:-1])
            == next(p.amount for p in parts if p.factor == bottleneck)
            < 0
        )


def test_actuals_at_the_plans_expectations_leave_nothing_to_explain() -> None:
    found = expected_actuals(PLAN, 6)
    amounts, actual, expected = review.decompose(PLAN, found, "2027-09")
    assert actual == pytest.approx(expected, rel=1e-12)
    assert all(abs(v) < 1e-3 for v in amounts.values())


def test_every_count_a_tenth_short_is_the_volume_alone() -> None:
    plan = make_plan(sales_cycle_months=0)
    base = expected_actuals(plan, 3)
    # Every count 10% lower, every rate as planned: only the volume explains the gap.
    scaled = Actuals.from_rows([(m, k, r, v * 0.9) for m, k, r, v in base.rows])
    amounts, actual, expected = review.decompose(plan, scaled, "2027-06")
    assert amounts["channels.calls.volume"] == pytest.approx(actual - expected)
    assert all(abs(v) < 1e-6 for k, v in amounts.items() if k != "channels.calls.volume")


# --------------------------------------------------------------------------- recalibration


def test_posterior_means_are_the_closed_forms() -> None:
    updates = {u.path: u for u in review.recalibrate(PLAN, SAMPLE, "2027-09")[0]}
    months = SAMPLE.months

    def total(key: str) -> float:
        return sum(SAMPLE.value(m, key) for m in months)

    # A rate: Beta(a, b) fitted to the plan's range, then Beta(a + s, b + t − s).
    a, b = uncertain.fit_beta(0.10, 0.18).args
    s, t = total("calls.connect"), total("calls")
    connect = updates["channels.calls.stages.connect.rate"]
    assert (connect.successes, connect.trials) == (s, t)
    assert connect.posterior_mean == pytest.approx((a + s) / (a + b + t), rel=1e-12)
    assert connect.prior_mean == pytest.approx(a / (a + b), rel=1e-12)
    # Counts as the prior: Beta(38 + 1, 62 + 1).
    inbound = updates["channels.inbound.stages.opportunity.rate"]
    s, t = total("inbound.opportunity"), total("inbound")
    assert inbound.posterior_mean == pytest.approx((39 + s) / (39 + 63 + t), rel=1e-12)
    # Calls per rep-day: gamma matched to the lognormal, then gamma-Poisson.
    prior = uncertain.fit_lognormal(35, 50)
    shape, rate = prior.mean() ** 2 / prior.var(), prior.mean() / prior.var()
    from simulator.funnel import Funnel

    days = Funnel(PLAN).team_capacity_days[:6].sum()
    calls = updates["team.calls_per_rep_per_day"]
    assert calls.trials == pytest.approx(days)
    assert calls.posterior_mean == pytest.approx(
        (shape + total("calls")) / (rate + days), rel=1e-12
    )
    # Deal size: the log of the mean deal, normal-normal, the plan worth PRIOR_DEALS deals.
    deal = updates["deal_size"]
    sigma = uncertain.fit_lognormal(600_000, 1_800_000).kwds["s"]
    spread = math.expm1(sigma**2)
    v0, v = math.log1p(spread / review.PRIOR_DEALS), math.log1p(spread / total("wins"))
    nu0 = math.log(uncertain.fit_lognormal(600_000, 1_800_000).mean())
    y = math.log(total("revenue") / total("wins"))
    expected_mean = math.exp((nu0 / v0 + y / v) / (1 / v0 + 1 / v))
    assert deal.posterior_mean == pytest.approx(expected_mean, rel=1e-12)
    # The win rate: wins of the opportunities the plan's cycle would have closed by now.
    win = updates["win_rate"]
    a, b = uncertain.fit_beta(0.20, 0.26).args
    assert win.successes == total("wins") and win.trials > win.successes
    assert win.posterior_mean == pytest.approx((a + win.successes) / (a + b + win.trials))
    # The updated plan holds each posterior as its P10–P90.
    plan = review.recalibrate(PLAN, SAMPLE, "2027-09")[1]
    rate = uncertain.distribution(
        plan.model_dump(mode="json")["channels"][0]["stages"][0]["rate"], "rate"
    )
    assert rate.mean() == pytest.approx(connect.posterior_mean, rel=1e-3)


def test_a_rate_moved_outside_its_range_is_noted() -> None:
    plan = make_plan(win_rate={"low": 0.2, "high": 0.3}, sales_cycle_months=0)
    base = expected_actuals(plan, 6)
    low = Actuals.from_rows(
        [(m, k, r, v * 0.4 if k in ("wins", "revenue") else v) for m, k, r, v in base.rows]
    )
    updates = {u.path: u for u in review.recalibrate(plan, low, "2027-09")[0]}
    assert updates["win_rate"].moved == "below"
    assert updates["win_rate"].posterior_mean < updates["win_rate"].prior_p10
    assert not updates["channels.calls.stages.connect.rate"].updated  # fixed in the plan


def test_fixed_inputs_and_nothing_observed_keep_the_plan() -> None:
    plan = make_plan()  # every input fixed
    updates, recalibrated = review.recalibrate(plan, expected_actuals(plan, 2), "2027-05")
    assert not any(u.updated for u in updates)
    assert recalibrated == plan


# --------------------------------------------------------------------------- re-forecast


def test_actuals_at_the_plans_expectations_reforecast_the_plan() -> None:
    found = expected_actuals(PLAN, 6)
    r = review.review(PLAN, found, "2027-09", trials=100_000)
    error = r.forecast.remaining.std(ddof=1) / math.sqrt(r.forecast.trials)
    assert r.forecast.mean == pytest.approx(analytic.expected(PLAN).total_revenue, abs=4 * error)
    for u in r.updates:
        assert u.posterior_mean == pytest.approx(u.prior_mean, rel=1e-9)
    assert all(p.amount == 0 for p in r.parts[:-1])


def test_the_open_pipeline_keeps_its_ages() -> None:
    plan = make_plan(sales_cycle_months=2, open_opportunities=10)  # every win closes after 2
    found = expected_actuals(plan, 3)
    flows = review.pipeline(plan, found, "2027-06")
    assert list(flows.ages) == [3, 2, 1]
    assert list(flows.closed_share) == [1.0, 0.0, 0.0]
    # April's opportunities (and the opening 10) have closed if won: only the lost remain.
    opps = [v for m, k, r, v in found.rows if k == "opportunities"]
    assert flows.open[0] == pytest.approx(opps[0] + 10 - 0.25 * (opps[0] + 10))
    assert flows.open[1:] == pytest.approx(opps[1:])
    rest = review.rest_of_year(plan, found, "2027-06")
    win = np.array([0.25])
    lag = review._full_lag(rest.plan, flows)
    closing = review._pipeline_close(rest.plan, flows, lag, win)[0]
    # May's close in July (lag 2), June's in August; April's lost ones never win.
    assert closing[0] == pytest.approx(0.25 * opps[1])
    assert closing[1] == pytest.approx(0.25 * opps[2])
    assert closing[2:].sum() == pytest.approx(0.0)


@pytest.mark.parametrize("revenue_per_month", [3_000_000, 1_000_000])
def test_a_whole_year_locked_in_is_certain(revenue_per_month: int) -> None:
    plan = make_plan(target={"revenue": 10_000_000, "confidence": 0.8})  # six months
    found = expected_actuals(plan, 6)
    rows = [(m, k, r, revenue_per_month if k == "revenue" else v) for m, k, r, v in found.rows]
    rows = [(m, k, r, max(v, 1) if k == "wins" else v) for m, k, r, v in rows]
    r = review.review(plan, Actuals.from_rows(rows), "2027-09", trials=2_000)
    assert r.rest is None
    reached = 6 * revenue_per_month >= 10_000_000
    assert (r.forecast.p_target, r.forecast.p_target_error) == (float(reached), 0.0)
    assert r.forecast.p10 == r.forecast.p90 == 6 * revenue_per_month


def test_locked_revenue_past_the_target_is_certain_with_months_left() -> None:
    plan = make_plan(target={"revenue": 1_000_000, "confidence": 0.8})
    april = expected_actuals(plan, 1).rows
    rows = [(m, k, r, 2_000_000 if k == "revenue" else v) for m, k, r, v in april]
    r = review.review(plan, Actuals.from_rows(rows), "2027-04", trials=5_000)
    assert r.rest is not None and r.rest.remaining_target < 0
    assert (r.forecast.p_target, r.forecast.p_target_error) == (1.0, 0.0)


def test_nothing_left_to_win_is_certain_to_fall_short() -> None:
    # No reps, a win rate fixed at 0: whatever the rest of the year does, no revenue comes.
    plan = make_plan(win_rate=0.0, team={"reps": 0, "calls_per_rep_per_day": 40})
    two = expected_actuals(make_plan(), 2).rows
    rows = [(m, k, r, 0 if k in ("wins", "revenue") else v) for m, k, r, v in two]
    r = review.review(plan, Actuals.from_rows(rows), "2027-05", trials=5_000)
    assert (r.forecast.p_target, r.forecast.p_target_error) == (0.0, 0.0)
    assert r.forecast.p90 == 0.0


def test_review_json_has_the_documented_keys(sample_review) -> None:
    out = sample_review.to_dict(center_pin="win_rate")
    assert out["as_of"] == "2027-09"
    assert set(out["to_date"]) >= {"actual_revenue", "plan_p50_revenue", "gap"}
    assert sum(p["amount"] for p in out["attribution"]) == out["to_date"]["gap"]
    keys = {"path", "prior_mean", "posterior_mean", "p10", "p90"}
    assert all(set(u) >= keys for u in out["updated"])
    assert set(out["forecast"]) >= {"p_target", "p_target_std_error", "revenue"}
    assert set(out["forecast"]["revenue"]) >= {"p10", "p50", "p90"}
    assert out["center_pin"] == "win_rate"


def test_stats_sanity_of_the_beta_update() -> None:
    update = review.update_rate("win_rate", {"successes": 3, "trials": 10}, 5, 20)
    assert update.posterior_mean == pytest.approx(stats.beta(4 + 5, 8 + 15).mean())
    assert update.p10 < update.posterior_mean < update.p90
