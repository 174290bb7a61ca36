"""Errors Centerpin raises on purpose: a stable code, its parameters and an English sentence.

Every refusal the user can meet (a bad plan, a range no distribution fits, a lever no value
of which reaches the target, a KPI set that was saved by someone else first, a bad file)
is a :class:`CodedError`. The core only raises them; they are put into words in the
user's language in one place for the UI (``ui/errors.py``) and one for the command line
(``simulator/cli/errors.py``). Each carries one or more :class:`Problem` rows, so a caller that
reports "which file, which field, what is allowed" treats every kind of error alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong: where (a field path, and the file for imports), a stable code the
    UI translates, an English sentence, and the code's parameters."""

    path: str
    code: str
    message: str
    ctx: dict[str, Any] = field(default_factory=dict)
    file: str = ""

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.file, self.path) if part)
        return f"{where}: {self.message}" if where else self.message


class CodedError(Exception):
    """A refusal with a ``code`` (what went wrong), ``ctx`` (its values) and its problems.

    Raised with one code, ``CodedError(code, message, **ctx)``; an error that reports
    several problems at once (a plan, a batch of files) sets :attr:`problems` to them,
    and its code and values are those of the first.
    """

    def __init__(self, code: str, message: str, **ctx: Any) -> None:
        super().__init__(message)
        self.code = code
        self.ctx = ctx
        self.problems: list[Problem] = [Problem("", code, message, ctx)]


def several(problems: Sequence[Problem]) -> tuple[str, str, dict[str, Any]]:
    """The code, message and values an error reporting ``problems`` is raised with."""
    if not problems:
        raise ValueError("an error needs at least one problem")
    return problems[0].code, "; ".join(map(str, problems)), dict(problems[0].ctx)
