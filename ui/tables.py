"""Names, help texts and tables for the pages: every KPI named by the glossary
(``simulator/glossary.py``), every number in the one format (``ui/format.py``).

A page never shows a plan key or a dotted path: a lever, a count, an input path or a
channel is named here from the glossary, in the session's language, with the plan's own
labels when it has them. Tables keep their numbers as numbers (so a column still sorts),
rounded as they are shown; :func:`number_columns` gives Streamlit the display format.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from simulator import glossary
from simulator import kpi_sets as kpi_store
from simulator.levers import Lever
from simulator.plan import KpiSet
from ui import format, session
from ui.i18n import t
from ui.summaries import Breakdown, StageRow

# ----------------------------------------------------------------------------- chart labels


def histogram_labels() -> dict[str, str]:
    return {
        "title": t("chart.histogram.title"),
        "x": t("chart.histogram.x"),
        "y": t("chart.histogram.y"),
        "below": t("chart.histogram.below"),
        "above": t("chart.histogram.above"),
        "target_line": t("chart.target"),
    }


def fan_labels() -> dict[str, str]:
    return {
        "title": t("chart.fan.title"),
        "x": t("chart.fan.x"),
        "y": t("chart.fan.y"),
        "band": t("chart.fan.band"),
        "median": t("chart.fan.median"),
        "target_path": t("chart.fan.target_path"),
    }


def funnel_labels() -> dict[str, str]:
    return {"title": t("chart.funnel.title"), "x": t("chart.funnel.x"), "median": "P50"}


# ----------------------------------------------------------------------------- names


def lever_label(lever: Lever | str, plan: KpiSet | None = None, lang: str | None = None) -> str:
    """A lever's name from the glossary: 接触率（架電→接触）, 担当者数（期首）. Give the plan:
    a stage's rate is named from the step before it, and the plan's own labels win."""
    path = lever.path if isinstance(lever, Lever) else lever
    return glossary.lever_label(path, lang or session.lang(), plan)


def metric_label(metric: str, plan: KpiSet | None = None, lang: str | None = None) -> str:
    """A count's name from the glossary: 架電数, 接触数（架電）, 受注数, 受注金額."""
    return glossary.metric_label(metric, lang or session.lang(), plan)


def input_label(path: str, plan: KpiSet | None = None, lang: str | None = None) -> str:
    """A flattened input's name (``simulator.compare.flatten``): 受注率 P10, 計画期間."""
    return glossary.input_label(path, lang or session.lang(), plan)


def channel_label(key: str, plan: KpiSet | None = None, lang: str | None = None) -> str:
    """A channel named by what it counts: 架電数, インバウンドリード数, メール送信数."""
    return metric_label(f"{key}.volume", plan, lang)


def stage_labels(stages: Sequence[StageRow], plan: KpiSet | None = None) -> list[str]:
    return [metric_label(f"{s.channel}.{s.stage}" if s.channel else "wins", plan) for s in stages]


def _after(label: str, word: str, lang: str) -> str:
    """``word`` after a label: no space after a Japanese closing bracket (接触数（架電）P50)."""
    return f"{label}{word}" if lang == "ja" and label.endswith("）") else f"{label} {word}"


# ----------------------------------------------------------------------------- help texts


def _typical_unit(about: glossary.Description, figure: glossary.Typical, lang: str) -> str:
    """The unit a published figure reads in: its own (a tenure in か月), % for a rate, or
    the input's unit ("28–50 calls/day", "3〜6か月")."""
    unit = figure.unit[lang] if figure.unit is not None else about.unit
    return f" {unit}" if lang == "en" and unit and unit[0].isalpha() else unit


def typical_text(about: glossary.Description, lang: str, *, short: bool = False) -> list[str]:
    """Each published figure, its unit once: "10.0〜15.0%：scope（出典：source）", or with
    ``short`` the figure alone ("10.0〜15.0%")."""
    out = []
    for figure in about.typical:
        if about.unit == "%" and figure.unit is None:
            low, high = (f"{v * 100:.1f}" for v in (figure.low, figure.high))
        else:
            low, high = format.number(figure.low, 2), format.number(figure.high, 2)
        unit = _typical_unit(about, figure, lang)
        value = high if figure.low == figure.high else t("help.between", lang, low=low, high=high)
        if short:
            out.append(value + unit)
            continue
        scope, source = figure.scope[lang], figure.source
        out.append(t("help.typical_item", lang, value=value + unit, scope=scope, source=source))
    return out


def glossary_help(
    path: str, plan: KpiSet | None = None, lang: str | None = None, *, ranged: bool = False
) -> str:
    """An input's help text: the glossary's definition, formula and typical range with
    its source, in plain words (the distributions behind a range are in "see the math").
    ``ranged``: the input is a low–high range, and the help says how to read one."""
    lang = lang or session.lang()
    about = glossary.describe(path, lang, plan)
    lines = [about.definition] if about.definition else []
    if about.formula:
        lines.append(t("help.formula", lang, formula=about.formula))
    typical = typical_text(about, lang)
    if typical:
        lines.append(t("help.typical", lang) + "\n" + "\n".join(f"- {item}" for item in typical))
    elif about.assumption:
        lines.append(t("help.no_typical", lang, assumption=about.assumption))
    elif about.entry is not None:  # published for other channels only
        lines.append(t("help.no_figure", lang))
    if ranged:
        lines.append(t("help.range", lang))
    return "\n\n".join(lines)


def lever_help(lever: Lever, plan: KpiSet, lang: str | None = None) -> str:
    """A lever's help: its glossary entry, and how a range reads (reps are one number)."""
    return glossary_help(lever.path, plan, lang, ranged=lever.kind != "reps")


# ----------------------------------------------------------------------------- plan inputs


def input_text(path: str, value: Any, plan: KpiSet | None = None, lang: str | None = None) -> str:
    """A plan input's value as a reader expects it: a rate as a percentage exactly as
    entered, money with separators and its unit, a month as 2027年4月, yes/no."""
    lang = lang or session.lang()
    if value is None:
        return "—"
    if isinstance(value, bool):
        return t("value.yes" if value else "value.no", lang)
    last = path.rsplit(".", 1)[-1]
    if last == "volume_from":
        return t("value.team", lang) if value == "team" else str(value)
    if path == "start_month" and isinstance(value, str):
        try:
            return format.month(value, lang)
        except ValueError:
            return value
    if isinstance(value, (int, float)):
        if path in ("simulation.seed", "schema_version"):
            return str(value)
        unit = glossary.unit(path, lang, plan)
        if unit == "%" and last not in ("successes", "trials"):
            return format.input_percent(float(value))
        if glossary.entry_for(path, plan) is not None and glossary.entry_for(path, plan).money:
            currency = plan.currency if plan is not None else "JPY"
            return format.money_full(float(value), currency, lang)
        text = format.input_value(float(value)) if isinstance(value, float) else f"{value:,}"
        spaced = " " if lang == "en" and unit and unit[0].isalpha() else ""
        return f"{text}{spaced}{unit}" if unit and unit not in _NO_UNIT else text
    return format.input_value(value)


#: Units that name a kind of value rather than a unit a number is read in.
_NO_UNIT = {"番号", "number", "整数", "integer", "文字列", "text", "倍", "×"}


def change_rows(
    changes: Iterable[tuple[str, Sequence[Any]]], plan: KpiSet | None, lang: str | None = None
) -> list[list[str]]:
    """Rows of a diff: the input's name, then each of its values, all as text."""
    return [
        [input_label(path, plan, lang), *(input_text(path, v, plan, lang) for v in values)]
        for path, values in changes
    ]


# ----------------------------------------------------------------------------- tables


def money_column(currency: str, lang: str) -> format.MoneyUnit:
    """How money columns of a table read: 万円 for yen in Japanese, else plain units."""
    return format.money_unit(currency, lang)


def money_header(label: str, unit: format.MoneyUnit, lang: str) -> str:
    return f"{label}（{unit.unit}）" if lang == "ja" else f"{label} ({unit.unit})"


def monthly_kpis(monthly: pd.DataFrame, lang: str, plan: KpiSet | None = None) -> pd.DataFrame:
    """Monthly KPI targets: each count at P50 and at the plan's confidence, named by the
    glossary (and the plan's own labels), rounded as shown: counts whole from 10 up, money
    in 万円 for yen in Japanese (the unit in the header)."""
    unit = money_column(plan.currency if plan is not None else "JPY", lang)
    frame = pd.DataFrame(index=[format.month(m, lang) for m in monthly.index])
    frame.index.name = t("table.month", lang)
    for metric, which in monthly.columns:
        label = metric_label(metric, plan, lang)
        values = monthly[(metric, which)].to_numpy(dtype=float)
        if metric in ("revenue", "cumulative_revenue"):
            label = money_header(label, unit, lang)
            values = [float(round(unit.shown(v))) for v in values]
        else:
            values = [format.count_value(v) for v in values]
        word = t("table.p50", lang) if which == "p50" else t("table.at_confidence", lang)
        frame[_after(label, word, lang)] = values
    return frame


def math_table(detail: Breakdown, lang: str, plan: KpiSet | None = None) -> pd.DataFrame:
    """Each count's closed form against the simulation's mean, in standard errors."""
    frame = detail.math
    gap = (frame["simulated"] - frame["closed_form"]) / frame["std_error"]
    return pd.DataFrame(
        {
            t("math.col.metric", lang): [metric_label(m, plan, lang) for m in frame["metric"]],
            t("math.col.closed_form", lang): [format.count_value(v) for v in frame["closed_form"]],
            t("math.col.simulated", lang): [format.count_value(v) for v in frame["simulated"]],
            t("math.col.std_error", lang): [round(float(v), 1) for v in frame["std_error"]],
            t("math.col.gap", lang): [round(float(v), 1) for v in gap],
        }
    )


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A small table's numbers as :func:`ui.format.number` writes them (separators, no
    exponent), for ``st.table``: numbers already rounded as shown stay as shown."""
    shown = frame.copy()
    for column in shown.columns:
        if _numeric(shown[column]):
            shown[column] = [format.number(float(v)) for v in shown[column]]
    return shown


def _numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def number_columns(frame: pd.DataFrame) -> dict[str, Any]:
    """Streamlit column formats for a table's numeric columns: the browser's thousands
    separators on numbers already rounded as shown (so columns still sort as numbers)."""
    return {
        str(column): st.column_config.NumberColumn(format="localized")
        for column in frame.columns
        if _numeric(frame[column])
    }


def percent_column(label: str | None = None, **options: Any) -> Any:
    """A share (0.105) shown as a percentage with one decimal (10.5%)."""
    return st.column_config.NumberColumn(label, format="percent", step=0.001, **options)


# ----------------------------------------------------------------------------- the glossary page


def glossary_tables(lang: str) -> list[tuple[str, pd.DataFrame]]:
    """Every KPI of the glossary by kind (channels, stages, the shared funnel, team, plan,
    simulation): name, rate, definition, formula, unit, typical range and its source."""
    rows: dict[str, list[dict[str, str]]] = {}
    for entry in glossary.entries():
        about = glossary.Description(
            label=entry.label[lang],
            definition=entry.definition[lang],
            formula=entry.formula[lang],
            unit="%" if entry.rate is not None else entry.unit[lang],
            typical=entry.typical,
            assumption=entry.assumption[lang] if entry.assumption else None,
            entry=entry,
        )
        rows.setdefault(entry.kind, []).append(
            {
                t("glossary.col.name", lang): entry.name[lang],
                t("glossary.col.rate", lang): entry.rate[lang] if entry.rate else "—",
                t("glossary.col.definition", lang): entry.definition[lang],
                t("glossary.col.formula", lang): entry.formula[lang],
                t("glossary.col.unit", lang): _unit_text(entry, lang),
                t("glossary.col.typical", lang): t("glossary.joiner", lang).join(
                    typical_text(about, lang)
                )
                or (about.assumption or ""),
            }
        )
    return [(kind, pd.DataFrame(found)) for kind, found in rows.items()]


def _unit_text(entry: glossary.Entry, lang: str) -> str:
    if entry.money:
        return t("glossary.money_unit", lang)
    if entry.rate is not None and entry.kind == "stage":
        return t("glossary.count_and_rate", lang, unit=entry.unit[lang])
    return entry.unit[lang]


def plan_terms(plan: KpiSet, lang: str) -> pd.DataFrame:
    """The plan's own terms: each channel's volume and each stage's count and rate, as
    the glossary (or the plan's own labels) name them, with the formula and the typical
    range that apply in that channel (the definitions are in :func:`glossary_tables`)."""
    rows = []
    for channel in plan.channels:
        volume = f"{channel.key}.volume"
        about = glossary.describe(
            f"channels.{channel.key}.volume_per_month"
            if channel.volume_per_month is not None
            else f"channels.{channel.key}.volume_from",
            lang,
            plan,
        )
        rows.append(_term_row(metric_label(volume, plan, lang), "", about, lang))
        for stage in channel.stages:
            path = f"channels.{channel.key}.stages.{stage.key}.rate"
            about = glossary.describe(path, lang, plan)
            count_name = metric_label(f"{channel.key}.{stage.key}", plan, lang)
            rows.append(_term_row(count_name, lever_label(path, plan, lang), about, lang))
    return pd.DataFrame(rows)


def _term_row(name: str, rate: str, about: glossary.Description, lang: str) -> dict[str, str]:
    """A row of the plan's terms: the figures alone (their scope and source are in the
    definitions below), or why there are none."""
    typical = t("glossary.joiner", lang).join(typical_text(about, lang, short=True))
    if about.entry is None:
        typical = t("glossary.own_term", lang)
    elif not typical:
        typical = t("glossary.no_figure", lang)
    return {
        t("glossary.col.channel_term", lang): name,
        t("glossary.col.rate", lang): rate or "—",
        t("glossary.col.typical_short", lang): typical,
        t("glossary.col.formula", lang): about.formula or "—",
    }


# ----------------------------------------------------------------------------- times and downloads


def zone_name() -> str | None:
    """The user's time zone as the browser names it (None: Japan's, the default)."""
    try:
        return st.context.timezone
    except Exception:  # outside a session (a test calling a callback directly)
        return None


def timestamp(moment: Any) -> str:
    """A stored moment in the user's time zone, the zone named: 2027-04-01 10:00 JST."""
    return format.timestamp(moment, zone_name())


def excel_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would read as a formula get a leading apostrophe."""

    fix = kpi_store.excel_safe_text
    out = frame.copy()
    out.columns = [fix(str(c)) for c in out.columns]
    out.index = [fix(str(i)) for i in out.index]
    if frame.index.name is not None:
        out.index.name = fix(str(frame.index.name))
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(fix)
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens Japanese text correctly; numbers as
    the table shows them (already rounded), never in scientific notation."""
    safe = excel_safe(frame)
    for column in safe.columns:
        if pd.api.types.is_float_dtype(safe[column]):
            safe[column] = [
                "" if not math.isfinite(v) else format.url_number(v) for v in safe[column]
            ]
    return safe.to_csv(index=True).encode("utf-8-sig")
