"""KPI sets on a database: named plans with an immutable history of revisions.

A KPI set has a name, an author, a description and tags; every save adds a revision that
holds the plan (the KPI set file format), its seed and trials, the monthly KPI targets
and the summary derived from simulating it, a comment and the revision it was based on.
Revisions are never changed or deleted: restoring an old one adds a new one.

The database is SQLite by default (``data/centerpin.db``, created on first use, in WAL
mode with a busy timeout and foreign keys on; writes take the lock at ``BEGIN
IMMEDIATE``) or PostgreSQL when ``CENTERPIN_DB_URL`` names one
(``postgresql+psycopg://user:password@127.0.0.1/centerpin``).

**Concurrent edits.** A save names the revision it was based on. The set's head moves
from that revision to the next with one compare-and-set ``UPDATE``; if someone saved in
between, nothing is written and :class:`StaleRevision` says who saved what, so the
caller can save a copy or reload. Nothing is ever overwritten.

**Schema.** ``centerpin_schema`` records every applied migration (a list of functions
below; the first creates the tables). Opening a database that a newer Centerpin has
migrated raises :class:`SchemaTooNew` instead of guessing at its layout.
"""

from __future__ import annotations

import json
import os
import random
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, InterfaceError, OperationalError

from simulator import compare, engine
from simulator.errors import CodedError
from simulator.plan import KpiSet, parse_plan
from simulator.results import SimulationResult

ENV_URL = "CENTERPIN_DB_URL"
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "centerpin.db"
SCHEMA_VERSION = 1
MAX_NAME = 200
MAX_AUTHOR = 100
MAX_TAGS = 20
MAX_TAG = 40
BUSY_TIMEOUT_S = 30
_RETRIES = 6

T = TypeVar("T")


# ----------------------------------------------------------------------------- errors


class StoreError(CodedError):
    """A request the store refuses, with a ``code`` the UI translates and its values."""


class NotFound(StoreError):
    pass


class SchemaTooNew(StoreError):
    pass


class Conflict(StoreError):
    """The save would overwrite or shadow someone else's work; nothing was written."""


class NameTaken(Conflict):
    def __init__(self, name: str) -> None:
        super().__init__("name_taken", f"a KPI set named {name!r} already exists", name=name)


class StaleRevision(Conflict):
    """The set moved on since the caller's base revision (see :attr:`newer`, :attr:`changes`)."""

    def __init__(
        self,
        name: str,
        base: int,
        head: Revision,
        newer: list[Revision],
        changes: list[compare.Change],
    ) -> None:
        authors = ", ".join(sorted({r.author or "?" for r in newer}))
        super().__init__(
            "stale_revision",
            f"KPI set {name!r} is at revision {head.number}, not {base}: saved since by "
            f"{authors}. Nothing was written; save as a copy or reload revision {head.number}.",
            name=name,
            base=base,
            head=head.number,
            authors=authors,
        )
        self.name = name
        self.base = base
        self.head = head
        self.newer = newer
        self.changes = changes


# ----------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Derived:
    """What a simulation of the plan says, stored with each revision."""

    summary: dict[str, float]  # target, confidence, p_target, std error, mean, P10/P50/P90
    targets: dict[str, Any]  # {"months": [...], "metrics": {metric: {"p50": [...], ...}}}


def derive(plan: KpiSet) -> Derived:
    """Simulate the plan with its own seed and trials: summary and monthly KPI targets."""
    return derive_from(engine.simulate(plan))


def derive_from(result: SimulationResult) -> Derived:
    """The summary and monthly KPI targets of a simulation already run."""
    plan = result.plan
    revenue = result.revenue_summary()
    p, p_error = result.p_target()
    summary = {
        "target": plan.target.revenue,
        "confidence": plan.target.confidence,
        "p_target": p,
        "p_target_std_error": p_error,
        "mean": revenue.mean,
        "p10": revenue.p10,
        "p50": revenue.p50,
        "p90": revenue.p90,
        "at_confidence": result.revenue_at_confidence(),
    }
    frame = result.kpi_targets()
    metrics: dict[str, dict[str, list[float]]] = {}
    for metric, which in frame.columns:
        metrics.setdefault(metric, {})[which] = [float(v) for v in frame[(metric, which)]]
    return Derived(summary, {"months": list(frame.index), "metrics": metrics})


def targets_frame(targets: dict[str, Any]) -> pd.DataFrame:
    """Stored monthly KPI targets as a frame: index month, columns ``(metric, which)``."""
    columns = {
        (metric, which): values
        for metric, pair in targets["metrics"].items()
        for which, values in pair.items()
    }
    return pd.DataFrame(columns, index=pd.Index(targets["months"], name="month"))


@dataclass(frozen=True)
class Revision:
    name: str  # the KPI set's current name
    number: int
    parent: int | None
    plan_json: str
    seed: int
    trials: int
    targets: dict[str, Any]
    summary: dict[str, float]
    comment: str
    author: str
    created_at: datetime

    @cached_property
    def plan(self) -> KpiSet:
        """The stored plan, under the set's current name."""
        plan = parse_plan(self.plan_json)
        return plan if plan.name == self.name else plan.model_copy(update={"name": self.name})

    def targets_frame(self) -> pd.DataFrame:
        """Monthly KPI targets: index month, columns ``(metric, "p50" | "confidence")``."""
        return targets_frame(self.targets)


@dataclass(frozen=True)
class KpiSetInfo:
    name: str
    author: str
    description: str
    tags: tuple[str, ...]
    head: int
    archived: bool
    created_at: datetime
    updated_at: datetime
    summary: dict[str, float] = field(default_factory=dict)  # the head revision's
    head_comment: str = ""
    head_author: str = ""


# ----------------------------------------------------------------------------- tables

metadata = MetaData()

schema_table = Table(
    "centerpin_schema",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)

sets_table = Table(
    "kpi_sets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(MAX_NAME), nullable=False, unique=True),
    Column("author", String(MAX_AUTHOR), nullable=False),
    Column("description", Text, nullable=False),
    Column("tags", Text, nullable=False),  # one tag per line
    # What a search matches: name, description, tags, author and the newest revision's
    # comment and author, NFKC-normalised and case-folded (the same on both databases).
    Column("search", Text, nullable=False),
    Column("head", Integer, nullable=False),  # the newest revision's number
    Column("archived", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

revisions_table = Table(
    "kpi_set_revisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("set_id", ForeignKey("kpi_sets.id", ondelete="RESTRICT"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("parent", Integer, nullable=True),
    Column("plan", Text, nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("trials", Integer, nullable=False),
    Column("targets", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("comment", Text, nullable=False),
    Column("author", String(MAX_AUTHOR), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("set_id", "number", name="uq_revision_number"),
)


def _migration_1(conn: Connection) -> None:
    metadata.create_all(conn, tables=[sets_table, revisions_table])


#: version -> the step that brings the database from version - 1 to it. Append only.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _migration_1}


# ----------------------------------------------------------------------------- helpers


def default_url() -> str:
    return os.environ.get(ENV_URL) or f"sqlite:///{DEFAULT_PATH}"


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _check_name(name: str, field_name: str = "name") -> str:
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        raise StoreError("name_empty", f"{field_name}: must not be empty", field=field_name)
    if len(name) > MAX_NAME:
        raise StoreError(
            "name_long", f"{field_name}: at most {MAX_NAME} characters", field=field_name
        )
    return name


def _fold(*parts: str) -> str:
    """Text as a search compares it: NFKC (full-width Ｓ is S) and case-folded."""
    return unicodedata.normalize("NFKC", "\n".join(parts)).casefold()


def _check_tags(tags: Sequence[str]) -> list[str]:
    tags = (" ".join(tag.split()) for tag in tags if tag)  # no line breaks inside a tag
    clean = list(dict.fromkeys(tag for tag in tags if tag))
    if len(clean) > MAX_TAGS or any(len(tag) > MAX_TAG for tag in clean):
        raise StoreError(
            "tags", f"tags: at most {MAX_TAGS}, each up to {MAX_TAG} characters", field="tags"
        )
    return clean


def _author(author: str) -> str:
    """The author as stored: no surrounding spaces, at most MAX_AUTHOR characters (the
    column's length, which PostgreSQL enforces and SQLite does not)."""
    return author.strip()[:MAX_AUTHOR]


def _is_busy(error: OperationalError) -> bool:
    text_ = str(error.orig).lower()
    return "locked" in text_ or "busy" in text_ or "deadlock" in text_


def _unavailable(error: Exception) -> StoreError:
    """A database that cannot be reached, or stays locked, as the store's own error."""
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    return StoreError("unavailable", f"the KPI set database cannot be used: {reason}")


def _named(plan: KpiSet, name: str) -> KpiSet:
    """The plan under the set's name, validated again (a copy may have skipped validation)."""
    data = plan.model_dump(mode="json")
    data["name"] = name
    return parse_plan(data)


# ----------------------------------------------------------------------------- the store


class Store:
    """KPI sets in one database. Thread-safe: each operation is its own transaction."""

    def __init__(self, url: str | None = None) -> None:
        url = url or default_url()
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise StoreError("db_url", f"{ENV_URL}: not a database URL", url=url) from None
        self.url = parsed
        self.sqlite = parsed.get_backend_name() == "sqlite"
        if self.sqlite:
            if parsed.database == str(DEFAULT_PATH):  # created on first use; a URL of
                DEFAULT_PATH.parent.mkdir(parents=True, exist_ok=True)  # one's own must exist
            self.engine = create_engine(
                parsed, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False}
            )
            self._sqlite_pragmas(self.engine)
        else:
            # A server that does not answer fails the page in seconds, not a TCP timeout.
            wait = {} if "connect_timeout" in parsed.query else {"connect_timeout": 10}
            self.engine = create_engine(parsed, pool_pre_ping=True, connect_args=wait)
        try:
            self._migrate()
        except Exception:
            self.engine.dispose()
            raise

    @staticmethod
    def _sqlite_pragmas(engine_: Engine) -> None:
        @event.listens_for(engine_, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # transactions are ours: see _begin
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine_, "begin")
        def _begin(conn: Connection) -> None:
            write = conn.get_execution_options().get("centerpin_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------ transactions

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn, conn.begin():
                yield conn
        except (OperationalError, InterfaceError) as error:
            raise _unavailable(error) from error

    def _write(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in one write transaction, retrying only when the database is busy."""
        for attempt in range(_RETRIES):
            try:
                with self.engine.connect() as conn:
                    conn.execution_options(centerpin_write=True)
                    with conn.begin():
                        if not self.sqlite:
                            conn.execute(text("SET LOCAL lock_timeout = '30s'"))
                        return work(conn)
            except OperationalError as error:
                if not _is_busy(error) or attempt == _RETRIES - 1:
                    raise _unavailable(error) from error
                time.sleep(0.05 * 2**attempt * (1 + random.random()))
            except InterfaceError as error:
                raise _unavailable(error) from error
        raise AssertionError("unreachable")

    def _migrate(self) -> None:
        def run(conn: Connection) -> None:
            if not self.sqlite:  # two processes opening a new database: one migrates
                conn.execute(text("SELECT pg_advisory_xact_lock(72463)"))
            if not inspect(conn).has_table(schema_table.name):
                schema_table.create(conn)
                version = 0
            else:
                version = conn.execute(select(func.max(schema_table.c.version))).scalar() or 0
            if version > SCHEMA_VERSION:
                raise SchemaTooNew(
                    "schema_too_new",
                    f"the database has schema version {version}; this Centerpin reads up to "
                    f"{SCHEMA_VERSION}. Update Centerpin to open it.",
                    found=version,
                    supported=SCHEMA_VERSION,
                )
            for step in range(version + 1, SCHEMA_VERSION + 1):
                MIGRATIONS[step](conn)
                conn.execute(insert(schema_table).values(version=step, applied_at=_now()))

        self._write(run)

    def schema_version(self) -> int:
        with self._read() as conn:
            return int(conn.execute(select(func.max(schema_table.c.version))).scalar() or 0)

    # ------------------------------------------------------------------ reading

    def _set_row(self, conn: Connection, name: str) -> Any:
        row = conn.execute(select(sets_table).where(sets_table.c.name == name)).first()
        if row is None:
            raise NotFound("not_found", f"no KPI set named {name!r}", name=name)
        return row

    @staticmethod
    def _revision(name: str, row: Any) -> Revision:
        return Revision(
            name=name,
            number=row.number,
            parent=row.parent,
            plan_json=row.plan,
            seed=int(row.seed),
            trials=row.trials,
            targets=json.loads(row.targets),
            summary=json.loads(row.summary),
            comment=row.comment,
            author=row.author,
            created_at=_utc(row.created_at),
        )

    def _revisions(
        self, conn: Connection, set_row: Any, numbers: Sequence[int] | None = None
    ) -> list[Revision]:
        query = select(revisions_table).where(revisions_table.c.set_id == set_row.id)
        if numbers is not None:
            query = query.where(revisions_table.c.number.in_(list(numbers)))
        rows = conn.execute(query.order_by(revisions_table.c.number.desc())).all()
        return [self._revision(set_row.name, row) for row in rows]

    def names(self, *, include_archived: bool = False) -> list[str]:
        """Set names, most recently saved first (cheap: for choosers)."""
        query = select(sets_table.c.name)
        if not include_archived:
            query = query.where(sets_table.c.archived.is_(False))
        with self._read() as conn:
            rows = conn.execute(
                query.order_by(sets_table.c.updated_at.desc(), sets_table.c.id.desc())
            )
            return [row.name for row in rows]

    def list_sets(self, search: str = "", *, include_archived: bool = False) -> list[KpiSetInfo]:
        """KPI sets, most recently saved first; ``search`` matches name, description, tags,
        author or the newest comment, ignoring case."""
        s, r = sets_table, revisions_table
        query = select(
            s, r.c.summary, r.c.comment.label("head_comment"), r.c.author.label("head_author")
        ).join(r, (r.c.set_id == s.c.id) & (r.c.number == s.c.head))
        if not include_archived:
            query = query.where(s.c.archived.is_(False))
        if search.strip():
            folded = _fold(search.strip())
            escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(s.c.search.like(f"%{escaped}%", escape="\\"))
        with self._read() as conn:
            rows = conn.execute(query.order_by(s.c.updated_at.desc(), s.c.id.desc())).all()
        return [
            self._info(row, json.loads(row.summary), row.head_comment, row.head_author)
            for row in rows
        ]

    @staticmethod
    def _info(row: Any, summary: dict[str, float], comment: str, author: str) -> KpiSetInfo:
        return KpiSetInfo(
            name=row.name,
            author=row.author,
            description=row.description,
            tags=tuple(tag for tag in row.tags.split("\n") if tag),
            head=row.head,
            archived=bool(row.archived),
            created_at=_utc(row.created_at),
            updated_at=_utc(row.updated_at),
            summary=summary,
            head_comment=comment,
            head_author=author,
        )

    def info(self, name: str) -> KpiSetInfo:
        with self._read() as conn:
            row = self._set_row(conn, name)
            head = self._revisions(conn, row, [row.head])[0]
        return self._info(row, head.summary, head.comment, head.author)

    def revision(self, name: str, number: int | None = None) -> Revision:
        """One revision of a set; its newest when ``number`` is None."""
        with self._read() as conn:
            row = self._set_row(conn, name)
            found = self._revisions(conn, row, [row.head if number is None else number])
        if not found:
            raise NotFound(
                "revision_not_found",
                f"KPI set {name!r} has no revision {number} (it has 1 to {row.head})",
                name=name,
                number=number,
                head=row.head,
            )
        return found[0]

    def revision_numbers(self, name: str) -> list[int]:
        """A set's revision numbers, newest first (cheap: for choosers)."""
        with self._read() as conn:
            row = self._set_row(conn, name)
            rows = conn.execute(
                select(revisions_table.c.number)
                .where(revisions_table.c.set_id == row.id)
                .order_by(revisions_table.c.number.desc())
            )
            return [number for (number,) in rows]

    def history(self, name: str) -> list[Revision]:
        """Every revision of a set, newest first."""
        with self._read() as conn:
            return self._revisions(conn, self._set_row(conn, name))

    def count_revisions(self) -> int:
        with self._read() as conn:
            return int(conn.execute(select(func.count()).select_from(revisions_table)).scalar())

    # ------------------------------------------------------------------ writing

    def _insert_revision(
        self,
        conn: Connection,
        set_id: int,
        number: int,
        parent: int | None,
        plan: KpiSet,
        derived: Derived,
        comment: str,
        author: str,
        now: datetime,
    ) -> None:
        conn.execute(
            insert(revisions_table).values(
                set_id=set_id,
                number=number,
                parent=parent,
                plan=plan.to_json(),
                seed=plan.simulation.seed,
                trials=plan.simulation.trials,
                targets=json.dumps(derived.targets, ensure_ascii=False),
                summary=json.dumps(derived.summary),
                comment=comment,
                author=author,
                created_at=now,
            )
        )

    def _insert_set(
        self,
        conn: Connection,
        name: str,
        plan: KpiSet,
        derived: Derived,
        *,
        author: str,
        description: str,
        tags: Sequence[str],
        comment: str,
    ) -> None:
        now = _now()
        if conn.execute(select(sets_table.c.id).where(sets_table.c.name == name)).first():
            raise NameTaken(name)
        try:
            with conn.begin_nested():
                set_id = conn.execute(
                    insert(sets_table).values(
                        name=name,
                        author=author,
                        description=description,
                        tags="\n".join(tags),
                        search=_fold(name, description, *tags, author, comment),
                        head=1,
                        archived=False,
                        created_at=now,
                        updated_at=now,
                    )
                ).inserted_primary_key[0]
        except IntegrityError:  # created by someone else since the check above
            raise NameTaken(name) from None
        self._insert_revision(conn, set_id, 1, None, plan, derived, comment, author, now)

    def create(
        self,
        name: str,
        plan: KpiSet,
        *,
        author: str = "",
        description: str | None = None,
        tags: Sequence[str] = (),
        comment: str = "",
        derived: Derived | None = None,
    ) -> Revision:
        """A new KPI set whose revision 1 is ``plan``; :class:`NameTaken` if the name is used."""
        name = _check_name(name)
        author = _author(author)
        tags = _check_tags(tags)
        plan = _named(plan, name)
        derived = derived or derive(plan)
        description = plan.description if description is None else description
        self._write(
            lambda conn: self._insert_set(
                conn,
                name,
                plan,
                derived,
                author=author,
                description=description,
                tags=tags,
                comment=comment,
            )
        )
        return self.revision(name, 1)

    def _advance(
        self,
        conn: Connection,
        name: str,
        base_revision: int,
        plan: KpiSet,
        parent: int,
        derived: Derived,
        comment: str,
        author: str,
    ) -> int:
        row = self._set_row(conn, name)
        if row.archived:
            raise StoreError(
                "archived", f"KPI set {name!r} is archived; restore it first", name=name
            )
        if not 1 <= base_revision <= row.head:
            raise NotFound(
                "revision_not_found",
                f"KPI set {name!r} has no revision {base_revision} (it has 1 to {row.head})",
                name=name,
                number=base_revision,
                head=row.head,
            )
        now = _now()
        moved = conn.execute(
            update(sets_table)
            .where(sets_table.c.id == row.id, sets_table.c.head == base_revision)
            .values(
                head=base_revision + 1,
                updated_at=now,
                search=_fold(row.name, row.description, row.tags, row.author, comment, author),
            )
        )
        if moved.rowcount != 1:
            raise self._stale(conn, name, base_revision)
        self._insert_revision(
            conn, row.id, base_revision + 1, parent, plan, derived, comment, author, now
        )
        return base_revision + 1

    @staticmethod
    def _refresh_search(conn: Connection, set_id: int) -> None:
        s, r = sets_table, revisions_table
        row = conn.execute(
            select(s.c.name, s.c.description, s.c.tags, s.c.author, r.c.comment, r.c.author)
            .join(r, (r.c.set_id == s.c.id) & (r.c.number == s.c.head))
            .where(s.c.id == set_id)
        ).one()
        conn.execute(update(s).where(s.c.id == set_id).values(search=_fold(*row)))

    def _stale(self, conn: Connection, name: str, base: int) -> StaleRevision:
        row = self._set_row(conn, name)
        newer = self._revisions(conn, row, list(range(max(1, base), row.head + 1)))
        head, based_on = newer[0], next((r for r in newer if r.number == base), None)
        changes = compare.diff(based_on.plan, head.plan) if based_on else []
        return StaleRevision(name, base, head, [r for r in newer if r.number > base], changes)

    def save(
        self,
        name: str,
        plan: KpiSet,
        *,
        base_revision: int,
        author: str = "",
        comment: str = "",
        derived: Derived | None = None,
    ) -> Revision:
        """A new revision of ``name`` based on ``base_revision``.

        Raises :class:`StaleRevision` (and writes nothing) when the set is no longer at
        ``base_revision``.
        """
        plan = _named(plan, name)
        derived = derived or derive(plan)
        number = self._write(
            lambda conn: self._advance(
                conn, name, base_revision, plan, base_revision, derived, comment, _author(author)
            )
        )
        return self.revision(name, number)

    def restore(
        self, name: str, number: int, *, base_revision: int, author: str = "", comment: str = ""
    ) -> Revision:
        """Revision ``number``'s plan as a new revision (its parent is ``number``)."""
        old = self.revision(name, number)
        derived = Derived(old.summary, old.targets)
        new = self._write(
            lambda conn: self._advance(
                conn, name, base_revision, old.plan, number, derived, comment, _author(author)
            )
        )
        return self.revision(name, new)

    def duplicate(
        self, name: str, new_name: str, *, revision: int | None = None, author: str = ""
    ) -> Revision:
        """A new set starting from a revision of ``name`` (its newest by default)."""
        source, info = self.revision(name, revision), self.info(name)
        return self.create(
            new_name,
            source.plan,
            author=author or info.author,
            description=info.description,
            tags=info.tags,
            comment=f"{name} r{source.number}",
            derived=Derived(source.summary, source.targets),
        )

    def rename(self, name: str, new_name: str) -> KpiSetInfo:
        new_name = _check_name(new_name, "new_name")

        def run(conn: Connection) -> None:
            row = self._set_row(conn, name)
            if (
                new_name != name
                and conn.execute(
                    select(sets_table.c.id).where(sets_table.c.name == new_name)
                ).first()
            ):
                raise NameTaken(new_name)
            conn.execute(update(sets_table).where(sets_table.c.id == row.id).values(name=new_name))
            self._refresh_search(conn, row.id)

        try:
            self._write(run)
        except IntegrityError:
            raise NameTaken(new_name) from None
        return self.info(new_name)

    def update_details(
        self, name: str, *, description: str | None = None, tags: Sequence[str] | None = None
    ) -> KpiSetInfo:
        values: dict[str, Any] = {}
        if description is not None:
            values["description"] = description
        if tags is not None:
            values["tags"] = "\n".join(_check_tags(tags))

        def run(conn: Connection) -> None:
            row = self._set_row(conn, name)
            if values:
                conn.execute(update(sets_table).where(sets_table.c.id == row.id).values(**values))
                self._refresh_search(conn, row.id)

        self._write(run)
        return self.info(name)

    def archive(self, name: str, archived: bool = True) -> KpiSetInfo:
        """Hide a set from the library (``archived=False`` brings it back); nothing is deleted."""

        def run(conn: Connection) -> None:
            row = self._set_row(conn, name)
            conn.execute(
                update(sets_table).where(sets_table.c.id == row.id).values(archived=archived)
            )

        self._write(run)
        return self.info(name)

    def import_plans(
        self, plans: Sequence[KpiSet], *, author: str = "", comment: str = ""
    ) -> list[Revision]:
        """New sets from plans, all or nothing: one taken or repeated name writes none."""
        names = [_check_name(plan.name) for plan in plans]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise StoreError(
                    "name_repeated", f"{name!r} appears twice in this import", name=name
                )
        plans = [_named(plan, name) for plan, name in zip(plans, names, strict=True)]
        derived = [derive(plan) for plan in plans]

        def run(conn: Connection) -> None:
            for name, plan, one in zip(names, plans, derived, strict=True):
                self._insert_set(
                    conn,
                    name,
                    plan,
                    one,
                    author=_author(author),
                    description=plan.description,
                    tags=(),
                    comment=comment,
                )

        self._write(run)
        return [self.revision(name, 1) for name in names]
