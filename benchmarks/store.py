"""KPI set store: the library list, search, a save and a compare load with 1,000 sets.

Goals: listing (all sets, or a search) ≤ 100 ms, one save ≤ 50 ms, loading what the
compare page shows for 4 sets ≤ 100 ms.

The store is a SQLite file in a temporary folder and, when ``CENTERPIN_TEST_POSTGRES_URL``
names a PostgreSQL database, also a fresh schema there (dropped afterwards). It holds
1,000 sets made from the three sample plans (real plan JSON, names, descriptions, tags,
authors) plus 4 sets of 50 revisions each for history and compare. Every revision reuses
one precomputed ``derive()`` of the largest sample plan, so setup does not simulate 1,000
times and a timed save measures the database, not the engine. The 1,000 sets are inserted
in one transaction (the store's own insert, as ``import_plans`` does); the 50-revision
sets are built with ``save()``.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from benchmarks import Context, Row, register, row
from benchmarks.plans import SAMPLE_DATA
from benchmarks.timing import measure
from simulator import kpi_sets as kpi_store
from simulator.plan import KpiSet, load_plan
from tests.postgres import scratch_postgres_url

POSTGRES_URL_ENV = "CENTERPIN_TEST_POSTGRES_URL"
SETS = 1000
HISTORY_SETS = 4  # the compare page shows up to 4 sets
HISTORY_REVISIONS = 50
SEARCH = "smb"  # matches the SMB sample's sets (a third), ignoring case

LIST_GOAL_S = 0.100
SAVE_GOAL_S = 0.050
COMPARE_GOAL_S = 0.100

TEAMS = ("東京第1チーム", "大阪チーム", "Team North", "Team West", "名古屋チーム", "福岡", "HQ")
AUTHORS = ("田中", "佐藤", "Suzuki", "J. Smith", "高橋")


def _samples() -> list[KpiSet]:
    return [load_plan(path) for path in sorted(SAMPLE_DATA.glob("*.json"))]


def _named(plan: KpiSet, name: str) -> KpiSet:
    return plan.model_copy(update={"name": name})


def _fill(store: kpi_store.Store, samples: list[KpiSet], derived: kpi_store.Derived) -> None:
    """1,000 one-revision sets in one transaction, then 4 sets of 50 revisions."""

    def insert_all(conn) -> None:
        for i in range(SETS):
            sample, team = samples[i % len(samples)], TEAMS[i % len(TEAMS)]
            name = f"{sample.name} — {team} #{i:04d}"
            store._insert_set(
                conn,
                name,
                _named(sample, name),
                derived,
                author=AUTHORS[i % len(AUTHORS)],
                description=sample.description,
                tags=(team, f"FY{27 + i % 3}", "draft" if i % 4 else "approved"),
                comment="最初の版" if i % 2 else "first draft",
            )

    store.database.write(insert_all)
    for k in range(HISTORY_SETS):
        name = f"compare set {k + 1}"
        plan = samples[k % len(samples)]
        store.create(name, plan, author="bench", comment="r1", derived=derived)
        for number in range(1, HISTORY_REVISIONS):
            edited = plan.model_copy(
                update={"team": plan.team.model_copy(update={"reps": 1 + number % 12})}
            )
            store.save(
                name, edited, base_revision=number, comment=f"r{number + 1}", derived=derived
            )


def _compare_load(store: kpi_store.Store, names: list[str]) -> None:
    """What the compare page loads for 4 saved sets: the revision numbers (for the
    revision chooser), then the newest revision, its plan and its monthly targets."""
    for name in names:
        numbers = store.revision_numbers(name)
        revision = store.revision(name, numbers[0])
        _ = revision.plan
        revision.targets_frame()


def _rows(
    label: str, store: kpi_store.Store, derived: kpi_store.Derived, repeats: int
) -> list[Row]:
    samples = _samples()
    started = time.perf_counter()
    _fill(store, samples, derived)
    setup = time.perf_counter() - started
    compare_names = [f"compare set {k + 1}" for k in range(HISTORY_SETS)]

    listed = store.list_sets()
    found = store.list_sets(SEARCH)
    assert len(listed) == SETS + HISTORY_SETS, len(listed)

    list_all = measure(store.list_sets, repeats)
    list_search = measure(lambda: store.list_sets(SEARCH), repeats)

    target = "save target"
    store.create(target, samples[0], comment="r1", derived=derived)
    head = [1]

    def save_one() -> None:
        head[0] = store.save(
            target, samples[0], base_revision=head[0], comment="bench", derived=derived
        ).number

    save = measure(save_one, repeats)
    compare = measure(lambda: _compare_load(store, compare_names), repeats)
    history = measure(lambda: store.history(compare_names[0]), repeats)
    assert len(store.history(compare_names[0])) == HISTORY_REVISIONS

    return [
        row(
            f"{label}: list_sets() of {len(listed):,} sets, median",
            list_all.median * 1000,
            "ms",
            at_most=LIST_GOAL_S * 1000,
        ),
        row(
            f"{label}: list_sets({SEARCH!r}) → {len(found)} sets, median",
            list_search.median * 1000,
            "ms",
            at_most=LIST_GOAL_S * 1000,
        ),
        row(
            f"{label}: save() one revision (derived given), median",
            save.median * 1000,
            "ms",
            at_most=SAVE_GOAL_S * 1000,
        ),
        row(
            f"{label}: compare load, 4 × (revision_numbers() of {HISTORY_REVISIONS} + "
            "revision() + plan + targets_frame()), median",
            compare.median * 1000,
            "ms",
            at_most=COMPARE_GOAL_S * 1000,
        ),
        row(
            f"{label}: history() of {HISTORY_REVISIONS} revisions, median",
            history.median * 1000,
            "ms",
        ),
        row(f"{label}: setup ({SETS:,} sets + {HISTORY_SETS} × 50 revisions)", setup, "s"),
    ]


@contextmanager
def _sqlite_store() -> Iterator[kpi_store.Store]:
    with tempfile.TemporaryDirectory(prefix="centerpin-bench-") as folder:
        store = kpi_store.Store(f"sqlite:///{Path(folder) / 'centerpin.db'}")
        try:
            yield store
        finally:
            store.close()


@contextmanager
def _postgres_store(base_url: str) -> Iterator[kpi_store.Store]:
    """A store in a new schema of the database at ``base_url``, dropped afterwards."""
    with scratch_postgres_url(base_url) as url:
        store = kpi_store.Store(url)
        try:
            yield store
        finally:
            store.close()


@register("store")
def store_benchmark(context: Context) -> list[Row]:
    """KPI set store with 1,000 sets: list, search, save, compare load, history."""
    derived = kpi_store.derive(context.largest_plan.plan)
    backends: list[tuple[str, Callable[[], AbstractContextManager[kpi_store.Store]]]] = [
        ("SQLite", _sqlite_store)
    ]
    postgres_url = os.environ.get(POSTGRES_URL_ENV, "").strip()
    if postgres_url:
        backends.append(("PostgreSQL", lambda: _postgres_store(postgres_url)))
    context.info["store"] = {
        "sets": SETS + HISTORY_SETS,
        "backends": [label for label, _ in backends],
        "postgresql": make_url(postgres_url).render_as_string() if postgres_url else None,
    }
    rows: list[Row] = []
    for label, opened in backends:
        with opened() as store:
            rows += _rows(label, store, derived, context.repeats)
    return rows
