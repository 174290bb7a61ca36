"""Numbers, money, percentages, counts, months and times as the user reads them: the one
place every page, table, chart and download takes its number format from.

The rules, in both languages:

- **Money.** Yen in Japanese reads in 万円 / 億円 (:func:`money`); other currencies, and
  yen in English, as a symbol with k / M / B. A full amount has thousands separators
  (:func:`money_full`: ``250,000,000円``, ``$1,500,000``). Money *inputs* are in 万円 for
  yen in Japanese and in plain units otherwise (:func:`money_unit`), the full amount
  shown beside them.
- **Percentages.** Every computed share has one decimal (:func:`percent`: ``10.5%``,
  ``8.6%``, never ``10%`` beside ``8.63%``); a setting chosen in whole percents (the
  required probability) reads as chosen (:func:`setting_percent`: ``80%``); a plan's own
  input reads as exactly as it was entered (:func:`input_percent`: ``8.0%``, ``3.45%``).
- **Counts.** Whole numbers as whole numbers (``6``, not ``6.0``), with separators; an
  expected count below 10 keeps one decimal (:func:`count`: ``4,999``, ``12``, ``6.5``).
- **Never scientific notation**, in the page, a table, a chart or a link
  (:func:`number`, :func:`url_number`).
- **Times** in the user's time zone (Japan's by default), with the zone named
  (:func:`timestamp`: ``2027-04-01 10:00 JST``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

SYMBOLS = {"JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£"}
#: The zone times are shown in when the browser names none (or one this system lacks).
DEFAULT_ZONE = "Asia/Tokyo"


# ----------------------------------------------------------------------------- money


def money(value: float, currency: str, lang: str, digits: int = 2) -> str:
    """Yen in 万円 / 億円 / 兆円 for a Japanese reader; otherwise a short symbol form."""
    if not math.isfinite(value):
        return "—"
    sign = "-" if value < 0 else ""
    value = abs(value)
    if lang == "ja" and currency == "JPY":
        if value >= 1e12:
            return f"{sign}{value / 1e12:,.{digits}f}兆円"
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


def trim_zeros(text: str) -> str:
    """Decimals that add nothing dropped: ``1.50億円`` → ``1.5億円``, ``3.00億円`` → ``3億円``."""
    text = re.sub(r"(\.\d*?[1-9])0+(?!\d)", r"\1", text)
    return re.sub(r"\.0+(?!\d)", "", text)


def money_tick(value: float, currency: str, lang: str) -> str:
    """A money axis tick: :func:`money` without trailing zeros (``1.5億円``, ``$250k``)."""
    return trim_zeros(money(value, currency, lang))


def money_full(value: float, currency: str, lang: str) -> str:
    """The whole amount with separators: ``250,000,000円`` (Japanese), ``¥250,000,000``."""
    if not math.isfinite(value):
        return "—"
    digits = 0 if currency == "JPY" or float(value).is_integer() else 2
    text = f"{abs(value):,.{digits}f}"
    sign = "-" if value < 0 and float(text.replace(",", "")) != 0 else ""
    if lang == "ja" and currency == "JPY":
        return f"{sign}{text}円"
    symbol = SYMBOLS.get(currency)
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"


def money_range(low: float, high: float, currency: str, lang: str) -> str:
    """``1.6〜3.6億円`` rather than ``1.62億円 – 3.57億円``: one unit, short enough for a metric."""
    text = ""
    for digits in (1, 0):  # fewer digits when the numbers are long (¥162〜357M)
        a, b = money(low, currency, lang, digits=digits), money(high, currency, lang, digits=digits)
        text = f"{a} – {b}"
        for unit in ("兆円", "億円", "万円", "円", "B", "M", "k"):
            if a.endswith(unit) and b.endswith(unit):
                symbol = SYMBOLS.get(currency, "") if lang != "ja" or currency != "JPY" else ""
                text = f"{a[: -len(unit)]}〜{b[len(symbol) :]}"
                break
        if len(text) <= 12:
            break
    return text


def signed_money(value: float, currency: str, lang: str) -> str:
    """A change of money, with its sign (Streamlit colours a metric's delta by it)."""
    text = money(value, currency, lang)
    return text if text.startswith("-") or text == "—" else "+" + text


@dataclass(frozen=True)
class MoneyUnit:
    """How a money input or a money column reads: the amount ÷ ``factor``, in ``unit``."""

    factor: float
    unit: str  # 万円, or the currency's code (JPY, USD)

    def shown(self, amount: float) -> float:
        return amount / self.factor

    def amount(self, shown: float) -> float:
        """The amount a shown value stands for, without float noise (60.5万円 = 605,000)."""
        return float(round(shown * self.factor, 6))


def money_unit(currency: str, lang: str) -> MoneyUnit:
    """万円 for yen in Japanese (the unit a Japanese manager plans in); plain units else."""
    if lang == "ja" and currency == "JPY":
        return MoneyUnit(10_000.0, "万円")
    return MoneyUnit(1.0, currency)


# ----------------------------------------------------------------------------- shares


def percent(value: float, digits: int = 1) -> str:
    """A computed share with one decimal (``45.5%``); a tiny one as ``<0.1%``, not ``0.0%``."""
    if not math.isfinite(value):
        return "—"
    if digits == 1 and 0 < abs(value) < 0.0005:
        return "<0.1%" if value > 0 else "-<0.1%"
    return f"{value * 100:.{digits}f}%"


def setting_percent(value: float) -> str:
    """A probability chosen in whole percents (the required confidence) as chosen: ``80%``;
    any other as :func:`percent`."""
    shown = value * 100
    if math.isfinite(shown) and abs(shown - round(shown)) < 1e-9:
        return f"{round(shown):d}%"
    return percent(value)


def input_percent(value: float) -> str:
    """A rate of the plan exactly as entered, one decimal at least: ``8.0%``, ``3.45%``."""
    if not math.isfinite(value):
        return "—"
    text = number(value * 100, max_digits=6)
    return (text if "." in text else text + ".0") + "%"


def points(value: float, digits: int = 1) -> str:
    """A change of a probability, in percentage points, with its sign."""
    return f"{value * 100:+.{digits}f} pt"


def signed_percent(value: float) -> str:
    """A relative change with its sign and one decimal: ``+10.5%``."""
    return f"{value * 100:+.1f}%"


# ----------------------------------------------------------------------------- counts


def count(value: float) -> str:
    """A count: whole when it is whole or 10 and more (``4,999``, ``6``), else one decimal
    (an expected ``6.5``)."""
    if not math.isfinite(value):
        return "—"
    if abs(round(value, 1)) >= 10 or abs(value - round(value)) < 1e-9:
        text = f"{value:,.0f}"
        return "0" if text == "-0" else text
    text = f"{value:,.1f}"
    return "0.0" if text == "-0.0" else text


def count_value(value: float) -> float:
    """A count rounded as :func:`count` shows it (for tables that keep numbers sortable)."""
    if not math.isfinite(value):
        return value
    return float(round(value)) if abs(round(value, 1)) >= 10 else round(float(value), 1)


def whole(value: float) -> str:
    """People and other whole quantities: ``6``, ``1,200``."""
    return f"{value:,.0f}" if math.isfinite(value) else "—"


def number(value: float, max_digits: int = 6) -> str:
    """Any number in positional notation with separators, never ``1e-07`` or ``2.5e+08``:
    as many decimals as it has, up to ``max_digits``."""
    if isinstance(value, bool):
        return str(value)
    if not math.isfinite(value):
        return "—"
    if float(value).is_integer():
        return f"{value:,.0f}"
    text = np.format_float_positional(
        float(value), precision=max_digits, unique=True, fractional=True, trim="-"
    )
    whole_part, _, decimals = text.lstrip("-").partition(".")
    sign = "-" if text.startswith("-") and text.strip("-0.") else ""
    grouped = f"{int(whole_part):,}"
    return f"{sign}{grouped}.{decimals}" if decimals else f"{sign}{grouped}"


# ----------------------------------------------------------------------------- links


def url_number(value: float) -> str:
    """A number for a link: the shortest text that reads back exactly, never with an
    exponent (``1850000``, ``0.125``, ``1e-07`` as ``0.0000001``)."""
    if isinstance(value, bool) or not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    if float(value).is_integer() and abs(value) < 2**53:
        return str(int(value))
    return np.format_float_positional(float(value), unique=True, trim="-")


def parse_url_number(text: str) -> float:
    """The number a link holds (what :func:`url_number` wrote, or an older ``1.85e+06``);
    :class:`ValueError` for anything else."""
    text = text.strip()
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
        raise ValueError(f"not a number: {text!r}")
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {text!r}")
    return value


# ----------------------------------------------------------------------------- months, times


def month_short(year_month: str, lang: str, first: bool = False) -> str:
    """A chart's month tick: 4月 / Apr, with the year on the first month and in January."""
    from simulator.calendar import month_label, parse_year_month

    year, number_ = parse_year_month(year_month)
    if first or number_ == 1:
        return month_label(year, number_, lang)
    return f"{number_}月" if lang == "ja" else month_label(year, number_, "en")[:3]


def month(year_month: str, lang: str) -> str:
    """``2027-04`` as 2027年4月 or Apr 2027."""
    from simulator.calendar import month_label, parse_year_month

    year, number_ = parse_year_month(year_month)
    return month_label(year, number_, lang)


def zone(name: str | None) -> ZoneInfo:
    """The named time zone, or Japan's when there is no name or this system lacks it."""
    try:
        return ZoneInfo(name) if name else ZoneInfo(DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def timestamp(moment: datetime, zone_name: str | None = None) -> str:
    """A moment in the user's zone, the zone named: ``2027-04-01 10:00 JST``. A naive
    moment is read as UTC (the store keeps UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    where = zone(zone_name)
    local = moment.astimezone(where)
    abbreviation = local.strftime("%Z")
    if not abbreviation or abbreviation[0] in "+-":  # "+09" names nothing: say where
        abbreviation = where.key
    return f"{local:%Y-%m-%d %H:%M} {abbreviation}"


# ----------------------------------------------------------------------------- text

_MARKDOWN_SPECIAL = set("\\`*_{}[]()#+-.!|<>~$:")


def plain(text: str) -> str:
    """User text made inert for Streamlit's markdown: every markup character escaped.

    Streamlit never renders raw HTML here, but markdown would still turn a plan named
    ``[click](http://…)`` into a link; escaping shows exactly what the user typed.
    """
    return "".join(f"\\{ch}" if ch in _MARKDOWN_SPECIAL else ch for ch in text)


def input_value(value: object) -> str:
    """A plan input as table text ("—" when the plan has no such input); never in
    scientific notation (``250,000,000``, ``0.0000001``)."""
    if value is None:
        return "—"
    if isinstance(value, float):
        if value.is_integer():  # 250,000,000 rather than 2.5e+08
            return f"{value:,.0f}"
        text = f"{value:,.6g}"
        if "e" not in text:
            return text
        return f"{value:,.2f}" if abs(value) >= 1 else number(value, max_digits=12)
    return str(value)
