"""Refusals in the user's language: the one place the UI puts a coded error into words.

Every error the core raises on purpose is a :class:`~simulator.errors.CodedError` holding
one or more problems (where, a stable code, its values, an English sentence). A problem's
code is looked up in the catalog sections of its error's kind; a code the catalogs do not
know shows the core's English sentence, so a new code is never lost, only untranslated.
"""

from __future__ import annotations

from typing import Any

from simulator import kpi_sets as kpi_store
from simulator.actuals import ActualsError
from simulator.errors import CodedError, Problem
from simulator.reverse import Unsolvable
from ui import session
from ui.format import plain
from ui.i18n import catalog, t

#: The catalog sections that translate each kind of error's codes, searched in order.
SECTIONS: tuple[tuple[type[CodedError], tuple[str, ...]], ...] = (
    (kpi_store.ImportProblem, ("import_errors", "errors")),  # a file's own problems, its plan's
    (kpi_store.StoreError, ("store_errors",)),
    (Unsolvable, ("reverse.problem",)),
    (ActualsError, ("review.problem",)),
    (CodedError, ("errors",)),  # a plan's problems (PlanError), a range no law fits
)


def _sections(kind: type[CodedError]) -> tuple[str, ...]:
    return next(names for cls, names in SECTIONS if issubclass(kind, cls))


def _translated(sections: tuple[str, ...], problem: Problem, lang: str | None, **values) -> str:
    messages = catalog(lang or session.lang())
    for section in sections:
        key = f"{section}.{problem.code}"
        if key in messages:
            return t(key, lang, **(problem.ctx | values))
    return problem.message


def line(problem: Problem, kind: type[CodedError], lang: str | None = None, **values: Any) -> str:
    """One problem as ``file › path: message`` (the parts it has)."""
    where = " › ".join(part for part in (problem.file, problem.path) if part)
    message = _translated(_sections(kind), problem, lang, **values)
    return f"{where}: {message}" if where else message


def describe(error: CodedError, lang: str | None = None, **values: Any) -> list[str]:
    """One line per problem of ``error``; ``values`` fill placeholders its own do not."""
    return [line(problem, type(error), lang, **values) for problem in error.problems]


def markdown(error: CodedError, lang: str | None = None, *, bulleted: bool = False) -> str:
    """``error`` for ``st.error`` and friends: user text escaped, several problems listed."""
    lines = [plain(text) for text in describe(error, lang)]
    if len(lines) == 1 and not bulleted:
        return lines[0]
    return "\n".join(f"- {text}" for text in lines)


def unsolvable(code: str, lever: str, lang: str | None = None, *, short: bool = False) -> str:
    """Why no value of one lever alone reaches the target (an :class:`Unsolvable` code):
    a sentence naming the lever, or the few words of a table cell when ``short``."""
    problem = Problem("", code, "—" if short else code)
    sections = ("pin.problem",) if short else _sections(Unsolvable)
    return _translated(sections, problem, lang, lever=lever)
