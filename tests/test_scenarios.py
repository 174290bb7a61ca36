"""The scenario board's core: presets, alignment, paired differences under common random
numbers, and scenarios written into links."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import analytic, engine, scenarios
from simulator.scenarios import PresetUnavailable
from tests.conftest import make_plan, plan_dict
from ui import charts, summaries
from ui.plans import sample


def small_sample(trials: int = 20_000):
    plan = sample("jp_smb_saas")
    return plan.model_copy(
        update={"simulation": plan.simulation.model_copy(update={"trials": trials})}
    )


def run(plan, baseline):
    return engine.simulate(scenarios.aligned(plan, baseline))


# ----------------------------------------------------------------------------- presets


def test_each_preset_moves_its_one_lever_as_named() -> None:
    plan = make_plan(sales_cycle_months=2.0)
    hired = scenarios.preset_plan(plan, "hire2")
    assert [(h.month, h.change) for h in hired.team.hires] == [(plan.start_month, 2)]
    assert scenarios.preset_plan(plan, "win3").win_rate == pytest.approx(0.28)
    assert scenarios.preset_plan(plan, "calls10").team.calls_per_rep_per_day == pytest.approx(44)
    assert scenarios.preset_plan(plan, "cycle05").sales_cycle_months == pytest.approx(1.5)
    for code in scenarios.PRESET_CODES:  # nothing else changes
        moved = scenarios.preset_plan(plan, code).model_dump()
        same = {k: v for k, v in plan.model_dump().items() if moved[k] == v}
        assert len(plan.model_dump()) - len(same) == 1, code


def test_presets_keep_a_range_a_range_and_stay_within_bounds() -> None:
    plan = make_plan(win_rate={"low": 0.2, "high": 0.3}, sales_cycle_months=0.0)
    win = scenarios.preset_plan(plan, "win3").win_rate
    assert (win.low, win.high) == pytest.approx((0.23, 0.33))
    assert scenarios.preset_plan(plan, "cycle05").sales_cycle_months == 0.0  # never negative
    ranged = sample("jp_smb_saas")
    calls = scenarios.preset_plan(ranged, "calls10").team.calls_per_rep_per_day
    assert (calls.low, calls.high) == pytest.approx((38.5, 55.0))


def test_a_plan_without_a_team_cannot_hire_or_call_more() -> None:
    data = plan_dict()
    data["channels"] = [
        {
            "key": "inbound",
            "volume_per_month": 100,
            "stages": [{"key": "opportunity", "rate": 0.3}],
        }
    ]
    plan = make_plan(channels=data["channels"])
    assert scenarios.presets_for(plan) == ["win3", "cycle05"]
    for code in ("hire2", "calls10", "nonsense"):
        with pytest.raises(PresetUnavailable) as caught:
            scenarios.preset_plan(plan, code)
        assert caught.value.code == "preset_unavailable"


def test_aligned_takes_the_baselines_target_seed_and_trials() -> None:
    baseline = make_plan(target={"revenue": 5e6, "confidence": 0.7})
    other = make_plan(
        target={"revenue": 9e9, "confidence": 0.9}, simulation={"trials": 3_000, "seed": 99}
    )
    aligned = scenarios.aligned(other, baseline, trials=10_000)
    assert aligned.target == baseline.target
    assert (aligned.simulation.seed, aligned.simulation.trials) == (7, 10_000)
    assert scenarios.aligned(baseline, baseline).simulation.trials == 20_000


# ----------------------------------------------------------------------------- paired runs


def test_the_baseline_against_itself_differs_by_exactly_nothing() -> None:
    plan = small_sample()
    base = run(plan, plan)
    same = scenarios.outcome(base, run(plan, plan))  # a second run: same seed, same draws
    assert same.delta_p_target == 0.0 and same.delta_p50 == 0.0 and same.delta_mean == 0.0
    assert same.delta_p_target_error == 0.0 and same.delta_mean_error == 0.0
    assert same.p_target == pytest.approx(base.p_target()[0])


def test_a_fixed_plan_gains_exactly_its_closed_form_under_common_random_numbers() -> None:
    # Fixed rates: each trial's expected revenue is the closed form, so the paired mean
    # difference is the closed-form gain with no error at all.
    plan = make_plan()
    stepped = scenarios.preset_plan(plan, "win3")
    found = scenarios.outcome(run(plan, plan), run(stepped, plan))
    gain = analytic.expected(stepped).total_revenue - analytic.expected(plan).total_revenue
    assert gain == pytest.approx(analytic.expected(plan).total_revenue * 0.03 / 0.25)
    assert found.delta_mean == pytest.approx(gain, rel=1e-9)
    assert found.delta_mean_error == pytest.approx(0.0, abs=1e-6 * gain)


@pytest.mark.parametrize("code", scenarios.PRESET_CODES)
def test_an_uncertain_plans_gain_matches_the_closed_form_within_its_paired_error(
    code: str,
) -> None:
    plan = small_sample()
    moved = scenarios.preset_plan(plan, code)
    found = scenarios.outcome(run(plan, plan), run(moved, plan))
    gain = analytic.expected(moved).total_revenue - analytic.expected(plan).total_revenue
    assert gain > 0
    assert abs(found.delta_mean - gain) <= 4 * found.delta_mean_error + 1e-9 * gain
    assert found.delta_p_target > 0 and found.delta_p50 > 0


def test_paired_differences_are_far_more_precise_than_independent_runs() -> None:
    plan = small_sample()
    moved = scenarios.preset_plan(plan, "calls10")
    found = scenarios.outcome(run(plan, plan), run(moved, plan))
    p0 = found.p_target - found.delta_p_target
    independent = math.sqrt((p0 * (1 - p0) + found.p_target * (1 - found.p_target)) / found.trials)
    assert found.delta_p_target_error < independent / 2
    # Another seed for the scenario alone: the difference is no longer paired.
    other = moved.model_copy(
        update={"simulation": moved.simulation.model_copy(update={"seed": 12345})}
    )
    with pytest.raises(ValueError, match="share"):
        scenarios.outcome(run(plan, plan), engine.simulate(other))


def test_the_board_is_reproducible_from_its_seed() -> None:
    plan = small_sample(10_000)
    moved = scenarios.preset_plan(plan, "hire2")
    first = scenarios.outcome(run(plan, plan), run(moved, plan))
    again = scenarios.outcome(run(plan, plan), run(moved, plan))
    assert first == again


def test_the_outcome_reads_its_figures_from_the_trials() -> None:
    plan = small_sample(10_000)
    base = run(plan, plan)
    moved = run(scenarios.preset_plan(plan, "win3"), plan)
    found = scenarios.outcome(base, moved)
    revenue = moved.total_revenue
    assert (found.p10, found.p50, found.p90) == pytest.approx(
        tuple(np.quantile(revenue, [0.1, 0.5, 0.9]))
    )
    assert found.p_target == pytest.approx(float(np.mean(revenue >= plan.target.revenue)))
    assert found.delta_p50 == pytest.approx(
        float(np.quantile(revenue, 0.5) - np.quantile(base.total_revenue, 0.5))
    )


def test_the_reach_chart_draws_the_baseline_grey_and_each_scenario_in_its_colour() -> None:
    plan = small_sample(10_000)
    curves = [
        ("Baseline", summaries.cdf(run(plan, plan))),
        ("A: <b>x</b>", summaries.cdf(run(scenarios.preset_plan(plan, "win3"), plan))),
    ]
    labels = {"title": "t", "x": "x", "y": "y", "target_line": "target"}
    figure = charts.scenario_reach(curves, labels, lambda v: f"{v:,.0f}", presenting=True)
    base, scenario = figure.data
    assert base.line.color == charts.BASELINE_COLOR and base.line.width == 5
    assert scenario.line.color == charts.COMPARE_COLORS[0]
    assert scenario.name == "A: &lt;b&gt;x&lt;/b&gt;"  # shown as typed, never as markup
    # P(revenue ≥ x) falls from 1 to 0; the axis ends where the top 1% of trials begins.
    assert base.y[0] == pytest.approx(1.0) and base.y[-1] == pytest.approx(0.0)
    top = max(float(np.quantile(c.revenue, 0.99)) for _, c in curves)
    assert figure.layout.xaxis.range[1] == pytest.approx(max(top, plan.target.revenue * 1.1))
    assert figure.layout.height == 360 and figure.layout.font.size == 20


# ----------------------------------------------------------------------------- links


def test_a_scenario_in_a_link_reads_back() -> None:
    query = {"lever:win_rate": "30", "target": "120000000", "hires": "2027-04:+2"}
    assert scenarios.decode_spec(scenarios.encode_query(query)) == query
    for code in scenarios.PRESET_CODES:
        assert scenarios.decode_spec(code) == code


@pytest.mark.parametrize(
    "text",
    [
        "",
        "win4",
        "q;nokey",
        "q;=5",
        "q;a=",
        "q;a=1;a=2",
        "q;" + ";".join(f"k{i}=1" for i in range(scenarios.MAX_SPEC_PARTS + 1)),
        "q;a=" + "1" * scenarios.MAX_SPEC,
    ],
)
def test_a_scenario_a_link_cannot_give_is_none(text: str) -> None:
    assert scenarios.decode_spec(text) is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_in_a_link_is_read_or_refused_never_raises(text: str) -> None:
    found = scenarios.decode_spec(text)
    assert found is None or found in scenarios.PRESET_CODES or isinstance(found, dict)


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.text("abcdefghijklmnopqrstuvwxyz:._", min_size=1, max_size=20),
        st.text("0123456789.~:+-,", min_size=1, max_size=20),
        max_size=scenarios.MAX_SPEC_PARTS,
    )
)
def test_every_what_if_query_round_trips_through_a_link(query: dict[str, str]) -> None:
    assert scenarios.decode_spec(scenarios.encode_query(query)) == query
