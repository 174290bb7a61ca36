"""Numbers, money and months as the user reads them, in either language."""

from __future__ import annotations

import math

SYMBOLS = {"JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£"}


def money(value: float, currency: str, lang: str, digits: int = 2) -> str:
    """Japanese yen in 万円 / 億円 for a Japanese reader; otherwise a short symbol form."""
    if not math.isfinite(value):
        return "—"
    sign = "-" if value < 0 else ""
    value = abs(value)
    if lang == "ja" and currency == "JPY":
        if value >= 1e8:
            return f"{sign}{value / 1e8:,.{digits}f}億円"
        if value >= 1e4:
            return f"{sign}{value / 1e4:,.0f}万円"
        return f"{sign}{value:,.0f}円"
    symbol = SYMBOLS.get(currency, f"{currency} ")
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= size:
            return f"{sign}{symbol}{value / size:,.{digits}f}{suffix}"
    return f"{sign}{symbol}{value:,.0f}"


def money_range(low: float, high: float, currency: str, lang: str) -> str:
    """``1.6〜3.6億円`` rather than ``1.62億円 – 3.57億円``: one unit, short enough for a metric."""
    text = ""
    for digits in (1, 0):  # fewer digits when the numbers are long (¥162〜357M)
        a, b = money(low, currency, lang, digits=digits), money(high, currency, lang, digits=digits)
        text = f"{a} – {b}"
        for unit in ("億円", "万円", "円", "B", "M", "k"):
            if a.endswith(unit) and b.endswith(unit):
                symbol = SYMBOLS.get(currency, "") if lang != "ja" or currency != "JPY" else ""
                text = f"{a[: -len(unit)]}〜{b[len(symbol) :]}"
                break
        if len(text) <= 12:
            break
    return text


def month_short(year_month: str, lang: str, first: bool = False) -> str:
    """A chart's month tick: 4月 / Apr, with the year on the first month and in January."""
    from simulator.calendar import month_label, parse_year_month

    year, number = parse_year_month(year_month)
    if first or number == 1:
        return month_label(year, number, lang)
    return f"{number}月" if lang == "ja" else month_label(year, number, "en")[:3]


def signed_money(value: float, currency: str, lang: str) -> str:
    """A change of money, with its sign (Streamlit colours a metric's delta by it)."""
    text = money(value, currency, lang)
    return text if text.startswith("-") or text == "—" else "+" + text


def percent(value: float, digits: int = 1) -> str:
    return f"{value * 100:.{digits}f}%"


def points(value: float, digits: int = 1) -> str:
    """A change of a probability, in percentage points, with its sign."""
    return f"{value * 100:+.{digits}f} pt"


def count(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


def month(year_month: str, lang: str) -> str:
    """``2027-04`` as 2027年4月 or Apr 2027."""
    from simulator.calendar import month_label, parse_year_month

    year, number = parse_year_month(year_month)
    return month_label(year, number, lang)


_MARKDOWN_SPECIAL = set("\\`*_{}[]()#+-.!|<>~$:")


def plain(text: str) -> str:
    """User text made inert for Streamlit's markdown: every markup character escaped.

    Streamlit never renders raw HTML here, but markdown would still turn a plan named
    ``[click](http://…)`` into a link; escaping shows exactly what the user typed.
    """
    return "".join(f"\\{ch}" if ch in _MARKDOWN_SPECIAL else ch for ch in text)


def input_value(value: object) -> str:
    """A plan input as table text ("—" when the plan has no such input)."""
    if value is None:
        return "—"
    if isinstance(value, float):
        if value.is_integer():  # 250,000,000 rather than 2.5e+08
            return f"{value:,.0f}"
        text = f"{value:,.6g}"
        return f"{value:,.2f}" if "e" in text and abs(value) >= 1 else text
    return str(value)
