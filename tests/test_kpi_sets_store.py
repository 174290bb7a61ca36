"""The KPI set store (simulator.kpi_sets) on SQLite and PostgreSQL: every test runs on both.

See ``store_url`` in conftest.py: SQLite is a file in tmp_path, PostgreSQL a fresh schema
per test in the database named by ``CENTERPIN_TEST_POSTGRES_URL``.
"""

from __future__ import annotations

import threading
import traceback
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hst
from sqlalchemy import insert, select

from simulator import kpi_sets as kpi_store
from simulator.kpi_sets import (
    NameTaken,
    NotFound,
    SchemaTooNew,
    StaleRevision,
    Store,
    StoreError,
    database,
    schema,
)
from simulator.kpi_sets.store import MAX_TAG, MAX_TAGS
from simulator.plan import KpiSet, parse_plan
from tests.conftest import make_plan


def small_plan(**overrides: Any) -> KpiSet:
    """A plan that simulates in milliseconds (2,000 trials)."""
    return make_plan(simulation={"trials": 2000, "seed": 1}, **overrides)


def edited(plan: KpiSet, **changes: Any) -> KpiSet:
    """``plan`` with top-level inputs replaced (``team_reps`` sets ``team.reps``)."""
    data = plan.model_dump(mode="json")
    if "team_reps" in changes:
        data["team"]["reps"] = changes.pop("team_reps")
    data.update(changes)
    return parse_plan(data)


@pytest.fixture(scope="module")
def derived() -> kpi_store.Derived:
    """One simulation reused by saves, so the tests time the database, not the engine."""
    return kpi_store.derive(small_plan())


def raw_revisions(store: Store) -> list[tuple[Any, ...]]:
    """Every stored revision row, exactly as the database holds it."""
    table = schema.revisions_table
    with store.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(select(table).order_by(table.c.id))]


def assert_contiguous(store: Store, name: str, head: int) -> list[kpi_store.Revision]:
    """The set's head is ``head`` and its revisions are exactly 1..head, newest first."""
    history = store.history(name)
    assert store.info(name).head == head
    assert [r.number for r in history] == list(range(head, 0, -1))
    return history


# ----------------------------------------------------------------------------- conflicts


def test_second_save_on_the_same_revision_is_refused_and_can_be_kept(
    store: Store, derived: kpi_store.Derived
) -> None:
    name = "FY27 inside sales"
    plan = small_plan()
    store.create(name, plan, author="Setter", comment="r1", derived=derived)
    store.save(name, edited(plan, team_reps=5), base_revision=1, comment="r2", derived=derived)
    store.save(name, edited(plan, team_reps=6), base_revision=2, comment="r3", derived=derived)

    alice_loaded = store.revision(name, 3)
    bob_loaded = store.revision(name, 3)
    assert alice_loaded.number == bob_loaded.number == 3
    alice_plan = edited(alice_loaded.plan, win_rate=0.3)
    bob_plan = edited(bob_loaded.plan, deal_size=600_000)

    saved = store.save(name, alice_plan, base_revision=3, author="Alice", comment="higher win rate")
    assert (saved.number, saved.parent, saved.author) == (4, 3, "Alice")

    before = raw_revisions(store)
    with pytest.raises(StaleRevision) as caught:
        store.save(name, bob_plan, base_revision=3, author="Bob", comment="bigger deals")
    stale = caught.value
    assert stale.code == "stale_revision"
    assert (stale.name, stale.base, stale.head.number) == (name, 3, 4)
    assert [(r.number, r.author, r.comment) for r in stale.newer] == [
        (4, "Alice", "higher win rate")
    ]
    assert [(c.path, c.before, c.after) for c in stale.changes] == [("win_rate", 0.25, 0.3)]
    assert stale.ctx == {"name": name, "base": 3, "head": 4, "authors": "Alice"}
    assert "Alice" in str(stale) and "revision 4" in str(stale)

    # Nothing of Bob's was written.
    assert raw_revisions(store) == before
    head = store.revision(name)
    assert (head.number, head.plan.win_rate, head.plan.deal_size) == (4, 0.3, 500_000)
    assert store.info(name).head == 4

    # Bob keeps his edit as a copy ...
    copy = store.create(f"{name} (Bob)", bob_plan, author="Bob", comment="copy of r3")
    assert (copy.number, copy.plan.deal_size, copy.plan.win_rate) == (1, 600_000, 0.25)
    # ... or re-bases it on the new head: both edits are then stored.
    rebased = edited(stale.head.plan, deal_size=bob_plan.deal_size)
    merged = store.save(name, rebased, base_revision=stale.head.number, author="Bob")
    assert (merged.number, merged.parent) == (5, 4)
    stored = store.revision(name, 5).plan
    assert (stored.win_rate, stored.deal_size, stored.team.reps) == (0.3, 600_000, 6)
    assert store.revision(f"{name} (Bob)", 1).plan.deal_size == 600_000
    assert store.count_revisions() == 6


def _run_threads(count: int, work: Any) -> list[str]:
    """Run ``work(i)`` in ``count`` threads started together; the tracebacks they raised."""
    errors: list[str] = []
    barrier = threading.Barrier(count)

    def run(i: int) -> None:
        try:
            barrier.wait()
            work(i)
        except BaseException:
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _assert_sqlite_healthy(store: Store) -> None:
    if not store.sqlite:
        return
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


THREADS = 8
SAVES = 50


def test_concurrent_saves_to_one_set_keep_every_revision(
    store: Store, derived: kpi_store.Derived
) -> None:
    name = "shared set"
    plan = small_plan()
    store.create(name, plan, author="start", comment="start", derived=derived)
    stale_seen = [0] * THREADS

    def work(i: int) -> None:
        for j in range(SAVES):
            while True:
                base = store.revision(name).number
                try:
                    store.save(
                        name,
                        plan,
                        base_revision=base,
                        author=f"thread {i}",
                        comment=f"t{i}-{j}",
                        derived=derived,
                    )
                    break
                except StaleRevision:
                    stale_seen[i] += 1

    errors = _run_threads(THREADS, work)
    assert errors == []  # only StaleRevision ever reached a thread (no "database is locked")
    assert sum(stale_seen) > 0  # the threads did collide: the refusal path was exercised

    history = assert_contiguous(store, name, THREADS * SAVES + 1)
    assert store.count_revisions() == THREADS * SAVES + 1
    assert [r.parent for r in reversed(history)] == [None, *range(1, THREADS * SAVES + 1)]
    for i in range(THREADS):
        mine = [r.comment for r in history if r.author == f"thread {i}"]
        assert sorted(mine) == sorted(f"t{i}-{j}" for j in range(SAVES))
    _assert_sqlite_healthy(store)


def test_concurrent_creates_and_saves_to_own_sets(store: Store, derived: kpi_store.Derived) -> None:
    plan = small_plan()

    def work(i: int) -> None:
        name = f"team {i}"
        store.create(name, plan, author=f"thread {i}", comment="c0", derived=derived)
        for j in range(1, SAVES):
            store.save(name, plan, base_revision=j, comment=f"c{j}", derived=derived)

    errors = _run_threads(THREADS, work)
    assert errors == []  # no StaleRevision either: nobody else writes these sets

    assert sorted(info.name for info in store.list_sets()) == [f"team {i}" for i in range(THREADS)]
    for i in range(THREADS):
        history = assert_contiguous(store, f"team {i}", SAVES)
        assert [r.comment for r in history] == [f"c{j}" for j in range(SAVES - 1, -1, -1)]
        assert [r.parent for r in reversed(history)] == [None, *range(1, SAVES)]
    assert store.count_revisions() == THREADS * SAVES
    _assert_sqlite_healthy(store)


def test_concurrent_creates_of_one_name(store: Store, derived: kpi_store.Derived) -> None:
    outcomes: list[str] = []

    def work(i: int) -> None:
        try:
            store.create("race", small_plan(), author=f"thread {i}", derived=derived)
            outcomes.append(f"thread {i}")
        except NameTaken:
            outcomes.append("taken")

    assert _run_threads(THREADS, work) == []
    winners = [o for o in outcomes if o != "taken"]
    assert len(winners) == 1 and outcomes.count("taken") == THREADS - 1
    assert store.info("race").author == winners[0]
    assert_contiguous(store, "race", 1)
    assert store.count_revisions() == 1


# ----------------------------------------------------------------------------- sets


def test_create_and_read(store: Store, derived: kpi_store.Derived) -> None:
    plan = small_plan(description="Plan for the SMB team")
    first = store.create(
        "  SMB FY27  ", plan, author=" Sato ", tags=["smb", " fy27 ", "smb"], comment="first"
    )
    assert first.name == "SMB FY27"  # surrounding spaces are dropped
    assert (first.number, first.parent, first.comment, first.author) == (1, None, "first", "Sato")
    assert (first.seed, first.trials) == (1, 2000)
    assert first.plan.name == "SMB FY27"
    assert first.plan.model_dump(exclude={"name"}) == plan.model_dump(exclude={"name"})
    assert first.summary["target"] == 10_000_000
    assert first.summary["confidence"] == 0.8
    assert 0 <= first.summary["p_target"] <= 1
    assert first.summary["p10"] <= first.summary["p50"] <= first.summary["p90"]
    frame = first.targets_frame()
    assert list(frame.index) == ["2027-04", "2027-05", "2027-06", "2027-07", "2027-08", "2027-09"]
    assert frame.index.name == "month"
    assert {which for _, which in frame.columns} == {"p50", "confidence"}
    # The stored targets are what derive() says for this plan.
    assert first.targets == kpi_store.derive(first.plan).targets

    info = store.info("SMB FY27")
    assert (info.name, info.author, info.description) == ("SMB FY27", "Sato", plan.description)
    assert (info.tags, info.head, info.archived) == (("smb", "fy27"), 1, False)
    assert (info.head_comment, info.head_author) == ("first", "Sato")
    assert info.summary == first.summary
    assert info.created_at == info.updated_at == first.created_at
    assert first.created_at.utcoffset() is not None  # aware, UTC

    with pytest.raises(NameTaken) as caught:
        store.create("SMB FY27", plan, derived=derived)
    assert caught.value.code == "name_taken"
    assert caught.value.ctx == {"name": "SMB FY27"}
    assert store.count_revisions() == 1

    other = store.create("Other", plan, description="my own words", derived=derived)
    assert store.info(other.name).description == "my own words"


def test_save_adds_revisions(store: Store, derived: kpi_store.Derived) -> None:
    plan = small_plan()
    store.create("s", plan, author="A", comment="one", derived=derived)
    created = store.info("s").created_at
    second = store.save("s", edited(plan, win_rate=0.3), base_revision=1, author="B", comment="two")
    assert (second.number, second.parent, second.author, second.comment) == (2, 1, "B", "two")
    assert second.plan.win_rate == 0.3
    assert second.summary == kpi_store.derive(second.plan).summary  # derived when not given
    info = store.info("s")
    assert (info.head, info.author, info.head_author, info.head_comment) == (2, "A", "B", "two")
    assert info.created_at == created < info.updated_at == second.created_at


def test_list_and_search(store: Store, derived: kpi_store.Derived) -> None:
    plan = small_plan()

    def make(name: str, **kwargs: Any) -> None:
        store.create(name, plan, derived=derived, **kwargs)

    make("Alpha Plan", tags=["North"], author="Ito")
    make("plan_a", description="discount 50%off")
    make("planXa", description="discount 50 percent off")
    make("back\\slash")
    make("Gamma", author="Carol", comment="Kickoff")
    store.save("Alpha Plan", plan, base_revision=1, comment="Quarterly review", derived=derived)

    def names(search: str = "", **kwargs: Any) -> list[str]:
        return [info.name for info in store.list_sets(search, **kwargs)]

    # Most recently saved first.
    assert names() == ["Alpha Plan", "Gamma", "back\\slash", "planXa", "plan_a"]
    assert names("   ") == names()
    assert store.list_sets()[0].head == 2
    assert store.list_sets()[0].head_comment == "Quarterly review"
    # Case-insensitive over name, description, tags, author and the newest comment.
    assert names("alpha") == names("ALPHA PLAN") == ["Alpha Plan"]
    assert names("north") == ["Alpha Plan"]
    assert names("carol") == ["Gamma"]
    assert names("QUARTERLY") == ["Alpha Plan"]
    assert names("kickoff") == ["Gamma"]
    assert names("DISCOUNT") == ["planXa", "plan_a"]
    # % and _ and \ are literal, not wildcards.
    assert names("50%") == ["plan_a"]
    assert names("%") == ["plan_a"]
    assert names("n_a") == ["plan_a"]
    assert names("_") == ["plan_a"]
    assert names("\\") == ["back\\slash"]
    assert names("nothing like it") == []


def test_revision_and_history(store: Store, derived: kpi_store.Derived) -> None:
    plan = small_plan()
    store.create("h", plan, comment="c1", derived=derived)
    for number in (1, 2, 3):
        store.save(
            "h",
            edited(plan, team_reps=4 + number),
            base_revision=number,
            comment=f"c{number + 1}",
            derived=derived,
        )
    assert store.revision("h").number == 4
    assert store.revision("h", 2).plan.team.reps == 5
    assert store.revision("h", 2).comment == "c2"
    history = store.history("h")
    assert [(r.number, r.comment, r.plan.team.reps) for r in history] == [
        (4, "c4", 7),
        (3, "c3", 6),
        (2, "c2", 5),
        (1, "c1", 4),
    ]
    with pytest.raises(NotFound) as caught:
        store.revision("h", 9)
    assert caught.value.code == "revision_not_found"
    assert caught.value.ctx == {"name": "h", "number": 9, "head": 4}
    assert str(caught.value) == "KPI set 'h' has no revision 9 (it has 1 to 4)"


def test_restore(store: Store, derived: kpi_store.Derived) -> None:
    plan = small_plan()
    first = store.create("r", plan, comment="original")
    store.save("r", edited(plan, win_rate=0.3), base_revision=1, derived=derived)
    store.save("r", edited(plan, win_rate=0.35), base_revision=2, derived=derived)

    restored = store.restore("r", 1, base_revision=3, author="Kato", comment="back to r1")
    assert (restored.number, restored.parent) == (4, 1)
    assert (restored.author, restored.comment) == ("Kato", "back to r1")
    assert restored.plan == first.plan
    assert restored.plan_json == first.plan_json
    assert (restored.summary, restored.targets) == (first.summary, first.targets)
    assert store.revision("r").plan.win_rate == 0.25
    assert_contiguous(store, "r", 4)

    with pytest.raises(StaleRevision) as caught:
        store.restore("r", 2, base_revision=3)
    assert caught.value.head.number == 4
    with pytest.raises(NotFound) as missing:
        store.restore("r", 7, base_revision=4)
    assert missing.value.code == "revision_not_found"
    assert_contiguous(store, "r", 4)


def test_duplicate(store: Store, derived: kpi_store.Derived) -> None:
    plan = small_plan()
    store.create("src", plan, author="Owner", tags=["a", "b"], description="d", derived=derived)
    store.save("src", edited(plan, team_reps=9), base_revision=1, derived=derived)
    store.save("src", edited(plan, team_reps=10), base_revision=2, derived=derived)
    before = store.history("src")

    copy = store.duplicate("src", "copy of r2", revision=2, author="Copier")
    assert (copy.name, copy.number, copy.parent) == ("copy of r2", 1, None)
    assert (copy.author, copy.comment) == ("Copier", "src r2")
    assert copy.plan.team.reps == 9
    assert copy.plan.name == "copy of r2"
    assert copy.summary == before[1].summary
    info = store.info("copy of r2")
    assert (info.tags, info.description, info.head) == (("a", "b"), "d", 1)

    latest = store.duplicate("src", "copy of head")
    assert latest.plan.team.reps == 10
    assert store.info("copy of head").author == "Owner"
    assert store.history("src") == before  # the source is untouched

    with pytest.raises(NameTaken):
        store.duplicate("src", "copy of r2")
    with pytest.raises(NotFound):
        store.duplicate("src", "x", revision=8)


def test_rename(store: Store, derived: kpi_store.Derived) -> None:
    plan = small_plan()
    store.create("old", plan, derived=derived)
    store.save("old", plan, base_revision=1, comment="second", derived=derived)
    store.create("taken", plan, derived=derived)

    with pytest.raises(NameTaken) as caught:
        store.rename("old", "taken")
    assert caught.value.ctx == {"name": "taken"}
    assert store.info("old").head == 2
    assert store.info("taken").head == 1

    info = store.rename("old", "new")
    assert (info.name, info.head) == ("new", 2)
    with pytest.raises(NotFound):
        store.info("old")
    with pytest.raises(NotFound):
        store.history("old")
    assert [r.number for r in store.history("new")] == [2, 1]
    assert store.revision("new", 1).plan.name == "new"
    assert sorted(store.names()) == ["new", "taken"]
    saved = store.save("new", plan, base_revision=2, derived=derived)
    assert saved.number == 3

    assert store.rename("new", "new").name == "new"  # to itself: nothing to do
    with pytest.raises(StoreError) as empty:
        store.rename("new", "  ")
    assert (empty.value.code, empty.value.ctx) == ("name_empty", {"field": "new_name"})
    with pytest.raises(NotFound):
        store.rename("old", "whatever")


def test_update_details(store: Store, derived: kpi_store.Derived) -> None:
    store.create("d", small_plan(), description="first", tags=["x"], derived=derived)
    info = store.update_details("d", tags=[" Q3 ", "smb", "", "Q3"])
    assert (info.tags, info.description) == (("Q3", "smb"), "first")
    info = store.update_details("d", description="second")
    assert (info.tags, info.description) == (("Q3", "smb"), "second")
    assert store.update_details("d").tags == ("Q3", "smb")
    assert store.list_sets("smb")[0].name == "d"
    assert store.update_details("d", tags=[]).tags == ()
    with pytest.raises(StoreError) as caught:
        store.update_details("d", tags=[f"t{i}" for i in range(MAX_TAGS + 1)])
    assert caught.value.code == "tags"
    with pytest.raises(StoreError):
        store.update_details("d", tags=["x" * (MAX_TAG + 1)])
    assert store.info("d").tags == ()
    assert store.info("d").head == 1  # details are not revisions


def test_archive(store: Store, derived: kpi_store.Derived) -> None:
    plan = small_plan()
    store.create("kept", plan, derived=derived)
    store.create("old news", plan, derived=derived)

    info = store.archive("old news")
    assert info.archived is True
    assert [i.name for i in store.list_sets()] == ["kept"]
    assert store.names() == ["kept"]
    assert [i.name for i in store.list_sets("news")] == []
    assert [i.name for i in store.list_sets("news", include_archived=True)] == ["old news"]
    assert sorted(store.names(include_archived=True)) == ["kept", "old news"]
    assert store.revision("old news").number == 1  # still readable

    for attempt in (
        lambda: store.save("old news", plan, base_revision=1, derived=derived),
        lambda: store.restore("old news", 1, base_revision=1),
    ):
        with pytest.raises(StoreError) as caught:
            attempt()
        assert caught.value.code == "archived"
        assert caught.value.ctx == {"name": "old news"}
    assert store.info("old news").head == 1
    assert store.count_revisions() == 2

    assert store.archive("old news", archived=False).archived is False
    assert sorted(i.name for i in store.list_sets()) == ["kept", "old news"]
    assert store.save("old news", plan, base_revision=1, derived=derived).number == 2


def test_not_found(store: Store, derived: kpi_store.Derived) -> None:
    plan = small_plan()
    calls = {
        "info": lambda: store.info("nope"),
        "revision": lambda: store.revision("nope"),
        "history": lambda: store.history("nope"),
        "save": lambda: store.save("nope", plan, base_revision=1, derived=derived),
        "restore": lambda: store.restore("nope", 1, base_revision=1),
        "duplicate": lambda: store.duplicate("nope", "copy"),
        "rename": lambda: store.rename("nope", "other"),
        "update_details": lambda: store.update_details("nope", tags=["x"]),
        "archive": lambda: store.archive("nope"),
    }
    for what, call in calls.items():
        with pytest.raises(NotFound) as caught:
            call()
        assert caught.value.code == "not_found", what
        assert caught.value.ctx == {"name": "nope"}, what
        assert str(caught.value) == "no KPI set named 'nope'", what
    assert store.list_sets(include_archived=True) == []
    assert store.count_revisions() == 0


def test_name_validation(store: Store, derived: kpi_store.Derived) -> None:
    plan = small_plan()
    for bad, code in (("", "name_empty"), ("   ", "name_empty"), ("x" * 201, "name_long")):
        with pytest.raises(StoreError) as caught:
            store.create(bad, plan, derived=derived)
        assert caught.value.code == code
        assert caught.value.ctx == {"field": "name"}
    assert store.count_revisions() == 0
    longest = store.create("x" * kpi_store.MAX_NAME, plan, derived=derived)
    assert longest.name == "x" * 200
    assert store.info("x" * 200).name == longest.plan.name == "x" * 200
    with pytest.raises(StoreError) as caught:
        store.rename("x" * 200, "y" * 201)
    assert (caught.value.code, caught.value.ctx) == ("name_long", {"field": "new_name"})


def test_long_authors_are_cut_to_fit(store: Store, derived: kpi_store.Derived) -> None:
    # PostgreSQL enforces the column's length (SQLite does not): every write cuts it alike.
    long, cut = "著" * 150, "著" * schema.MAX_AUTHOR
    plan = small_plan()
    assert store.create("a", plan, author=f" {long} ", derived=derived).author == cut
    assert store.save("a", plan, base_revision=1, author=long, derived=derived).author == cut
    assert store.restore("a", 1, base_revision=2, author=long).author == cut
    assert store.duplicate("a", "b", author=long).author == cut
    (imported,) = store.import_plans([small_plan(name="c")], author=long)
    assert imported.author == cut
    assert store.info("a").author == store.info("c").author == cut


def test_import_plans_all_or_nothing(store: Store, derived: kpi_store.Derived) -> None:
    store.create("existing", small_plan(), derived=derived)
    with pytest.raises(NameTaken) as caught:
        store.import_plans([small_plan(name="fresh"), small_plan(name="existing")])
    assert caught.value.ctx == {"name": "existing"}
    with pytest.raises(StoreError) as repeated:  # bad input, not a conflict
        store.import_plans([small_plan(name="twice"), small_plan(name="twice")])
    assert not isinstance(repeated.value, NameTaken)
    assert repeated.value.code == "name_repeated"
    assert store.names() == ["existing"]
    assert store.count_revisions() == 1

    imported = store.import_plans(
        [small_plan(name="one", description="first"), small_plan(name="two")],
        author="Importer",
        comment="from files",
    )
    assert [(r.name, r.number, r.author, r.comment) for r in imported] == [
        ("one", 1, "Importer", "from files"),
        ("two", 1, "Importer", "from files"),
    ]
    assert store.info("one").description == "first"
    assert imported[0].summary == kpi_store.derive(imported[0].plan).summary


@pytest.mark.parametrize("base", [0, -1, 2, 5])
def test_save_on_a_revision_that_does_not_exist(
    store: Store, derived: kpi_store.Derived, base: int
) -> None:
    store.create("s", small_plan(), derived=derived)
    with pytest.raises(NotFound) as caught:
        store.save("s", small_plan(), base_revision=base, derived=derived)
    assert caught.value.code == "revision_not_found"
    assert caught.value.ctx == {"name": "s", "number": base, "head": 1}
    assert_contiguous(store, "s", 1)
    assert store.count_revisions() == 1


# ----------------------------------------------------------------------------- names

ODD_NAMES = [
    "<script>alert(1)</script>",
    '=HYPERLINK("http://x","y")',
    "+1",
    "@SUM(A1)",
    "-2+3",
    "🎯営業チーム",
    "Robert'); DROP TABLE kpi_sets;--",
    "100% _done_ \\ back",
]


@pytest.mark.parametrize("name", ODD_NAMES)
def test_names_survive_byte_for_byte(store: Store, derived: kpi_store.Derived, name: str) -> None:
    created = store.create(name, small_plan(), derived=derived)
    assert created.name.encode() == name.encode()
    assert created.plan.name.encode() == name.encode()
    assert [i.name for i in store.list_sets()] == [name]
    assert [i.name for i in store.list_sets(name)] == [name]
    assert store.names() == [name]
    assert store.revision(name).plan.name == name
    assert parse_plan(store.revision(name).plan_json).name == name
    with store.engine.connect() as conn:
        stored = conn.execute(select(schema.sets_table.c.name)).scalar_one()
    assert stored.encode() == name.encode()

    renamed = f"{name} ✓"
    assert store.rename(name, renamed).name == renamed
    assert store.revision(renamed).plan.name.encode() == renamed.encode()
    assert store.rename(renamed, name).name == name
    assert [i.name for i in store.list_sets()] == [name]
    assert store.save(name, small_plan(), base_revision=1, derived=derived).plan.name == name


# ----------------------------------------------------------------------------- schema


def _schema_versions(store: Store) -> list[int]:
    table = schema.schema_table
    with store.engine.connect() as conn:
        return list(conn.execute(select(table.c.version).order_by(table.c.version)).scalars())


def test_schema_versions(store: Store, store_url: str, derived: kpi_store.Derived) -> None:
    assert store.schema_version() == schema.SCHEMA_VERSION
    expected = list(range(1, schema.SCHEMA_VERSION + 1))
    assert _schema_versions(store) == expected
    store.create("kept", small_plan(), derived=derived)

    for _ in range(2):  # reopening migrates nothing and keeps the data
        again = Store(store_url)
        try:
            assert again.schema_version() == schema.SCHEMA_VERSION
            assert _schema_versions(again) == expected
            assert [i.name for i in again.list_sets()] == ["kept"]
        finally:
            again.close()

    newer = schema.SCHEMA_VERSION + 1
    with store.engine.begin() as conn:
        conn.execute(insert(schema.schema_table).values(version=newer, applied_at=schema.now()))
    with pytest.raises(SchemaTooNew) as caught:
        Store(store_url)
    assert caught.value.code == "schema_too_new"
    assert caught.value.ctx == {"found": newer, "supported": schema.SCHEMA_VERSION}
    assert f"schema version {newer}" in str(caught.value)


def test_default_is_a_sqlite_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "data" / "centerpin.db"
    monkeypatch.delenv(kpi_store.ENV_URL, raising=False)
    monkeypatch.setattr(database, "DEFAULT_PATH", path)
    assert not path.parent.exists()
    opened = Store()
    try:
        assert opened.sqlite
        assert path.is_file()
        assert opened.url.database == str(path)
        assert opened.schema_version() == schema.SCHEMA_VERSION
    finally:
        opened.close()
    monkeypatch.setenv(kpi_store.ENV_URL, "sqlite:///elsewhere.db")
    assert kpi_store.default_url() == "sqlite:///elsewhere.db"


def test_bad_url() -> None:
    with pytest.raises(StoreError) as caught:
        Store("not a url")
    assert caught.value.code == "db_url"


# ----------------------------------------------------------------------------- immutability


def test_revisions_are_never_changed(store: Store, derived: kpi_store.Derived) -> None:
    plan = small_plan()
    first = store.create("imm", plan, author="A", tags=["t"], comment="one", derived=derived)
    store.save("imm", edited(plan, win_rate=0.3), base_revision=1, derived=derived)
    rows = raw_revisions(store)

    store.rename("imm", "immutable")
    store.update_details("immutable", description="new words", tags=["u"])
    store.restore("immutable", 1, base_revision=2, comment="restore")
    with pytest.raises(StaleRevision):
        store.save("immutable", plan, base_revision=1, derived=derived)
    store.duplicate("immutable", "dup", revision=1)
    store.archive("immutable")
    store.archive("immutable", archived=False)

    assert raw_revisions(store)[: len(rows)] == rows  # the old rows, column for column
    again = store.revision("immutable", 1)
    assert (again.plan_json, again.created_at) == (first.plan_json, first.created_at)
    assert (again.comment, again.author, again.summary) == ("one", "A", first.summary)


# ----------------------------------------------------------------------------- property

OPERATIONS = hst.lists(
    hst.tuples(
        hst.sampled_from(["save", "stale save", "future save", "restore", "stale restore"]),
        hst.integers(min_value=0, max_value=1000),
    ),
    min_size=1,
    max_size=10,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(operations=OPERATIONS)
def test_random_saves_keep_revisions_contiguous(
    store: Store, derived: kpi_store.Derived, operations: list[tuple[str, int]]
) -> None:
    name = f"prop {uuid.uuid4().hex}"  # one store for all examples: a new set for each
    plan = small_plan()
    store.create(name, plan, derived=derived)
    reps = [plan.team.reps]  # the model: revision n's reps is reps[n - 1]
    parents: list[int | None] = [None]
    for operation, k in operations:
        head = len(reps)
        if operation == "save":
            saved = store.save(
                name, edited(plan, team_reps=1 + k % 20), base_revision=head, derived=derived
            )
            reps.append(1 + k % 20)
            parents.append(head)
            assert saved.number == head + 1
        elif operation == "restore":
            number = 1 + k % head
            restored = store.restore(name, number, base_revision=head)
            reps.append(reps[number - 1])
            parents.append(number)
            assert restored.number == head + 1
        elif head > 1 and operation in ("stale save", "stale restore"):
            base = 1 + k % (head - 1)
            with pytest.raises(StaleRevision) as caught:
                if operation == "stale save":
                    store.save(name, plan, base_revision=base, derived=derived)
                else:
                    store.restore(name, 1, base_revision=base)
            assert caught.value.head.number == head
            assert [r.number for r in caught.value.newer] == list(range(head, base, -1))
        elif operation == "future save":
            with pytest.raises(NotFound):
                store.save(name, plan, base_revision=head + 1 + k, derived=derived)
        history = assert_contiguous(store, name, len(reps))
        assert [r.plan.team.reps for r in reversed(history)] == reps
        assert [r.parent for r in reversed(history)] == parents


def test_search_folds_case_and_width_and_ignores_storage_syntax(
    store: Store, derived: kpi_store.Derived
) -> None:
    store.create("Ärzte SaaS", small_plan(), tags=["東日本", "Ｑ3"], derived=derived)
    store.create("other", small_plan(), tags=["west"], derived=derived)
    store.save("other", small_plan(), base_revision=1, comment="Pipeline review", derived=derived)

    def found(text: str) -> list[str]:
        return sorted(info.name for info in store.list_sets(text))

    assert found("ärzte") == ["Ärzte SaaS"]  # non-ASCII case, on SQLite too
    assert found("saas") == ["Ärzte SaaS"]
    assert found("q3") == ["Ärzte SaaS"]  # full-width tag found by ASCII text
    assert found("東日本") == ["Ärzte SaaS"]
    assert found("PIPELINE") == ["other"]  # the newest revision's comment
    assert found("[") == [] and found('"') == [] and found(",") == []
    store.rename("other", "renamed set")
    assert found("renamed") == ["renamed set"] and found("pipeline") == ["renamed set"]
    store.update_details("renamed set", tags=["Kansai"])
    assert found("kansai") == ["renamed set"] and found("west") == []


def test_an_unreachable_database_is_a_store_error_not_a_driver_traceback() -> None:
    with pytest.raises(StoreError) as caught:
        Store("postgresql+psycopg://nobody:nothing@127.0.0.1:1/none?connect_timeout=2")
    assert caught.value.code == "unavailable"
    assert "cannot be used" in str(caught.value)
