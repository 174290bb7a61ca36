"""The command line's arguments: every command, its options, and what runs it.

Each subcommand's parser carries a :class:`Command` (``args.handler``): the function
that runs it, and how its result reads as JSON and as text.
"""

from __future__ import annotations

import argparse
import getpass
import importlib
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from simulator.cli import text
from simulator.cli.errors import EXIT_BAD_INPUT
from simulator.kpi_sets import limits

R = TypeVar("R")
_Subparsers = Any  # argparse's _SubParsersAction, private in typeshed


def _itself(result: Any) -> Any:
    return result


def _to_dict(result: Any) -> Any:
    return result.to_dict()


def _later(module: str, name: str) -> Callable[..., Any]:
    """``simulator.cli.<module>.<name>``, imported when a command runs: the parser is built
    for every command (and for ``--help``), which must not wait for numpy, scipy or SQL."""

    def call(*args: Any) -> Any:
        return getattr(importlib.import_module(f"simulator.cli.{module}"), name)(*args)

    return call


@dataclass(frozen=True)
class Command(Generic[R]):
    """A subcommand: ``run`` returns its result, ``data`` is what ``--json`` prints of it,
    ``text`` the lines printed otherwise."""

    run: Callable[[argparse.Namespace], R]
    text: Callable[[R], Iterable[str]]
    data: Callable[[R], Any] = _itself


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


def _login() -> str:
    """The user's login name, the author of a save unless --author says otherwise."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this user id (e.g. some containers)
        return ""


def _comment_and_author(parser: argparse.ArgumentParser, *, comment: str, who: str) -> None:
    """``--comment`` and ``--author`` (the login name unless given) of what a command writes."""
    parser.add_argument("--comment", default="", help=comment)
    parser.add_argument("--author", default=_login(), help=f"who {who} (default: your login name)")


def _trials_and_seed(parser: argparse.ArgumentParser) -> None:
    """``--trials`` and ``--seed``, overriding the plan's own."""
    parser.add_argument("--trials", type=_positive_int, help="override the plan's trial count")
    parser.add_argument("--seed", type=_seed, help="override the plan's seed")


def _json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m simulator", description="Centerpin: Monte Carlo planning for inside sales."
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for add in (
        _add_simulate,
        _add_center_pin,
        _add_reverse,
        _add_review,
        _add_team,
        _add_schema,
        _add_kpi_sets,
    ):
        add(commands)
    return parser


# --------------------------------------------------------------------------- a plan


def _add_simulate(commands: _Subparsers) -> None:
    simulate = commands.add_parser("simulate", help="simulate a KPI set and summarise the outcome")
    simulate.add_argument("plan", help="KPI set file (JSON)")
    _trials_and_seed(simulate)
    _json_option(simulate)
    simulate.set_defaults(
        handler=Command(_later("plan_commands", "simulate"), text.simulation, _to_dict)
    )


def _add_center_pin(commands: _Subparsers) -> None:
    pin = commands.add_parser(
        "center-pin", help="rank the plan's levers and name the center pin (センターピン)"
    )
    pin.add_argument("plan", help="KPI set file (JSON)")
    _json_option(pin)
    pin.set_defaults(
        handler=Command(_later("plan_commands", "rank_levers"), text.ranking, _to_dict)
    )


def _add_reverse(commands: _Subparsers) -> None:
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
    _json_option(backwards)
    backwards.set_defaults(handler=Command(_later("plan_commands", "solve"), text.solved, _to_dict))


def _month(text: str) -> str:
    """An argparse type: a month written YYYY-MM."""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise argparse.ArgumentTypeError(f"must be a month written YYYY-MM, not {text!r}")
    return text


def _add_review(commands: _Subparsers) -> None:
    reviewing = commands.add_parser(
        "review",
        help="the plan against its actuals: the gap by factor, updated inputs, re-forecast",
        description="Actuals: CSV or XLSX, a row per month and metric (month, metric, value) "
        "or a column per metric; exit code 2 names the file, row and column of every "
        "problem.",
    )
    reviewing.add_argument("plan", help="KPI set file (JSON)")
    reviewing.add_argument("actuals", help="actuals file (CSV or XLSX)")
    reviewing.add_argument(
        "--as-of", type=_month, help="the review month, YYYY-MM (default: the file's last)"
    )
    reviewing.add_argument("--sheet", help="XLSX sheet (default: the first)")
    _trials_and_seed(reviewing)
    _json_option(reviewing)
    reviewing.set_defaults(
        handler=Command(_later("plan_commands", "review_actuals"), text.reviewed, _to_dict)
    )


_count = _argument(float, lambda v: 0 <= v <= 1e12, "must be between 0 and 1e12")
_rate = _argument(float, lambda v: 0 < v <= 1, "must be above 0 and at most 1, e.g. 0.3")


def _add_team(commands: _Subparsers) -> None:
    rolled = commands.add_parser(
        "team",
        help="roll a team planned member by member up to the KGI, with the department chain",
        description="The plan must list team.members. Department targets typed with --leads, "
        "--is-rate and --fs-rate are checked to close the chain to the KGI (the gap in wins "
        "and money, and which department must move).",
    )
    rolled.add_argument("plan", help="KPI set file (JSON) with team.members")
    _trials_and_seed(rolled)
    rolled.add_argument("--leads", type=_count, help="marketing's lead target")
    rolled.add_argument(
        "--is-rate", type=_rate, help="inside sales' lead-to-opportunity rate target"
    )
    rolled.add_argument("--fs-rate", type=_rate, help="field sales' win rate target")
    _json_option(rolled)
    rolled.set_defaults(handler=Command(_later("plan_commands", "team"), text.team, _to_dict))


def _add_schema(commands: _Subparsers) -> None:
    schema = commands.add_parser("schema", help="print the JSON Schema of the KPI set format")
    schema.add_argument("--output", help="write it to this file instead")
    _json_option(schema)
    schema.set_defaults(handler=Command(_later("plan_commands", "schema"), text.schema, _to_dict))


# --------------------------------------------------------------------------- kpi-sets


def _add_kpi_sets(commands: _Subparsers) -> None:
    common = _Parser(add_help=False)
    common.add_argument(
        "--db",
        metavar="URL",
        help=f"database URL (default: ${limits.ENV_URL}, else sqlite under data/)",
    )
    _json_option(common)
    kpi_sets = commands.add_parser(
        "kpi-sets",
        help="saved KPI sets: list, show, history, save, export, import",
        description="Exit code 3 when a save or import would shadow someone else's work "
        "(nothing is written).",
    )
    actions = kpi_sets.add_subparsers(dest="action", required=True, parser_class=_Parser)
    for add in (_add_list, _add_show, _add_history, _add_save, _add_export, _add_import):
        add(actions, common)


def _on_store(parser: argparse.ArgumentParser, run: str, text_: Callable[[Any], Any]) -> None:
    """``kpi_set_commands.<run>`` on the store ``--db`` names, printed by ``text_``."""

    def on_store(args: argparse.Namespace) -> Any:
        from simulator.cli import kpi_set_commands

        return kpi_set_commands.with_store(getattr(kpi_set_commands, run))(args)

    parser.set_defaults(handler=Command(on_store, text_))


def _add_list(actions: _Subparsers, common: argparse.ArgumentParser) -> None:
    listing = actions.add_parser("list", parents=[common], help="KPI sets, newest first")
    listing.add_argument("--search", help="match name, description, tags, author or comment")
    listing.add_argument("--archived", action="store_true", help="include archived sets")
    _on_store(listing, "list_sets", text.kpi_set_list)


def _add_show(actions: _Subparsers, common: argparse.ArgumentParser) -> None:
    show = actions.add_parser("show", parents=[common], help="one revision of a KPI set")
    show.add_argument("name", help="KPI set name")
    show.add_argument("--revision", type=_positive_int, help="revision (default: the newest)")
    _on_store(show, "show", text.kpi_set_revision)


def _add_history(actions: _Subparsers, common: argparse.ArgumentParser) -> None:
    history = actions.add_parser("history", parents=[common], help="every revision, newest first")
    history.add_argument("name", help="KPI set name")
    _on_store(history, "history", text.kpi_set_history)


def _add_save(actions: _Subparsers, common: argparse.ArgumentParser) -> None:
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
    _comment_and_author(save, comment="what changed and why", who="saves")
    _on_store(save, "save", text.saved)


def _add_export(actions: _Subparsers, common: argparse.ArgumentParser) -> None:
    export = actions.add_parser("export", parents=[common], help="write a revision to a file")
    export.add_argument("name", help="KPI set name")
    export.add_argument(
        "--format",
        choices=limits.EXPORT_FORMATS,
        help="file format (default: from --output's suffix)",
    )
    export.add_argument("--output", metavar="PATH", required=True, help="file to write")
    export.add_argument("--revision", type=_positive_int, help="revision (default: the newest)")
    export.add_argument(
        "--encoding",
        choices=limits.CSV_ENCODINGS,
        help="CSV encoding (default utf-8-sig; cp932 writes ? for what it cannot spell)",
    )
    export.add_argument(
        "--lang",
        choices=limits.EXPORT_LANGS,
        help="CSV/XLSX for a reader in this language: headers, sheets and KPI names "
        "translated, numbers rounded as shown (default: keys, for scripts)",
    )
    export.add_argument(
        "--timezone",
        metavar="ZONE",
        help="with --lang: the time zone of the saving time (default Asia/Tokyo)",
    )
    _on_store(export, "export", text.exported)


def _add_import(actions: _Subparsers, common: argparse.ArgumentParser) -> None:
    imports = actions.add_parser(
        "import",
        parents=[common],
        help="create KPI sets from files, all or nothing",
        description=f"At most {limits.MAX_IMPORT_FILES} files of "
        f"{limits.MAX_IMPORT_BYTES:,} bytes each.",
    )
    imports.add_argument("paths", nargs="+", metavar="PATH", help="KPI set files (JSON)")
    _comment_and_author(imports, comment="comment of every revision 1", who="imports")
    _on_store(imports, "import_files", text.imported)
