"""The commands on a KPI set file: simulate, center-pin, reverse, review, and the file's
schema.

Each takes the parsed arguments and returns its result; printing it is
:mod:`simulator.cli.text`'s job (or JSON's, with ``--json``).
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator import engine
from simulator.cli.errors import write_file
from simulator.plan import MAX_TRIALS, KpiSet, PlanError, json_schema, load_plan, read_json

if TYPE_CHECKING:  # center_pin and reverse are imported by the commands that use them
    from simulator import center_pin, departments, reverse, review
    from simulator import team as team_plan
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


@dataclass(frozen=True)
class Reviewed:
    """``review``: the plan against its actuals, and the rest of the year's center pin."""

    review: review.Review
    center_pin: str | None  # None when no month is left or the target is already reached

    def to_dict(self) -> dict[str, Any]:
        return self.review.to_dict(self.center_pin)


def _check_trials(args: argparse.Namespace) -> None:
    if args.trials is not None and args.trials > MAX_TRIALS:
        raise PlanError.single(
            "trials", "trials_too_many", f"--trials must be at most {MAX_TRIALS}"
        )


def simulate(args: argparse.Namespace) -> SimulationResult:
    plan = load_plan(args.plan)
    _check_trials(args)
    # Summaries only: memory does not grow with --trials (docs/design.md §2).
    return engine.simulate(plan, trials=args.trials, seed=args.seed, keep_trials=False)


def review_actuals(args: argparse.Namespace) -> Reviewed:
    from simulator import actuals, center_pin, review

    plan = load_plan(args.plan)
    _check_trials(args)
    found = actuals.read(args.actuals, plan, file=args.actuals, as_of=args.as_of, sheet=args.sheet)
    result = review.review(plan, found, args.as_of, trials=args.trials, seed=args.seed)
    rest = result.rest
    pin = None
    if rest is not None and rest.remaining_target > 0:
        pin = center_pin.analyse(rest.plan, required=False).center_pin
    return Reviewed(result, pin)


def rank_levers(args: argparse.Namespace) -> Ranking:
    from simulator import center_pin

    plan = load_plan(args.plan)
    return Ranking(plan, center_pin.analyse(plan))


def solve(args: argparse.Namespace) -> Solved:
    from simulator import budget, reverse

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


@dataclass(frozen=True)
class Team:
    """``team``: the members rolled up, and the department chain with any typed targets."""

    result: team_plan.TeamResult
    hand_set: departments.HandSet

    def to_dict(self) -> dict[str, Any]:
        return self.result.to_dict(self.hand_set)


def _named_members(error: PlanError, path: str) -> PlanError:
    """``error`` with each ``team.members[i]`` in its paths followed by the member's name,
    so the one line says whose row is wrong."""
    try:
        members = read_json(Path(path).read_text(encoding="utf-8-sig"))["team"]["members"]
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return error

    def name(match: re.Match[str]) -> str:
        i = int(match.group(1))
        if isinstance(members, list) and i < len(members) and isinstance(members[i], dict):
            given = members[i].get("name")
            if isinstance(given, str) and given:
                return f"{match.group(0)} ({given[:100]})"
        return match.group(0)

    issues = [
        replace(issue, path=re.sub(r"team\.members\[(\d+)\]", name, issue.path))
        for issue in error.issues
    ]
    return PlanError(issues)


def team(args: argparse.Namespace) -> Team:
    from simulator import departments
    from simulator import team as team_plan

    try:
        plan = load_plan(args.plan)
    except PlanError as error:
        raise _named_members(error, args.plan) from None
    _check_trials(args)
    if not plan.team.members:
        raise PlanError.single(
            "team.members", "no_members", "the plan lists no members: add team.members"
        )
    result = team_plan.simulate(plan, trials=args.trials, seed=args.seed)
    hand_set = departments.HandSet(leads=args.leads, is_rate=args.is_rate, fs_rate=args.fs_rate)
    return Team(result, hand_set)
