"""What the KPI set store and imports refuse: coded errors the UI and the CLI put into words.

Nothing is ever written half way: each of these means the request wrote nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.errors import CodedError, Problem, several

if TYPE_CHECKING:
    from simulator.compare import Change
    from simulator.kpi_sets.records import Revision


class StoreError(CodedError):
    """A request the store refuses, with a ``code`` the UI translates and its values."""


class NotFound(StoreError):
    pass


class SchemaTooNew(StoreError):
    pass


class Conflict(StoreError):
    """The save would overwrite or shadow someone else's work; nothing was written."""


class NameTaken(Conflict):
    def __init__(self, name: str) -> None:
        super().__init__("name_taken", f"a KPI set named {name!r} already exists", name=name)


class StaleRevision(Conflict):
    """The set moved on since the caller's base revision (see :attr:`newer`, :attr:`changes`)."""

    def __init__(
        self,
        name: str,
        base: int,
        head: Revision,
        newer: list[Revision],
        changes: list[Change],
    ) -> None:
        authors = ", ".join(sorted({r.author or "?" for r in newer}))
        super().__init__(
            "stale_revision",
            f"KPI set {name!r} is at revision {head.number}, not {base}: saved since by "
            f"{authors}. Nothing was written; save as a copy or reload revision {head.number}.",
            name=name,
            base=base,
            head=head.number,
            authors=authors,
        )
        self.name = name
        self.base = base
        self.head = head
        self.newer = newer
        self.changes = changes


#: One thing wrong with an imported file: its ``file``, the field ``path`` (or ""), a
#: stable code the UI translates, an English sentence and the code's parameters.
FileProblem = Problem


class ImportProblem(CodedError):
    """The batch was refused; :attr:`problems` lists every problem of every file."""

    def __init__(self, problems: list[FileProblem]) -> None:
        code, message, ctx = several(problems)
        super().__init__(code, message, **ctx)
        self.problems = list(problems)
