"""Once per server process: give memory back when no one has been connected for a while.

The caches are bounded (:mod:`ui.cache`), so a busy server's memory is a known function of
its users; but when they have all gone, what they left in the caches stays until a TTL runs
out on a later read, and Python's allocator keeps freed memory for itself. So a watcher
thread checks the number of connected sessions every :data:`PERIOD_S`. Once it has been 0
for longer than Streamlit keeps a closed session for a reconnect
(``server.disconnectedSessionTTL``) plus :data:`IDLE_S`, it drops those closed sessions
(Streamlit itself does only when another session closes), empties the simulation caches,
collects, hands the freed heap back to the system (glibc's ``malloc_trim``) and warms the
sample plans again (:mod:`ui.warm`): the server is back where it started, and the next
visitor still finds a sample ready.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

log = logging.getLogger(__name__)

PERIOD_S = 5.0
IDLE_S = 10.0


def idle_seconds() -> float:
    """How long no one must have been connected before a release: the closed sessions
    Streamlit keeps for a reconnect have gone by then, and what they held with them."""
    from streamlit import config

    return float(config.get_option("server.disconnectedSessionTTL") or 0) + IDLE_S


def longest_seconds() -> float:
    """The longest a server holds what its last visitors left once they have gone."""
    return idle_seconds() + PERIOD_S


@dataclass
class IdleWatch:
    """Decides when to release: once per idle spell, after it has lasted ``idle_s``."""

    idle_s: float
    idle_since: float | None = None
    released: bool = False

    def due(self, sessions: int, now: float) -> bool:
        if sessions > 0:
            self.idle_since, self.released = None, False
            return False
        if self.released:
            return False
        if self.idle_since is None:
            self.idle_since = now
        if now - self.idle_since < self.idle_s:
            return False
        self.released = True
        return True


def connected_sessions() -> int | None:
    """Sessions with an open connection to this server, from Streamlit's own metrics (what
    ``/_stcore/metrics`` serves); None when they cannot be read (no server, or a Streamlit
    that does not report them), in which case nothing is ever released."""
    try:
        from streamlit import runtime
        from streamlit.runtime.stats import ACTIVE_SESSIONS_FAMILY

        if not runtime.exists():
            return None
        stats = runtime.get_instance().stats_mgr.get_stats(family_names=[ACTIVE_SESSIONS_FAMILY])
        gauges = stats.get(ACTIVE_SESSIONS_FAMILY)
        return int(sum(gauge.value for gauge in gauges)) if gauges else None
    except Exception:  # an API that moved: keep everything, as a server without this would
        log.debug("connected sessions could not be read", exc_info=True)
        return None


def reap_closed_sessions() -> int | None:
    """Drop the closed sessions Streamlit kept for a reconnect whose time is up; how many.

    Streamlit keeps them in a TTL cache that removes expired entries only on a write (the
    next session to close) or a length query, so after the last visitor has gone they would
    stay, with their state, until someone else came and went; and an entry dropped that
    way is not shut down, so its files stay registered. Here they are dropped under the
    session manager's own lock, then shut down as Streamlit shuts down a closed session
    that cannot resume.

    This reaches into Streamlit's session storage (``MemorySessionStorage``): a test checks
    it against the installed Streamlit, and where the storage differs nothing is dropped
    (None).
    """
    try:
        from streamlit import runtime

        if not runtime.exists():
            return None
        manager = runtime.get_instance()._session_mgr
        with manager._storage_lock:
            expired = manager._session_storage._cache.expire()
        for _, info in expired:
            info.session.shutdown()
        return len(expired)
    except Exception:
        log.debug("closed sessions could not be reaped", exc_info=True)
        return None


#: glibc's ``mallopt`` parameters, and the values a server sets (:func:`tune_allocator`).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
ARENAS = 2
MMAP_THRESHOLD = 1 << 20  # 1 MB
TRIM_THRESHOLD = 8 << 20  # 8 MB


@cache
def _libc() -> ctypes.CDLL | None:
    """The C library, looked up once (``find_library`` runs ``ldconfig``)."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


def _mallopt(parameter: int, value: int) -> bool:
    libc = _libc()
    try:
        return bool(libc and libc.mallopt(parameter, value))
    except AttributeError:
        return False


def tune_allocator(
    arenas: int = ARENAS, mmap_threshold: int = MMAP_THRESHOLD, trim_threshold: int = TRIM_THRESHOLD
) -> bool:
    """Set glibc's allocator so that what a burst of sessions frees can be handed back.

    - **Two arenas** for all threads: glibc gives threads arenas of their own (up to 8 a
      core), and free memory scattered over them cannot all be handed back.
    - **Blocks of 1 MB and more mapped** on their own, and unmapped when freed. glibc's
      default threshold rises with every large block freed, up to 32 MB, so the engine's
      trials × months arrays (9.6 MB at 100,000 trials × 12 months) came from the arenas:
      each took a fresh arena heap, which a few small long-lived objects then pinned.
    - **An arena's free top above 8 MB given back** at once. A fixed mapping threshold
      also fixes glibc's trim threshold, at 128 KB by default: every large free then shrank
      the heap and the next allocation faulted its pages in again (the engine's slider move
      took 84–96 ms instead of 56).

    Measured on one server (5 s reconnect time; rounds of 4 browser sessions × 5 plans,
    each followed by the release): 1.0–5.7% above its start once idle in six rounds,
    against 5.9–22.6% in eleven rounds with the two arenas alone; its peak with the
    sessions open fell from 630–886 MB to 493–516 MB. The engine's slider move took 56 ms
    either way. False where the C library is not glibc.
    """
    settings = (
        (M_ARENA_MAX, arenas),
        (M_MMAP_THRESHOLD, mmap_threshold),
        (M_TRIM_THRESHOLD, trim_threshold),
    )
    return all([_mallopt(parameter, value) for parameter, value in settings])


def trim_heap() -> bool:
    """Return the allocator's free memory to the system; False where that is not glibc."""
    libc = _libc()
    try:
        return bool(libc and libc.malloc_trim(0))
    except AttributeError:
        return False


def release_memory(warm: Callable[[], None]) -> None:
    """Drop expired closed sessions, empty the simulation caches, collect, trim the heap,
    then warm the samples again."""
    from simulator import funnel
    from ui import cache

    reap_closed_sessions()
    cache.release()
    funnel.DRAWS.clear()
    gc.collect()
    trim_heap()
    warm()


def watch(
    sessions: Callable[[], int | None],
    release: Callable[[], None],
    *,
    period_s: float = PERIOD_S,
    idle_s: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    rounds: int | None = None,
) -> None:
    """Check ``sessions()`` every ``period_s`` and ``release()`` after ``idle_s`` of none
    (:func:`idle_seconds` by default); stop when they cannot be read (or after ``rounds``,
    for tests)."""
    idle = IdleWatch(idle_seconds() if idle_s is None else idle_s)
    done = 0
    while rounds is None or done < rounds:
        sleep(period_s)
        done += 1
        count = sessions()
        if count is None:
            return
        if idle.due(count, clock()):
            try:
                release()
            except Exception:  # a failed release costs memory, never the server
                log.exception("releasing memory failed")


def start(warm: Callable[[], None]) -> None:
    """Tune the allocator and start the watcher thread (:mod:`ui.warm` does, once
    per server, before its own threads start)."""
    tune_allocator()
    thread = threading.Thread(
        target=watch,
        args=(connected_sessions, lambda: release_memory(warm)),
        name="centerpin-housekeeping",
        daemon=True,
    )
    thread.start()
