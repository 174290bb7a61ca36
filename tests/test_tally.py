"""Streamed summaries (simulator.tally) against numpy on the full arrays, and what a
streamed run keeps in memory."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from simulator import engine, results, tally
from simulator import funnel as fn
from simulator.plan import KpiSet
from simulator.tally import ALPHA, CountHistogram, Moments, RevenueHistogram
from tests.conftest import make_plan

QS = (0.0, 0.001, 0.1, 0.2, 0.25, 0.5, 0.75, 0.8, 0.9, 0.999, 1.0)


def _in_chunks(values: np.ndarray, size: int = 997) -> list[np.ndarray]:
    return [values[i : i + size] for i in range(0, values.shape[0], size)]


def test_count_histogram_is_numpy_exactly() -> None:
    rng = np.random.default_rng(1)
    values = np.column_stack([rng.poisson(3.0, 10_001), rng.poisson(250.0, 10_001)])
    values[:5, 0] = 0
    histogram = CountHistogram(2)
    for part in _in_chunks(values):
        histogram.add(part)
    for column in range(2):
        assert histogram.quantiles(column, QS) == list(np.quantile(values[:, column], QS))
        assert histogram.mean(column) == values[:, column].mean()
        expected_error = values[:, column].std(ddof=1) / np.sqrt(values.shape[0])
        assert histogram.std_error(column) == pytest.approx(expected_error, rel=1e-12)


def test_histograms_grow_either_way() -> None:
    rng = np.random.default_rng(4)
    parts = [rng.integers(low, high, (500, 2)) for low, high in ((100, 200), (0, 50), (900, 950))]
    parts.append(rng.integers(140, 160, (500, 2)))
    counts, revenue = CountHistogram(2), RevenueHistogram(2)
    for part in parts:
        counts.add(part)
        revenue.add(part * 1e3)
    values = np.concatenate(parts)
    for column in range(2):
        assert counts.quantiles(column, QS) == list(np.quantile(values[:, column], QS))
        exact = np.quantile(values[:, column] * 1e3, QS)
        assert np.all(np.abs(revenue.quantiles(column, QS) - exact) <= ALPHA * exact)


@pytest.mark.parametrize("narrow_first", [True, False])
def test_a_wide_count_column_stays_bounded_and_within_alpha(narrow_first: bool) -> None:
    """Huge counts (a plan of huge volumes) switch their column to relative buckets: memory
    stays bounded, percentiles stay within ALPHA, the mean stays exact; a narrow column
    beside it stays exact."""
    rng = np.random.default_rng(7)
    wide = rng.integers(0, 4_000_000_000, 6_000)
    wide[:3] = 0
    narrow = rng.poisson(4.0, 6_000)
    if narrow_first:  # the first chunks fit exact bins, the later ones do not
        wide[:2_000] = rng.integers(1_000_000, 1_001_000, 2_000)
    values = np.column_stack([narrow, wide])
    histogram = CountHistogram(2)
    for part in _in_chunks(values):
        histogram.add(part)
    assert all(c.counts.size <= tally.EXACT_BINS * 2 for c in histogram.columns)
    assert histogram.quantiles(0, QS) == list(np.quantile(narrow, QS))
    exact = np.quantile(wide, QS)
    streamed = np.array(histogram.quantiles(1, QS))
    np.testing.assert_array_less(np.abs(streamed - exact), ALPHA * exact + 1e-300)
    assert histogram.mean(1) == wide.mean()
    expected_error = wide.std(ddof=1) / np.sqrt(wide.size)
    assert histogram.std_error(1) == pytest.approx(expected_error, rel=ALPHA)


@pytest.mark.parametrize("zeros", [0, 40, 9_000])
def test_revenue_histogram_percentiles_are_within_alpha_of_numpy(zeros: int) -> None:
    rng = np.random.default_rng(2)
    values = np.column_stack(
        [rng.lognormal(13.0, 1.5, 20_000), rng.lognormal(2.0, 0.01, 20_000) * 1e6]
    )
    values[rng.permutation(20_000)[:zeros], 0] = 0.0
    histogram = RevenueHistogram(2)
    for part in _in_chunks(values):
        histogram.add(part)
    for column in range(2):
        exact = np.quantile(values[:, column], QS)
        streamed = np.array(histogram.quantiles(column, QS))
        np.testing.assert_array_less(np.abs(streamed - exact), ALPHA * exact + 1e-300)
        assert (streamed[exact == 0] == 0).all()
    threshold = float(np.quantile(values[:, 0], 0.3))
    share = histogram.share_at_least(0, threshold)
    near = np.abs(values[:, 0] - threshold) <= 2 * ALPHA * threshold
    assert abs(share - np.mean(values[:, 0] >= threshold)) <= near.mean() + 1e-12


def test_revenue_histogram_of_all_zeros() -> None:
    histogram = RevenueHistogram(1)
    histogram.add(np.zeros((10, 1)))
    histogram.add(np.zeros((5, 1)))
    assert histogram.quantiles(0, (0.1, 0.9)) == [0.0, 0.0]


def test_merged_moments_are_numpy_s() -> None:
    rng = np.random.default_rng(3)
    values = rng.lognormal(15.0, 0.8, (30_011, 3))
    merged = None
    for part in _in_chunks(values, 10_000):
        moments = Moments.of(part)
        merged = moments if merged is None else merged.merge(moments)
    assert merged is not None and merged.n == values.shape[0]
    np.testing.assert_allclose(merged.mean, values.mean(axis=0), rtol=1e-13)
    expected = values.std(axis=0, ddof=1) / np.sqrt(values.shape[0])
    np.testing.assert_allclose(merged.std_error(), expected, rtol=1e-10)


# --------------------------------------------------------------------------- the engine


@pytest.fixture
def small_head(monkeypatch: pytest.MonkeyPatch) -> int:
    """Streamed runs keep only their first chunk, so a short run streams the rest."""
    monkeypatch.setattr(results, "SUMMARY_DETAIL_TRIALS", fn.CHUNK_TRIALS)
    return fn.CHUNK_TRIALS


def _assert_same_summaries(streamed: dict, exact: dict, where: str = "") -> None:
    """Equal figures, but revenue percentiles within ALPHA and means to rounding."""
    if isinstance(exact, dict):
        for key in exact:
            _assert_same_summaries(streamed[key], exact[key], f"{where}.{key}")
    elif isinstance(exact, list):
        for i, (s, e) in enumerate(zip(streamed, exact, strict=True)):
            _assert_same_summaries(s, e, f"{where}[{i}]")
    elif isinstance(exact, str):
        assert streamed == exact, where
    elif "revenue.p" in where and "target" not in where:
        assert abs(streamed - exact) <= ALPHA * abs(exact), where
    else:
        assert streamed == pytest.approx(exact, rel=1e-12, abs=1e-9), where


def test_streamed_run_summarises_like_the_kept_one(sample_plan: KpiSet, small_head: int) -> None:
    trials = 3 * small_head + 123
    kept = engine.simulate(sample_plan, trials=trials, seed=4)
    streamed = engine.simulate(sample_plan, trials=trials, seed=4, keep_trials=False)
    assert streamed.tally is not None and not streamed.keeps_every_trial
    _assert_same_summaries(streamed.to_dict(), kept.to_dict())
    low = 1.0 - sample_plan.target.confidence
    assert streamed.revenue_at_confidence() == pytest.approx(
        np.quantile(kept.total_revenue, low), rel=ALPHA
    )
    assert streamed.p_target() == kept.p_target()


def test_streamed_run_keeps_only_its_first_trials(small_head: int) -> None:
    plan = make_plan(sales_cycle_months={"low": 1, "high": 3})
    result = engine.simulate(plan, trials=5 * small_head, seed=1, keep_trials=False)
    assert result.kept.trials == small_head and result.trials == 5 * small_head
    for name in ("revenue", "wins", "carry_over_wins", "expected_revenue", "total_revenue"):
        with pytest.raises(results.TrialsNotKept):
            getattr(result, name)
    with pytest.raises(results.TrialsNotKept):
        _ = result.detail
    # What the UI's tables need still works, from the kept trials.
    assert result.kpi_targets().shape == (plan.months, 2 * (len(plan.channels[0].stages) + 4))
    assert result.detail_head(10 * small_head).trials == small_head


def test_memory_of_a_streamed_run_does_not_grow_with_trials(small_head: int) -> None:
    """Six times the trials: the peak grows by far less than the extra trials' revenue alone
    (the histograms widen a little as rarer values arrive, nothing more)."""
    plan = make_plan(months=12, sales_cycle_months={"low": 1, "high": 3})
    # Warm caches and every worker thread's chunk buffers.
    engine.simulate(plan, trials=20 * small_head, seed=1, keep_trials=False).to_dict()

    def peak(trials: int) -> int:
        tracemalloc.start()
        try:
            engine.simulate(plan, trials=trials, seed=1, keep_trials=False).to_dict()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    short, long = peak(10 * small_head), peak(60 * small_head)
    extra_revenue = 50 * small_head * plan.months * 8  # bytes of the extra trials' revenue
    assert long - short < extra_revenue / 4, (short, long)


def test_streamed_runs_repeat_and_do_not_depend_on_threads(
    small_head: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = make_plan(sales_cycle_months={"low": 1, "high": 3}, open_opportunities=12)
    trials = 4 * small_head + 17
    first = engine.simulate(plan, trials=trials, seed=9, keep_trials=False).to_dict()
    again = engine.simulate(plan, trials=trials, seed=9, keep_trials=False).to_dict()
    monkeypatch.setattr(engine, "_map", lambda function, items: [function(i) for i in items])
    serial = engine.simulate(plan, trials=trials, seed=9, keep_trials=False).to_dict()
    assert first == again == serial


def test_summary_opportunities_follow_the_closed_form(sample_plan: KpiSet) -> None:
    from simulator import analytic

    result = engine.simulate(sample_plan, trials=20_000, seed=6, keep_trials=False)
    opportunities = result.opportunities_head(20_000)
    expected = analytic.expected(sample_plan).opportunities
    mean = opportunities.mean(axis=0)
    error = opportunities.std(axis=0, ddof=1) / np.sqrt(opportunities.shape[0])
    assert np.all(np.abs(mean - expected) <= 4 * error + 1e-9)
    monthly = [m["opportunities"]["mean"] for m in result.to_dict()["monthly"]]
    np.testing.assert_allclose(monthly, mean, rtol=1e-12)
