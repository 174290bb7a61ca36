"""Plan errors in the user's language: the field, and what is allowed."""

from __future__ import annotations

from simulator.plan import PlanError
from ui.i18n import catalog, t


def describe(error: PlanError, lang: str) -> list[str]:
    """One line per problem: ``path: message``, the message translated where we can."""
    lines = []
    messages = catalog(lang)
    for issue in error.issues:
        key = f"errors.{issue.code}"
        message = t(key, lang, **issue.ctx) if key in messages else issue.message
        lines.append(f"{issue.path}: {message}" if issue.path else message)
    return lines
