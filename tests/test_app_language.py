"""Every page under AppTest, in both languages: no plan key or dotted path anywhere a user
can read (titles, text, captions, metrics, tables, widget labels, help, charts), every
lever named by the glossary, and numbers without exponents."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from simulator import glossary, levers
from simulator import kpi_sets as kpi_store
from simulator.plan import parse_plan
from tests.conftest import ROOT
from ui.plans import sample

PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "app_pages").glob("*.py"))
LANGS = ("ja", "en")

#: A plan key or dotted path where a name should be: three dotted identifiers
#: (channels.calls.stages), "calls › connect", "channels.", or a key of the file format.
RAW = re.compile(
    r"\b[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*\b"
    r"|\b[a-z_]+ › [a-z_]+\b|\bchannels\.|\b(?:team|target|simulation)\.[a-z_]+"
    r"|\b(?:win_rate|deal_size|sales_cycle_months|calls_per_rep_per_day|volume_per_month"
    r"|open_opportunities|volume_from|p_target|at_confidence|demo_request)\b"
)
EXPONENT = re.compile(r"\d[eE][+-]\d")
WIDGETS = (
    "slider",
    "select_slider",
    "number_input",
    "selectbox",
    "multiselect",
    "radio",
    "checkbox",
    "toggle",
    "text_input",
    "text_area",
    "button",
    "segmented_control",
)


def _labelled_plan() -> dict:
    """The SMB sample with a channel of its own (a stage key the glossary does not know,
    named in Japanese only) and a label on a standard stage."""
    data = sample("jp_smb_saas").model_dump(mode="json")
    data["simulation"] = {"trials": 2_000, "seed": 5}
    data["channels"][0]["stages"][0]["label"] = {"ja": "決裁者接続", "en": "Decision-maker reached"}
    data["channels"].append(
        {
            "key": "webinar",
            "label": {"ja": "ウェビナー参加"},
            "volume_per_month": {"low": 30, "high": 50},
            "stages": [
                {"key": "demo_request", "rate": {"low": 0.1, "high": 0.2}},
                {"key": "opportunity", "rate": 0.5},
            ],
        }
    )
    return data


@pytest.fixture
def db_url(tmp_path, monkeypatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'language.db'}"
    monkeypatch.setenv(kpi_store.ENV_URL, url)
    st.cache_data.clear()
    st.cache_resource.clear()
    store = kpi_store.Store(url)
    plan = _labelled_plan()
    store.create("独自チャネル計画", parse_plan(plan), author="佐藤")
    changed = plan | {"win_rate": {"low": 0.22, "high": 0.3}}
    changed["channels"][0]["stages"][1]["rate"] = {"low": 0.07, "high": 0.13}
    store.save("独自チャネル計画", parse_plan(changed), base_revision=1, author="鈴木")
    store.close()
    yield url
    st.cache_resource.clear()


def _figure_texts(spec: str) -> list[str]:
    found: list[str] = []

    def walk(node, visible: bool = False) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                shown = (
                    visible or key in ("text", "ticktext", "hovertext", "name") or ("title" in key)
                )
                walk(value, shown and key not in ("x", "y", "tickvals"))
        elif isinstance(node, list):
            for item in node:
                walk(item, visible)
        elif isinstance(node, str) and visible:
            found.append(node)

    walk(json.loads(spec))
    return found


def _frame_texts(frame: pd.DataFrame, hidden_index: bool = False) -> list[str]:
    texts = [str(c) for c in frame.columns]
    if not hidden_index:
        texts += [str(i) for i in frame.index] + [str(frame.index.name or "")]
    for column in frame.columns:
        if frame[column].dtype == object:
            texts += [str(v) for v in frame[column]]
    return texts


def visible_texts(at: AppTest) -> list[str]:
    """Every string a user can read on the page AppTest ran (and its hidden help)."""
    texts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text"):
        texts += [str(e.value) for e in at.get(kind)]
    for alerts in (at.success, at.info, at.warning, at.error):
        texts += [str(e.value) for e in alerts]
    for metric in at.metric:
        texts += [metric.label, str(metric.value), str(metric.delta or ""), metric.proto.help]
    for element in at.dataframe:
        columns = json.loads(element.proto.columns or "{}")
        hidden = columns.get("_index", {}).get("hidden", False)
        texts += _frame_texts(element.value, hidden)
    for element in at.table:
        texts += _frame_texts(element.value)
    for expander in at.expander:
        texts.append(expander.label)
    for tab in at.tabs:
        texts.append(tab.label)
    for kind in WIDGETS:
        for widget in at.get(kind):
            texts += [str(getattr(widget, "label", "")), str(getattr(widget.proto, "help", ""))]
            texts += [str(o) for o in getattr(widget, "options", []) or []]
    for chart in at.get("plotly_chart"):
        texts += _figure_texts(chart.proto.spec)
    return texts


def _open(page: str, lang: str, plan: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params["lang"] = lang
    at.query_params["plan"] = plan
    at.query_params["trials"] = "10000"
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("plan", ["jp_smb_saas", "set:独自チャネル計画"])
def test_no_page_shows_a_plan_key_or_a_dotted_path(
    db_url: str, page: str, lang: str, plan: str
) -> None:
    at = _open(page, lang, plan)
    texts = visible_texts(at)
    assert len(texts) > 10, texts
    raw = sorted({m.group(0) for text in texts for m in RAW.finditer(text)})
    assert not raw, raw
    exponents = [text for text in texts if EXPONENT.search(text)]
    assert not exponents, exponents


@pytest.mark.parametrize("lang", LANGS)
def test_every_lever_on_the_what_if_page_is_named_by_the_glossary(db_url: str, lang: str) -> None:
    at = _open("app_pages/whatif.py", lang, "set:独自チャネル計画")
    plan = parse_plan(_labelled_plan())
    labels = {w.label for kind in ("slider", "number_input") for w in at.get(kind)}
    for lever in levers.levers(plan):
        name = glossary.lever_label(lever.path, lang, plan)
        assert name in labels, (name, sorted(labels))
    # The plan's own names win; a key it names in Japanese only reads as words in English.
    connect = glossary.lever_label("channels.calls.stages.connect.rate", lang, plan)
    expected = {
        "ja": "転換率（架電→決裁者接続）",
        "en": "Conversion rate (call → Decision-maker reached)",
    }
    assert connect == expected[lang] and connect in labels
    webinar = glossary.lever_label("channels.webinar.stages.demo_request.rate", lang, plan)
    expected = {
        "ja": "転換率（ウェビナー参加→demo request）",
        "en": "Conversion rate (webinar → demo request)",
    }
    assert webinar == expected[lang] and webinar in labels


def test_the_library_diff_and_compare_rows_are_named_by_the_glossary(db_url: str) -> None:
    at = _open("app_pages/library.py", "ja", "set:独自チャネル計画")
    [diff] = [df.value for df in at.dataframe if {"r1", "r2"} <= set(df.value.columns)]
    assert list(diff.iloc[:, 0]) == [
        "商談化率（決裁者接続→商談）P10",
        "商談化率（決裁者接続→商談）P90",
        "受注率 P10",
        "受注率 P90",
    ]
    assert list(diff.iloc[0, 1:]) == ["6.0%", "7.0%"]
    at.switch_page("app_pages/compare.py").run()
    inputs = at.dataframe[1].value
    assert "受注率 P10" in list(inputs.index)
