"""Actuals and quarterly reviews kept with a KPI set (docs/design.md §8).

**Actuals.** Each upload is a snapshot: the rows as read (month, metric, rep, value),
the file's name and layout, its author and time, linked to the set. A file is read and
checked in full before anything is written (:func:`keep`): a file with any problem
stores nothing.

**Reviews.** A review is saved as a new revision of the set, based on a revision like any
save (compare-and-set: :class:`StaleRevision` when someone saved first). Its plan is the
recalibrated plan, its summary the re-forecast, its comment the reviewer's; a row in
``kpi_set_reviews`` marks it a review and names the actuals snapshot, the review month,
the revision whose plan was the prior, and what the review found. Both are written in
one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from simulator import actuals as actuals_files
from simulator import review as reviewing
from simulator.actuals import Actuals
from simulator.kpi_sets import schema
from simulator.kpi_sets.errors import NotFound, StoreError
from simulator.kpi_sets.records import Derived, Revision
from simulator.kpi_sets.schema import MAX_FILE, actuals_table, reviews_table
from simulator.kpi_sets.store import Store, named_plan, stored_author
from simulator.plan import KpiSet


@dataclass(frozen=True)
class Snapshot:
    """One upload of actuals."""

    id: int
    name: str  # the KPI set's current name
    author: str
    file: str
    layout: str
    months: tuple[str, ...]
    created_at: datetime
    rows: tuple[tuple[str, str, str, float], ...]

    @property
    def actuals(self) -> Actuals:
        layout = "wide" if self.layout == "wide" else "long"
        return Actuals.from_rows(self.rows, self.file, layout)


@dataclass(frozen=True)
class ReviewRecord:
    """What makes a revision a review."""

    name: str
    number: int  # the review's revision
    prior: int  # the revision whose plan the review started from
    actuals_id: int
    as_of: str
    findings: dict[str, Any]


def _set_id(store: Store, conn: Connection, name: str) -> int:
    return int(store.set_row(conn, name).id)


def _snapshot(name: str, row: Any) -> Snapshot:
    return Snapshot(
        id=int(row.id),
        name=name,
        author=row.author,
        file=row.file,
        layout=row.layout,
        months=tuple(m for m in row.months.split("\n") if m),
        created_at=schema.utc(row.created_at),
        rows=tuple((m, k, r, float(v)) for m, k, r, v in json.loads(row.data)),
    )


def save_actuals(store: Store, name: str, actuals: Actuals, *, author: str = "") -> Snapshot:
    """Keep checked actuals as a new snapshot of set ``name``."""
    data = json.dumps(actuals.to_rows(), ensure_ascii=False, separators=(",", ":"))

    def run(conn: Connection) -> int:
        return conn.execute(
            insert(actuals_table).values(
                set_id=_set_id(store, conn, name),
                author=stored_author(author),
                file=actuals.file[:MAX_FILE],
                layout=actuals.layout,
                months="\n".join(actuals.months),
                data=data,
                created_at=schema.now(),
            )
        ).inserted_primary_key[0]

    return snapshot(store, name, int(store.database.write(run)))


def keep(
    store: Store,
    name: str,
    plan: KpiSet,
    data: bytes,
    *,
    file: str,
    author: str = "",
    as_of: str | None = None,
    sheet: str | None = None,
) -> Snapshot:
    """Read, check and keep an actuals file; :class:`~simulator.actuals.ActualsError` with
    every problem (and nothing written) when it has any."""
    found = actuals_files.read(data, plan, file=file, as_of=as_of, sheet=sheet)
    return save_actuals(store, name, found, author=author)


def snapshots(store: Store, name: str) -> list[Snapshot]:
    """Every snapshot of a set, newest first."""
    with store.database.read() as conn:
        set_id = _set_id(store, conn, name)
        rows = conn.execute(
            select(actuals_table)
            .where(actuals_table.c.set_id == set_id)
            .order_by(actuals_table.c.id.desc())
        ).all()
    return [_snapshot(name, row) for row in rows]


def snapshot(store: Store, name: str, snapshot_id: int | None = None) -> Snapshot:
    """One snapshot of a set (its newest when ``snapshot_id`` is None)."""
    with store.database.read() as conn:
        set_id = _set_id(store, conn, name)
        query = select(actuals_table).where(actuals_table.c.set_id == set_id)
        if snapshot_id is not None:
            query = query.where(actuals_table.c.id == snapshot_id)
        row = conn.execute(query.order_by(actuals_table.c.id.desc()).limit(1)).first()
    if row is None:
        raise NotFound(
            "actuals_not_found",
            f"KPI set {name!r} has no actuals" + (f" {snapshot_id}" if snapshot_id else ""),
            name=name,
        )
    return _snapshot(name, row)


def save_review(
    store: Store,
    name: str,
    plan: KpiSet,
    *,
    base_revision: int,
    prior: int,
    actuals_id: int,
    as_of: str,
    findings: dict[str, Any],
    derived: Derived,
    author: str = "",
    comment: str = "",
) -> Revision:
    """The review as a new revision of ``name`` on ``base_revision`` (module docstring)."""
    plan = named_plan(plan, name)
    text = json.dumps(findings, ensure_ascii=False)

    def run(conn: Connection) -> int:
        set_id = _set_id(store, conn, name)
        owner = conn.execute(
            select(actuals_table.c.set_id).where(actuals_table.c.id == actuals_id)
        ).scalar()
        if owner != set_id:
            raise StoreError(
                "actuals_not_of_set",
                f"actuals {actuals_id} are not KPI set {name!r}'s",
                name=name,
                actuals_id=actuals_id,
            )
        number = store.advance(
            conn, name, base_revision, plan, base_revision, derived, comment, stored_author(author)
        )
        conn.execute(
            insert(reviews_table).values(
                set_id=set_id,
                number=number,
                prior=prior,
                actuals_id=actuals_id,
                as_of=as_of,
                findings=text,
            )
        )
        return number

    return store.revision(name, store.database.write(run))


def save(
    store: Store,
    name: str,
    found: reviewing.Review,
    *,
    base_revision: int,
    prior: int,
    actuals_id: int,
    author: str = "",
    comment: str = "",
    center_pin: str | None = None,
) -> Revision:
    """A review (:func:`simulator.review.review`) as a new revision: the recalibrated plan,
    the re-forecast as its summary and monthly targets, its figures as the findings."""
    return save_review(
        store,
        name,
        found.recalibrated,
        base_revision=base_revision,
        prior=prior,
        actuals_id=actuals_id,
        as_of=found.as_of,
        findings=found.to_dict(center_pin),
        derived=Derived(found.summary(), found.targets()),
        author=author,
        comment=comment,
    )


def reviews(
    store: Store, name: str, numbers: Sequence[int] | None = None
) -> dict[int, ReviewRecord]:
    """The set's revisions that are reviews, by revision number."""
    with store.database.read() as conn:
        set_id = _set_id(store, conn, name)
        query = select(reviews_table).where(reviews_table.c.set_id == set_id)
        if numbers is not None:
            query = query.where(reviews_table.c.number.in_(list(numbers)))
        rows = conn.execute(query).all()
    return {
        row.number: ReviewRecord(
            name=name,
            number=row.number,
            prior=row.prior,
            actuals_id=row.actuals_id,
            as_of=row.as_of,
            findings=json.loads(row.findings),
        )
        for row in rows
    }


def prior_revision(store: Store, name: str, number: int) -> int:
    """The revision whose plan a review of ``name`` at revision ``number`` starts from:
    the plan before the last review when ``number`` is a review (its months are already
    in that review's posterior and would count twice), else ``number`` itself."""
    found = reviews(store, name, [number]).get(number)
    return number if found is None else found.prior
