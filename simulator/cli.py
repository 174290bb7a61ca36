"""``python -m simulator``: the engine for scripts, checks and engineers (docs/design.md §4).

Every command reads a KPI set file, prints JSON with ``--json`` (a short text otherwise),
and exits 2 with a one-line message when the input is bad.

``kpi-sets list|show|history|save|export|import`` work on the KPI set store (``--db URL``,
else ``CENTERPIN_DB_URL``, else the SQLite file under ``data/``). A save that would shadow
someone else's work (an existing name, a stale ``--base-revision``) writes nothing and
exits 3; an import with bad files writes nothing and lists every problem, exit 2.
"""

from __future__ import annotations

import argparse
import getpass
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from simulator import center_pin, engine, reverse
from simulator import kpi_sets as kpi_store
from simulator.plan import MAX_TRIALS, PlanError, json_schema, load_plan

EXIT_BAD_INPUT = 2
EXIT_CONFLICT = 3
EXIT_NO_SOLUTION = 4
EXPORT_FORMATS = ("json", "csv", "xlsx")
_CHANGED_SHOWN = 10  # changed input paths named in a conflict message


class _NoSolution(Exception):
    pass


class _BadInput(Exception):
    """A bad argument found after parsing (a file that cannot be written, say): exit 2."""


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


# --------------------------------------------------------------------------- kpi-sets


def _one_line(text: Any) -> str:
    """Text for a terminal: on one line, without control characters (names are user text)."""
    return re.sub(r"[\x00-\x1f\x7f-\x9f]", " ", str(text))


def _with_store(handler: Callable[[argparse.Namespace, kpi_store.Store], Any]) -> Any:
    """Run a ``kpi-sets`` command on the store; a database failure becomes a StoreError."""

    def run(args: argparse.Namespace) -> Any:
        try:
            opened = kpi_store.Store(args.db)
        except SQLAlchemyError as exc:
            raise _database_error(exc) from None
        except kpi_store.StoreError as exc:
            if exc.code == "db_url" and args.db:
                raise kpi_store.StoreError(
                    exc.code, "--db: not a database URL", **exc.ctx
                ) from None
            raise
        try:
            return handler(args, opened)
        except SQLAlchemyError as exc:
            raise _database_error(exc) from None
        finally:
            opened.close()

    return run


def _database_error(exc: SQLAlchemyError) -> kpi_store.StoreError:
    reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    return kpi_store.StoreError("database", f"database: {reason}")


def _iso(value: Any) -> str:
    return value.isoformat()


def _percent(value: Any) -> str:
    return "—" if value is None else f"{value:.1%}"


def _amount(value: Any) -> str:
    return "—" if value is None else _money(value)


def _list_sets(args: argparse.Namespace, opened: kpi_store.Store) -> list[dict[str, Any]]:
    infos = opened.list_sets(args.search or "", include_archived=args.archived)
    out = [
        {
            "name": info.name,
            "revision": info.head,
            "author": info.author,
            "updated_at": _iso(info.updated_at),
            "archived": info.archived,
            "tags": list(info.tags),
            "p_target": info.summary.get("p_target"),
            "p50": info.summary.get("p50"),
        }
        for info in infos
    ]
    if not args.json:
        for row in out:
            archived = "  (archived)" if row["archived"] else ""
            print(
                _one_line(
                    f"{row['name']}  r{row['revision']}  P(target) {_percent(row['p_target'])}"
                    f"  P50 {_amount(row['p50'])}  {row['updated_at'][:16]}"
                    f"  {row['author']}{archived}"
                )
            )
    return out


def _show(args: argparse.Namespace, opened: kpi_store.Store) -> dict[str, Any]:
    revision = opened.revision(args.name, args.revision)
    plan = revision.plan
    out = {
        "name": revision.name,
        "revision": revision.number,
        "parent": revision.parent,
        "author": revision.author,
        "comment": revision.comment,
        "created_at": _iso(revision.created_at),
        "summary": revision.summary,
        "plan": plan.model_dump(mode="json"),
        "targets": revision.targets,
    }
    if not args.json:
        summary = revision.summary
        parent = f" (from r{revision.parent})" if revision.parent is not None else ""
        print(_one_line(f"{revision.name}  r{revision.number}{parent}"))
        print(_one_line(f"saved {out['created_at'][:16]} by {revision.author or '?'}"))
        if revision.comment:
            print(_one_line(f"comment: {revision.comment}"))
        print(
            f"target   {_amount(summary.get('target'))} {plan.currency} at "
            f"{_percent(summary.get('confidence'))}: P(target) {_percent(summary.get('p_target'))}"
        )
        print(
            f"revenue  P10 {_amount(summary.get('p10'))}  P50 {_amount(summary.get('p50'))}  "
            f"P90 {_amount(summary.get('p90'))}  mean {_amount(summary.get('mean'))}"
        )
    return out


def _history(args: argparse.Namespace, opened: kpi_store.Store) -> list[dict[str, Any]]:
    out = [
        {
            "revision": revision.number,
            "parent": revision.parent,
            "author": revision.author,
            "comment": revision.comment,
            "created_at": _iso(revision.created_at),
            "p_target": revision.summary.get("p_target"),
        }
        for revision in opened.history(args.name)
    ]
    if not args.json:
        for row in out:
            parent = f" <- r{row['parent']}" if row["parent"] is not None else ""
            print(
                _one_line(
                    f"r{row['revision']}{parent}  {row['created_at'][:16]}  "
                    f"{row['author'] or '?'}  P(target) {_percent(row['p_target'])}  "
                    f"{row['comment']}"
                ).rstrip()
            )
    return out


def _save(args: argparse.Namespace, opened: kpi_store.Store) -> dict[str, Any]:
    plan = load_plan(args.plan)
    if args.base_revision is None:
        try:
            revision = opened.create(args.name, plan, author=args.author, comment=args.comment)
        except kpi_store.NameTaken as exc:
            name = args.name.strip()
            head = opened.info(name).head
            raise kpi_store.Conflict(
                exc.code,
                f"a KPI set named {name!r} already exists (at revision {head}); to save a new "
                f"revision of it pass --base-revision {head}, or choose another --name",
                **exc.ctx,
            ) from None
    else:
        revision = opened.save(
            args.name,
            plan,
            base_revision=args.base_revision,
            author=args.author,
            comment=args.comment,
        )
    if not args.json:
        print(revision.number)
    return {"name": revision.name, "revision": revision.number}


def _export(args: argparse.Namespace, opened: kpi_store.Store) -> dict[str, Any]:
    output = Path(args.output_file)
    fmt = args.format or output.suffix.lower().lstrip(".")
    if fmt not in EXPORT_FORMATS:
        raise _BadInput(f"--format: give one of {', '.join(EXPORT_FORMATS)}")
    if args.encoding is not None and fmt != "csv":
        raise _BadInput("--encoding: only for --format csv")
    revision = opened.revision(args.name, args.revision)
    if fmt == "json":
        data = kpi_store.export_json(revision)
    else:
        info = opened.info(revision.name)
        if fmt == "csv":
            data = kpi_store.export_csv(info, revision, encoding=args.encoding or "utf-8-sig")
        else:
            data = kpi_store.export_xlsx(info, revision)
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise _BadInput(f"{output}: cannot write ({exc.strerror or exc})") from None
    out = {
        "name": revision.name,
        "revision": revision.number,
        "format": fmt,
        "output": str(output),
        "bytes": len(data),
    }
    if not args.json:
        print(_one_line(f"{revision.name} r{revision.number} -> {output} ({len(data):,} bytes)"))
    return out


def _import(args: argparse.Namespace, opened: kpi_store.Store) -> list[dict[str, Any]]:
    kpi_store.check_file_count(len(args.paths))
    files: list[tuple[str, bytes]] = []
    unreadable: list[kpi_store.FileProblem] = []
    for path in args.paths:
        try:
            with open(path, "rb") as handle:  # enough to tell that a file is too large
                files.append((path, handle.read(kpi_store.MAX_IMPORT_BYTES + 1)))
        except OSError as exc:
            unreadable.append(
                kpi_store.FileProblem(
                    "", "file_unreadable", f"cannot read ({exc.strerror or exc})", file=path
                )
            )
    try:
        plans = kpi_store.read_plans(files)
    except kpi_store.ImportProblem as exc:
        order = {path: i for i, path in reversed(list(enumerate(args.paths)))}
        problems = sorted(unreadable + exc.problems, key=lambda p: order.get(p.file, 0))
        raise kpi_store.ImportProblem(problems) from None
    if unreadable:
        raise kpi_store.ImportProblem(unreadable)
    revisions = opened.import_plans(plans, author=args.author, comment=args.comment)
    out = [{"name": revision.name, "revision": revision.number} for revision in revisions]
    if not args.json:
        for row in out:
            print(_one_line(f"{row['name']} r{row['revision']}"))
    return out


def _add_kpi_sets(commands: Any) -> None:
    common = _Parser(add_help=False)
    common.add_argument(
        "--db",
        metavar="URL",
        help=f"database URL (default: ${kpi_store.ENV_URL}, else sqlite under data/)",
    )
    common.add_argument("--json", action="store_true", help="print JSON")

    kpi_sets = commands.add_parser(
        "kpi-sets",
        help="saved KPI sets: list, show, history, save, export, import",
        description="Exit code 3 when a save or import would shadow someone else's work "
        "(nothing is written).",
    )
    actions = kpi_sets.add_subparsers(dest="action", required=True, parser_class=_Parser)

    listing = actions.add_parser("list", parents=[common], help="KPI sets, newest first")
    listing.add_argument("--search", help="match name, description, tags, author or comment")
    listing.add_argument("--archived", action="store_true", help="include archived sets")
    listing.set_defaults(run=_with_store(_list_sets))

    show = actions.add_parser("show", parents=[common], help="one revision of a KPI set")
    show.add_argument("name", help="KPI set name")
    show.add_argument("--revision", type=_positive_int, help="revision (default: the newest)")
    show.set_defaults(run=_with_store(_show))

    history = actions.add_parser("history", parents=[common], help="every revision, newest first")
    history.add_argument("name", help="KPI set name")
    history.set_defaults(run=_with_store(_history))

    save = actions.add_parser(
        "save",
        parents=[common],
        help="save a KPI set file as a new set, or as a new revision of one",
        description="Without --base-revision the set is created (exit 3 if the name exists). "
        "With it, a new revision is saved on top of that revision; exit 3 if someone saved "
        "since. Prints the new revision number.",
    )
    save.add_argument("plan", help="KPI set file (JSON)")
    save.add_argument("--name", required=True, help="KPI set name")
    save.add_argument(
        "--base-revision", type=_positive_int, help="the revision your edit started from"
    )
    save.add_argument("--comment", default="", help="what changed and why")
    save.add_argument("--author", default=_login(), help="who saves (default: your login name)")
    save.set_defaults(run=_with_store(_save))

    export = actions.add_parser("export", parents=[common], help="write a revision to a file")
    export.add_argument("name", help="KPI set name")
    export.add_argument(
        "--format", choices=EXPORT_FORMATS, help="file format (default: from --output's suffix)"
    )
    export.add_argument(
        "--output", dest="output_file", metavar="PATH", required=True, help="file to write"
    )
    export.add_argument("--revision", type=_positive_int, help="revision (default: the newest)")
    export.add_argument(
        "--encoding",
        choices=kpi_store.CSV_ENCODINGS,
        help="CSV encoding (default utf-8-sig; cp932 writes ? for what it cannot spell)",
    )
    export.set_defaults(run=_with_store(_export))

    imports = actions.add_parser(
        "import",
        parents=[common],
        help="create KPI sets from files, all or nothing",
        description=f"At most {kpi_store.MAX_IMPORT_FILES} files of "
        f"{kpi_store.MAX_IMPORT_BYTES:,} bytes each.",
    )
    imports.add_argument("paths", nargs="+", metavar="PATH", help="KPI set files (JSON)")
    imports.add_argument("--comment", default="", help="comment of every revision 1")
    imports.add_argument(
        "--author", default=_login(), help="who imports (default: your login name)"
    )
    imports.set_defaults(run=_with_store(_import))


def _conflict_message(exc: kpi_store.Conflict) -> str:
    if not isinstance(exc, kpi_store.StaleRevision):
        return f"conflict: {exc}"
    paths = [change.path for change in exc.changes]
    changed = ", ".join(paths[:_CHANGED_SHOWN]) or "no inputs (details only)"
    if len(paths) > _CHANGED_SHOWN:
        changed += f" and {len(paths) - _CHANGED_SHOWN} more"
    return (
        f"conflict: KPI set {exc.name!r} is at revision {exc.head.number}, not {exc.base} "
        f"(saved since by {exc.ctx['authors']}); changed: {changed}. Nothing was written: "
        f"review revision {exc.head.number} and save again with --base-revision "
        f"{exc.head.number}, or save under another --name."
    )


def _login() -> str:
    """The user's login name, the author of a save unless --author says otherwise."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this user id (e.g. some containers)
        return ""


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

    _add_kpi_sets(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        out = args.run(args)
    except PlanError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except kpi_store.ImportProblem as exc:  # every problem of every file, one line each
        for problem in exc.problems:
            print(f"error: {_one_line(problem)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except kpi_store.Conflict as exc:
        print(_one_line(_conflict_message(exc)), file=sys.stderr)
        return EXIT_CONFLICT
    except (kpi_store.StoreError, _BadInput) as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
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
