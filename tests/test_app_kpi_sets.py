"""KPI sets in the app under AppTest: save, reopen, conflict, library and compare pages."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import insert
from streamlit.testing.v1 import AppTest

from simulator import compare
from simulator import kpi_sets as kpi_store
from simulator.kpi_sets import schema
from simulator.plan import parse_plan
from tests.conftest import ROOT
from ui.format import plain
from ui.plans import sample

NASTY = '=HYPERLINK("http://x","y") <script>alert(1)</script> **太字** 🎯'


def _small(plan_id: str = "jp_smb_saas", **update):
    plan = sample(plan_id)
    data = plan.model_dump(mode="json")
    data["simulation"] = {"trials": 2_000, "seed": 11}
    data.update(update)
    return parse_plan(data)


def _app(query: dict[str, str] | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _button(at: AppTest, label: str):
    matches = [b for b in at.button if b.label == label]
    assert matches, [b.label for b in at.button]
    return matches[0]


def _save(at: AppTest, where: str, name: str, comment: str = "") -> AppTest:
    at.text_input(key=f"save_name_{where}").set_value(name)
    at.text_area(key=f"save_comment_{where}").set_value(comment)
    _button(at, "保存").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_save_from_whatif_stores_the_scenario_and_opens_it(db_url: str) -> None:
    at = _app({"plan": "jp_smb_saas"})
    at.text_input(key="author").set_value("田中")
    reps = at.number_input(key="lever:team.reps")
    reps.set_value(reps.value + 2)
    at.selectbox(key="trials").set_value(1_000)
    at.run()
    _save(at, "whatif", "FY27 上期", "2名増員案")

    assert any("r1" in s.value for s in at.success), [s.value for s in at.success]
    store = kpi_store.Store(db_url)
    revision = store.revision("FY27 上期")
    assert revision.number == 1 and revision.author == "田中" and revision.comment == "2名増員案"
    assert revision.plan.team.reps == sample("jp_smb_saas").team.reps + 2
    assert revision.trials == 1_000
    # Derived from the page's own cached run: the same numbers a fresh simulation gives.
    fresh = kpi_store.derive(revision.plan)
    assert revision.summary == fresh.summary and revision.targets == fresh.targets
    # The session now shows the saved set, and the widgets still show the saved values.
    assert at.session_state["plan_id"] == "set:FY27 上期"
    assert at.number_input(key="lever:team.reps").value == revision.plan.team.reps
    assert at.text_area(key="save_comment_whatif").value == ""  # ready for the next save
    assert not at.error


def test_save_holds_the_widgets_values_at_the_click(db_url: str) -> None:
    """A value that reached the session after the run that drew the form (a slider moved
    just before Save) is the one saved: the plan is built again when Save is pressed."""
    at = _app({"plan": "jp_smb_saas", "trials": "1000"})
    reps = sample("jp_smb_saas").team.reps
    at.session_state["lever:team.reps"] = reps + 3  # after the form was drawn with reps
    at.text_input(key="save_name_whatif").set_value("押した時点")
    _button(at, "保存").click()
    at.run()
    assert not at.exception
    assert kpi_store.Store(db_url).revision("押した時点").plan.team.reps == reps + 3


def test_saved_set_reopens_from_a_link_in_a_new_session(db_url: str) -> None:
    store = kpi_store.Store(db_url)
    plan = _small(team=sample("jp_smb_saas").model_dump(mode="json")["team"] | {"reps": 9})
    store.create("再オープン", plan, author="佐藤")

    at = _app({"plan": "set:再オープン", "lang": "en"})
    assert at.session_state["plan_id"] == "set:再オープン"
    assert at.number_input(key="lever:team.reps").value == 9
    assert at.selectbox(key="trials").value == 2_000
    assert any("r1" in c.value for c in at.sidebar.caption)


def test_a_stale_save_shows_the_conflict_and_keeps_both_edits(db_url: str) -> None:
    store = kpi_store.Store(db_url)
    plan = _small()
    store.create("共有計画", plan, author="A")
    for i in (2, 3):
        store.save("共有計画", _small(open_opportunities=i), base_revision=i - 1, author="A")

    at = _app({"plan": "set:共有計画"})  # this session loads revision 3
    assert at.session_state["plan_revision"] == 3
    store.save("共有計画", _small(open_opportunities=40), base_revision=3, author="鈴木")

    reps = at.number_input(key="lever:team.reps")
    reps.set_value(reps.value + 1)
    at.run()
    _save(at, "whatif", "共有計画", "私の変更")

    warning = " ".join(w.value for w in at.warning)
    assert "保存できませんでした" in warning and "鈴木" in warning and "r4" in warning
    assert store.revision("共有計画").number == 4  # nothing written
    # Base, theirs and mine side by side: their pipeline change and my extra rep.
    [changes] = [df.value for df in at.dataframe if "あなたの案" in df.value.columns]
    rows = changes.set_index(changes.columns[0])
    reps = f"{plan.team.reps}人"
    assert list(rows.loc["期首の進行中商談"]) == ["3件", "40件", "3件"]
    assert list(rows.loc["担当者数（期首）"]) == [reps, reps, f"{plan.team.reps + 1}人"]
    assert len(rows) == 2

    at.text_input(key="copy_name_whatif").set_value("共有計画 私の案")
    _button(at, "コピーとして保存").click()
    at.run()
    mine = store.revision("共有計画 私の案")
    assert mine.plan.team.reps == plan.team.reps + 1 and mine.comment == "私の変更"
    assert store.revision("共有計画").plan.open_opportunities == 40  # theirs survives too
    assert at.session_state["plan_id"] == "set:共有計画 私の案"


def test_reload_after_a_conflict_opens_the_newest_revision(db_url: str) -> None:
    store = kpi_store.Store(db_url)
    store.create("計画R", _small())
    at = _app({"plan": "set:計画R"})
    store.save("計画R", _small(open_opportunities=33), base_revision=1, author="B")
    _save(at, "whatif", "計画R")
    assert at.warning
    _button(at, "最新版を開き直す").click()
    at.run()
    assert at.session_state["plan_revision"] == 2
    assert not at.warning


def test_save_from_center_pin_and_reverse_pages(db_url: str) -> None:
    store = kpi_store.Store(db_url)
    store.create("分析元", _small())
    at = _app({"plan": "set:分析元"}, page="app_pages/center_pin.py")
    _save(at, "center_pin", "分析元", "センターピン確認")
    assert store.revision("分析元").number == 2

    at.switch_page("app_pages/reverse.py")
    at.run()
    assert not at.exception
    _save(at, "reverse", "逆算結果")
    solved = store.revision("逆算結果")
    assert solved.summary["p_target"] >= solved.summary["confidence"] - 0.03


def test_library_lists_searches_and_shows_names_as_text(db_url: str) -> None:
    store = kpi_store.Store(db_url)
    store.create(NASTY, _small(), author="<b>x</b>", tags=["東日本"])
    store.create("関西チーム", _small("jp_enterprise"), tags=["西日本"])

    at = _app(page="app_pages/library.py")
    table = at.dataframe[0].value
    assert set(table["名前"]) == {NASTY, "関西チーム"}
    # The name is a heading's text, not markup: every markup character is escaped.
    at.selectbox(key="library_set").set_value(NASTY)
    at.run()
    assert at.subheader[0].value == plain(NASTY)
    assert "\\*\\*太字\\*\\*" in at.subheader[0].value and "\\<script\\>" in at.subheader[0].value
    assert any("\\<b\\>x\\</b\\>" in c.value for c in at.caption)  # the author
    # The export tab names what the Shift_JIS file loses: the name's emoji, and only it.
    [lost] = [w.value for w in at.warning if w.value.startswith("Shift_JIS 版")]
    assert "1 文字" in lost and "🎯" in lost

    at.text_input(key="library_search").set_value("西日本")
    at.run()
    assert list(at.dataframe[0].value["名前"]) == ["関西チーム"]
    assert not [w for w in at.warning if w.value.startswith("Shift_JIS 版")]


def test_library_history_diff_restore_duplicate_archive(db_url: str) -> None:
    store = kpi_store.Store(db_url)
    store.create("履歴つき", _small())
    store.save(
        "履歴つき", _small(open_opportunities=25), base_revision=1, comment="パイプライン更新"
    )

    at = _app(page="app_pages/library.py")
    diff = [
        df.value for df in at.dataframe if "r1" in df.value.columns and "r2" in df.value.columns
    ]
    assert diff and list(diff[0].iloc[:, 0]) == ["期首の進行中商談"]

    at.selectbox(key="library_revision").set_value(1)
    at.run()
    _button(at, "r1 を復元（新しいリビジョンとして保存）").click()
    at.run()
    restored = store.revision("履歴つき")
    assert restored.number == 3 and restored.parent == 1
    assert restored.plan.open_opportunities == store.revision("履歴つき", 1).plan.open_opportunities

    at.text_input(key="library_copy_name").set_value("履歴つき 複製")
    _button(at, "複製する").click()
    at.run()
    copied = store.revision("履歴つき 複製").plan
    assert copied.name == "履歴つき 複製" and compare.diff(copied, restored.plan) == []

    at.selectbox(key="library_set").set_value("履歴つき")
    at.run()
    _button(at, "アーカイブする").click()
    at.run()
    assert store.info("履歴つき").archived
    assert "履歴つき" not in set(at.dataframe[0].value["名前"])


def test_compare_two_sets_side_by_side(db_url: str) -> None:
    store = kpi_store.Store(db_url)
    store.create("案A", _small())
    team = sample("jp_smb_saas").model_dump(mode="json")["team"]
    store.create("案B", _small(team=team | {"reps": team["reps"] + 3}))

    # Japanese: AppTest formats option labels outside the session, in the default language.
    at = _app(page="app_pages/compare.py")
    at.selectbox(key="compare_plan_0").set_value("set:案A")
    at.selectbox(key="compare_plan_1").set_value("set:案B")
    at.run()
    assert not at.exception

    summary = at.dataframe[0].value
    assert list(summary.index) == ["案A r1", "案B r1"]
    a, b = (store.revision(n).summary for n in ("案A", "案B"))
    assert summary.loc["案A r1", "目標達成確率"] == f"{a['p_target'] * 100:.1f}%"
    assert b["p_target"] > a["p_target"]  # three more reps
    inputs = at.dataframe[1].value
    assert list(inputs.index) == ["担当者数（期首）"]
    assert list(inputs.loc["担当者数（期首）"]) == [f"{team['reps']}人", f"{team['reps'] + 3}人"]
    assert len(at.get("plotly_chart")) == 1
    targets = at.dataframe[2].value
    assert list(targets.columns) == ["案A r1", "案B r1"] and len(targets) == 12


def test_a_database_from_a_newer_version_is_refused_with_a_message(db_url: str) -> None:
    store = kpi_store.Store(db_url)
    with store.engine.begin() as conn:
        conn.execute(
            insert(schema.schema_table).values(
                version=schema.SCHEMA_VERSION + 1, applied_at=schema.now()
            )
        )
    store.close()
    at = _app(page="app_pages/library.py")
    assert any("新しいバージョン" in e.value for e in at.error)
    at.switch_page("app_pages/whatif.py")
    at.run()
    assert not at.exception and len(at.metric) == 4  # the samples still work


def test_a_link_to_a_set_this_database_lacks_opens_the_default_plan(db_url: str) -> None:
    at = _app({"plan": "set:どこにもない計画"})
    assert at.session_state["plan_id"] == "jp_smb_saas"
    assert any("どこにもない計画" in w.value for w in at.sidebar.warning)
    assert len(at.metric) == 4 and not at.exception


def test_an_unreachable_database_leaves_the_samples_working(monkeypatch) -> None:
    monkeypatch.setenv(
        kpi_store.ENV_URL, "postgresql+psycopg://nobody:nothing@127.0.0.1:1/none?connect_timeout=2"
    )
    st.cache_resource.clear()
    at = _app({"plan": "us_sdr"})
    assert len(at.metric) == 4 and not at.error  # the what-if page needs no database
    for page in ("app_pages/library.py", "app_pages/compare.py"):
        at.switch_page(page)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
    at.switch_page("app_pages/library.py")
    at.run()
    assert any("データベースに接続できません" in e.value for e in at.error)


def test_history_opens_two_revisions_on_the_compare_page(db_url: str) -> None:
    store = kpi_store.Store(db_url)
    store.create("比較元", _small())
    store.save("比較元", _small(open_opportunities=30), base_revision=1)
    at = _app(page="app_pages/library.py")
    _button(at, "r1 と r2 を比較ページで並べる").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "KPIセット比較"
    assert list(at.dataframe[0].value.index) == ["比較元 r1", "比較元 r2"]
    assert list(at.dataframe[1].value.index) == ["期首の進行中商談"]
    at.run()  # a second run of the page: the remembered choices raise no warning
    assert not at.warning and not at.exception
