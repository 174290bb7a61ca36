"""Actuals snapshots and reviews in the KPI set store, on SQLite and PostgreSQL.

Every test runs on both databases (``store`` in conftest.py). Awkward files are refused
whole: nothing of them is ever written.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from simulator import actuals, review
from simulator import kpi_sets as kpi_store
from simulator.actuals import ActualsError
from simulator.kpi_sets import NotFound, StaleRevision, Store, StoreError, reviews, schema
from simulator.plan import load_plan, parse_plan
from tests.conftest import ROOT

PLAN_FILE = ROOT / "sample_data" / "jp_smb_saas.json"
SAMPLE = (ROOT / "sample_data" / "actuals_jp_smb_saas.csv").read_bytes()


def small(plan_file: Path = PLAN_FILE):
    """The sample plan at 2,000 trials: saves time the database, not the engine."""
    data = load_plan(plan_file).model_dump(mode="json")
    data["simulation"] = {"trials": 2_000, "seed": 5}
    return parse_plan(data)


PLAN = small()


@pytest.fixture(scope="module")
def derived() -> kpi_store.Derived:
    return kpi_store.derive(PLAN)


@pytest.fixture(scope="module")
def found() -> review.Review:
    return review.review(PLAN, actuals.read(SAMPLE, PLAN, file="a.csv"), trials=2_000)


def count(store: Store, table) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar())


def test_an_upload_is_a_snapshot_with_its_author_and_time(store: Store, derived) -> None:
    store.create("FY27", PLAN, author="山田", derived=derived)
    first = reviews.keep(store, "FY27", PLAN, SAMPLE, file="実績.csv", author=" 佐藤 ")
    assert (first.name, first.author, first.file, first.layout) == (
        "FY27",
        "佐藤",
        "実績.csv",
        "long",
    )
    assert first.months == ("2027-04", "2027-05", "2027-06", "2027-07", "2027-08", "2027-09")
    assert first.actuals.totals == actuals.read(SAMPLE, PLAN).totals
    second = reviews.keep(store, "FY27", PLAN, SAMPLE, file="again.csv", as_of="2027-09")
    assert second.id != first.id and second.created_at >= first.created_at
    assert [s.file for s in reviews.snapshots(store, "FY27")] == ["again.csv", "実績.csv"]
    assert reviews.snapshot(store, "FY27").id == second.id
    assert reviews.snapshot(store, "FY27", first.id).rows == first.rows
    with pytest.raises(NotFound):
        reviews.snapshot(store, "FY27", 10_000)


AWKWARD = {
    "rate above 1": "月,架電数,接触率,商談数,受注数,受注金額\n2027-04,100,12,5,0,0\n",
    "stage above previous": "月,架電数,接触数,商談数,受注数,受注金額\n2027-04,100,200,5,0,0\n",
    "month outside the plan": "月,架電数,接触数,商談数,受注数,受注金額\n2026-04,100,20,5,0,0\n",
    "empty": "",
    "unquoted thousands": "month,metric,value\n2027-04,calls,12,000\n",
}


@pytest.mark.parametrize("name", sorted(AWKWARD))
def test_a_file_with_any_problem_stores_nothing(store: Store, derived, name: str) -> None:
    store.create("FY27", PLAN, derived=derived)
    with pytest.raises(ActualsError):
        reviews.keep(store, "FY27", PLAN, AWKWARD[name].encode("cp932"), file="x.csv")
    assert count(store, schema.actuals_table) == 0 and reviews.snapshots(store, "FY27") == []


def test_a_50_mb_file_stores_nothing(store: Store, derived) -> None:
    store.create("FY27", PLAN, derived=derived)
    with pytest.raises(ActualsError) as caught:
        reviews.keep(store, "FY27", PLAN, b"x" * 50_000_000, file="big.csv")
    assert caught.value.code == "file_too_large" and count(store, schema.actuals_table) == 0


def test_a_review_is_a_revision_marked_as_one(store: Store, derived, found) -> None:
    store.create("FY27", PLAN, author="山田", comment="計画", derived=derived)
    kept = reviews.save_actuals(store, "FY27", found.actuals, author="佐藤")
    saved = reviews.save(
        store,
        "FY27",
        found,
        base_revision=1,
        prior=1,
        actuals_id=kept.id,
        author="佐藤",
        comment="上期レビュー",
        center_pin="win_rate",
    )
    assert (saved.number, saved.parent, saved.comment, saved.author) == (
        2,
        1,
        "上期レビュー",
        "佐藤",
    )
    assert saved.plan.win_rate == found.recalibrated.win_rate  # the recalibrated plan
    assert saved.plan.name == "FY27"
    assert saved.summary["p_target"] == found.forecast.p_target  # the re-forecast
    assert saved.targets_frame().loc["2027-09", ("revenue", "p50")] == 17_650_000
    marked = reviews.reviews(store, "FY27")
    assert list(marked) == [2]
    record = marked[2]
    assert (record.prior, record.actuals_id, record.as_of) == (1, kept.id, "2027-09")
    assert record.findings["center_pin"] == "win_rate"
    assert (
        sum(p["amount"] for p in record.findings["attribution"])
        == (record.findings["to_date"]["gap"])
    )
    json.dumps(record.findings)  # stored and read back as plain JSON
    assert reviews.prior_revision(store, "FY27", 2) == 1  # reviewed again: from the plan
    assert reviews.prior_revision(store, "FY27", 1) == 1
    assert [r.number for r in store.history("FY27")] == [2, 1]


def test_a_review_on_a_stale_revision_writes_nothing(store: Store, derived, found) -> None:
    store.create("FY27", PLAN, derived=derived)
    kept = reviews.save_actuals(store, "FY27", found.actuals)
    store.save("FY27", PLAN, base_revision=1, author="Alice", comment="moved", derived=derived)
    with pytest.raises(StaleRevision) as caught:
        reviews.save(store, "FY27", found, base_revision=1, prior=1, actuals_id=kept.id)
    assert caught.value.head.number == 2
    assert count(store, schema.reviews_table) == 0 and store.info("FY27").head == 2


def test_a_review_names_actuals_of_its_own_set(store: Store, derived, found) -> None:
    store.create("A", PLAN, derived=derived)
    store.create("B", PLAN, derived=derived)
    theirs = reviews.save_actuals(store, "B", found.actuals)
    with pytest.raises(StoreError) as caught:
        reviews.save(store, "A", found, base_revision=1, prior=1, actuals_id=theirs.id)
    assert caught.value.code == "actuals_not_of_set"
    assert store.info("A").head == 1 and count(store, schema.reviews_table) == 0


def test_a_renamed_set_keeps_its_actuals_and_reviews(store: Store, derived, found) -> None:
    store.create("FY27", PLAN, derived=derived)
    kept = reviews.save_actuals(store, "FY27", found.actuals)
    reviews.save(store, "FY27", found, base_revision=1, prior=1, actuals_id=kept.id)
    store.rename("FY27", "FY27 上期")
    assert [s.id for s in reviews.snapshots(store, "FY27 上期")] == [kept.id]
    assert list(reviews.reviews(store, "FY27 上期")) == [2]


def test_a_version_1_database_is_migrated_and_keeps_its_sets(
    store_url: str, derived, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 1)
    old = Store(store_url)
    old.create("before", PLAN, derived=derived)
    assert old.schema_version() == 1
    old.close()
    monkeypatch.undo()
    new = Store(store_url)
    try:
        assert new.schema_version() == schema.SCHEMA_VERSION
        assert [i.name for i in new.list_sets()] == ["before"]
        reviews.keep(new, "before", PLAN, SAMPLE, file="a.csv")
        assert len(reviews.snapshots(new, "before")) == 1
    finally:
        new.close()
