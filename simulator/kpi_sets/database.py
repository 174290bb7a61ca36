"""The database behind the KPI set store: its URL, the engine and its settings, transactions.

SQLite by default (``data/centerpin.db``, created on first use), in WAL mode with foreign
keys on; writes take the lock at ``BEGIN IMMEDIATE`` so writers queue instead of failing
half way. PostgreSQL when ``CENTERPIN_DB_URL`` names one
(``postgresql+psycopg://user:password@127.0.0.1/centerpin``); no other database.

Nobody waits long on a lock: reads never take the write lock (WAL readers do not queue
behind a writer), and a transaction that has waited :data:`LOCK_WAIT_S` seconds for
another's lock, retries included, gives up with a :class:`StoreError` (``busy``) that
says so. A SQLite file that this user may not write (the file or its folder) is opened
read-only: it can be listed and exported, and a save is refused (``read_only``). A
database that cannot be used becomes a :class:`StoreError` (``unavailable``).
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError

from simulator.kpi_sets.errors import StoreError
from simulator.kpi_sets.limits import ENV_URL

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "centerpin.db"
#: The longest a transaction waits for another's lock, retries included.
LOCK_WAIT_S = 10
SUPPORTED = ("sqlite", "postgresql")

T = TypeVar("T")


def default_url() -> str:
    return os.environ.get(ENV_URL) or f"sqlite:///{DEFAULT_PATH}"


class Database:
    """One database: read transactions, and write transactions retried while it is busy."""

    def __init__(self, url: str) -> None:
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise StoreError("db_url", f"{ENV_URL}: not a database URL", url=url) from None
        backend = parsed.get_backend_name()
        if backend not in SUPPORTED:
            raise StoreError(
                "db_unsupported",
                f"{ENV_URL}: KPI sets are kept in SQLite (sqlite:///path) or PostgreSQL "
                f"(postgresql+psycopg://...), not {backend}",
                backend=backend,
            )
        self.url: URL = parsed
        self.sqlite = backend == "sqlite"
        self.read_only = self.sqlite and _read_only(parsed.database)
        try:
            self.engine = (
                _sqlite_engine(parsed, self.read_only) if self.sqlite else _server_engine(parsed)
            )
        except (ImportError, ArgumentError):  # a driver that is not installed, or unknown
            raise StoreError(
                "db_driver",
                f"{ENV_URL}: no driver for {parsed.drivername} is installed "
                "(PostgreSQL: postgresql+psycopg://...)",
                driver=parsed.drivername,
            ) from None

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn, conn.begin():
                if not self.sqlite:
                    _lock_timeout(conn, LOCK_WAIT_S)
                yield conn
        except (OperationalError, InterfaceError) as error:
            raise _unavailable(error) from error

    def write(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in one write transaction, retrying only while the database is busy,
        for at most :data:`LOCK_WAIT_S` seconds in all."""
        if self.read_only:
            raise StoreError(
                "read_only",
                f"the KPI set database {self.url.database} is read-only for this user: it "
                "can be listed and exported; saving needs write permission on the file and "
                "its folder",
            )
        deadline = time.monotonic() + LOCK_WAIT_S
        attempt = 0
        while True:
            wait = max(deadline - time.monotonic(), 0.0)
            try:
                with self.engine.connect() as conn:
                    conn.execution_options(centerpin_write=True, centerpin_wait=wait)
                    with conn.begin():
                        if not self.sqlite:
                            _lock_timeout(conn, wait)
                        return work(conn)
            except OperationalError as error:
                pause = 0.05 * 2**attempt * (1 + random.random())
                if not _is_busy(error) or time.monotonic() + pause >= deadline:
                    raise _unavailable(error) from error
                time.sleep(pause)
                attempt += 1
            except InterfaceError as error:
                raise _unavailable(error) from error


def _read_only(path: str | None) -> bool:
    """Whether an existing SQLite file may not be written by this user (the file, or the
    folder its journal goes in)."""
    if not path or path == ":memory:" or not os.path.exists(path):
        return False
    folder = os.path.dirname(os.path.abspath(path))
    return not (os.access(path, os.W_OK) and os.access(folder, os.W_OK))


def _lock_timeout(conn: Connection, seconds: float) -> None:
    conn.execute(text(f"SET LOCAL lock_timeout = '{max(int(seconds * 1000), 1)}ms'"))


def _sqlite_engine(url: URL, read_only: bool) -> Engine:
    if url.database == str(DEFAULT_PATH):  # created on first use; a URL of one's own must
        with suppress(OSError):  # exist (where the folder cannot be made, opening says so)
            DEFAULT_PATH.parent.mkdir(parents=True, exist_ok=True)
    # Until a transaction sets its own wait (_begin), a second at most: connecting never
    # waits long on another's lock.
    options: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 1}}
    if read_only:
        options["creator"] = lambda: _read_only_connection(url.database)
    engine = create_engine(url, **options)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # transactions are ours: see _begin
        cursor = dbapi_connection.cursor()
        if not read_only and cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            # Once per database; while another holds its lock, a later connection will.
            with suppress(sqlite3.OperationalError):
                cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        options = conn.get_execution_options()
        wait = options.get("centerpin_wait", LOCK_WAIT_S)
        conn.exec_driver_sql(f"PRAGMA busy_timeout={int(wait * 1000)}")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get("centerpin_write") else "BEGIN")

    return engine


def _read_only_connection(path: str) -> sqlite3.Connection:
    """A connection that never writes the file, its journal or its folder: ``mode=ro``
    reads a WAL database through its shared-memory file when there is one, and a
    database with none that cannot be made is read as it is (``immutable``)."""
    uri = f"file:{quote(os.path.abspath(path))}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        return sqlite3.connect(f"{uri}&immutable=1", uri=True, check_same_thread=False)


def _server_engine(url: URL) -> Engine:
    # A server that does not answer fails the page in seconds, not a TCP timeout.
    wait = {} if "connect_timeout" in url.query else {"connect_timeout": 10}
    return create_engine(url, pool_pre_ping=True, connect_args=wait)


def _is_busy(error: OperationalError) -> bool:
    text_ = str(error.orig).lower()
    return "locked" in text_ or "busy" in text_ or "deadlock" in text_ or "lock timeout" in text_


def _unavailable(error: Exception) -> StoreError:
    """A database that cannot be reached, or stays locked, as the store's own error."""
    if isinstance(error, OperationalError) and _is_busy(error):
        return StoreError(
            "busy",
            f"the KPI set database is busy: another program has held its lock for "
            f"{LOCK_WAIT_S} s; nothing was written, try again later",
            seconds=LOCK_WAIT_S,
        )
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    return StoreError("unavailable", f"the KPI set database cannot be used: {reason}")
