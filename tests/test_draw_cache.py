"""Per-trial draws kept between runs: the same numbers as drawn afresh, bounded in bytes."""

from __future__ import annotations

import numpy as np
import pytest

from simulator import engine, levers, uncertain
from simulator.funnel import DRAWS, DrawCache
from ui.plans import DEFAULT_PLAN, sample


def _revenue(plan, trials: int = 20_000) -> np.ndarray:
    return engine.simulate(plan, trials=trials).total_revenue


def test_kept_draws_give_the_same_run_as_fresh_ones() -> None:
    plan = sample(DEFAULT_PLAN)
    uncertain.clear_caches()
    fresh = _revenue(plan)
    assert DRAWS.nbytes > 0  # the run kept its draws
    kept = _revenue(plan)  # every quantity from the cache
    np.testing.assert_array_equal(fresh, kept)


def test_a_moved_lever_is_drawn_afresh_and_the_others_are_kept() -> None:
    plan = sample(DEFAULT_PLAN)
    moved = levers.with_value(
        plan, "win_rate", levers.stepped(levers.get(plan, "win_rate"), 0.01, "rate")
    )
    _revenue(plan)
    with_cache = _revenue(moved)
    uncertain.clear_caches()
    without = _revenue(moved)
    np.testing.assert_array_equal(with_cache, without)
    assert not np.array_equal(without, _revenue(plan))  # the move did change the run


def test_kept_arrays_are_read_only() -> None:
    cache = DrawCache(1 << 20)
    array = cache.get(("k",), np.zeros, 4)
    with pytest.raises(ValueError, match="read-only"):
        array[0] = 1.0


def test_least_recently_used_go_first_within_the_byte_bound() -> None:
    cache = DrawCache(3 * 800)  # three arrays of 100 floats
    made = []

    def make(name: str) -> np.ndarray:
        made.append(name)
        return np.zeros(100)

    for name in "abc":
        cache.get((name,), make, name)
    cache.get(("a",), make, "a")  # a is used again: b is now the oldest
    cache.get(("d",), make, "d")  # over the bound: b goes
    assert cache.nbytes == 3 * 800
    cache.get(("b",), make, "b")  # made again
    cache.get(("a",), make, "a")  # kept (c went for b)
    assert made == ["a", "b", "c", "d", "b"]


def test_an_array_larger_than_the_bound_is_returned_not_kept() -> None:
    cache = DrawCache(100)
    assert cache.get(("big",), np.zeros, 1000).shape == (1000,)
    assert cache.nbytes == 0
