"""Messages in Japanese and English: ``t(key, **values)`` over ``locales/*.toml``.

Japanese is the default; the session's language is ``session.lang()``, started from the
browser's locale. Numbers and dates are formatted the way a Japanese manager reads them
(万円 / 億円, 2027年4月) or the English way.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from ui import session

LOCALES = Path(__file__).resolve().parent.parent / "locales"


@cache
def catalog(lang: str) -> dict[str, str]:
    """All messages of a language, flattened to dotted keys."""
    with (LOCALES / f"{lang}.toml").open("rb") as handle:
        data = tomllib.load(handle)
    out: dict[str, str] = {}

    def walk(prefix: str, node: dict[str, Any]) -> None:
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict):
                walk(path, value)
            else:
                out[path] = str(value)

    walk("", data)
    return out


def t(key: str, lang: str | None = None, **values: Any) -> str:
    """The message ``key`` in the session's language, with ``{placeholders}`` filled."""
    messages = catalog(lang or session.lang())
    text = messages.get(key)
    if text is None:  # a missing key is a bug, but the page must still render
        text = catalog(session.DEFAULT_LANG).get(key, key)
    return text.format_map(_Values(values)) if values else text


class _Values(dict):
    """Placeholders without a value stay as written rather than raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
