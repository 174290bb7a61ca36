"""The pages' vocabulary: names from the glossary, help without statistics jargon, tables
and charts in the one number format (no Streamlit session needed)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from simulator import engine, glossary, levers
from simulator.plan import KpiSet, load_plan
from tests.conftest import SAMPLES, make_plan
from ui import charts, summaries, tables
from ui.i18n import catalog

PLANS = {p.stem: load_plan(p) for p in SAMPLES}
LANGS = ("ja", "en")
#: Statistics a manager should not need to read a slider: kept for "see the math".
JARGON = re.compile(
    r"Beta|ベータ|lognormal|log-normal|対数正規|Sobol|Poisson|ポアソン|percentile|quantile|"
    r"分位|\bP10\b|\bP90\b|%点",
    re.IGNORECASE,
)
#: A plan key or dotted path where a name should be.
RAW = re.compile(
    r"\b[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*\b"
    r"|\b[a-z_]+ › [a-z_]+\b|channels\.|\b(win_rate|deal_size|sales_cycle_months|team\.reps"
    r"|calls_per_rep_per_day|volume_per_month|open_opportunities)\b"
)


def _levers(name: str) -> list[levers.Lever]:
    return levers.levers(PLANS[name])


# ----------------------------------------------------------------------------- names


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", sorted(PLANS))
def test_every_lever_is_named_by_the_glossary(name: str, lang: str) -> None:
    plan = PLANS[name]
    for lever in _levers(name):
        label = tables.lever_label(lever, plan, lang)
        assert label == glossary.lever_label(lever.path, lang, plan)
        assert not RAW.search(label), label
    if name == "jp_smb_saas":
        label = tables.lever_label("channels.calls.stages.opportunity.rate", plan, lang)
        expected = {"ja": "商談化率（接触→商談）", "en": "Opportunity rate (connect → opportunity)"}
        assert label == expected[lang]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", sorted(PLANS))
def test_every_lever_help_is_its_glossary_entry_without_jargon(name: str, lang: str) -> None:
    plan = PLANS[name]
    for lever in _levers(name):
        text = tables.lever_help(lever, plan, lang)
        about = glossary.describe(lever.path, lang, plan)
        assert about.definition and about.definition in text, lever.path
        assert about.formula in text, lever.path
        for figure in about.typical:  # each typical range with its source
            assert figure.source in text and figure.scope[lang] in text, lever.path
        if not about.typical:
            said = about.assumption or catalog(lang)["help.no_figure"]
            assert said in text, lever.path
        assert not JARGON.search(text), (lever.path, JARGON.search(text))
        assert not RAW.search(text), (lever.path, text)


def test_help_text_reads_typical_rates_as_percentages() -> None:
    plan = PLANS["jp_smb_saas"]
    lever = levers.find(plan, "channels.calls.stages.opportunity.rate")
    text = tables.lever_help(lever, plan, "ja")
    assert "10.0〜15.0%：アウトバウンドの商談化率（接触→商談）（出典：decisense）" in text
    reps = tables.lever_help(levers.find(plan, "team.calls_per_rep_per_day"), plan, "en")
    assert "28–50 calls/day: Japanese inside sales" in reps, reps


def test_the_jargon_lives_in_the_math_panels() -> None:
    for lang in LANGS:
        messages = catalog(lang)
        for key, text in messages.items():
            if key.startswith(("help.", "whatif.", "pin.", "reverse.", "glossary.")):
                assert not re.search(r"Beta|ベータ|lognormal|対数正規|Sobol", text), key
        assert re.search(r"Beta|ベータ", messages["math.distributions"])
        assert re.search(r"lognormal|対数正規", messages["math.distributions"])
        assert "Sobol" in messages["math.pin"]


@pytest.mark.parametrize("lang", LANGS)
def test_input_values_read_in_their_units(lang: str) -> None:
    plan = PLANS["jp_smb_saas"]
    text = {
        path: tables.input_text(path, value, plan, lang)
        for path, value in (
            ("win_rate.low", 0.2),
            ("channels.calls.stages.connect.rate.low", 0.0345),
            ("deal_size.high", 1_800_000.0),
            ("team.reps", 6),
            ("year_end_closure", True),
            ("channels.calls.volume_from", "team"),
            ("start_month", "2027-04"),
            ("simulation.seed", 20270401),
            ("channels.inbound.stages.opportunity.rate.successes", 38),
            ("target.revenue", 2.5e8),
        )
    }
    ja = lang == "ja"
    assert text["win_rate.low"] == "20.0%"
    assert text["channels.calls.stages.connect.rate.low"] == "3.45%"
    assert text["deal_size.high"] == ("1,800,000円" if ja else "¥1,800,000")
    assert text["team.reps"] == ("6人" if ja else "6 reps")
    assert text["year_end_closure"] == ("あり" if ja else "yes")
    assert text["channels.calls.volume_from"] == (
        "担当者数から計算" if ja else "from the team's reps"
    )
    assert text["start_month"] == ("2027年4月" if ja else "Apr 2027")
    assert text["simulation.seed"] == "20270401"
    successes = text["channels.inbound.stages.opportunity.rate.successes"]
    assert successes == ("38件" if ja else "38 opportunities")
    assert text["target.revenue"] == ("250,000,000円" if ja else "¥250,000,000")
    assert tables.input_text("months", None, plan, lang) == "—"


def test_change_rows_name_each_input() -> None:
    plan = PLANS["jp_smb_saas"]
    rows = tables.change_rows(
        [("channels.calls.stages.connect.rate.low", (0.08, 0.1)), ("team.reps", (6, 8))],
        plan,
        "ja",
    )
    assert rows == [["接触率（架電→接触）P10", "8.0%", "10.0%"], ["担当者数（期首）", "6人", "8人"]]


# ----------------------------------------------------------------------------- tables


@pytest.fixture(scope="module")
def detail() -> tuple[KpiSet, summaries.Breakdown]:
    plan = PLANS["jp_smb_saas"]
    result = engine.simulate(plan, trials=5_000, seed=3)
    return plan, summaries.breakdown(result)


@pytest.mark.parametrize("lang", LANGS)
def test_monthly_kpis_are_named_by_the_glossary_and_rounded_as_shown(detail, lang: str) -> None:
    plan, found = detail
    frame = tables.monthly_kpis(found.monthly, lang, plan)
    metrics = list(dict.fromkeys(metric for metric, _ in found.monthly.columns))
    ja = lang == "ja"
    for metric in metrics:
        label = glossary.metric_label(metric, lang, plan)
        if metric == "revenue":
            label += "（万円）" if ja else " (JPY)"
        assert any(column.startswith(label) for column in frame.columns), (metric, label)
    for column in frame.columns:
        assert not RAW.search(column), column
        values = frame[column].to_numpy()
        big = np.abs(values) >= 10
        assert np.all(values[big] == np.round(values[big])), column  # whole from 10 up
        assert np.all(values == np.round(values, 1)), column
    revenue = next(c for c in frame.columns if c.startswith(glossary.metric_label("revenue", lang)))
    shown = frame[revenue].iloc[0]
    raw = found.monthly[("revenue", "p50")].iloc[0]
    assert shown == round(raw / 1e4) if ja else shown == round(raw)
    csv = tables.csv_bytes(frame).decode("utf-8-sig")
    assert not re.search(r"\d[eE][+-]?\d", csv) and ".0," not in csv


def test_math_table_names_counts(detail) -> None:
    plan, found = detail
    frame = tables.math_table(found, "en", plan)
    assert list(frame.iloc[:, 0])[:3] == ["Calls", "Connects (calls)", "Opportunities (calls)"]
    assert all(not RAW.search(str(v)) for v in frame.iloc[:, 0])


@pytest.mark.parametrize("lang", LANGS)
def test_glossary_tables_list_every_entry_with_both_sides(lang: str) -> None:
    found = tables.glossary_tables(lang)
    assert [kind for kind, _ in found] == [
        "channel",
        "stage",
        "funnel",
        "team",
        "plan",
        "simulation",
    ]
    names = [name for _, frame in found for name in frame.iloc[:, 0]]
    assert names == [entry.name[lang] for entry in glossary.entries()]
    stages = dict(found)["stage"]
    connect = stages[stages.iloc[:, 0] == glossary.entry("connect").name[lang]].iloc[0]
    assert connect.iloc[1] == glossary.entry("connect").rate[lang]
    assert "wsf-is.com" in connect.iloc[-1] and "15.0" in connect.iloc[-1]


def test_plan_terms_name_the_plans_own_steps() -> None:
    data = make_plan().model_dump(mode="json")
    data["channels"].append(
        {
            "key": "webinar",
            "label": {"ja": "ウェビナー参加"},
            "volume_per_month": 40,
            "stages": [{"key": "demo_request", "rate": 0.2}, {"key": "opportunity", "rate": 0.5}],
        }
    )
    plan = KpiSet.model_validate(data)
    ja = tables.plan_terms(plan, "ja")
    counts = list(ja.iloc[:, 0])
    assert counts[:3] == ["架電数", "接触数（架電）", "商談数（架電）"]
    assert "ウェビナー参加件数" in counts
    assert "demo request 件数（ウェビナー参加）" in counts
    rates = list(ja.iloc[:, 1])
    assert "転換率（ウェビナー参加→demo request）" in rates
    en = tables.plan_terms(plan, "en")
    assert all(not RAW.search(str(v)) for v in en.to_numpy().ravel())


# ----------------------------------------------------------------------------- charts


def _visible_text(figure) -> list[str]:
    """Every string a reader can see in a figure: titles, tick and hover texts, names."""
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("text", "ticktext", "hovertext", "name", "title") or "title" in key:
                    walk_values(value)
                else:
                    walk(value)
        elif isinstance(node, list | tuple):
            for item in node:
                walk(item)

    def walk_values(value) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, list | tuple | np.ndarray):
            for item in value:
                walk_values(item)
        elif isinstance(value, dict):
            walk(value)

    walk(figure.to_dict())
    return found


def test_monthly_targets_money_axis_is_in_man_yen() -> None:
    from ui.format import money

    months = ["4月", "5月", "6月"]
    revenue = np.array([20_833_334.319, 15_000_000.0, 25_000_000.0])
    figure = charts.monthly_targets(
        months,
        np.array([10.0, 12.0, 8.0]),
        revenue,
        None,
        {"title": "T", "x": "月", "opportunities": "商談", "solved": "s", "revenue": "受注金額"},
        lambda v: money(v, "JPY", "ja"),
    )
    axis = figure.layout.yaxis2
    assert list(axis.ticktext)[:3] == ["0円", "1,000万円", "2,000万円"]
    assert all(str(text).endswith("円") for text in axis.ticktext)
    assert axis.exponentformat == "none"
    texts = _visible_text(figure)
    assert "2,083万円" in texts  # the hover, not 20.833334319M
    assert not any(re.search(r"\d\.\d{4,}", text) for text in texts), texts


def test_every_axis_shows_plain_numbers() -> None:
    plan = make_plan(months=12, sales_cycle_months={"low": 1, "high": 3})
    result = engine.simulate(plan, trials=5_000, seed=1)
    view = summaries.headline(result)
    found = summaries.breakdown(result)
    labels = {k: k for k in ("title", "x", "y", "below", "above", "target_line", "band")}
    labels |= {"median": "P50", "target_path": "t"}
    figures = [
        charts.revenue_histogram(view, labels, lambda v: f"{v:,.0f}円"),
        charts.cumulative_fan(view, view.months, labels, lambda v: f"{v:,.0f}円"),
        charts.funnel(found.stages, tables.stage_labels(found.stages, plan), labels),
        charts.tornado(["a"], [0.1], [-0.1], {"title": "t", "x": "x", "up": "u", "down": "d"}),
    ]
    for figure in figures:
        assert figure.layout.xaxis.exponentformat == "none"
        assert figure.layout.yaxis.exponentformat == "none"
        for text in _visible_text(figure):
            assert not re.search(r"\d[eE][+-]?\d", text), text
            assert not RAW.search(text), text


def test_a_light_table_shows_numbers_as_the_format_writes_them() -> None:
    frame = pd.DataFrame({"件": ["a", "b"], "n": [12345.0, 6.5], "z": [-0.25, 2.5e8]})
    shown = tables.as_text(frame)
    assert shown["件"].tolist() == ["a", "b"]
    assert shown["n"].tolist() == ["12,345", "6.5"]
    assert shown["z"].tolist() == ["-0.25", "250,000,000"]  # never an exponent
    assert frame["n"].tolist() == [12345.0, 6.5]  # the numbers themselves are left alone
