"""Monthly KPI targets as the What-if and KGI逆算 pages show them: one metric at a time
(revenue and wins first), each column named for what it is, and month labels for charts.

The simulated monthly table (``SimulationResult.kpi_targets``) holds, per metric, the
median (P50) and the level reached with the plan's confidence (its ``1 − confidence``
quantile): that is the month's target at the confidence. KGI逆算 adds the plain chain's
requirement (mean values only), a different number, so it gets a column of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from simulator.calendar import month_label, parse_year_month
from simulator.plan import KpiSet
from ui import session, tables
from ui.format import count_value, money_unit, month, setting_percent, whole
from ui.i18n import t

METRIC = session.widget("monthly_metric")  # the metric the monthly table shows
FIRST = ("revenue", "wins", "opportunities")  # what a manager reads first
MONEY = ("revenue", "cumulative_revenue")  # in 万円 for yen in Japanese, as every money column


def metrics(monthly: pd.DataFrame) -> list[str]:
    """The table's metrics: revenue, wins and opportunities first, then each channel's
    counts in funnel order."""
    keys = list(dict.fromkeys(metric for metric, _ in monthly.columns))
    first = [key for key in FIRST if key in keys]
    return first + [key for key in keys if key not in first]


def columns(confidence: float) -> dict[str, str]:
    """Each column's header: what the number is, not only which quantile."""
    return {
        "plain": t("targets.plain"),
        "p50": t("targets.p50"),
        "confidence": t("targets.at_confidence", confidence=setting_percent(confidence)),
    }


def table(
    monthly: pd.DataFrame,
    metric: str,
    confidence: float,
    lang: str,
    plain: pd.DataFrame | None = None,
    plan: KpiSet | None = None,
) -> pd.DataFrame:
    """One metric month by month: the plain chain's requirement (when given), the
    simulated median and the target at the confidence, rounded as shown (``ui.format``):
    counts whole from 10 up, money in the unit of :func:`metric_name` (万円 for yen in
    Japanese)."""
    names = columns(confidence)
    frame = pd.DataFrame(index=monthly.index)
    if plain is not None and metric in plain.columns:
        frame[names["plain"]] = plain[metric].reindex(monthly.index)
    frame[names["p50"]] = monthly[(metric, "p50")]
    frame[names["confidence"]] = monthly[(metric, "confidence")]
    frame.index = [month(m, lang) for m in frame.index]
    frame.index.name = t("table.month")
    if metric in MONEY:
        unit = money_unit(plan.currency if plan is not None else "JPY", lang)
        return frame.map(lambda v: float(round(unit.shown(v))))
    return frame.map(count_value)


def metric_name(metric: str, plan: KpiSet | None = None, lang: str | None = None) -> str:
    """A metric's name from the glossary; a money metric's with its unit: 受注金額（万円）."""
    label = tables.metric_label(metric, plan, lang)
    if metric in MONEY:
        unit = money_unit(plan.currency if plan is not None else "JPY", lang or session.lang())
        return tables.money_header(label, unit, lang or session.lang())
    return label


def month_ticks(months: Sequence[str], lang: str) -> list[str]:
    """Chart labels for months: 4月 / Apr, with the year on a second line on the first
    month and in January, so neighbouring labels stay short and do not overlap.

    A chart's month axis is categorical, so a month repeated in a horizon over 12 months
    (May 2027, May 2028) gets invisible zero-width spaces to stay a category of its own.
    """
    labels: list[str] = []
    for i, key in enumerate(months):
        year, number = parse_year_month(key)
        text = f"{number}月" if lang == "ja" else month_label(year, number, "en")[:3]
        if i == 0 or number == 1:
            text += f"<br>{year}年" if lang == "ja" else f"<br>{year}"
        while text in labels:
            text += "\u200b"
        labels.append(text)
    return labels


def show(
    monthly: pd.DataFrame,
    confidence: float,
    lang: str,
    assumption: str,
    trials: int,
    download: str,
    file_name: str,
    plain: pd.DataFrame | None = None,
    title: bool = True,
    plan: KpiSet | None = None,
    light: bool = False,
) -> None:
    """The monthly targets: what they assume, a metric chooser, that metric month by month,
    what each column means, and every metric as CSV (``download``: the button's key)."""
    if title:
        st.subheader(t("targets.title"))
    st.markdown(assumption)
    options = metrics(monthly)
    session.ensure_choice(METRIC, options, options[0])
    names = {m: metric_name(m, plan, lang) for m in options}  # named in this run's language
    chosen = st.selectbox(
        t("targets.metric"), options, format_func=names.get, key=METRIC, width=360
    )
    frame = table(monthly, chosen, confidence, lang, plain, plan)
    if light:  # text the browser lays out at once, not a data grid (the What-if loop)
        st.table(tables.as_text(frame))
    else:
        st.dataframe(
            frame,
            width="stretch",
            height="content",  # every month at once, no scrolling inside the table
            column_config=tables.number_columns(frame),
        )
    note = t("targets.note", confidence=setting_percent(confidence), trials=whole(trials))
    st.caption(note + (" " + t("targets.note_plain") if plain is not None else ""))
    st.download_button(
        t("table.download"),
        # Written with the table: a file written on the click (a callable) was lost when
        # the click met a slider move's run (3 of 36 under load, 0 of 24 written here).
        data=tables.csv_bytes(tables.monthly_kpis(monthly, lang, plan)),
        file_name=file_name,
        mime="text/csv",
        key=download,
        on_click="ignore",  # a download changes nothing: no run of the page for it
    )
