"""The database behind the KPI set store: its URL, the engine and its settings, transactions.

SQLite by default (``data/centerpin.db``, created on first use), in WAL mode with a busy
timeout and foreign keys on; writes take the lock at ``BEGIN IMMEDIATE`` so writers queue
instead of failing half way. PostgreSQL when ``CENTERPIN_DB_URL`` names one
(``postgresql+psycopg://user:password@127.0.0.1/centerpin``). A write that still meets a
busy database is retried with backoff; a database that cannot be used becomes a
:class:`StoreError` (``unavailable``).
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError

from simulator.kpi_sets.errors import StoreError
from simulator.kpi_sets.limits import ENV_URL

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "centerpin.db"
BUSY_TIMEOUT_S = 30
_RETRIES = 6

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
        self.url: URL = parsed
        self.sqlite = parsed.get_backend_name() == "sqlite"
        self.engine = _sqlite_engine(parsed) if self.sqlite else _server_engine(parsed)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn, conn.begin():
                yield conn
        except (OperationalError, InterfaceError) as error:
            raise _unavailable(error) from error

    def write(self, work: Callable[[Connection], T]) -> T:
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


def _sqlite_engine(url: URL) -> Engine:
    if url.database == str(DEFAULT_PATH):  # created on first use; a URL of
        DEFAULT_PATH.parent.mkdir(parents=True, exist_ok=True)  # one's own must exist
    engine = create_engine(
        url, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # transactions are ours: see _begin
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("centerpin_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _server_engine(url: URL) -> Engine:
    # A server that does not answer fails the page in seconds, not a TCP timeout.
    wait = {} if "connect_timeout" in url.query else {"connect_timeout": 10}
    return create_engine(url, pool_pre_ping=True, connect_args=wait)


def _is_busy(error: OperationalError) -> bool:
    text_ = str(error.orig).lower()
    return "locked" in text_ or "busy" in text_ or "deadlock" in text_


def _unavailable(error: Exception) -> StoreError:
    """A database that cannot be reached, or stays locked, as the store's own error."""
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    return StoreError("unavailable", f"the KPI set database cannot be used: {reason}")
