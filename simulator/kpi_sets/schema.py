"""The KPI set tables and their migrations.

``centerpin_schema`` records every applied migration. :data:`MIGRATIONS` is an
append-only list of functions (the first creates the tables). A store that opens reads the
version (:func:`current`, no lock taken) and only when migrations are missing runs them
in one write transaction (:func:`migrate`). Opening a database that a newer Centerpin
has migrated raises :class:`SchemaTooNew` instead of guessing at its layout.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Connection

from simulator.kpi_sets.errors import SchemaTooNew

SCHEMA_VERSION = 3
MAX_NAME = 200
MAX_AUTHOR = 100
_MIGRATION_LOCK = 72463  # PostgreSQL advisory lock: one opener migrates at a time

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


MAX_FILE = 255

#: Actuals as uploaded (docs/design.md §8): one snapshot per upload, never changed.
actuals_table = Table(
    "kpi_set_actuals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("set_id", ForeignKey("kpi_sets.id", ondelete="RESTRICT"), nullable=False),
    Column("author", String(MAX_AUTHOR), nullable=False),
    Column("file", String(MAX_FILE), nullable=False),
    Column("layout", String(10), nullable=False),
    Column("months", Text, nullable=False),  # the months reported, one per line
    Column("data", Text, nullable=False),  # JSON: [[month, metric, rep, value], ...]
    Column("created_at", DateTime(timezone=True), nullable=False),
)

#: The revisions that are reviews: what they were reviewed against and what they found.
reviews_table = Table(
    "kpi_set_reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("set_id", ForeignKey("kpi_sets.id", ondelete="RESTRICT"), nullable=False),
    Column("number", Integer, nullable=False),  # the review's own revision
    Column("prior", Integer, nullable=False),  # the revision whose plan the review started from
    Column("actuals_id", ForeignKey("kpi_set_actuals.id", ondelete="RESTRICT"), nullable=False),
    Column("as_of", String(7), nullable=False),  # the review month, YYYY-MM
    Column("findings", Text, nullable=False),  # JSON: the review's figures (CLI's --json)
    UniqueConstraint("set_id", "number", name="uq_review_revision"),
)


def now() -> datetime:
    """The time a row is stamped with (timezone-aware UTC)."""
    return datetime.now(UTC)


def utc(value: datetime) -> datetime:
    """A stamp read back, in UTC (SQLite returns it without a timezone)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _migration_1(conn: Connection) -> None:
    metadata.create_all(conn, tables=[sets_table, revisions_table])


def _migration_2(conn: Connection) -> None:
    """Actuals snapshots and the reviews saved as revisions."""
    metadata.create_all(conn, tables=[actuals_table, reviews_table])


#: version -> the step that brings the database from version - 1 to it. Append only.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _migration_1, 2: _migration_2}


def version(conn: Connection) -> int:
    """The newest migration applied to the database (0 for none)."""
    return int(conn.execute(select(func.max(schema_table.c.version))).scalar() or 0)


def current(conn: Connection) -> int:
    """The database's schema version, read without taking any lock (0 for a database
    without tables); :class:`SchemaTooNew` if a newer Centerpin has migrated it."""
    found = version(conn) if inspect(conn).has_table(schema_table.name) else 0
    if found > SCHEMA_VERSION:
        raise SchemaTooNew(
            "schema_too_new",
            f"the database has schema version {found}; this Centerpin reads up to "
            f"{SCHEMA_VERSION}. Update Centerpin to open it.",
            found=found,
            supported=SCHEMA_VERSION,
        )
    return found


def migrate(conn: Connection) -> None:
    """Apply the migrations the database lacks, in the caller's write transaction (which
    holds the write lock: another opener migrating at the same time waits, then finds
    nothing left to do); :class:`SchemaTooNew` if a newer Centerpin has migrated it."""
    if conn.dialect.name != "sqlite":  # two processes opening a new database: one migrates
        conn.execute(text(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})"))
    if not inspect(conn).has_table(schema_table.name):
        schema_table.create(conn)
    found = current(conn)
    for step in range(found + 1, SCHEMA_VERSION + 1):
        MIGRATIONS[step](conn)
        conn.execute(insert(schema_table).values(version=step, applied_at=now()))


# ----------------------------------------------------------------------------- migration 3
MAX_ROOM_CODE = 16
MAX_PARTICIPANT = 64  # a participant's browser token
MAX_LEVER = 200

#: Workshop rooms (docs/design.md, "Workshop"): a plan the room guesses about, its code,
#: when it closes, its size, and whether the answer has been shown.
rooms_table = Table(
    "workshop_rooms",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(MAX_ROOM_CODE), nullable=False, unique=True),
    Column("label", String(MAX_NAME), nullable=False),  # the plan's name as the room shows it
    Column("plan", Text, nullable=False),  # the plan, in the file format (a snapshot)
    Column("max_participants", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("closes_at", DateTime(timezone=True), nullable=False),
    Column("revealed_at", DateTime(timezone=True), nullable=True),
    # SHA-256 of the facilitator's key: the host link opens the room's screen again.
    Column("host_key_hash", String(64), nullable=False),
)

#: One guess per participant and room (a participant who sends again replaces it).
submissions_table = Table(
    "workshop_submissions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("room_id", ForeignKey("workshop_rooms.id", ondelete="CASCADE"), nullable=False),
    Column("participant", String(MAX_PARTICIPANT), nullable=False),
    Column("name", String(MAX_AUTHOR), nullable=False),
    Column("pin", String(MAX_LEVER), nullable=False),  # a lever path of the room's plan
    Column("p_target", Float, nullable=False),  # 0–1
    Column("proposal", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("room_id", "participant", name="uq_room_participant"),
)


def _migration_3(conn: Connection) -> None:
    """Workshop rooms and the guesses sent to them."""
    metadata.create_all(conn, tables=[rooms_table, submissions_table])


MIGRATIONS[3] = _migration_3
