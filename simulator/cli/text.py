"""What each command prints without ``--json``: its result as short lines of text.

User text (set names, authors, comments) passes through :func:`one_line`, so a name
cannot move the cursor or clear the terminal.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from simulator import finite

if TYPE_CHECKING:  # the commands' results, read here; the commands report through this module
    from simulator.cli.plan_commands import Ranking, Reviewed, Schema, Solved, Team
    from simulator.results import SimulationResult


def one_line(text: Any) -> str:
    """Text for a terminal: on one line, without control characters (names are user text)."""
    return re.sub(r"[\x00-\x1f\x7f-\x9f]", " ", str(text))


def json_text(data: Any) -> str:
    """``--json`` output: indented, non-ASCII as is, NaN and infinities as null."""
    return finite.dumps(data, ensure_ascii=False, indent=2)


def _money(value: float) -> str:
    return f"{value:,.0f}"


def _percent(value: Any) -> str:
    return "—" if value is None else f"{value:.1%}"


def _amount(value: Any) -> str:
    return "—" if value is None else _money(value)


# --------------------------------------------------------------------------- a plan


def simulation(result: SimulationResult) -> Iterator[str]:
    plan, out = result.plan, result.to_dict()
    revenue, target = out["revenue"], out["target"]
    yield f"{plan.name}: {out['trials']:,} trials, seed {out['seed']}"
    yield (
        f"revenue  P10 {_money(revenue['p10'])}  P50 {_money(revenue['p50'])}  "
        f"P90 {_money(revenue['p90'])}  mean {_money(revenue['mean'])} {plan.currency}"
    )
    yield (
        f"target   {_money(target['revenue'])} {plan.currency}: "
        f"P(target) {target['p_target']:.1%} ± {target['p_target_std_error']:.1%}"
    )


def ranking(result: Ranking) -> Iterator[str]:
    from simulator import center_pin

    analysis = result.analysis
    yield f"{result.plan.name}: P(target) {analysis.base_p_target:.1%}"
    yield f"{'lever':<45} {'step':>8} {'revenue':>9} {'P(target)':>10} {'required':>12}"
    for r in analysis.levers:
        required = (
            f"{r.required_for_target:,.4g}"
            if r.required_for_target is not None
            else (r.required_problem or "")
        )
        # Relative to the plan's revenue, which is 0 when nothing is ever won.
        base = analysis.base_revenue
        gain = f"{r.revenue_gain / base:>+9.1%}" if base else f"{'—':>9}"
        yield f"{r.lever:<45} {r.step:>+8g} {gain} {r.p_target_gain * 100:>+8.1f}pt {required:>12}"
    if analysis.base_revenue:
        yield f"center pin: {center_pin.reason_text(analysis)}"
    else:  # its sentence gives gains as shares of the revenue
        yield (
            f"center pin: {analysis.center_pin}: the largest gain of any single step "
            "(the plan's revenue is 0, so no gain is a share of it)."
        )


def solved(result: Solved) -> Iterator[str]:
    solution = result.solution
    yield (
        f"{solution.lever}: {solution.base_value:,.4g} -> {solution.value:,.4g} (median); "
        f"P(target) {result.base_p_target:.1%} -> {solution.p_target:.1%}"
    )


def reviewed(result: Reviewed) -> Iterator[str]:
    r = result.review
    out = result.to_dict()
    to_date, forecast = out["to_date"], out["forecast"]
    currency = r.plan.currency
    yield one_line(f"{r.plan.name}: review through {r.as_of} ({out['months_locked']} months)")
    yield (
        f"revenue to date {_money(to_date['actual_revenue'])} against P50 "
        f"{_money(to_date['plan_p50_revenue'])}: gap {to_date['gap']:+,.0f} {currency}"
    )
    parts = sorted(out["attribution"], key=lambda p: -abs(p["amount"]))
    yield "by factor: " + "; ".join(
        f"{p['factor']} {p['amount']:+,.0f}" for p in parts if p["amount"]
    )
    yield f"bottleneck: {out['bottleneck'] or '—'}"
    for u in out["updated"]:
        if u["updated"]:
            moved = f"  (moved {u['moved']} its range)" if u["moved"] else ""
            yield (
                f"updated {u['path']}: {u['prior_mean']:,.4g} -> {u['posterior_mean']:,.4g} "
                f"(P10 {u['p10']:,.4g}, P90 {u['p90']:,.4g}){moved}"
            )
    revenue = forecast["revenue"]
    yield (
        f"re-forecast: P(target) {forecast['p_target']:.1%} ± "
        f"{forecast['p_target_std_error']:.1%} (plan {forecast['plan_p_target']:.1%}); "
        f"revenue P10 {_money(revenue['p10'])}  P50 {_money(revenue['p50'])}  "
        f"P90 {_money(revenue['p90'])} {currency}"
    )
    yield f"center pin for the rest of the year: {out['center_pin'] or '—'}"


def team(result: Team) -> Iterator[str]:
    out = result.to_dict()
    plan, whole = result.result.plan, out["team"]
    currency = plan.currency
    revenue = whole["revenue"]
    yield one_line(f"{plan.name}: {len(out['members'])} members, {out['trials']:,} trials")
    yield (
        f"team     P10 {_money(revenue['p10'])}  P50 {_money(revenue['p50'])}  "
        f"P90 {_money(revenue['p90'])}  mean {_money(revenue['mean'])} {currency}; "
        f"P(target {_money(whole['target'])}) {whole['p_target']:.1%}"
    )
    for m in out["members"]:
        r = m["revenue"]
        yield one_line(
            f"{m['name']}: P50 {_money(r['p50'])} (P10 {_money(r['p10'])}, "
            f"P90 {_money(r['p90'])}), {m['contribution']:.1%} of the team, "
            f"target {_money(m['target'])} reached {m['p_target']:.1%}"
        )
    shared = out["shared"]
    if shared["revenue"]["mean"]:
        yield f"channels no member owns: mean {_money(shared['revenue']['mean'])}"
    constraint = out["constraint"]
    short = constraint["gap"]
    where = f"{_money(short)} short of" if short > 0 else f"{_money(-short)} ahead of"
    yield one_line(
        f"constraint: {constraint['member']} (mean {where} their target); "
        f"cohort: {constraint['cohort']}"
    )
    if out["center_pin"]:
        best = out["center_pin"][0]
        what = (
            "hire one more rep"
            if best["action"] == "hire"
            else f"coach {best['member']} +1pt on {best['path']}"
        )
        yield one_line(f"center pin: {what} (+{_money(best['revenue_gain'])} mean revenue)")
    consistent = out["consistent"]
    yield (
        f"targets consistent at the team's {whole['confidence']:.0%}: each member at "
        f"{consistent['member_confidence']:.0%} (member P80s add up to "
        f"{_money(out['diversification']['sum_of_member_percentiles'])}, the team's P80 is "
        f"{_money(out['diversification']['team_percentile'])})"
    )
    chain = out["chain"]
    if chain is not None:
        d = {row["department"]: row for row in chain["departments"]}
        yield (
            f"chain: {d['marketing']['derived']:,.0f} leads -> "
            f"{d['inside_sales']['derived']:,.0f} opportunities -> "
            f"{d['field_sales']['derived']:,.1f} wins"
        )
        if chain["gap_wins"] is not None:
            state = "closes" if chain["closes"] else "does not close"
            yield (
                f"typed targets: {chain['chain_wins']:,.1f} wins against "
                f"{chain['wins_needed']:,.1f} needed: {state}; gap {chain['gap_wins']:+,.1f} "
                f"wins, {chain['gap_revenue']:+,.0f} {currency}"
                + (f"; move {chain['must_move']}" if chain["must_move"] else "")
            )


def schema(result: Schema) -> list[str]:
    """The schema itself (it is JSON), unless it went to a file."""
    return [] if result.output else [json_text(result.document)]


# --------------------------------------------------------------------------- kpi-sets


def kpi_set_list(rows: list[dict[str, Any]]) -> Iterator[str]:
    for row in rows:
        archived = "  (archived)" if row["archived"] else ""
        yield one_line(
            f"{row['name']}  r{row['revision']}  P(target) {_percent(row['p_target'])}"
            f"  P50 {_amount(row['p50'])}  {row['updated_at'][:16]}"
            f"  {row['author']}{archived}"
        )


def kpi_set_revision(out: dict[str, Any]) -> Iterator[str]:
    summary = out["summary"]
    parent = f" (from r{out['parent']})" if out["parent"] is not None else ""
    yield one_line(f"{out['name']}  r{out['revision']}{parent}")
    yield one_line(f"saved {out['created_at'][:16]} by {out['author'] or '?'}")
    if out["comment"]:
        yield one_line(f"comment: {out['comment']}")
    yield (
        f"target   {_amount(summary.get('target'))} {out['plan']['currency']} at "
        f"{_percent(summary.get('confidence'))}: P(target) {_percent(summary.get('p_target'))}"
    )
    yield (
        f"revenue  P10 {_amount(summary.get('p10'))}  P50 {_amount(summary.get('p50'))}  "
        f"P90 {_amount(summary.get('p90'))}  mean {_amount(summary.get('mean'))}"
    )


def kpi_set_history(rows: list[dict[str, Any]]) -> Iterator[str]:
    for row in rows:
        parent = f" <- r{row['parent']}" if row["parent"] is not None else ""
        yield one_line(
            f"r{row['revision']}{parent}  {row['created_at'][:16]}  "
            f"{row['author'] or '?'}  P(target) {_percent(row['p_target'])}  "
            f"{row['comment']}"
        ).rstrip()


def saved(out: dict[str, Any]) -> list[str]:
    return [str(out["revision"])]


def exported(out: dict[str, Any]) -> list[str]:
    return [
        one_line(f"{out['name']} r{out['revision']} -> {out['output']} ({out['bytes']:,} bytes)")
    ]


def imported(rows: list[dict[str, Any]]) -> Iterator[str]:
    for row in rows:
        yield one_line(f"{row['name']} r{row['revision']}")
