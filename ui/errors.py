"""Refusals in the user's language: the one place the UI puts a coded error into words.

Every error the core raises on purpose is a :class:`~simulator.errors.CodedError` holding
one or more problems (where, a stable code, its values, an English sentence). A problem's
code is looked up in the catalog sections of its error's kind; a code the catalogs do not
know shows the core's English sentence, so a new code is never lost, only untranslated.

Given the plan a problem is about (a what-if scenario, a KGI逆算 goal), its field reads as
the glossary names it (受注率, 接触率（架電→接触）) rather than as a path the user never
typed; a file's problems keep their paths, which point into the file.
"""

from __future__ import annotations

import re
from typing import Any

from simulator import glossary
from simulator import kpi_sets as kpi_store
from simulator.actuals import ActualsError
from simulator.errors import CodedError, Problem
from simulator.plan import KpiSet
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


_INDEXED = re.compile(r"^channels\[(\d+)\](?:\.stages\[(\d+)\])?")


def field_label(path: str, plan: KpiSet, lang: str | None = None) -> str:
    """A problem's field in ``plan`` as the glossary names it: ``channels[0].stages[1].rate``
    → 商談化率（接触→商談）, ``team.hires[0].change`` → 採用・退職."""
    lang = lang or session.lang()
    found = _INDEXED.match(path)
    if found:
        channel_index, stage_index = int(found[1]), found[2]
        if channel_index < len(plan.channels):
            channel = plan.channels[channel_index]
            named = f"channels.{channel.key}"
            if stage_index is not None and int(stage_index) < len(channel.stages):
                named += f".stages.{channel.stages[int(stage_index)].key}"
            path = named + path[found.end() :]
    path = re.sub(r"\[\d+\]", "", path)
    for whole in ("team.hires", "seasonality"):  # a row or month of a list: the list
        if path.startswith(whole + "."):
            path = whole
    return glossary.input_label(path, lang, plan)


def line(
    problem: Problem,
    kind: type[CodedError],
    lang: str | None = None,
    plan: KpiSet | None = None,
    **values: Any,
) -> str:
    """One problem as ``file › field: message`` (the parts it has); with the ``plan`` it is
    about, its field named by the glossary."""
    field = problem.path
    if field and plan is not None and not problem.file:
        field = field_label(field, plan, lang)
    where = " › ".join(part for part in (problem.file, field) if part)
    message = _translated(_sections(kind), problem, lang, **values)
    return f"{where}: {message}" if where else message


def describe(
    error: CodedError, lang: str | None = None, plan: KpiSet | None = None, **values: Any
) -> list[str]:
    """One line per problem of ``error``; ``values`` fill placeholders its own do not."""
    return [line(problem, type(error), lang, plan, **values) for problem in error.problems]


def markdown(
    error: CodedError,
    lang: str | None = None,
    *,
    bulleted: bool = False,
    plan: KpiSet | None = None,
) -> str:
    """``error`` for ``st.error`` and friends: user text escaped, several problems listed;
    with the ``plan`` the error is about, fields named by the glossary."""
    lines = [plain(text) for text in describe(error, lang, plan)]
    if len(lines) == 1 and not bulleted:
        return lines[0]
    return "\n".join(f"- {text}" for text in lines)


def unsolvable(code: str, lever: str, lang: str | None = None, *, short: bool = False) -> str:
    """Why no value of one lever alone reaches the target (an :class:`Unsolvable` code):
    a sentence naming the lever, or the few words of a table cell when ``short``."""
    problem = Problem("", code, "—" if short else code)
    sections = ("pin.problem",) if short else _sections(Unsolvable)
    return _translated(sections, problem, lang, lever=lever)
