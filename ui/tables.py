"""Translated labels and tables for the pages, and Excel-safe CSV export."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from simulator import kpi_sets as kpi_store
from simulator.levers import Lever
from ui.format import month
from ui.i18n import t
from ui.summaries import Breakdown, StageRow


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


def lever_label(lever: Lever) -> str:
    """A lever's name for the user: a shared one from the catalog, or channel › stage."""
    if lever.stage:
        return t("lever.stage_rate", channel=lever.channel, stage=lever.stage)
    if lever.kind == "volume":
        return t("lever.volume", channel=lever.channel)
    return t(f"lever.{lever.path}")


def metric_label(metric: str) -> str:
    """A count's name: a channel's volume, a channel's stage, or a shared total."""
    if metric in ("opportunities", "wins", "revenue"):
        return t(f"metric_names.{metric}")
    channel, _, stage = metric.partition(".")
    if stage == "volume":
        return t("metric_names.volume", channel=channel)
    return f"{channel} › {stage}"


def stage_labels(stages: Sequence[StageRow]) -> list[str]:
    return [
        metric_label("wins") if not s.channel else metric_label(f"{s.channel}.{s.stage}")
        for s in stages
    ]


def monthly_kpis(monthly: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Monthly KPI targets: each count at P50 and at the plan's confidence."""
    frame = monthly.copy()
    frame.index = [month(m, lang) for m in frame.index]
    frame.index.name = t("table.month")
    frame.columns = [
        f"{metric_label(metric)} {t('table.p50') if which == 'p50' else t('table.at_confidence')}"
        for metric, which in frame.columns
    ]
    return frame.round(0)


def math_table(detail: Breakdown, lang: str) -> pd.DataFrame:
    frame = detail.math.copy()
    frame["metric"] = [metric_label(m) for m in frame["metric"]]
    frame["gap_in_errors"] = (frame["simulated"] - frame["closed_form"]) / frame["std_error"]
    frame.columns = [
        t("math.col.metric"),
        t("math.col.closed_form"),
        t("math.col.simulated"),
        t("math.col.std_error"),
        t("math.col.gap"),
    ]
    return frame.round(2)


def excel_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would read as a formula get a leading apostrophe."""

    fix = kpi_store.excel_safe_text
    out = frame.copy()
    out.columns = [fix(str(c)) for c in out.columns]
    out.index = [fix(str(i)) for i in out.index]
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(fix)
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens Japanese text correctly."""
    return excel_safe(frame).to_csv(index=True).encode("utf-8-sig")
