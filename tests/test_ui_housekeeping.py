"""Memory given back once every visitor has gone: when, what, and that a failure is harmless."""

from __future__ import annotations

import ast
import inspect
import logging
import subprocess
import sys
from pathlib import Path

import pytest
import streamlit as st

from simulator import engine
from ui import cache, housekeeping, scenario
from ui.plans import DEFAULT_PLAN, sample

ROOT = Path(__file__).resolve().parents[1]


def _run(counts: list[int | None], idle_s: float = 10.0, period_s: float = 5.0) -> list[float]:
    """Drive the watcher with a fake clock: one session count per period; return the
    times at which it released."""
    now = [0.0]
    released: list[float] = []
    replies = iter(counts)

    def sleep(seconds: float) -> None:
        now[0] += seconds

    housekeeping.watch(
        lambda: next(replies),
        lambda: released.append(now[0]),
        period_s=period_s,
        idle_s=idle_s,
        clock=lambda: now[0],
        sleep=sleep,
        rounds=len(counts),
    )
    return released


def test_releases_once_per_idle_spell_after_it_has_lasted() -> None:
    # Busy, then idle from t=15 s: released at 25 s (10 s on), not again while idle;
    # busy again at 40 s resets it, and the next idle spell (from 45 s) releases at 55 s.
    counts = [3, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0]
    assert _run(counts) == [25.0, 55.0]


def test_never_releases_while_anyone_is_connected() -> None:
    assert _run([1] * 50) == []


def test_stops_when_sessions_cannot_be_read() -> None:
    # The first reading fails: the watcher ends, so the later zeros release nothing.
    assert _run([None, 0, 0, 0, 0, 0]) == []


def test_a_failed_release_is_logged_and_the_watch_goes_on(caplog) -> None:
    calls = []

    def release() -> None:
        calls.append(True)
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR, logger=housekeeping.__name__):
        housekeeping.watch(lambda: 0, release, period_s=1, idle_s=0, sleep=lambda s: None, rounds=3)
    assert calls == [True]  # once per idle spell, and the loop survived it
    assert "releasing memory failed" in caplog.text


def test_no_server_means_no_reading() -> None:
    assert housekeeping.connected_sessions() is None


def test_trimming_the_heap_is_safe_to_call() -> None:
    assert isinstance(housekeeping.trim_heap(), bool)


def test_release_empties_every_simulation_cache_then_warms(monkeypatch) -> None:
    st.cache_resource.clear()
    st.cache_data.clear()
    baseline = sample(DEFAULT_PLAN)
    plan_json = scenario.scenario_plan(baseline, scenario.defaults(baseline)).to_json()
    runs = []
    simulate = engine.simulate
    monkeypatch.setattr(
        engine, "simulate", lambda plan, **kw: runs.append(plan) or simulate(plan, **kw)
    )
    cache.numbers(plan_json)
    cache.numbers(plan_json)
    assert len(runs) == 1
    warmed = []
    housekeeping.release_memory(lambda: warmed.append(True))
    assert warmed == [True]
    cache.numbers(plan_json)  # emptied: run again
    assert len(runs) == 2
    st.cache_resource.clear()


def test_every_simulation_cache_is_released_and_the_store_is_kept() -> None:
    tree = ast.parse(inspect.getsource(cache))
    cached = {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any("cache_" in ast.unparse(d) for d in node.decorator_list)
    }
    released = {f.__name__ for f in cache.SIMULATION_CACHES}
    assert released == cached - {"store"}


def test_reaping_reaches_streamlits_session_storage() -> None:
    """What :func:`housekeeping.reap_closed_sessions` relies on, in the installed
    Streamlit: the runtime's session manager keeps closed sessions in a
    ``MemorySessionStorage`` whose TTL cache drops expired entries on ``expire()``."""
    from streamlit.runtime import runtime, websocket_session_manager
    from streamlit.runtime.memory_session_storage import MemorySessionStorage

    assert "_session_mgr" in inspect.getsource(runtime.Runtime.__init__)
    source = inspect.getsource(websocket_session_manager.WebsocketSessionManager.__init__)
    assert "_session_storage" in source and "_storage_lock" in source
    storage = MemorySessionStorage(ttl_seconds=60)
    now = [0.0]
    storage._cache._timer = lambda: now[0]  # the cache's clock, moved by hand
    storage._cache["closed"] = "a closed session"
    now[0] = 61.0
    assert [key for key, _ in storage._cache.expire()] == ["closed"]
    assert housekeeping.reap_closed_sessions() is None  # no server here: nothing touched


ALLOCATION_PROBE = """
import ctypes
import sys
import numpy as np
from ui import housekeeping

class MallInfo2(ctypes.Structure):  # glibc's struct mallinfo2: ten size_t counters
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd",
        "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost",
    )]

libc = housekeeping._libc()
libc.mallinfo2.restype = MallInfo2

if sys.argv[1] == "tuned":
    assert housekeeping.tune_allocator()
big = np.ones(20 << 17)  # 20 MB, freed: glibc's own threshold rises above 2 MB
del big
mapped = libc.mallinfo2().hblkhd
block = np.ones(2 << 17)  # 2 MB
print(libc.mallinfo2().hblkhd - mapped >= block.nbytes, housekeeping.trim_heap() in (True, False))
"""


@pytest.mark.parametrize(("mode", "mapped"), [("tuned", "True"), ("default", "False")])
def test_a_tuned_server_maps_large_blocks_of_their_own(mode: str, mapped: str) -> None:
    # In a process of its own, so that this one keeps glibc's defaults. This machine's C
    # library is glibc (Debian): the settings must take effect here.
    command = [sys.executable, "-c", ALLOCATION_PROBE, mode]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [mapped, "True"]
