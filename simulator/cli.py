"""``python -m simulator``: the engine for scripts, checks and engineers (docs/design.md §4).

Every command reads a KPI set file, prints JSON with ``--json`` (a short text otherwise),
and exits 2 with a one-line message when the input is bad.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from simulator import center_pin, engine, reverse
from simulator.plan import MAX_TRIALS, PlanError, json_schema, load_plan

EXIT_BAD_INPUT = 2
EXIT_NO_SOLUTION = 4


class _NoSolution(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own errors: one line, exit 2
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def _argument(convert: type, allowed: Any, problem: str) -> Any:
    """An argparse type: ``convert`` the text, then require ``allowed(value)``."""
    noun = "whole number" if convert is int else "number"

    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a {noun}, not {text!r}") from None
        if not allowed(value):
            raise argparse.ArgumentTypeError(problem)
        return value

    return parse


_positive_int = _argument(int, lambda v: v >= 1, "must be at least 1")
_seed = _argument(int, lambda v: 0 <= v < 2**63, "must be between 0 and 2^63 - 1")
_confidence = _argument(float, lambda v: 0 < v < 1, "must be between 0 and 1, e.g. 0.8")
_revenue = _argument(float, lambda v: 0 < v < float("inf"), "must be a positive number")


def _money(value: float) -> str:
    return f"{value:,.0f}"


def _simulate(args: argparse.Namespace) -> dict[str, Any]:
    plan = load_plan(args.plan)
    if args.trials is not None and args.trials > MAX_TRIALS:
        raise PlanError.single(
            "trials", "trials_too_many", f"--trials must be at most {MAX_TRIALS}"
        )
    result = engine.simulate(plan, trials=args.trials, seed=args.seed)
    out = result.to_dict()
    if not args.json:
        revenue, target = out["revenue"], out["target"]
        print(f"{plan.name}: {out['trials']:,} trials, seed {out['seed']}")
        print(
            f"revenue  P10 {_money(revenue['p10'])}  P50 {_money(revenue['p50'])}  "
            f"P90 {_money(revenue['p90'])}  mean {_money(revenue['mean'])} {plan.currency}"
        )
        print(
            f"target   {_money(target['revenue'])} {plan.currency}: "
            f"P(target) {target['p_target']:.1%} ± {target['p_target_std_error']:.1%}"
        )
    return out


def _reverse(args: argparse.Namespace) -> dict[str, Any]:
    plan = load_plan(args.plan)
    try:
        solution = reverse.solve(plan, args.lever, target=args.target, confidence=args.confidence)
    except reverse.Unsolvable as exc:
        if exc.code in ("unknown_lever", "not_solvable"):
            raise PlanError.single("--lever", exc.code, str(exc)) from None
        raise _NoSolution(f"{args.lever}: {exc}") from None
    out = {
        "lever": solution.lever,
        "value": solution.value,
        "p_target": solution.p_target,
        "plan": solution.plan.model_dump(mode="json"),
    }
    if not args.json:
        base_p = engine.simulate(plan).p_target(solution.plan.target.revenue)[0]
        print(
            f"{solution.lever}: {solution.base_value:,.4g} -> {solution.value:,.4g} (median); "
            f"P(target) {base_p:.1%} -> {solution.p_target:.1%}"
        )
    return out


def _center_pin(args: argparse.Namespace) -> dict[str, Any]:
    plan = load_plan(args.plan)
    analysis = center_pin.analyse(plan)
    if not args.json:
        print(f"{plan.name}: P(target) {analysis.base_p_target:.1%}")
        print(f"{'lever':<45} {'step':>8} {'revenue':>9} {'P(target)':>10} {'required':>12}")
        for r in analysis.levers:
            required = (
                f"{r.required_for_target:,.4g}"
                if r.required_for_target is not None
                else (r.required_problem or "")
            )
            print(
                f"{r.lever:<45} {r.step:>+8g} {r.revenue_gain / analysis.base_revenue:>+9.1%} "
                f"{r.p_target_gain * 100:>+8.1f}pt {required:>12}"
            )
        print(f"center pin: {center_pin.reason_text(analysis)}")
    return analysis.to_dict()


def _schema(args: argparse.Namespace) -> dict[str, Any]:
    schema = json_schema()
    if args.output:
        Path(args.output).write_text(
            json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    return schema


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m simulator", description="Centerpin: Monte Carlo planning for inside sales."
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    simulate = commands.add_parser("simulate", help="simulate a KPI set and summarise the outcome")
    simulate.add_argument("plan", help="KPI set file (JSON)")
    simulate.add_argument("--trials", type=_positive_int, help="override the plan's trial count")
    simulate.add_argument("--seed", type=_seed, help="override the plan's seed")
    simulate.add_argument("--json", action="store_true", help="print JSON")
    simulate.set_defaults(run=_simulate)

    pin = commands.add_parser(
        "center-pin", help="rank the plan's levers and name the center pin (センターピン)"
    )
    pin.add_argument("plan", help="KPI set file (JSON)")
    pin.add_argument("--json", action="store_true", help="print JSON")
    pin.set_defaults(run=_center_pin)

    backwards = commands.add_parser(
        "reverse",
        help="solve one lever so the target is reached at the confidence (KGI逆算)",
        description="Exit code 4 when no value of the lever alone reaches the target.",
    )
    backwards.add_argument("plan", help="KPI set file (JSON)")
    backwards.add_argument("--lever", required=True, help="lever path, e.g. team.reps or win_rate")
    backwards.add_argument("--target", type=_revenue, help="revenue target (default: the plan's)")
    backwards.add_argument(
        "--confidence", type=_confidence, help="required P(target) (default: the plan's)"
    )
    backwards.add_argument("--json", action="store_true", help="print JSON")
    backwards.set_defaults(run=_reverse)

    schema = commands.add_parser("schema", help="print the JSON Schema of the KPI set format")
    schema.add_argument("--output", help="write it to this file instead")
    schema.set_defaults(run=_schema, json=True)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        out = args.run(args)
    except PlanError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except _NoSolution as exc:
        print(f"not reachable: {exc}", file=sys.stderr)
        return EXIT_NO_SOLUTION
    if args.json and not getattr(args, "output", None):
        try:
            json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
            sys.stdout.flush()
        except BrokenPipeError:  # e.g. piped into `head`: the reader has all it wanted
            sys.stderr.close()
    return 0
