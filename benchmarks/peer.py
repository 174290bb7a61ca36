"""Per-sample speed against a peer: Squiggle 0.10 on its own funnel model, side by side.

The peer (``shared/peers/squiggle`` beside the repository, read-only) runs

    revenue = 2000 calls × connect Beta(30,70) × lead Beta(20,80) × opportunity Beta(30,70)
              × win Beta(25,75) × deal size lognormal(mean 1,000,000, sd 400,000)

with 1,000,000 samples and prints its mean, percentiles, P(revenue ≥ 10,000,000) and the
wall time of its ``run()``. It is copied once to ``.benchmarks/squiggle/`` (git-ignored)
and installed there with ``npm install --silent``. Centerpin runs the same model as a
one-month plan (:func:`peer_plan`): one channel of 2,000 calls a month (Poisson), stages
whose P10/P90 are those Betas' 10th and 90th percentiles, the lognormal's P10/P90 as the
deal size, no lag; timed in this process after a warm-up, streamed into its summaries
(mean, P10/P50/P90, P(target)), as the peer computes its own. Means must agree within 1%;
the goal is ≥ 10× the peer's speed per sample. Without node or npm the rows say so.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from benchmarks import Context, Row, register, row
from benchmarks.machine import LoadMeter, other_cpu_share
from benchmarks.timing import measure

ROOT = Path(__file__).resolve().parent.parent
#: Where the peer's files are (``CENTERPIN_SQUIGGLE_DIR`` overrides).
PEER = Path(os.environ.get("CENTERPIN_SQUIGGLE_DIR", ROOT.parent / "shared/peers/squiggle"))
SCRATCH = ROOT / ".benchmarks" / "squiggle"
SAMPLES = 1_000_000
SEED = "peer-seed"
TARGET = 10_000_000
PEER_RUNS = 3

CALLS = 2000
BETAS = {"connect": (30, 70), "lead": (20, 80), "opportunity": (30, 70)}
WIN = (25, 75)
DEAL_MEAN, DEAL_SD = 1_000_000.0, 400_000.0

SPEED_GOAL = 10.0
MEAN_TOLERANCE_PCT = 1.0


def peer_plan() -> Any:
    """The peer's model as a one-month Centerpin plan."""
    from scipy import stats

    from simulator.plan import parse_plan

    def rate(a: int, b: int) -> dict[str, float]:
        low, high = stats.beta.ppf([0.1, 0.9], a, b)
        return {"low": float(low), "high": float(high)}

    sigma = math.sqrt(math.log1p((DEAL_SD / DEAL_MEAN) ** 2))
    mu = math.log(DEAL_MEAN) - 0.5 * sigma * sigma
    z90 = float(stats.norm.ppf(0.9))
    return parse_plan(
        {
            "schema_version": 1,
            "name": "Squiggle peer funnel",
            "start_month": "2027-01",
            "months": 1,
            "country": "US",
            "target": {"revenue": TARGET, "confidence": 0.8},
            "team": {
                "reps": 1,
                "calls_per_rep_per_day": 1,
                "working_days_per_month": 20,
                "ramp_months": 0,
                "hires": [],
            },
            "channels": [
                {
                    "key": "calls",
                    "volume_per_month": CALLS,
                    "stages": [{"key": key, "rate": rate(*ab)} for key, ab in BETAS.items()],
                }
            ],
            "win_rate": rate(*WIN),
            "deal_size": {
                "low": math.exp(mu - z90 * sigma),
                "high": math.exp(mu + z90 * sigma),
            },
            "sales_cycle_months": 0,
            "open_opportunities": 0,
            "seasonality": [1.0] * 12,
            "simulation": {"trials": SAMPLES, "seed": 1},
        }
    )


def _missing_tools() -> str | None:
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        return f"{' and '.join(missing)} not found"
    if not (PEER / "funnel_bench.mjs").is_file():
        return f"no peer at {PEER}"
    return None


def _install() -> None:
    """Copy the peer to the scratch folder (once) and install its packages there."""
    SCRATCH.mkdir(parents=True, exist_ok=True)
    for source in PEER.iterdir():
        if source.is_file():
            target = SCRATCH / source.name
            if not target.exists() or target.read_bytes() != source.read_bytes():
                target.write_bytes(source.read_bytes())
    if not (SCRATCH / "node_modules" / "@quri" / "squiggle-lang").is_dir():
        subprocess.run(["npm", "install", "--silent"], cwd=SCRATCH, check=True, timeout=600)


def _peer_run() -> dict[str, Any]:
    done = subprocess.run(
        ["node", "funnel_bench.mjs", str(SAMPLES), SEED, str(TARGET)],
        cwd=SCRATCH,
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _number(text: Any) -> float:
    return float(str(text).replace(",", ""))


@register("squiggle")
def squiggle_benchmark(ctx: Context) -> list[Row]:
    """Per-sample speed against Squiggle 0.10 on its own funnel model (1M samples)."""
    from simulator import engine, funnel

    plan = peer_plan()

    def centerpin() -> tuple[float, float]:
        # Every sample drawn afresh, as Squiggle does: no per-trial draws kept from the
        # previous run (the fitted distributions are kept: plan set-up, not sampling).
        funnel.DRAWS.clear()
        result = engine.simulate(plan, trials=SAMPLES, keep_trials=False)
        return result.revenue_summary().mean, result.p_target()[0]

    meter = LoadMeter()
    timing = measure(centerpin, ctx.repeats)
    ours_load = other_cpu_share(meter)
    cpu = time.process_time()
    centerpin()
    cpu = time.process_time() - cpu
    mean, p_target = centerpin()
    ours_ns = timing.median / SAMPLES * 1e9
    rows = [
        row("Centerpin: 1M samples, median", timing.median * 1000, "ms", load=ours_load),
        row("Centerpin: per sample", ours_ns, "ns", load=ours_load),
        row("Centerpin: 1M samples, CPU of all threads", cpu * 1000, "ms"),
        row("Centerpin: mean revenue", mean, "USD"),
        row("Centerpin: P(revenue ≥ 10M)", p_target, "share"),
    ]
    problem = _missing_tools()
    if problem is not None:
        ctx.info["squiggle"] = f"not run: {problem}"
        return [*rows, row(f"Squiggle not run: {problem}", math.nan, "")]
    _install()
    meter = LoadMeter(children=True)
    runs = [_peer_run() for _ in range(PEER_RUNS)]
    peer_load = other_cpu_share(meter)
    peer_ms = statistics.median(r["runWallMs"] for r in runs)
    peer_mean = _number(runs[0]["mean"])
    ctx.info["squiggle"] = runs[0] | {"runs": PEER_RUNS}
    gap = abs(mean - peer_mean) / peer_mean * 100
    return [
        *rows,
        row(f"Squiggle {runs[0]['squiggleLang']}: run(), median", peer_ms, "ms", load=peer_load),
        row("Squiggle: per sample", peer_ms / SAMPLES * 1e6, "ns", load=peer_load),
        row("Squiggle: mean revenue", peer_mean, "USD"),
        row("Squiggle: P(revenue ≥ 10M)", float(runs[0]["pRevenueGeTarget"]), "share"),
        row("mean revenue: difference", gap, "%", at_most=MEAN_TOLERANCE_PCT),
        row(
            "per-sample speed: Centerpin / Squiggle",
            peer_ms / (timing.median * 1000),
            "×",
            at_least=SPEED_GOAL,
            load=max(ours_load or 0.0, peer_load or 0.0),
        ),
    ]
