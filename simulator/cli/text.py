"""What each command prints without ``--json``: its result as short lines of text.

User text (set names, authors, comments) passes through :func:`one_line`, so a name
cannot move the cursor or clear the terminal.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from simulator import center_pin, finite

if TYPE_CHECKING:  # the commands' results, read here; the commands report through this module
    from simulator.cli.plan_commands import Ranking, Schema, Solved
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
