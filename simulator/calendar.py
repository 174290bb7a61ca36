"""Months of a plan: working days, seasonality, fiscal labels.

Working days are weekdays minus the public holidays of the plan's country, from the
`holidays` package (Japan's include substitute and citizens' holidays). With
``year_end_closure`` the days most Japanese offices close, 29 December to 3 January, are
removed too: set it for a Japanese team whose office follows that custom.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays
import numpy as np

#: Days of the year-end closure (年末年始休業), as (month, day).
YEAR_END_CLOSURE = ((12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3))


def parse_year_month(value: str) -> tuple[int, int]:
    year, month = value.split("-")
    return int(year), int(month)


def month_sequence(start_month: str, months: int) -> list[tuple[int, int]]:
    """(year, month) for each month of the horizon, from ``start_month`` (``YYYY-MM``)."""
    year, month = parse_year_month(start_month)
    out = []
    for i in range(months):
        y, m = divmod(month - 1 + i, 12)
        out.append((year + y, m + 1))
    return out


def month_keys(start_month: str, months: int) -> list[str]:
    """``YYYY-MM`` for each month of the horizon."""
    return [f"{y:04d}-{m:02d}" for y, m in month_sequence(start_month, months)]


@lru_cache(maxsize=256)
def _holidays(country: str, years: tuple[int, ...]) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays(country, years=list(years)).keys())


@lru_cache(maxsize=256)
def _working_days(
    start_month: str, months: int, country: str, year_end_closure: bool
) -> tuple[int, ...]:
    sequence = month_sequence(start_month, months)
    closed = _holidays(country, tuple(sorted({y for y, _ in sequence})))
    counts = []
    for year, month in sequence:
        day = dt.date(year, month, 1)
        n = 0
        while day.month == month:
            if (
                day.weekday() < 5
                and day not in closed
                and not (year_end_closure and (day.month, day.day) in YEAR_END_CLOSURE)
            ):
                n += 1
            day += dt.timedelta(days=1)
        counts.append(n)
    return tuple(counts)


def working_days(
    start_month: str,
    months: int,
    country: str = "JP",
    *,
    year_end_closure: bool = False,
    override: float | None = None,
) -> np.ndarray:
    """Working days in each month of the horizon.

    ``override`` is the plan's ``working_days_per_month``: the same number for every month.
    """
    if override is not None:
        return np.full(months, float(override))
    return np.array(_working_days(start_month, months, country, year_end_closure), dtype=float)


def seasonality_factors(start_month: str, months: int, seasonality: list[float]) -> np.ndarray:
    """The plan's seasonality (12 factors, January first) laid over the horizon."""
    return np.array([seasonality[m - 1] for _, m in month_sequence(start_month, months)])


def month_label(year: int, month: int, lang: str = "ja") -> str:
    """A month as a Japanese manager reads it (2027年4月), or in English (Apr 2027)."""
    if lang == "ja":
        return f"{year}年{month}月"
    return dt.date(year, month, 1).strftime("%b %Y")
