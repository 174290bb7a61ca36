"""Every refusal as the command line reports it: lines on stderr and an exit code.

2 for bad input (a plan, a file, an argument, a store request), 3 for a save or import
that would shadow someone else's work, 4 when no value of the lever reaches the target.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from simulator import kpi_sets as kpi_store
from simulator.cli.text import one_line
from simulator.errors import CodedError

if TYPE_CHECKING:
    from simulator.kpi_sets.errors import Conflict

EXIT_BAD_INPUT = 2
EXIT_CONFLICT = 3
EXIT_NO_SOLUTION = 4
_CHANGED_SHOWN = 10  # changed input paths named in a conflict message


class BadArgument(CodedError):
    """An argument that parses but cannot be used (a file that cannot be written, say)."""

    def __init__(self, message: str) -> None:
        super().__init__("bad_argument", message)


def write_file(path: str | Path, data: bytes) -> None:
    """Write a file the user named (``--output``); one that cannot be written (a missing
    folder, no permission, a directory) is a :class:`BadArgument`."""
    try:
        Path(path).write_bytes(data)
    except OSError as exc:
        raise BadArgument(f"{path}: cannot write ({exc.strerror or exc})") from None


def report(error: CodedError) -> tuple[int, list[str]]:
    """The exit code for ``error`` and the lines that say what went wrong, one line each."""
    from simulator.reverse import Unsolvable  # imported here: the command line starts faster

    if isinstance(error, kpi_store.Conflict):
        return EXIT_CONFLICT, [one_line(_conflict_message(error))]
    if isinstance(error, Unsolvable):
        return EXIT_NO_SOLUTION, [one_line(f"not reachable: {error}")]
    if isinstance(error, kpi_store.ImportProblem):  # every problem of every file
        return EXIT_BAD_INPUT, [f"error: {one_line(problem)}" for problem in error.problems]
    return EXIT_BAD_INPUT, [f"error: {one_line(error)}"]


def _conflict_message(error: Conflict) -> str:
    if not isinstance(error, kpi_store.StaleRevision):
        return f"conflict: {error}"
    paths = [change.path for change in error.changes]
    changed = ", ".join(paths[:_CHANGED_SHOWN]) or "no inputs (details only)"
    if len(paths) > _CHANGED_SHOWN:
        changed += f" and {len(paths) - _CHANGED_SHOWN} more"
    head = error.head.number
    return (
        f"conflict: KPI set {error.name!r} is at revision {head}, not {error.base} "
        f"(saved since by {error.ctx['authors']}); changed: {changed}. Nothing was written: "
        f"review revision {head} and save again with --base-revision {head}, or save under "
        "another --name."
    )
