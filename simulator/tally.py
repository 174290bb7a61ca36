"""Reductions of a run's trials, chunk by chunk, in memory that does not grow with trials.

A long run (the command line's 1,000,000 trials) needs the mean, its standard error, the
deciles and P(target) of revenue, wins and carry-over, in total and month by month, but
not the trials themselves. Each chunk of trials is reduced as soon as it is drawn:

- **Counts** (wins, carry-over) go into exact integer histograms: their mean and every
  percentile are exactly ``numpy``'s on the full arrays (the same linear interpolation).
- **Revenue** goes into a histogram of buckets ``(γ^(i-1), γ^i]`` with ``γ = (1+α)/(1-α)``
  and zeros apart: each bucket's representative ``2γ^i/(γ+1)`` is within a relative
  :data:`ALPHA` of every value in it, so a percentile (a weighted mean of two order
  statistics) is within :data:`ALPHA` of ``numpy.quantile`` on the full arrays. Its
  mean and standard error come from running sums (Chan's merge of per-chunk moments).
- P(revenue ≥ target) for the plan's target is an exact count.

Integer counts add up in any order, so workers merge them as they finish; floating-point
moments are merged in chunk order, so a seed gives the same numbers on any number of
threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

#: The percentiles every summary reports.
QUANTILES = (0.1, 0.5, 0.9)

#: Relative error bound of a revenue percentile (0.01%): about ten times below the Monte
#: Carlo error of a decile at a million trials.
ALPHA = 1e-4
_GAMMA = (1 + ALPHA) / (1 - ALPHA)
_LOG_GAMMA = float(np.log(_GAMMA))


@dataclass(frozen=True)
class Summary:
    """Mean with its standard error, and the 10th, 50th and 90th percentiles."""

    mean: float
    std_error: float
    p10: float
    p50: float
    p90: float

    @classmethod
    def of(cls, values: np.ndarray) -> Summary:
        values = np.asarray(values, dtype=float)
        n = values.size
        p10, p50, p90 = np.quantile(values, QUANTILES)
        std_error = float(values.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
        return cls(float(values.mean()), std_error, float(p10), float(p50), float(p90))

    def to_dict(self, *, with_error: bool = False) -> dict[str, float]:
        out = {"mean": self.mean}
        if with_error:
            out["std_error"] = self.std_error
        return out | {"p10": self.p10, "p50": self.p50, "p90": self.p90}


def lerp_quantile(value_at: Callable[[int], float], n: int, q: float) -> float:
    """``numpy.quantile(x, q)`` (linear method) from ``value_at(rank)``, the ``rank``-th
    smallest of the ``n`` values (0-based), with numpy's own arithmetic."""
    virtual = (n - 1) * np.float64(q)
    below = int(np.floor(virtual))
    t = virtual - below
    a = float(value_at(below))
    b = float(value_at(min(below + 1, n - 1)))
    difference = b - a
    return float(b - difference * (1 - t)) if t >= 0.5 else float(a + difference * t)


class _Bins:
    """Counts per column over integer bin indices; the range grows as indices arrive.

    ``add`` may be called from several threads: each bins its values alone and merges
    under a lock (integer sums, so the order does not matter).
    """

    def __init__(self, columns: int) -> None:
        self.columns = columns
        self.low = 0
        self.counts = np.zeros((columns, 0), dtype=np.int64)
        self._lock = threading.Lock()

    def _local(self, index: np.ndarray, low: int, high: int) -> np.ndarray:
        """Counts of ``index`` (n, columns), every entry in [low, high): (columns, high - low)."""
        width = high - low
        offsets = np.arange(self.columns, dtype=np.int64) * width - low
        local = np.bincount((index + offsets).ravel(), minlength=self.columns * width)
        return local.reshape(self.columns, width)

    def _merge(self, local: np.ndarray, low: int) -> None:
        """Add counts binned alone (see :meth:`_local`); the caller holds the lock."""
        self._cover(low, low + local.shape[1])
        start = low - self.low
        self.counts[:, start : start + local.shape[1]] += local

    def _cover(self, low: int, high: int) -> None:
        """Grow the range to hold [low, high), with room to spare on the side that grew
        (rarer values keep arriving a little further out)."""
        width = self.counts.shape[1]
        if width and self.low <= low and high <= self.low + width:
            return
        if width:
            spare, current_high = width // 8, self.low + width
            low = min(low, self.low - spare if low < self.low else self.low)
            high = max(high, current_high + spare if high > current_high else current_high)
        grown = np.zeros((self.columns, high - low), dtype=np.int64)
        grown[:, self.low - low : self.low - low + width] = self.counts
        self.low, self.counts = low, grown

    def _bin_values(self) -> np.ndarray:
        raise NotImplementedError

    def _sorted(self, column: int) -> tuple[np.ndarray, np.ndarray]:
        """(value of each non-empty bin in ascending order, cumulative counts)."""
        counts = self.counts[column]
        filled = np.flatnonzero(counts)
        return self._bin_values()[filled], np.cumsum(counts[filled])

    def quantiles(self, column: int, qs: tuple[float, ...]) -> list[float]:
        values, cumulative = self._sorted(column)
        n = int(cumulative[-1])

        def value_at(rank: int) -> float:
            return values[np.searchsorted(cumulative, rank, side="right")]

        return [lerp_quantile(value_at, n, q) for q in qs]


#: The most exact bins a count column holds (512 KB). A column whose values spread wider
#: (only a plan of huge volumes does) switches to buckets of relative width :data:`ALPHA`.
EXACT_BINS = 1 << 16


def _log_index(values: np.ndarray) -> np.ndarray:
    """The bucket ``i`` of each positive value: ``(γ^(i-1), γ^i]`` holds it."""
    return np.ceil(np.log(values) * (1.0 / _LOG_GAMMA)).astype(np.int64)


def _log_value(index: np.ndarray) -> np.ndarray:
    """Each bucket's representative, within a relative :data:`ALPHA` of every value in it."""
    return 2.0 * np.exp(index * _LOG_GAMMA) / (_GAMMA + 1.0)


@dataclass
class _CountColumn:
    """One column's counts over bins ``low, low + 1, ...``: exact values, or (``log``)
    bucket indices with the zeros apart."""

    low: int = 0
    counts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    log: bool = False
    zeros: int = 0

    @classmethod
    def of(cls, values: np.ndarray, log: bool) -> _CountColumn:
        """Bin one chunk's values of this column."""
        if not log:
            low = int(values.min())
            return cls(low, np.bincount(values - low))
        positive = values[values > 0]
        zeros = values.size - positive.size
        if not positive.size:
            return cls(0, np.zeros(0, dtype=np.int64), True, zeros)
        index = _log_index(positive.astype(np.float64))
        low = int(index.min())
        return cls(low, np.bincount(index - low), True, zeros)

    def as_log(self) -> _CountColumn:
        if self.log:
            return self
        values = np.arange(self.low, self.low + self.counts.size, dtype=np.int64)
        zeros = int(self.counts[values == 0].sum())
        keep = (values > 0) & (self.counts > 0)
        if not keep.any():
            return _CountColumn(0, np.zeros(0, dtype=np.int64), True, zeros)
        index = _log_index(values[keep].astype(np.float64))
        low = int(index.min())
        counts = np.bincount(index - low, weights=self.counts[keep]).astype(np.int64)
        return _CountColumn(low, counts, True, zeros)

    def span_with(self, other: _CountColumn) -> int:
        if not self.counts.size:
            return other.counts.size
        if not other.counts.size:
            return self.counts.size
        high = max(self.low + self.counts.size, other.low + other.counts.size)
        return high - min(self.low, other.low)

    def add(self, other: _CountColumn) -> None:
        """Add counts of the same kind, growing the range with room to spare."""
        self.zeros += other.zeros
        if not other.counts.size:
            return
        width = self.counts.size
        low, high = other.low, other.low + other.counts.size
        if width and not (self.low <= low and high <= self.low + width):
            spare = min(width // 8, max(EXACT_BINS - self.span_with(other), 0))
            current = self.low + width
            low = min(low, self.low - spare if low < self.low else self.low)
            high = max(high, current + spare if high > current else current)
        if not width or low < self.low or high > self.low + width:
            grown = np.zeros(high - low, dtype=np.int64)
            grown[self.low - low : self.low - low + width] = self.counts
            self.low, self.counts = low, grown
        start = other.low - self.low
        self.counts[start : start + other.counts.size] += other.counts

    def sorted(self) -> tuple[np.ndarray, np.ndarray]:
        """(value of each non-empty bin in ascending order, cumulative counts)."""
        filled = np.flatnonzero(self.counts)
        index = self.low + filled
        values = _log_value(index) if self.log else index.astype(np.float64)
        cumulative = np.cumsum(self.counts[filled])
        if self.log and self.zeros:
            values = np.concatenate([[0.0], values])
            cumulative = np.concatenate([[self.zeros], cumulative + self.zeros])
        return values, cumulative


class CountHistogram:
    """Histograms of non-negative integer counts, one per column, each over its own range.

    A column is exact (every percentile is ``numpy``'s on the full array) while its values
    span at most :data:`EXACT_BINS`; wider, its percentiles are within :data:`ALPHA` of
    ``numpy``'s, as revenue's are. Means are exact in both cases (integer sums), so memory
    stays below ``columns × EXACT_BINS`` bins whatever the size of a count.
    """

    def __init__(self, columns: int) -> None:
        self.columns = [_CountColumn() for _ in range(columns)]
        self.sums = [0] * columns
        self._lock = threading.Lock()

    def add(self, values: np.ndarray) -> None:
        """Count ``values`` (n, columns) of non-negative integers."""
        sums = values.sum(axis=0, dtype=np.int64).tolist()
        lows, highs = values.min(axis=0).tolist(), values.max(axis=0).tolist()
        local = [
            _CountColumn.of(values[:, j], column.log or highs[j] - lows[j] >= EXACT_BINS)
            for j, column in enumerate(self.columns)
        ]
        with self._lock:
            for j, chunk in enumerate(local):
                column = self.columns[j]
                if not column.log and (chunk.log or column.span_with(chunk) > EXACT_BINS):
                    column = self.columns[j] = column.as_log()
                column.add(chunk.as_log() if column.log else chunk)
                self.sums[j] += sums[j]

    def trials(self, column: int) -> int:
        counted = self.columns[column]
        return int(counted.counts.sum()) + counted.zeros

    def mean(self, column: int) -> float:
        """Exactly ``numpy``'s mean of the counted values (an integer sum, then one division)."""
        return float(self.sums[column]) / float(self.trials(column))

    def std_error(self, column: int) -> float:
        n = self.trials(column)
        if n < 2:
            return float("nan")
        values, cumulative = self.columns[column].sorted()
        weights = np.diff(cumulative, prepend=0)
        squares = float((weights * (values - self.mean(column)) ** 2).sum())
        return float(np.sqrt(squares / (n - 1)) / np.sqrt(n))

    def quantiles(self, column: int, qs: tuple[float, ...]) -> list[float]:
        values, cumulative = self.columns[column].sorted()
        n = int(cumulative[-1])

        def value_at(rank: int) -> float:
            return values[np.searchsorted(cumulative, rank, side="right")]

        return [lerp_quantile(value_at, n, q) for q in qs]


class RevenueHistogram(_Bins):
    """Histograms of non-negative amounts in buckets of relative width :data:`ALPHA`.

    Bin 0 of the range holds the zeros; bucket ``i`` holds ``(γ^(i-1), γ^i]``.
    """

    def __init__(self, columns: int) -> None:
        super().__init__(columns)
        self.zeros = np.zeros(columns, dtype=np.int64)

    def add(self, values: np.ndarray) -> None:
        """Count ``values`` (n, columns) ≥ 0."""
        positive = values > 0
        if not positive.any():
            with self._lock:
                self.zeros += values.shape[0]
            return
        # Bucket i holds (γ^(i-1), γ^i]: i = ceil(log(x) / log γ). Zeros become the tiniest
        # positive number first, which keeps the arithmetic free of infinities (and fast).
        index = np.log(np.maximum(values, np.finfo(np.float64).tiny))
        index *= 1.0 / _LOG_GAMMA
        np.ceil(index, out=index)
        filled = index[positive]
        low, high = int(filled.min()), int(filled.max()) + 1
        # Zeros are binned with the lowest bucket, then taken out of it again.
        missing = (~positive).sum(axis=0)
        local = self._local(np.where(positive, index, low).astype(np.int64), low, high)
        local[:, 0] -= missing
        with self._lock:
            self._merge(local, low)
            self.zeros += missing

    def _bin_values(self) -> np.ndarray:
        index = np.arange(self.low, self.low + self.counts.shape[1], dtype=np.float64)
        return 2.0 * np.exp(index * _LOG_GAMMA) / (_GAMMA + 1.0)

    def _sorted(self, column: int) -> tuple[np.ndarray, np.ndarray]:
        values, cumulative = super()._sorted(column)
        zeros = int(self.zeros[column])
        if zeros:
            values = np.concatenate([[0.0], values])
            cumulative = np.concatenate([[zeros], cumulative + zeros])
        return values, cumulative

    def share_at_least(self, column: int, threshold: float) -> float:
        """P(value ≥ threshold), with the bucket holding ``threshold`` counted by its
        representative: exact unless a value lies within :data:`ALPHA` of the threshold."""
        values, cumulative = self._sorted(column)
        below = np.searchsorted(values, threshold, side="left")
        return 1.0 - (float(cumulative[below - 1]) if below else 0.0) / float(cumulative[-1])


@dataclass
class Moments:
    """Count, means and sums of squared deviations per column (Chan et al.'s merge)."""

    n: int
    mean: np.ndarray
    m2: np.ndarray

    @classmethod
    def of(cls, values: np.ndarray) -> Moments:
        mean = values.mean(axis=0)
        deviation = values - mean
        return cls(values.shape[0], mean, np.einsum("ij,ij->j", deviation, deviation))

    def merge(self, other: Moments) -> Moments:
        n = self.n + other.n
        delta = other.mean - self.mean
        mean = self.mean + delta * (other.n / n)
        m2 = self.m2 + other.m2 + delta * delta * (self.n * other.n / n)
        return Moments(n, mean, m2)

    def std_error(self) -> np.ndarray:
        if self.n < 2:
            return np.full(self.mean.shape, np.nan)
        return np.sqrt(self.m2 / (self.n - 1)) / np.sqrt(self.n)


class Tally:
    """The reductions of one run: revenue, wins and carry-over, in total and per month.

    Revenue comes in a block (n, months + 1) whose last column is each trial's total;
    counts in a block (n, months + 2): wins per month, their total, then the carry-over.
    Workers call :meth:`reduce` on each chunk they draw (it merges the histograms and the
    count of trials reaching the target); the caller merges what it returns, the chunk's
    moments, with :meth:`merge` in chunk order.
    """

    def __init__(self, months: int, target: float) -> None:
        self.months = months
        self.target = target
        self.revenue = RevenueHistogram(months + 1)
        self.counts = CountHistogram(months + 2)
        self.moments: Moments | None = None
        self.reaching = 0
        self._lock = threading.Lock()

    @property
    def trials(self) -> int:
        return 0 if self.moments is None else self.moments.n

    def reduce(self, revenue: np.ndarray, counts: np.ndarray) -> Moments:
        """Histogram one chunk's blocks; its revenue moments, for :meth:`merge`."""
        self.revenue.add(revenue)
        self.counts.add(counts)
        reaching = int(np.count_nonzero(revenue[:, -1] >= self.target))
        with self._lock:
            self.reaching += reaching
        return Moments.of(revenue)

    def merge(self, moments: Moments) -> None:
        self.moments = moments if self.moments is None else self.moments.merge(moments)

    # ------------------------------------------------------------------ what it says

    def summary(self, metric: str, month: int | None = None) -> Summary:
        """``revenue`` or ``wins`` (in ``month``, or in total), or ``carry_over_wins``."""
        column = self.months if month is None else month  # the total's column after months
        if metric == "revenue":
            assert self.moments is not None
            mean = float(self.moments.mean[column])
            error = float(self.moments.std_error()[column])
            return Summary(mean, error, *self.revenue.quantiles(column, QUANTILES))
        if metric == "carry_over_wins":
            column = self.months + 1
        return Summary(
            self.counts.mean(column),
            self.counts.std_error(column),
            *self.counts.quantiles(column, QUANTILES),
        )

    def quantile(self, q: float) -> float:
        """The ``q`` quantile of total revenue (within :data:`ALPHA`)."""
        return self.revenue.quantiles(self.months, (q,))[0]

    def share_at_least(self, threshold: float) -> float:
        """P(total revenue ≥ threshold): exact for the target, else from the histogram."""
        if threshold == self.target:
            return self.reaching / self.trials
        return self.revenue.share_at_least(self.months, threshold)
