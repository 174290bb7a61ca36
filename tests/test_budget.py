"""Bounds on every quantity, and the budget a run is held to before anything is allocated."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from simulator import budget, engine, reference, results
from simulator import funnel as fn
from simulator.plan import (
    MAX_CALLS_PER_DAY,
    MAX_COUNTS_TRIALS,
    MAX_DEAL_SIZE,
    MAX_MONTHS,
    MAX_OPEN_OPPORTUNITIES,
    MAX_REPS,
    MAX_REVENUE,
    MAX_SALES_CYCLE_MONTHS,
    MAX_SEASONALITY,
    MAX_TRIALS,
    MAX_VOLUME,
    KpiSet,
    PlanError,
    json_schema,
    parse_plan,
)
from tests.conftest import ROOT, make_plan, plan_dict

INBOUND = {"key": "inbound", "volume_per_month": 30, "stages": [{"key": "opp", "rate": 0.3}]}


def _with(path: str, value: Any) -> dict[str, Any]:
    data = plan_dict(channels=[plan_dict()["channels"][0], INBOUND])
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[int(last) if last.isdigit() else last] = value
    return data


def _issues(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    with pytest.raises(PlanError) as caught:
        parse_plan(data)
    return [(i.path, i.code, i.message) for i in caught.value.issues]


# ----------------------------------------------------------------------------- bounds


@pytest.mark.parametrize(
    ("path", "value", "where", "bound"),
    [
        (
            "channels.1.volume_per_month",
            MAX_VOLUME * 10,
            "channels[1].volume_per_month",
            MAX_VOLUME,
        ),
        ("channels.1.volume_per_month", 1e308, "channels[1].volume_per_month", MAX_VOLUME),
        (
            "channels.1.volume_per_month",
            {"low": 1, "high": 1e9},
            "channels[1].volume_per_month.high",
            MAX_VOLUME,
        ),
        ("deal_size", 1e308, "deal_size", MAX_DEAL_SIZE),
        ("deal_size", {"low": 1, "high": 1e13}, "deal_size.high", MAX_DEAL_SIZE),
        ("team.calls_per_rep_per_day", 1e308, "team.calls_per_rep_per_day", MAX_CALLS_PER_DAY),
        ("team.reps", MAX_REPS + 1, "team.reps", MAX_REPS),
        ("open_opportunities", 10**30, "open_opportunities", MAX_OPEN_OPPORTUNITIES),
        ("win_rate", {"successes": 10**30, "trials": 10**30}, "win_rate.successes", None),
        ("win_rate", {"successes": 1, "trials": MAX_COUNTS_TRIALS + 1}, "win_rate.trials", None),
        ("sales_cycle_months", 1e308, "sales_cycle_months", MAX_SALES_CYCLE_MONTHS),
        ("seasonality", [1e308] * 12, "seasonality[0]", MAX_SEASONALITY),
        ("target.revenue", 1e308, "target.revenue", MAX_REVENUE),
        ("months", MAX_MONTHS + 1, "months", MAX_MONTHS),
        ("simulation.trials", MAX_TRIALS + 1, "simulation.trials", MAX_TRIALS),
    ],
)
def test_every_quantity_has_an_upper_bound_named_in_its_message(
    path: str, value: Any, where: str, bound: int | None
) -> None:
    issues = _issues(_with(path, value))
    assert (issues[0][0], issues[0][1]) == (where, "less_than_equal"), issues
    assert f"at most {bound or MAX_COUNTS_TRIALS}" in issues[0][2]


def test_the_bounds_are_in_the_json_schema() -> None:
    text = json.dumps(json_schema())
    for bound in (MAX_VOLUME, MAX_DEAL_SIZE, MAX_CALLS_PER_DAY, MAX_COUNTS_TRIALS, MAX_REVENUE):
        assert f'"maximum": {bound}' in text, bound
    defs = json_schema()["$defs"]
    assert defs["VolumeRange"]["properties"]["high"]["maximum"] == MAX_VOLUME
    assert defs["DealSizeRange"]["properties"]["low"]["maximum"] == MAX_DEAL_SIZE


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("deal_size", {"low": 1e-300, "high": 1e12}),  # a mean that overflows
        ("deal_size", {"low": 1, "high": 1e12}),  # a mean of 1.7e31
        ("team.calls_per_rep_per_day", {"low": 1e-300, "high": 1e5}),
        ("sales_cycle_months", {"low": 1e-300, "high": 120}),
    ],
)
def test_a_range_whose_distribution_is_beyond_the_bound_is_too_wide(path: str, value: Any) -> None:
    [(where, code, message)] = _issues(_with(path, value))
    assert (where, code) == (path, "range_too_wide")
    assert "narrow it" in message


def test_ordinary_wide_ranges_are_still_valid() -> None:
    parse_plan(_with("deal_size", {"low": 100_000, "high": 100_000_000}))
    parse_plan(_with("channels.1.volume_per_month", {"low": 100, "high": 10_000}))


# ----------------------------------------------------------------------------- the budget


def test_sample_plans_fit_the_budget(sample_plan: KpiSet) -> None:
    assert budget.problems(sample_plan) == []
    assert budget.max_trials(sample_plan) >= sample_plan.simulation.trials


def test_too_much_work_names_the_trials_and_how_many_fit() -> None:
    plan = make_plan(months=36, simulation={"trials": MAX_TRIALS, "seed": 1})
    most = budget.max_trials(plan)
    assert most == budget.MAX_CELLS // (36 * budget.numbers_per_month(plan))
    with pytest.raises(PlanError) as caught:
        budget.check(plan)
    [issue] = caught.value.issues
    assert (issue.path, issue.code) == ("simulation.trials", "work_too_large")
    assert f"lower the trials to {most:,} or fewer" in issue.message
    assert issue.ctx["max_trials"] == most
    budget.check(plan, trials=most)  # the most that fit, fit
    with pytest.raises(PlanError):
        budget.check(plan, trials=most + 1)


def test_a_streamed_run_counts_only_the_trials_it_keeps() -> None:
    plan = make_plan(simulation={"trials": MAX_TRIALS, "seed": 1})
    kept = results.SUMMARY_DETAIL_TRIALS
    assert budget.max_trials(plan) < MAX_TRIALS  # over budget kept whole ...
    assert budget.problems(plan) != []
    found = budget.work(plan, streamed=True)  # ... within it streamed
    assert (found.trials, found.kept) == (MAX_TRIALS, kept)
    assert found.cells == kept * plan.months * budget.numbers_per_month(plan)
    budget.check(plan, streamed=True)
    channels = [plan_dict()["channels"][0], INBOUND, INBOUND | {"key": "webinar"}]
    wide = make_plan(months=36, channels=channels, simulation={"trials": MAX_TRIALS, "seed": 1})
    assert kept > budget.max_trials(wide)  # the kept trials alone are over budget
    with pytest.raises(PlanError) as caught:
        budget.check(wide, streamed=True)
    [issue] = caught.value.issues
    assert issue.code == "work_too_large"
    assert f"a run of {MAX_TRIALS:,} trials keeps the first {kept:,} trials" in issue.message
    assert f"lower the trials to {budget.max_trials(wide):,} or fewer" in issue.message


def test_counts_are_read_at_the_high_end_of_ranges() -> None:
    fixed = parse_plan(_with("channels.1.volume_per_month", 1000))
    wide = parse_plan(_with("channels.1.volume_per_month", {"low": 500, "high": 2000}))
    assert budget.work(fixed).largest_count < budget.work(wide).largest_count


def test_a_monthly_count_above_the_budget_names_the_channel() -> None:
    data = _with("channels.1.volume_per_month", MAX_VOLUME)
    data["seasonality"] = [MAX_SEASONALITY] * 12
    plan = parse_plan(data)  # every value within its bound ...
    with pytest.raises(PlanError) as caught:
        budget.check(plan)  # ... but together too many
    codes = {(i.path, i.code) for i in caught.value.issues}
    assert ("channels[1].volume_per_month", "count_too_large") in codes
    assert ("channels[1].volume_per_month", "wins_too_large") in codes


def test_the_team_and_the_open_pipeline_are_named_too() -> None:
    team = make_plan(team=plan_dict()["team"] | {"reps": MAX_REPS, "calls_per_rep_per_day": 10_000})
    with pytest.raises(PlanError) as caught:
        budget.check(team)
    assert {(i.path, i.code) for i in caught.value.issues} >= {("team", "count_too_large")}
    pipeline = make_plan(open_opportunities=MAX_OPEN_OPPORTUNITIES, win_rate=1.0)
    with pytest.raises(PlanError) as caught:
        budget.check(pipeline)
    assert [(i.path, i.code) for i in caught.value.issues] == [
        ("open_opportunities", "wins_too_large")
    ]


def _every_bound_at_once() -> dict[str, Any]:
    """A plan with every quantity at its upper bound: valid, and far over budget."""
    channel = {
        "key": "c",
        "volume_per_month": MAX_VOLUME,
        "stages": [{"key": f"s{s}", "rate": 1.0} for s in range(10)],
    }
    return plan_dict(
        months=MAX_MONTHS,
        team={
            "reps": MAX_REPS,
            "calls_per_rep_per_day": MAX_CALLS_PER_DAY,
            "working_days_per_month": 31,
            "hires": [],
        },
        channels=[channel | {"key": f"c{i}"} for i in range(19)]
        + [plan_dict()["channels"][0] | {"stages": channel["stages"]}],
        win_rate=1.0,
        deal_size=MAX_DEAL_SIZE,
        open_opportunities=MAX_OPEN_OPPORTUNITIES,
        seasonality=[MAX_SEASONALITY] * 12,
        target={"revenue": MAX_REVENUE, "confidence": 0.8},
        simulation={"trials": MAX_TRIALS, "seed": 2**63 - 1},
    )


@pytest.mark.parametrize("simulate", [engine.simulate, reference.simulate])
def test_every_bound_at_once_validates_and_is_refused_before_allocating(
    simulate: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = parse_plan(_every_bound_at_once())

    def allocate(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the engine started before the budget was checked")

    monkeypatch.setattr(fn, "chunks", allocate)
    started = time.perf_counter()
    with pytest.raises(PlanError) as caught:
        simulate(plan)
    assert time.perf_counter() - started < 2
    assert {i.code for i in caught.value.issues} == {
        "work_too_large",
        "count_too_large",
        "wins_too_large",
    }


def _worst_valid(channels: int, stages: int) -> dict[str, Any]:
    """A plan at the budget's edge: the most trials it allows, nearly the most deals a month,
    uncertain deal sizes (the revenue of K deals is tabulated up to the most K)."""
    chans = [
        {
            "key": f"c{c}",
            "volume_per_month": 1000.0,
            "stages": [{"key": f"s{s}", "rate": 0.95} for s in range(stages)],
        }
        for c in range(channels)
    ]
    data = plan_dict(
        months=MAX_MONTHS,
        team={"reps": 0},
        channels=chans,
        win_rate=0.95,
        deal_size={"low": 100_000, "high": 100_000_000},
        target={"revenue": 1e15, "confidence": 0.8},
    )
    wins = budget.work(parse_plan(data)).largest_wins
    for channel in chans:
        channel["volume_per_month"] = round(1000.0 * 0.999 * budget.MAX_MONTHLY_WINS / wins, 3)
    data["simulation"] = {"trials": budget.max_trials(parse_plan(data)), "seed": 1}
    return data


def test_the_worst_valid_plan_runs_within_a_gigabyte(tmp_path: Path) -> None:
    data = _worst_valid(20, 10)
    plan = parse_plan(data)
    assert budget.problems(plan) == []
    path = tmp_path / "worst.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "simulate", str(path), "--json"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, process.stderr.read()
    process.stderr.close()
    assert usage.ru_maxrss / 1024 <= 1024, f"peak {usage.ru_maxrss / 1024:,.0f} MB"
