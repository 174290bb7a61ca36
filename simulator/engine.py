"""The fast Monte Carlo engine (docs/design.md §2).

With Poisson volumes and independent stages, thinning keeps every count Poisson: the wins
closing in month j are Poisson with mean ``sum_m opportunities_m × win × lag[j - m]``.
So a trial needs one Poisson draw per closing month (plus the carry-over), not a chain of
binomials per stage. Revenue per month is the sum of K deal sizes: exact for a fixed deal
size and for K = 1, a moment-matched lognormal (Fenton–Wilkinson) otherwise.

Stage counts (calls, connects, opportunities by month and channel) are not needed for the
revenue, so they are drawn only when asked for (:attr:`SimulationResult.detail`), from a
stream of their own and conditioned on each trial's wins, so the joint distribution stays
exact: the wins closing in a month are traced back to the months (and channels) they were
created in by a multinomial split, the lost opportunities are added as Poisson, and each
earlier stage adds, again as Poisson, those that reached it but did not pass. The chunk's
draws are made again from its seed for that: a run keeps no chunk state.

Trials run in fixed chunks on a thread pool; numpy releases the GIL while drawing. Each
chunk is written into arrays allocated once for the whole run, or, with
``keep_trials=False``, into this thread's buffers and folded into a
:class:`~simulator.tally.Tally` at once, so memory does not grow with the trials.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property, lru_cache
from typing import Any

import numpy as np

from simulator import budget, results
from simulator import funnel as fn
from simulator.plan import KpiSet
from simulator.results import Detail, SimulationResult, TrialArrays
from simulator.tally import Moments, Tally


@lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="centerpin")


def _map(function: Any, items: list[Any]) -> list[Any]:
    if len(items) == 1:
        return [function(items[0])]
    return list(_pool().map(function, items))


def revenue_of_wins(
    wins: np.ndarray, mean: float, var: float, normals: np.ndarray, out: np.ndarray | None = None
) -> np.ndarray:
    """Revenue of ``wins`` deals per cell: the sum of that many deal sizes, whose mean and
    variance are ``mean`` and ``var``.

    A lognormal deal size gives a sum that is matched in mean and variance by a lognormal
    (Fenton–Wilkinson); with one deal this is exact. ``normals`` is overwritten.
    """
    if var == 0.0:
        return np.multiply(wins, mean, out=out)
    # Location and scale of the matched lognormal depend on K only: tabulate them by K.
    k = np.arange(1, int(wins.max(initial=0)) + 2, dtype=float)
    s2 = np.log1p(var / (k * mean * mean))
    loc = np.concatenate([[-np.inf], np.log(k * mean) - 0.5 * s2])
    scale = np.concatenate([[0.0], np.sqrt(s2)])
    normals *= np.take(scale, wins, mode="clip")
    out = np.take(loc, wins, mode="clip", out=out)
    out += normals
    return np.exp(out, out=out)


def _multinomial_split(
    rng: np.random.Generator, total: np.ndarray, weights: np.ndarray, width: int | None = None
) -> np.ndarray:
    """Split each ``total[i]`` over ``weights[i, :]`` multinomially, as conditional binomials;
    the result has ``width`` columns (the weights' own by default; those past them are 0).

    Columns whose weight is zero in every row are skipped, and the loop stops once nothing is
    left to split, so a lag concentrated on a few months costs only a few draws.
    """
    out = np.zeros((weights.shape[0], width or weights.shape[1]), dtype=np.int64)
    remaining = total.astype(np.int64)
    columns = [k for k in range(weights.shape[1]) if weights[:, k].any()]
    if not columns:
        return out
    # The weight still to come from column k on, so each step is P(k | k or later).
    tail = np.cumsum(weights[:, columns[::-1]], axis=1)[:, ::-1]
    for i, k in enumerate(columns[:-1]):
        if not remaining.any():
            return out
        with np.errstate(invalid="ignore", divide="ignore"):
            p = np.where(tail[:, i] > 0, weights[:, k] / tail[:, i], 0.0)
        x = rng.binomial(remaining, np.clip(p, 0.0, 1.0))
        out[:, k] = x
        remaining -= x
    out[:, columns[-1]] = remaining
    return out


class _Chunk:
    """One chunk of trials: its draws, their expected counts, then the counts themselves."""

    def __init__(self, f: fn.Funnel, seed: int, index: int, n: int) -> None:
        self.f, self.seed, self.index, self.n = f, seed, index, n
        self.draws = f.draw(seed, index, n)
        # Expected opportunities per trial, channel and month are level × profile, so the
        # means of the wins closing per month are one (n, C) @ (C, M) product.
        self.levels = f.opportunity_levels(self.draws)  # (n, C)
        self.won_levels = self.levels * self.draws.win_rate[:, None]

    def new_wins(self, counts: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Wins of new opportunities closing in each month, and after the horizon: the
        first draws of the chunk's count stream."""
        f = self.f
        return (
            counts.poisson(self.won_levels @ f.close_profiles),  # (n, M)
            counts.poisson(self.won_levels @ f.carry_profiles),  # (n,)
        )

    @cached_property
    def new_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`new_wins` drawn again, for the stage counts (the same numbers as in
        :meth:`fill`: they are the first draws of the same stream)."""
        return self.new_wins(fn.stream(self.seed, self.index, fn.COUNTS))

    def fill(self, out: TrialArrays) -> None:
        """Draw the chunk's wins and revenue into ``out`` (views of n trials)."""
        f, plan, win_rate = self.f, self.f.plan, self.draws.win_rate
        counts = fn.stream(self.seed, self.index, fn.COUNTS)
        wins, carry = self.new_wins(counts)
        if plan.open_opportunities:
            # Won open opportunities, then each one's close month (or after the horizon).
            won_open = counts.binomial(plan.open_opportunities, win_rate)
            months = f.open_close.at(counts.random(int(won_open.sum())))
            cells = np.repeat(np.arange(0, self.n * (f.months + 1), f.months + 1), won_open)
            cells += months
            allocated = np.bincount(cells, minlength=self.n * (f.months + 1))
            allocated = allocated.reshape(self.n, f.months + 1)
            wins += allocated[:, :-1]
            carry += allocated[:, -1]
        out.wins[...] = wins
        out.carry_over_wins[...] = carry
        normals = fn.stream(self.seed, self.index, fn.DEALS).standard_normal(wins.shape)
        revenue_of_wins(wins, f.deal_mean, f.deal_var, normals, out=out.revenue)
        # Expected revenue given the trial's draws: what comparisons use.
        expected = f.expected_wins_of(self.won_levels, win_rate)
        np.multiply(expected, f.deal_mean, out=out.expected_revenue)

    def detail(self, part: int) -> dict[str, Any]:
        """Stage counts of one half of the chunk (``part`` 0 or 1), consistent with the
        trials' wins (see the module docstring). Halves have streams of their own, so the
        two can be drawn at once on two cores.
        """
        f = self.f
        rows = slice(0, self.n // 2) if part == 0 else slice(self.n // 2, self.n)
        rng = fn.stream(self.seed, self.index, fn.DETAIL, part)
        new_wins, new_carry = (counts[rows] for counts in self.new_counts)
        levels, w = self.levels[rows], self.draws.win_rate[rows, None]
        won_mean = (levels * w) @ f.profiles  # (n, M)
        # Won opportunities by creation month. Given the wins closing in month j, the month
        # each came from is multinomial with weights won_mean[m] × lag[j - m]; likewise for
        # the carry-over with the chance of closing after the horizon.
        won = np.zeros(won_mean.shape, dtype=np.int64)
        for j in range(f.months):
            won += _multinomial_split(
                rng, new_wins[:, j], won_mean[:, : j + 1] * f.lag[j::-1][None, :], f.months
            )
        won += _multinomial_split(rng, new_carry, won_mean * f.carry_probability[None, :])
        # Then by channel, in proportion to each channel's expected opportunities.
        by_channel = levels[:, None, :] * f.profiles.T[None, :, :]  # (n, M, C)
        channel_won = _multinomial_split(
            rng, won.reshape(-1), by_channel.reshape(-1, len(f.channels))
        ).reshape(by_channel.shape)
        draws = fn.Draws(
            productivity=self.draws.productivity[rows],
            volumes={k: v[rows] for k, v in self.draws.volumes.items()},
            rates={k: v[rows] for k, v in self.draws.rates.items()},
            win_rate=self.draws.win_rate[rows],
        )
        volumes, stage_counts = {}, {}
        opportunities = np.zeros(won.shape, dtype=np.int64)
        for i, channel in enumerate(f.channels):
            means = f.stage_means(draws, channel)  # (S + 1, n, M)
            # The channel's won opportunities, and its lost ones (Poisson, independent).
            count = channel_won[..., i] + rng.poisson(means[-1] * (1.0 - w))
            opportunities += count
            per_stage = [count]
            for s in range(len(channel.stage_keys) - 1, -1, -1):
                # Those that reached stage s's input but did not pass it.
                count = count + rng.poisson(means[s] - means[s + 1])
                per_stage.append(count)
            per_stage.reverse()
            volumes[channel.key] = per_stage[0]
            stage_counts[channel.key] = dict(zip(channel.stage_keys, per_stage[1:], strict=True))
        return {"opportunities": opportunities, "volumes": volumes, "stages": stage_counts}


_scratch = threading.local()


def _blocks(n: int, months: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """This thread's buffers for one chunk that is reduced, not kept: revenue (n, M + 1),
    counts (n, M + 2) and expected revenue (n,) (see :class:`simulator.tally.Tally`)."""
    blocks = getattr(_scratch, "blocks", None)
    if blocks is None or blocks[0].shape[1] != months + 1:
        blocks = (
            np.empty((fn.CHUNK_TRIALS, months + 1)),
            np.empty((fn.CHUNK_TRIALS, months + 2), dtype=np.int64),
            np.empty(fn.CHUNK_TRIALS),
        )
        _scratch.blocks = blocks
    revenue, counts, expected = blocks
    return revenue[:n], counts[:n], expected[:n]


def simulate(
    plan: KpiSet,
    *,
    trials: int | None = None,
    seed: int | None = None,
    keep_trials: bool = True,
) -> SimulationResult:
    """Run the plan's Monte Carlo simulation with the fast engine.

    With ``keep_trials`` (the default) the result holds every trial's arrays. Without it,
    each chunk is reduced into a :class:`~simulator.tally.Tally` as soon as it is drawn and
    only the first :data:`~simulator.results.SUMMARY_DETAIL_TRIALS` trials are kept, so
    memory does not grow with ``trials``: what the command line does.
    """
    budget.check(plan, trials, streamed=not keep_trials)
    trials = plan.simulation.trials if trials is None else trials
    seed = plan.simulation.seed if seed is None else seed
    if trials < 1:
        raise ValueError("trials must be at least 1")
    f = fn.Funnel(plan)
    months = plan.months
    spans = fn.chunks(trials)
    kept_trials = trials if keep_trials else min(trials, results.SUMMARY_DETAIL_TRIALS)
    kept_trials = min(trials, -(-kept_trials // fn.CHUNK_TRIALS) * fn.CHUNK_TRIALS)
    kept = TrialArrays.empty(kept_trials, months)
    tally = None if kept_trials == trials else Tally(months, plan.target.revenue)

    def run(item: tuple[int, tuple[int, int]]) -> Moments | None:
        index, (start, stop) = item
        chunk = _Chunk(f, seed, index, stop - start)
        if tally is None:
            chunk.fill(kept.rows(start, stop))
            return None
        revenue, counts, expected = _blocks(stop - start, months)
        out = TrialArrays(revenue[:, :months], counts[:, :months], counts[:, -1], expected)
        chunk.fill(out)
        np.matmul(out.revenue, np.ones(months), out=revenue[:, -1])  # faster than a sum
        np.sum(out.wins, axis=1, out=counts[:, -2])
        if start < kept_trials:
            kept.rows(start, stop).assign(out)
        return tally.reduce(revenue, counts)

    for moments in _map(run, list(enumerate(spans))):
        if tally is not None:
            tally.merge(moments)

    return SimulationResult(
        plan=plan,
        months=f.month_keys,
        seed=seed,
        trials=trials,
        kept=kept,
        detail_factory=lambda count: _detail(f, seed, spans[:count]),
        opportunities_factory=lambda count: _opportunities(f, seed, spans[:count]),
        tally=tally,
    )


def _detail(f: fn.Funnel, seed: int, spans: list[tuple[int, int]]) -> Detail:
    """Stage counts of the trials of ``spans``, the first chunks of a run: the halves of
    one chunk on two threads, or a chunk per thread."""

    def halves(index: int) -> list[dict[str, Any]]:
        start, stop = spans[index]
        chunk = _Chunk(f, seed, index, stop - start)
        if len(spans) == 1:
            _ = chunk.new_counts  # drawn once, before the two threads share it
            return _map(chunk.detail, [0, 1])
        return [chunk.detail(0), chunk.detail(1)]

    pairs = _map(halves, list(range(len(spans))))
    return Detail.concatenate([half for pair in pairs for half in pair])


def _opportunities(f: fn.Funnel, seed: int, spans: list[tuple[int, int]]) -> np.ndarray:
    """New opportunities per trial and month of the trials of ``spans``: Poisson around each
    trial's expected opportunities, from a stream of their own. Their distribution is
    exact; unlike :func:`_detail`'s they are not tied to the trial's wins, and cost one
    draw a month instead of the whole chain of stages."""

    def draw(index: int) -> np.ndarray:
        start, stop = spans[index]
        expected = f.opportunity_levels(f.draw(seed, index, stop - start)) @ f.profiles
        return fn.stream(seed, index, fn.OPPORTUNITIES).poisson(expected)

    return np.concatenate(_map(draw, list(range(len(spans)))))


def expected_revenue(
    plan: KpiSet, *, trials: int | None = None, seed: int | None = None
) -> np.ndarray:
    """Each trial's expected revenue given its draws, without drawing any counts.

    The same numbers as :attr:`SimulationResult.expected_revenue` for the same trials and
    seed, at a fraction of the cost: what a comparison of mean revenue needs.
    """
    trials = plan.simulation.trials if trials is None else trials
    seed = plan.simulation.seed if seed is None else seed
    f = fn.Funnel(plan)
    deal = f.deal_mean
    return np.concatenate(
        [
            f.expected_wins(f.draw(seed, index, stop - start)) * deal
            for index, (start, stop) in enumerate(fn.chunks(trials))
        ]
    )
