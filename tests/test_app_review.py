"""The 予実レビュー page under AppTest: upload, problems, the review in both languages, save."""

from __future__ import annotations

import re
import tomllib

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from simulator import kpi_sets as kpi_store
from simulator.kpi_sets import reviews, schema
from simulator.plan import parse_plan
from tests.conftest import ROOT
from ui import review_page
from ui.format import plain
from ui.plans import sample

SAMPLE = (ROOT / "sample_data" / "actuals_jp_smb_saas.csv").read_bytes()
PAGE = "app_pages/review.py"


def small_sample():
    """The sample plan at 5,000 trials: the page's figures, sooner."""
    data = sample("jp_smb_saas").model_dump(mode="json")
    data["simulation"] = {"trials": 5_000, "seed": 11}
    return parse_plan(data)


def open_page(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key=review_page.upload_key()).set_value((name, data, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def stored_actuals(url: str) -> int:
    opened = kpi_store.Store(url)
    try:
        with opened.engine.connect() as conn:
            table = schema.actuals_table
            return int(conn.execute(select(func.count()).select_from(table)).scalar())
    finally:
        opened.close()


@pytest.mark.parametrize(
    ("lang", "labels", "bottleneck"),
    [
        ("ja", ("受注金額（実績累計）", "計画の中央値 P50", "計画との差"), "ボトルネック"),
        ("en", ("Revenue to date (actual)", "Plan median (P50)", "Gap against plan"), "bottleneck"),
    ],
)
def test_the_review_of_the_sample_in_both_languages(
    db_url: str, lang: str, labels: tuple[str, ...], bottleneck: str
) -> None:
    kpi_store.Store(db_url).create("FY27", small_sample())
    at = open_page({"lang": lang, "plan": "set:FY27"})
    assert at.info  # the page asks for a file first
    upload(at, "actuals.csv", SAMPLE)
    metrics = {m.label: m.value for m in at.metric}
    assert tuple(metrics)[:3] == labels
    assert metrics[labels[0]] in ("8,107万円", "¥81.07M")
    assert bottleneck in at.warning[0].value
    assert len(at.get("plotly_chart")) == 2  # the waterfall and the cumulative fan
    table = at.dataframe[1].value  # [0]: the names a file may use
    assert len(table) == 6 * 12  # six months × twelve counts
    updates = at.dataframe[2].value
    assert ("受注率" if lang == "ja" else "Win rate") in updates.iloc[:, 0].tolist()
    assert not at.error
    # A good upload of a saved set is kept at once, as a snapshot.
    assert stored_actuals(db_url) == 1


def test_a_bad_file_shows_every_problem_and_stores_nothing(db_url: str) -> None:
    kpi_store.Store(db_url).create("FY27", small_sample())
    at = open_page({"lang": "ja", "plan": "set:FY27"})
    bad = (
        "月;架電数;接触率;接触数;商談数;受注数;受注金額\n"
        "2027-04;100;12;200;5;0;0\n2026-04;1;;1;1;0;0\n"
    )
    upload(at, "実績.csv", bad.encode("cp932"))
    text = at.error[0].value
    assert text.startswith("このファイルは読み込めませんでした（何も保存していません）")
    # Every problem at once, each at its cell, in Japanese.
    assert plain("実績.csv › C2: 2行目「接触率」：率が1を超えています") in text
    assert plain("実績.csv › D2: 2027-04 の「接触数（架電）」（200）が前の段階の「架電数」") in text
    assert plain("実績.csv › A3: 2026-04 は計画期間（2027-04〜2028-03）の外です。") in text
    assert not at.metric  # no review of a refused file
    assert stored_actuals(db_url) == 0
    upload(at, "実績.csv", b"")
    assert "ファイルが空です" in at.error[0].value and stored_actuals(db_url) == 0
    upload(at, "good.csv", SAMPLE)
    assert not at.error and at.metric and stored_actuals(db_url) == 1


def test_the_review_month_rechecks_the_file(db_url: str) -> None:
    at = open_page({"lang": "en", "plan": "jp_smb_saas"})
    upload(at, "actuals.csv", SAMPLE)
    at.selectbox(key=review_page.AS_OF).set_value("2027-08").run()
    assert plain("A62: 2027-09 is after the review month 2027-08") in at.error[0].value
    at.selectbox(key=review_page.AS_OF).set_value("2027-09").run()
    assert not at.error and at.metric


def test_saving_a_review_of_the_sample_makes_a_set_whose_history_shows_it(db_url: str) -> None:
    at = open_page({"lang": "ja", "plan": "jp_smb_saas"})
    at.text_input(key="author").set_value("佐藤").run()
    upload(at, "actuals.csv", SAMPLE)
    at.text_input(key=review_page.NAME).set_value("FY27 レビュー")
    at.text_area(key=review_page.COMMENT).set_value("上期は受注率が課題")
    next(b for b in at.button if b.label == "レビューを保存").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("r2" in s.value for s in at.success), [s.value for s in at.success]
    opened = kpi_store.Store(db_url)
    history = opened.history("FY27 レビュー")
    assert [(r.number, r.author, r.comment) for r in history] == [
        (2, "佐藤", "上期は受注率が課題"),
        (1, "佐藤", "計画（予実レビューの元）"),
    ]
    assert list(reviews.reviews(opened, "FY27 レビュー")) == [2]
    assert len(reviews.snapshots(opened, "FY27 レビュー")) == 1
    # The page now shows the saved set, still reviewing the plan before the review.
    assert "r1 の計画に対するレビュー" in at.caption[0].value and at.metric
    at.switch_page("app_pages/library.py").run()
    kinds = at.dataframe[1].value["種別"].tolist()
    assert kinds == ["予実レビュー", ""]


def test_the_rest_of_the_year_and_its_monthly_needs(db_url: str) -> None:
    kpi_store.Store(db_url).create("FY27", small_sample())
    at = open_page({"lang": "en", "plan": "set:FY27"})
    upload(at, "actuals.csv", SAMPLE)
    assert any(s.value.startswith("The center pin for the rest of the year") for s in at.success)
    at.selectbox(key=review_page.LEVER).set_value("team.reps").run()
    at.button(key=review_page.REQUIRE).click().run()
    assert not at.exception, [e.value for e in at.exception]
    monthly = at.dataframe[-1].value
    assert len(monthly) == 6  # October to March


def test_every_refusal_of_an_actuals_file_is_worded_in_both_languages() -> None:
    source = (ROOT / "simulator" / "actuals.py").read_text(encoding="utf-8")
    for lang in ("ja", "en"):
        with (ROOT / "locales" / f"{lang}.toml").open("rb") as handle:
            worded = tomllib.load(handle)["review"]["problem"]
        for code in worded:
            assert f'"{code}"' in source, code
        raised = set(
            re.findall(r'(?:_fail\(\s*\w+,\s*|problem = \(\s*|"more_problems")"?(\w+)', source)
        )
        assert raised - {"more_problems"} <= set(worded), raised - set(worded)


def test_the_review_charts_are_built_from_small_arrays() -> None:
    import numpy as np

    from ui import charts

    waterfall = charts.gap_waterfall(
        ["架電数", "受注率"], [-3.0, 1.0], {"title": "t", "y": "y", "total": "差"}, str
    )
    bars = waterfall.data[0]
    assert list(bars.x) == ["架電数", "受注率", "差"] and list(bars.y) == [-3.0, 1.0, -2.0]
    assert list(bars.measure) == ["relative", "relative", "total"]
    plan_band = np.array([[1.0, 2, 3, 4], [2, 3, 4, 5], [3, 4, 5, 6]])
    outlook = np.array([[2.0, 3, 3.5, 4], [2, 3, 4, 5], [2, 3, 5, 6]])
    names = ("title", "y", "plan_band", "plan_median", "forecast_band", "forecast_median")
    fan = charts.review_fan(
        ["4月", "5月", "6月", "7月"],
        plan_band,
        np.array([2.0, 3.0]),
        outlook,
        8.0,
        {name: name for name in (*names, "actual", "target_path")},
    )
    traces = {trace.name: trace for trace in fan.data}
    assert list(traces["forecast_median"].x) == ["5月", "6月", "7月"]  # from the last actual
    assert list(traces["actual"].y) == [2.0, 3.0]
    assert list(traces["target_path"].y) == [2.0, 4.0, 6.0, 8.0]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_review_names_everything_by_the_glossary(db_url: str, lang: str) -> None:
    from tests.test_app_language import EXPONENT, RAW, visible_texts

    at = open_page({"lang": lang, "plan": "jp_smb_saas", "trials": "10000"})
    upload(at, "actuals.csv", SAMPLE)
    texts = visible_texts(at)
    assert not sorted({m.group(0) for text in texts for m in RAW.finditer(text)})
    assert not [text for text in texts if EXPONENT.search(text)]
