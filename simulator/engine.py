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
earlier stage adds, again as Poisson, those that reached it but did not pass.

Trials run in fixed chunks on a thread pool; numpy releases the GIL while drawing.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any

import numpy as np

from simulator import budget
from simulator import funnel as fn
from simulator.plan import KpiSet
from simulator.results import Detail, SimulationResult


@lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="centerpin")


def _map(function: Any, items: list[Any]) -> list[Any]:
    if len(items) == 1:
        return [function(items[0])]
    return list(_pool().map(function, items))


def revenue_of_wins(wins: np.ndarray, deal: Any, normals: np.ndarray) -> np.ndarray:
    """Revenue of ``wins`` deals per cell: the sum of that many deal sizes.

    A lognormal deal size gives a sum that is matched in mean and variance by a lognormal
    (Fenton–Wilkinson); with one deal this is exact.
    """
    mean, var = float(deal.mean()), float(deal.var())
    if var == 0.0:
        return wins * mean
    # Location and scale of the matched lognormal depend on K only: tabulate them by K.
    k = np.arange(1, int(wins.max(initial=0)) + 2, dtype=float)
    s2 = np.log1p(var / (k * mean * mean))
    loc = np.concatenate([[-np.inf], np.log(k * mean) - 0.5 * s2])
    scale = np.concatenate([[0.0], np.sqrt(s2)])
    return np.exp(loc[wins] + scale[wins] * normals)


def _multinomial_split(
    rng: np.random.Generator, total: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """Split each ``total[i]`` over ``weights[i, :]`` multinomially, as conditional binomials.

    Columns whose weight is zero in every row are skipped, and the loop stops once nothing is
    left to split, so a lag concentrated on a few months costs only a few draws.
    """
    out = np.zeros(weights.shape, dtype=np.int64)
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
    """One chunk of trials: draws, revenue, and on demand the stage counts."""

    def __init__(self, f: fn.Funnel, seed: int, index: int, n: int) -> None:
        self.f, self.seed, self.index, self.n = f, seed, index, n
        self.draws = f.draw(seed, index, n)
        # Expected opportunities per trial, channel and month are level × profile, so the
        # means of the wins closing per month are one (n, C) @ (C, M) product.
        self.levels = f.opportunity_levels(self.draws)  # (n, C)
        self.won_levels = self.levels * self.draws.win_rate[:, None]
        self.close_mean = self.won_levels @ f.close_profiles  # (n, M)
        self.carry_mean = self.won_levels @ f.carry_profiles  # (n,)

    def run(self) -> dict[str, np.ndarray]:
        f, plan = self.f, self.f.plan
        counts = fn.stream(self.seed, self.index, fn.COUNTS)
        new_wins = counts.poisson(self.close_mean)
        new_carry = counts.poisson(self.carry_mean)
        wins, carry = new_wins, new_carry
        if plan.open_opportunities:
            won_open = counts.binomial(plan.open_opportunities, self.draws.win_rate)
            allocated = counts.multinomial(won_open, f.open_close_pmf)
            wins = new_wins + allocated[:, :-1]
            carry = new_carry + allocated[:, -1]
        normals = fn.stream(self.seed, self.index, fn.DEALS).standard_normal(wins.shape)
        self.new_wins, self.new_carry = new_wins, new_carry  # kept for the stage counts
        return {
            "revenue": revenue_of_wins(wins, f.deal, normals),
            "wins": wins,
            "carry_over_wins": carry,
            # Expected revenue given the trial's draws: what comparisons use.
            "expected_revenue": f.expected_wins(self.draws) * float(f.deal.mean()),
        }

    def detail(self, part: int) -> dict[str, Any]:
        """Stage counts of one half of the chunk (``part`` 0 or 1), consistent with the
        trials' wins (see the module docstring). Halves have streams of their own, so the
        two can be drawn at once on two cores.
        """
        f = self.f
        rows = slice(0, self.n // 2) if part == 0 else slice(self.n // 2, self.n)
        n = rows.stop - rows.start
        rng = fn.stream(self.seed, self.index, fn.DETAIL, part)
        draws = fn.Draws(
            productivity=self.draws.productivity[rows],
            volumes={k: v[rows] for k, v in self.draws.volumes.items()},
            rates={k: v[rows] for k, v in self.draws.rates.items()},
            win_rate=self.draws.win_rate[rows],
        )
        levels, new_wins, new_carry = self.levels[rows], self.new_wins[rows], self.new_carry[rows]
        w = draws.win_rate[:, None]
        won_mean = (levels * w) @ f.profiles  # (n, M)
        # Won opportunities by creation month. Given the wins closing in month j, the month
        # each came from is multinomial with weights won_mean[m] × lag[j - m]; likewise for
        # the carry-over with the chance of closing after the horizon.
        won = np.zeros((n, f.months), dtype=np.int64)
        for j in range(f.months):
            won += _multinomial_split(rng, new_wins[:, j], won_mean * f.close_matrix[:, j][None, :])
        won += _multinomial_split(rng, new_carry, won_mean * f.carry_probability[None, :])
        # Then by channel, in proportion to each channel's expected opportunities.
        by_channel = levels[:, None, :] * f.profiles.T[None, :, :]  # (n, M, C)
        channel_won = _multinomial_split(
            rng, won.reshape(-1), by_channel.reshape(-1, len(f.channels))
        ).reshape(by_channel.shape)
        volumes, stages = {}, {}
        opportunities = np.zeros((n, f.months), dtype=np.int64)
        for i, channel in enumerate(f.channels):
            means = f.stage_means(draws, channel)  # (S + 1, n, M)
            count = channel_won[..., i] + rng.poisson(means[-1] * (1.0 - w))
            opportunities += count
            per_stage = [count]
            for s in range(len(channel.stage_keys) - 1, -1, -1):
                # Those that reached stage s's input but did not pass it.
                count = count + rng.poisson(means[s] - means[s + 1])
                per_stage.append(count)
            per_stage.reverse()
            volumes[channel.key] = per_stage[0]
            stages[channel.key] = dict(zip(channel.stage_keys, per_stage[1:], strict=True))
        return {"opportunities": opportunities, "volumes": volumes, "stages": stages}


def simulate(
    plan: KpiSet, *, trials: int | None = None, seed: int | None = None
) -> SimulationResult:
    """Run the plan's Monte Carlo simulation with the fast engine."""
    budget.check(plan, trials)
    trials = plan.simulation.trials if trials is None else trials
    seed = plan.simulation.seed if seed is None else seed
    if trials < 1:
        raise ValueError("trials must be at least 1")
    f = fn.Funnel(plan)
    spans = fn.chunks(trials)
    parts = _map(lambda item: _run_chunk(f, seed, item), list(enumerate(spans)))
    core = {key: np.concatenate([p[1][key] for p in parts]) for key in parts[0][1]}
    chunk_objects = [p[0] for p in parts]

    def detail(chunk_count: int) -> Detail:
        halves = [(c, part) for c in chunk_objects[:chunk_count] for part in (0, 1)]
        return Detail.concatenate(_map(lambda item: item[0].detail(item[1]), halves))

    return SimulationResult(
        plan=plan,
        months=f.month_keys,
        seed=seed,
        detail_factory=detail,
        **core,
    )


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
    deal = float(f.deal.mean())
    return np.concatenate(
        [
            f.expected_wins(f.draw(seed, index, stop - start)) * deal
            for index, (start, stop) in enumerate(fn.chunks(trials))
        ]
    )


def _run_chunk(f: fn.Funnel, seed: int, item: tuple[int, tuple[int, int]]) -> tuple[_Chunk, dict]:
    index, (start, stop) = item
    chunk = _Chunk(f, seed, index, stop - start)
    return chunk, chunk.run()
