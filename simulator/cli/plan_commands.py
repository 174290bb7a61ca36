"""The commands on a KPI set file: simulate, center-pin, reverse, and the file's schema.

Each takes the parsed arguments and returns its result; printing it is
:mod:`simulator.cli.text`'s job (or JSON's, with ``--json``).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from simulator import budget, center_pin, engine, reverse
from simulator.cli.errors import write_file
from simulator.plan import MAX_TRIALS, KpiSet, PlanError, json_schema, load_plan
from simulator.results import SimulationResult

#: What ``reverse`` refuses as a bad ``--lever`` (exit 2) rather than as unreachable (4).
_NOT_A_LEVER = ("unknown_lever", "not_solvable")


@dataclass(frozen=True)
class Ranking:
    """``center-pin``: the plan's levers ranked."""

    plan: KpiSet
    analysis: center_pin.Analysis

    def to_dict(self) -> dict[str, Any]:
        return self.analysis.to_dict()


@dataclass(frozen=True)
class Solved:
    """``reverse``: the lever's value that reaches the target, and the plan with it."""

    plan: KpiSet  # as it was given
    solution: reverse.Solution

    def to_dict(self) -> dict[str, Any]:
        return {
            "lever": self.solution.lever,
            "value": self.solution.value,
            "p_target": self.solution.p_target,
            "plan": self.solution.plan.model_dump(mode="json"),
        }

    @cached_property
    def base_p_target(self) -> float:
        """P(target) of the plan as given; simulated when asked (the text shows it, JSON not)."""
        return engine.simulate(self.plan).p_target(self.solution.plan.target.revenue)[0]


@dataclass(frozen=True)
class Schema:
    """``schema``: the JSON Schema of the KPI set format, and the file it went to, if any."""

    document: dict[str, Any]
    output: str | None

    def to_dict(self) -> dict[str, Any]:
        return self.document


def simulate(args: argparse.Namespace) -> SimulationResult:
    plan = load_plan(args.plan)
    if args.trials is not None and args.trials > MAX_TRIALS:
        raise PlanError.single(
            "trials", "trials_too_many", f"--trials must be at most {MAX_TRIALS}"
        )
    return engine.simulate(plan, trials=args.trials, seed=args.seed)


def rank_levers(args: argparse.Namespace) -> Ranking:
    plan = load_plan(args.plan)
    return Ranking(plan, center_pin.analyse(plan))


def solve(args: argparse.Namespace) -> Solved:
    plan = load_plan(args.plan)
    budget.check(plan)  # the answer is checked at the plan's own trials: refuse before solving
    try:
        solution = reverse.solve(plan, args.lever, target=args.target, confidence=args.confidence)
    except reverse.Unsolvable as exc:
        if exc.code in _NOT_A_LEVER:
            raise PlanError.single("--lever", exc.code, str(exc)) from None
        raise reverse.Unsolvable(exc.code, f"{args.lever}: {exc}", **exc.ctx) from None
    return Solved(plan, solution)


def schema(args: argparse.Namespace) -> Schema:
    document = json_schema()
    if args.output:
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        write_file(args.output, text.encode("utf-8"))
    return Schema(document, args.output)
