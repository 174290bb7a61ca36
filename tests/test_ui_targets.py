"""Monthly targets and the what-if verdict: which numbers, under which names (no app)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.conftest import make_plan
from ui import targets, whatif_page

MONTHS = ["2027-04", "2027-05", "2027-06"]


def _monthly() -> pd.DataFrame:
    columns = {}
    for metric, scale in (("calls.volume", 1000), ("opportunities", 20), ("wins", 5)):
        columns[(metric, "p50")] = np.array([1.0, 2.0, 3.0]) * scale
        columns[(metric, "confidence")] = np.array([0.8, 1.6, 2.4]) * scale
    columns[("revenue", "p50")] = np.array([1e6, 2e6, 3e6])
    columns[("revenue", "confidence")] = np.array([0.5e6, 1.5e6, 2.5e6])
    return pd.DataFrame(columns, index=pd.Index(MONTHS, name="month"))


def test_revenue_and_wins_come_first() -> None:
    assert targets.metrics(_monthly()) == ["revenue", "wins", "opportunities", "calls.volume"]


def test_each_column_says_what_it_is() -> None:
    plain = pd.DataFrame({"wins": [4.0, 4.0, 4.0]}, index=MONTHS)
    frame = targets.table(_monthly(), "wins", 0.8, "ja", plain)
    assert list(frame.columns) == [
        "単純逆算の必要数",
        "中央値 P50（シミュレーション）",
        "目標（確率80%）",
    ]
    assert list(frame.index) == ["2027年4月", "2027年5月", "2027年6月"]
    assert frame.iloc[1].tolist() == [4.0, 10.0, 8.0]
    # Without the plain chain (the what-if page), two columns; English names them too.
    assert len(targets.table(_monthly(), "wins", 0.9, "ja").columns) == 2
    assert targets.columns(0.9)["confidence"] == "目標（確率90%）"


def test_month_ticks_are_short_unique_and_carry_the_year_where_it_changes() -> None:
    months = [f"{2027 + (3 + i) // 12}-{(3 + i) % 12 + 1:02d}" for i in range(18)]
    ja = targets.month_ticks(months, "ja")
    assert ja[0] == "4月<br>2027年" and ja[1] == "5月" and ja[9] == "1月<br>2028年"
    assert len(set(ja)) == len(ja)  # May 2027 and May 2028 stay two categories
    assert ja[13].strip("\u200b") == "5月"
    en = targets.month_ticks(months, "en")
    assert en[0] == "Apr<br>2027" and en[9] == "Jan<br>2028" and len(set(en)) == 18


def test_the_verdict_against_the_required_probability() -> None:
    met, line = whatif_page.verdict(0.455, 0.8)
    assert not met and line == "目標確率80%に対し45.5%：不足（あと 34.5 pt）"
    met, line = whatif_page.verdict(0.823, 0.8)
    assert met and line == "目標確率80%に対し82.3%：達成見込み"
    assert whatif_page.verdict_markdown(0.823, 0.8).startswith("#### :green[")
    assert whatif_page.verdict_markdown(0.455, 0.8).startswith("#### :red[")


def test_the_monthly_targets_name_their_assumption() -> None:
    assert "担当者 4名" in whatif_page.assumption(make_plan())
