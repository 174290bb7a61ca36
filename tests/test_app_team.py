"""The team plan page (チーム計画) under AppTest in both languages, and its table's pure
helpers: rows from a plan, members from rows, and refusals naming the row and column."""

from __future__ import annotations

import copy

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from simulator import kpi_sets as kpi_store
from simulator.plan import load_plan, parse_plan
from tests.conftest import ROOT, plan_dict
from ui import team_page

PAGE = "app_pages/team.py"


@pytest.fixture(autouse=True)
def _fresh_caches(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(kpi_store.ENV_URL, f"sqlite:///{tmp_path / 'team.db'}")
    st.cache_data.clear()
    st.cache_resource.clear()


def _open(lang: str = "ja", plan: str = "jp_team") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["lang"] = lang
    at.query_params["plan"] = plan
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _table(at: AppTest, column: str):
    return next(df.value for df in at.dataframe if column in df.value.columns)


@pytest.mark.parametrize(
    ("lang", "title", "p_target", "member", "pooled", "why"),
    [
        ("ja", "チーム計画（メンバー別）", "目標達成確率", "メンバー", "プーリング後", "理由"),
        ("en", "Team plan (by member)", "P(target)", "Member", "Pooled", "Why"),
    ],
)
def test_page_rolls_the_sample_team_up_in_both_languages(
    lang: str, title: str, p_target: str, member: str, pooled: str, why: str
) -> None:
    at = _open(lang)
    assert at.title[0].value == title
    assert at.metric[0].label == p_target
    assert 0.3 < float(at.metric[0].value.rstrip("%")) / 100 < 0.9
    assert not at.error
    members = _table(at, member)
    assert members[member].tolist()[:8] == [
        "佐藤",
        "鈴木",
        "高橋",
        "田中",
        "中村",
        "伊藤",
        "渡辺",
        "山本",
    ]
    assert len(members) == 9  # and the channels no member owns
    pooling = _table(at, why)
    win_rows = pooling[(pooling[member] == "渡辺")].iloc[-1]  # the win rate comes last
    assert win_rows[pooled] != "60.0%"
    assert float(win_rows[pooled].rstrip("%")) < 30
    assert len(at.get("plotly_chart")) == 1
    # No plan key or path reaches the screen, the editor's headers included.
    shown = [df.value for df in at.dataframe]
    texts = [frame.to_string() for frame in shown] + [m.label for m in at.metric]
    assert not any("channels." in text or "win_rate" in text for text in texts)


def test_a_plan_by_headcount_starts_one_row_per_rep_and_hire() -> None:
    at = _open("en", "jp_enterprise")
    members = _table(at, "Member")
    assert members["Member"].tolist()[:-1] == ["Rep 1", "Rep 2", "Rep 3", "Rep 4"]
    assert not at.error


def test_typed_department_targets_that_do_not_close_name_the_gap_and_who_must_move() -> None:
    at = _open("ja")
    at.number_input(key=team_page.LEADS).set_value(1500.0).run()
    assert not at.exception
    message = at.error[0].value
    assert "足りません" in message and "マーケティング" in message
    typed = _table(at, "入力した目標")
    assert typed["入力した目標"].tolist()[0] == "1,500"
    at.number_input(key=team_page.LEADS).set_value(5000.0).run()
    assert not at.error
    assert any("KGIに届きます" in s.value for s in at.success)


def test_a_bad_row_is_refused_naming_row_member_and_column_and_nothing_is_rolled_up() -> None:
    at = _open("en")
    rows = copy.deepcopy(at.session_state[team_page.EDITED])
    rows[6]["connect:successes"] = 900.0  # 渡辺: more connects than calls
    at.session_state[team_page.EDITED] = rows
    at.session_state[team_page.MEMBERS_VERSION] += 1
    at.run()
    assert not at.exception
    assert len(at.error) == 1
    shown = at.error[0].value.replace("\\", "")  # user text is escaped, never markdown
    assert (
        shown == "- Row 7 (渡辺), “Connect rate (call → connect)”: successes must not exceed trials"
    )
    assert not at.metric


def test_the_edited_team_saves_as_a_kpi_set_with_its_members(tmp_path) -> None:
    at = _open("ja")
    rows = copy.deepcopy(at.session_state[team_page.EDITED])
    rows[7]["name"] = "山本（4月入社）"
    rows[7]["start_month"] = "2027-04"
    at.session_state[team_page.EDITED] = rows
    at.session_state[team_page.MEMBERS_VERSION] += 1
    at.run()
    at.text_input(key="save_name_team").set_value("チーム計画 E")
    at.text_area(key="save_comment_team").set_value("山本を4月入社に")
    next(b for b in at.button if b.label == "保存").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    stored = kpi_store.Store(f"sqlite:///{tmp_path / 'team.db'}").revision("チーム計画 E")
    members = stored.plan.team.members
    assert [m.name for m in members][-1] == "山本（4月入社）"
    assert members[-1].start_month == "2027-04"
    assert stored.comment == "山本を4月入社に"
    # The page now shows the saved set, its table started from the saved members.
    assert at.session_state[team_page.EDITED][7]["name"] == "山本（4月入社）"


# --------------------------------------------------------------------------- pure helpers


def test_rows_from_a_plan_by_headcount_give_leavers_a_leave_month() -> None:
    plan = parse_plan(
        plan_dict(
            team={
                "reps": 3,
                "calls_per_rep_per_day": 40,
                "hires": [{"month": "2027-06", "change": 1}, {"month": "2027-08", "change": -2}],
            }
        )
    )
    rows = team_page.rows_from_plan(plan, "ja")
    assert [r["name"] for r in rows] == ["担当1", "担当2", "担当3", "担当4"]
    assert [r["start_month"] for r in rows] == [None, None, None, "2027-06"]
    assert [r["leave_month"] for r in rows] == [None, "2027-08", "2027-08", None]
    rebuilt, problems = team_page.plan_with_rows(plan, rows, "ja")
    assert problems == [] and rebuilt is not None
    # The same capacity as the plan by headcount.
    from simulator import funnel

    assert funnel.Funnel(rebuilt).reps_effective.tolist() == pytest.approx(
        funnel.Funnel(plan).reps_effective.tolist()
    )


def test_rows_round_trip_the_sample_members() -> None:
    plan = load_plan(ROOT / "sample_data" / "jp_team.json")
    rows = team_page.rows_from_plan(plan, "ja")
    rebuilt, problems = team_page.plan_with_rows(plan, rows, "ja")
    assert problems == []
    assert rebuilt.team.members == plan.team.members


def test_a_members_own_number_or_range_is_kept_while_its_counts_stay_blank() -> None:
    data = plan_dict()
    data["team"]["members"] = [
        {"name": "a", "rates": {"connect": {"low": 0.05, "high": 0.1}, "win_rate": 0.3}},
        {"name": "b", "rates": {"connect": {"successes": 5, "trials": 50}}},
    ]
    plan = parse_plan(data)
    rows = team_page.rows_from_plan(plan, "en")
    assert rows[0]["connect:successes"] is None
    rebuilt, _ = team_page.plan_with_rows(plan, rows, "en")
    assert rebuilt.team.members == plan.team.members
    rows[0]["connect:successes"], rows[0]["connect:trials"] = 9, 60  # counts typed: they win
    rebuilt, _ = team_page.plan_with_rows(plan, rows, "en")
    own = rebuilt.team.members[0].model_dump(mode="json")["rates"]
    assert own == {"connect": {"successes": 9, "trials": 60}, "win_rate": 0.3}


def test_empty_rows_are_skipped_and_problems_name_the_table_row() -> None:
    plan = load_plan(ROOT / "sample_data" / "jp_team.json")
    rows = team_page.rows_from_plan(plan, "ja")
    blank = dict.fromkeys(rows[0])
    rebuilt, problems = team_page.plan_with_rows(
        plan, [rows[0], blank, {**rows[1], "ramp_months": 30.0}], "ja"
    )
    assert rebuilt is None
    assert problems == ["3行目（鈴木）・「立ち上がり月数」：24 以下の値を入力してください"]
    _, problems = team_page.plan_with_rows(
        plan, [rows[0], blank, {**rows[1], "name": "佐藤"}], "en"
    )
    assert problems == ["Row 3 (佐藤), “Name”: must be unique among members"]
    _, problems = team_page.plan_with_rows(plan, [rows[0], {**rows[1], "name": "佐藤"}], "ja")
    assert problems == [
        "2行目（佐藤）・「氏名」：同じ氏名のメンバーがいます。氏名は重複できません。"
    ]
    assert team_page.plan_with_rows(plan, [blank], "en")[1] == [
        "No members: add a row to the table."
    ]


def test_member_chart_escapes_names_and_marks_targets() -> None:
    from ui import charts

    figure = charts.member_revenue(
        ["<b>佐藤</b>", "鈴木"],
        [1e7, 2e7],
        [2e7, 3e7],
        [4e7, 5e7],
        [2.5e7, 1e7],
        {"title": "T", "x": "X", "range": "R", "median": "M", "target": "G"},
        lambda v: f"{v / 1e4:,.0f}万円",
    )
    band, median, target = figure.data
    assert list(band.y) == ["&lt;b&gt;佐藤&lt;/b&gt;", "鈴木"]
    assert list(band.base) == [1e7, 2e7] and list(band.x) == [3e7, 3e7]
    assert list(median.x) == [2e7, 3e7] and list(target.x) == [2.5e7, 1e7]
    assert figure.layout.xaxis.exponentformat == "none"
    assert "万円" in figure.layout.xaxis.ticktext[1]


def test_strength_notes_say_how_much_members_differ() -> None:
    out = {
        "pools": [
            {"key": "connect", "strength": 553.2, "estimated": True,
             "members": [{"source": "pooled"}]},
            {"key": "opportunity", "strength": 1e6, "estimated": True,
             "members": [{"source": "pooled"}]},
            {"key": "win_rate", "strength": 20.0, "estimated": False,
             "members": [{"source": "team"}]},
        ]
    }  # fmt: skip
    plan = load_plan(ROOT / "sample_data" / "jp_team.json")
    notes = team_page.strength_notes(out, plan, "en")
    assert len(notes) == 2  # no member has a win-rate record
    assert notes[0].startswith("Connect rate (call → connect): members differ as much as a")
    assert "553" in notes[0]
    assert "no more than luck" in notes[1]


def test_the_what_if_page_of_a_team_plan_names_its_members_not_zero_reps() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    for name, value in {"lang": "ja", "plan": "jp_team", "trials": "1000"}.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "期初のメンバー" in text and "期初の担当者 0名" not in text
