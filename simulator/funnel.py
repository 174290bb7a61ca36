"""A plan compiled into arrays the engines share: capacity, calendar, lag and trial draws.

Both engines start from the same :class:`Funnel` so that a test holding one against the
other checks the part that differs: how counts, lags and deal sizes are drawn.
"""

from __future__ import annotations

import json
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from simulator import calendar, uncertain
from simulator.plan import KpiSet, Member

#: Trials per independent random stream. Fixed, so results do not depend on thread count.
CHUNK_TRIALS = 10_000

# Purposes of the random streams spawned from a plan's seed (see docs/design.md §2).
PARAMETERS, COUNTS, DEALS, DETAIL, OPPORTUNITIES = 1, 2, 3, 4, 6  # 5: the reference engine


def stream(seed: int, chunk: int, purpose: int, *extra: int) -> np.random.Generator:
    """The random stream of one chunk of trials for one purpose.

    Parameters get one stream per quantity (keyed by a hash of its lever path), so a plan
    with a channel added still draws the same win rates as before: common random numbers.
    """
    sequence = np.random.SeedSequence(seed, spawn_key=(chunk, purpose, *extra))
    return np.random.default_rng(sequence)


def chunks(trials: int) -> list[tuple[int, int]]:
    """(start, stop) of each chunk of trials."""
    return [(s, min(s + CHUNK_TRIALS, trials)) for s in range(0, trials, CHUNK_TRIALS)]


def ramp_reps(reps: int, hires: list[tuple[int, int]], months: int, ramp_months: int) -> np.ndarray:
    """Effective reps in each month: starters full, hires ramping ``min(1, i / ramp)``.

    ``hires`` holds (month index, change). A leaver (negative change) is taken to be a
    fully ramped rep, from the month of the change on.
    """
    effective = np.full(months, float(reps))
    for month, change in hires:
        if month >= months:
            continue
        i = np.arange(1, months - month + 1, dtype=float)
        ramp = (
            np.ones_like(i) if ramp_months == 0 or change < 0 else np.minimum(1.0, i / ramp_months)
        )
        effective[month:] += change * ramp
    return np.maximum(effective, 0.0)


def member_presence(plan: KpiSet, member: Member) -> np.ndarray:
    """A member's share of a fully ramped rep in each month of the horizon: 0 before the
    start month and from the leave month on, ``min(1, i / ramp)`` in the i-th month since
    joining (a member who joined before the plan may still be ramping at its start)."""
    ramp = plan.team.ramp_months if member.ramp_months is None else member.ramp_months
    month = np.arange(plan.months)
    start = -(10**6) if member.start_month is None else plan.month_index(member.start_month)
    since = month - start + 1.0
    out = np.where(since >= 1, np.minimum(1.0, since / ramp) if ramp else 1.0, 0.0)
    if member.leave_month is not None:
        out[month >= plan.month_index(member.leave_month)] = 0.0
    return out


def members_reps(plan: KpiSet) -> np.ndarray:
    """Effective reps per month of a team planned by member, each weighted by their calls a
    day against the team's (medians), so the one-team engines see the members' capacity."""
    team_calls = uncertain.median(
        plan.model_dump(mode="json")["team"]["calls_per_rep_per_day"], "positive"
    )
    total = np.zeros(plan.months)
    for member in plan.team.members or []:
        weight = 1.0
        if member.calls_per_rep_per_day is not None and team_calls > 0:
            own = member.model_dump(mode="json")["calls_per_rep_per_day"]
            weight = uncertain.median(own, "positive") / team_calls
        total += weight * member_presence(plan, member)
    return total


def lag_pmf(sales_cycle: uncertain.Value, months: int) -> np.ndarray:
    """P(a won opportunity closes k months after it was created), k = 0..months-1, then
    the tail P(k >= months) as the last entry.

    A fixed cycle of 2.5 months closes half the deals after 2 months and half after 3, so
    that the mean lag is the stated cycle and a -0.5 month step is a real change. A range
    is a lognormal in months rounded to whole months.
    """
    dist = uncertain.distribution(sales_cycle, "positive")
    pmf = np.zeros(months + 1)
    if isinstance(dist, uncertain.PointMass):
        low = int(np.floor(dist.value))
        frac = dist.value - low
        for k, p in ((low, 1.0 - frac), (low + 1, frac)):
            pmf[min(k, months)] += p
        return pmf
    edges = np.arange(months + 1) + 0.5  # round half up: k collects [k - 0.5, k + 0.5)
    cdf = np.concatenate([[0.0], dist.cdf(edges)])
    pmf[:months] = np.diff(cdf)[:months]
    pmf[months] = 1.0 - cdf[months]
    return pmf


class Categorical:
    """Draws from a fixed distribution over 0..K-1 by table lookup.

    The unit interval is cut into :attr:`CELLS` cells: a uniform in a cell that lies inside
    one category answers at once, and only those in the few cells a category boundary
    crosses are searched. The result is exactly the inverse CDF at the uniform.
    """

    CELLS = 4096

    def __init__(self, pmf: np.ndarray) -> None:
        self.boundaries = np.cumsum(pmf)[:-1]
        left = np.arange(self.CELLS) / self.CELLS
        right = np.nextafter(left + 1.0 / self.CELLS, 0.0)  # the largest uniform in the cell
        self.first = np.searchsorted(self.boundaries, left, side="right")
        self.crossed = self.first != np.searchsorted(self.boundaries, right, side="right")

    def at(self, uniforms: np.ndarray) -> np.ndarray:
        cell = (uniforms * self.CELLS).astype(np.intp)
        out = self.first[cell]
        unsure = np.flatnonzero(self.crossed[cell])
        out[unsure] = np.searchsorted(self.boundaries, uniforms[unsure], side="right")
        return out


@dataclass(frozen=True)
class ChannelSpec:
    """A channel's inputs; its quantities in the file format."""

    key: str
    from_team: bool
    volume: uncertain.Value | None  # the plan's volume_per_month (None when from_team)
    stage_keys: tuple[str, ...]
    rates: tuple[uncertain.Value, ...]

    @property
    def volume_path(self) -> str:
        return f"channels.{self.key}.volume_per_month"

    @property
    def rate_paths(self) -> tuple[str, ...]:
        return tuple(f"channels.{self.key}.stages.{stage}.rate" for stage in self.stage_keys)


@dataclass(frozen=True)
class Draws:
    """What is unknown about one chunk of trials, drawn once per trial."""

    productivity: np.ndarray  # calls per rep per day, (n,)
    volumes: dict[str, np.ndarray]  # per-month volume level of non-team channels, (n,)
    rates: dict[str, np.ndarray]  # stage rates per channel, (n, stages)
    win_rate: np.ndarray  # (n,)


class Funnel:
    """A validated plan laid out month by month."""

    def __init__(self, plan: KpiSet) -> None:
        self.plan = plan
        self.months = plan.months
        self.month_keys = calendar.month_keys(plan.start_month, plan.months)
        self.working_days = calendar.working_days(
            plan.start_month,
            plan.months,
            plan.country,
            year_end_closure=plan.year_end_closure,
            override=plan.team.working_days_per_month,
        )
        self.seasonality = calendar.seasonality_factors(
            plan.start_month, plan.months, plan.seasonality
        )
        # Members, when given, replace reps and hires as the source of capacity.
        self.reps_effective = (
            members_reps(plan)
            if plan.team.members is not None
            else ramp_reps(
                plan.team.reps,
                [(plan.month_index(h.month), h.change) for h in plan.team.hires],
                plan.months,
                plan.team.ramp_months,
            )
        )
        # The plan's quantities in the file format, the one form :mod:`simulator.uncertain`
        # reads (a number, {low, high} or {successes, trials}), from one dump of the plan.
        data = plan.model_dump(mode="json")
        self.productivity: uncertain.Value = data["team"]["calls_per_rep_per_day"]
        self.win_rate: uncertain.Value = data["win_rate"]
        self.deal_size: uncertain.Value = data["deal_size"]
        self.sales_cycle: uncertain.Value = data["sales_cycle_months"]
        self.channels = [
            ChannelSpec(
                key=c["key"],
                from_team=c["volume_from"] == "team",
                volume=c["volume_per_month"],
                stage_keys=tuple(s["key"] for s in c["stages"]),
                rates=tuple(s["rate"] for s in c["stages"]),
            )
            for c in data["channels"]
        ]
        self.lag = lag_pmf(self.sales_cycle, plan.months)
        self.deal = uncertain.distribution(self.deal_size, "positive")
        #: The deal size's mean and variance (scipy's frozen distributions compute them
        #: anew on every call, a noticeable share of a small chunk).
        self.deal_mean, self.deal_var = float(self.deal.mean()), float(self.deal.var())

    @cached_property
    def team_capacity_days(self) -> np.ndarray:
        """Rep-days of calling per month: effective reps × working days × seasonality."""
        return self.reps_effective * self.working_days * self.seasonality

    @cached_property
    def close_profiles(self) -> np.ndarray:
        """(C, M): expected wins closing per month per unit of won-opportunity level."""
        return self.profiles @ self.close_matrix

    @cached_property
    def carry_profiles(self) -> np.ndarray:
        """(C,): expected wins closing after the horizon per unit of won-opportunity level."""
        return self.profiles @ self.carry_probability

    @cached_property
    def close_matrix(self) -> np.ndarray:
        """(M, M) matrix: row m, column j = P(an opportunity of month m that wins closes in j)."""
        m = self.months
        out = np.zeros((m, m))
        for start in range(m):
            out[start, start:] = self.lag[: m - start]
        return out

    @cached_property
    def carry_probability(self) -> np.ndarray:
        """P(a won opportunity created in month m closes after the horizon), per m."""
        return 1.0 - self.close_matrix.sum(axis=1)

    @cached_property
    def open_close_pmf(self) -> np.ndarray:
        """Close-month distribution of a won open opportunity, then P(after the horizon)."""
        return np.append(self.lag[: self.months], 1.0 - self.lag[: self.months].sum())

    @cached_property
    def open_close(self) -> Categorical:
        """Sampler of :attr:`open_close_pmf`."""
        return Categorical(self.open_close_pmf)

    @cached_property
    def quantities(self) -> list[tuple[str, uncertain.Value, uncertain.Kind]]:
        """Every per-trial quantity as (lever path, value, kind), in a fixed order."""
        out: list[tuple[str, uncertain.Value, uncertain.Kind]] = [
            ("team.calls_per_rep_per_day", self.productivity, "positive")
        ]
        for c in self.channels:
            if not c.from_team:
                out.append((c.volume_path, c.volume, "positive"))
            out += [(path, rate, "rate") for path, rate in zip(c.rate_paths, c.rates, strict=True)]
        out.append(("win_rate", self.win_rate, "rate"))
        return out

    def draws_from(self, values: dict[str, np.ndarray], n: int) -> Draws:
        """Draws from given per-trial values by lever path; fixed quantities fill the rest
        (a number, or a range of zero width)."""
        full = {
            path: np.asarray(values[path], dtype=float)
            if path in values
            else np.full(n, uncertain.median(value, kind))
            for path, value, kind in self.quantities
        }
        return Draws(
            productivity=full["team.calls_per_rep_per_day"],
            volumes={c.key: full[c.volume_path] for c in self.channels if not c.from_team},
            rates={
                c.key: np.column_stack([full[path] for path in c.rate_paths]) for c in self.channels
            },
            win_rate=full["win_rate"],
        )

    def draw(self, seed: int, chunk: int, n: int) -> Draws:
        """Per-trial draws of every uncertain quantity, at one normal score per trial each.

        A quantity's draws depend only on the seed, the chunk, its lever path and its own
        value (common random numbers), so they are kept in :data:`DRAWS`: when a slider
        moves one lever, the next run draws that quantity alone.
        """
        values = {}
        for path, quantity, kind in self.quantities:
            if not isinstance(quantity, (int, float)):
                key = (seed, chunk, n, path, kind, json.dumps(quantity, sort_keys=True))
                values[path] = DRAWS.get(key, _quantity_draws, seed, chunk, n, path, kind, quantity)
        return self.draws_from(values, n)

    def expected_wins(self, draws: Draws) -> np.ndarray:
        """Each trial's expected wins inside the horizon given its draws, (n,)."""
        won_levels = self.opportunity_levels(draws) * draws.win_rate[:, None]
        return self.expected_wins_of(won_levels, draws.win_rate)

    def expected_wins_of(self, won_levels: np.ndarray, win_rate: np.ndarray) -> np.ndarray:
        """:meth:`expected_wins` from the trials' won-opportunity levels (n, C)."""
        inside = won_levels @ self.close_profiles.sum(axis=1)
        return inside + win_rate * (self.plan.open_opportunities * self.open_close_pmf[:-1].sum())

    @cached_property
    def profiles(self) -> np.ndarray:
        """(C, M): each channel's monthly volume per unit of its level.

        A channel's expected volume is its per-trial level (calls per rep per day, or volume
        per month) times this profile (rep-days, or seasonality), so every per-trial mean is
        a small matrix product.
        """
        return np.stack(
            [self.team_capacity_days if c.from_team else self.seasonality for c in self.channels]
        )

    def level(self, draws: Draws, channel: ChannelSpec) -> np.ndarray:
        """A channel's per-trial volume level, (n,)."""
        return draws.productivity if channel.from_team else draws.volumes[channel.key]

    def opportunity_levels(self, draws: Draws) -> np.ndarray:
        """(n, C): level × product of stage rates, per trial and channel."""
        out = np.empty((draws.win_rate.shape[0], len(self.channels)))
        for i, c in enumerate(self.channels):
            # The rates' product column by column, in the order prod(axis=1) takes (the
            # same numbers), without its slow reduction along short rows.
            rates = draws.rates[c.key]
            product = rates[:, 0].copy()
            for s in range(1, rates.shape[1]):
                product *= rates[:, s]
            np.multiply(self.level(draws, c), product, out=out[:, i])
        return out

    def volume_mean(self, draws: Draws, channel: ChannelSpec) -> np.ndarray:
        """Expected volume of a channel per trial and month, (n, M)."""
        return self.level(draws, channel)[:, None] * self.profiles[self.channels.index(channel)]

    def stage_means(self, draws: Draws, channel: ChannelSpec) -> np.ndarray:
        """Expected count after each stage (volume first), (stages + 1, n, M)."""
        volume = self.volume_mean(draws, channel)
        cumulative = np.cumprod(draws.rates[channel.key], axis=1)  # (n, stages)
        return np.concatenate([volume[None], cumulative.T[:, :, None] * volume[None]], axis=0)


def _quantity_draws(
    seed: int, chunk: int, n: int, path: str, kind: uncertain.Kind, quantity: uncertain.Value
) -> np.ndarray:
    rng = stream(seed, chunk, PARAMETERS, zlib.crc32(path.encode()))
    return uncertain.at_scores(quantity, kind, rng.standard_normal(n))


class DrawCache:
    """Arrays by key, least recently used first out, at most ``max_bytes`` in all; shared
    by threads. Arrays are stored read-only: a caller that wrote into one would fail."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._arrays: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple, make: Callable[..., np.ndarray], *args: object) -> np.ndarray:
        """The array of ``key``, made by ``make(*args)`` when it is not kept."""
        with self._lock:
            found = self._arrays.get(key)
            if found is not None:
                self._arrays.move_to_end(key)
                return found
        array = make(*args)  # outside the lock: two threads' chunks draw at once
        array.flags.writeable = False
        with self._lock:
            if key not in self._arrays and array.nbytes <= self.max_bytes:
                self._arrays[key] = array
                self._bytes += array.nbytes
                while self._bytes > self.max_bytes:
                    _, dropped = self._arrays.popitem(last=False)
                    self._bytes -= dropped.nbytes
        return array

    def clear(self) -> None:
        with self._lock:
            self._arrays.clear()
            self._bytes = 0

    @property
    def nbytes(self) -> int:
        return self._bytes


#: Per-trial draws of quantities (:meth:`Funnel.draw`): 32 MB holds two 100,000-trial
#: plans of us_sdr's 17 uncertain quantities (13.6 MB each), so a slider move finds every
#: quantity but the one it moved; a server's share of it is bounded like its other caches.
DRAWS = DrawCache(32 * 1024 * 1024)
