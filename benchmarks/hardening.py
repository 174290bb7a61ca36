"""Bad input costs a one-line refusal, never a crash, NaN or a blow-up.

Four figures:

- **bad CLI inputs with a traceback, NaN output or a blow-up**: about a hundred crafted
  commands (plans nested thousands deep, numbers of thousands of digits, counts of 10^30,
  volumes and deal sizes of 1e308, keys written twice, databases Centerpin does not
  support, names with direction overrides, files it cannot write, ...), each run as
  ``python -m simulator`` in its own process. A case fails when it prints a traceback,
  NaN or Infinity, exits with another code than its own (2 for bad input), refuses in
  more than one line, takes over :data:`CASE_TIMEOUT_S` or peaks above 1 GB. Goal 0.
- **peak memory of the worst valid plan**: the plan the bounds and the budget allow that
  holds the most numbers and draws the most deals, ``simulate --json`` at its own trials
  (``/usr/bin/time -v`` would show the same figure: the child's maximum resident set).
  Goal ≤ 1 GB.
- **kpi-sets list while another process holds the write lock**: a second process holds
  ``BEGIN IMMEDIATE`` on the SQLite file; the seconds until ``kpi-sets list`` answers (or
  says why not). Goal ≤ 10 s.

- **crafted links that crash a page**: :data:`CRAFTED_LINKS` opened on every page under
  Streamlit's AppTest (``python -m benchmarks links``). Goal 0.

Run alone with ``python -m benchmarks hardening``; ``--json`` output lists every case
that failed under ``info``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import Context, Row, register, row
from benchmarks.process import launch
from simulator import budget
from simulator.kpi_sets import Store
from simulator.plan import MAX_MONTHS, parse_plan

ROOT = Path(__file__).resolve().parent.parent
CASE_TIMEOUT_S = 120
PEAK_LIMIT_MB = 1024
LOCK_GOAL_S = 10
_NAN = re.compile(r"\b(NaN|Infinity|nan|inf)\b")

Plan = dict[str, Any]


def _base(**changes: Any) -> Plan:
    """A small valid plan (2,000 trials), with top-level ``changes``."""
    plan: Plan = {
        "schema_version": 1,
        "name": "probe",
        "start_month": "2027-04",
        "months": 6,
        "target": {"revenue": 10_000_000, "confidence": 0.8},
        "team": {"reps": 4, "calls_per_rep_per_day": 40, "ramp_months": 0},
        "channels": [
            {
                "key": "calls",
                "volume_from": "team",
                "stages": [{"key": "connect", "rate": 0.1}, {"key": "opportunity", "rate": 0.2}],
            },
            {"key": "inbound", "volume_per_month": 30, "stages": [{"key": "opp", "rate": 0.3}]},
        ],
        "win_rate": 0.25,
        "deal_size": {"low": 300_000, "high": 900_000},
        "simulation": {"trials": 2000, "seed": 7},
    }
    plan.update(changes)
    return plan


def _set(path: str, value: Any) -> Plan:
    """The base plan with one value at a dotted path (``channels.1.volume_per_month``)."""
    plan = _base()
    *parents, last = path.split(".")
    node: Any = plan
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[int(last) if last.isdigit() else last] = value
    return plan


def _text(plan: Plan) -> str:
    return json.dumps(plan, ensure_ascii=False)


def _raw(path: str, literal: str) -> str:
    """The base plan's JSON with one value written as ``literal`` (NaN, 5,000 digits...)."""
    marker = "__RAW__"
    return _text(_set(path, marker)).replace(f'"{marker}"', literal)


def _worst_shape(channels: int, stages: int, months: int = MAX_MONTHS) -> Plan:
    """A valid plan of that shape at the budget's edge: the most trials the budget allows
    and volumes that bring nearly the most deals a month it allows, deal sizes uncertain."""
    chans = [
        {
            "key": f"c{c}",
            "volume_per_month": 1000.0,
            "stages": [{"key": f"s{s}", "rate": 0.95} for s in range(stages)],
        }
        for c in range(channels)
    ]
    plan = _base(months=months, channels=chans, team={"reps": 0}, win_rate=0.95)
    plan.update(deal_size={"low": 100_000, "high": 100_000_000}, target={"revenue": 1e15})
    work = budget.work(parse_plan(plan))
    scale = 0.999 * min(
        budget.MAX_MONTHLY_WINS / work.largest_wins, budget.MAX_MONTHLY_COUNT / work.largest_count
    )
    for channel in chans:
        channel["volume_per_month"] = round(1000.0 * scale, 3)
    plan["simulation"] = {"trials": budget.max_trials(parse_plan(plan)), "seed": 1}
    return plan


#: The worst valid plans: one channel of one stage holds the most trials, twenty channels
#: of ten stages the most numbers per trial.
WORST_SHAPES = {"1 channel × 1 stage": (1, 1), "3 × 3": (3, 3), "20 channels × 10 stages": (20, 10)}


# ----------------------------------------------------------------------------- bad CLI inputs

PLANS: dict[str, str | bytes] = {
    "ok": _text(_base()),
    "nest_1000": '{"schema_version": 1, "name": ' + "[" * 1000 + "]" * 1000 + "}",
    "nest_5000_top": "[" * 5000 + "]" * 5000,
    "nest_100000": "{" + '"a":{' * 100_000 + "}" * 100_001,
    "digits_trials": _raw("simulation.trials", "9" * 5000),
    "digits_seed": _raw("simulation.seed", "1" * 5000),
    "digits_months": _raw("months", "3" * 5000),
    "digits_volume": _raw("channels.1.volume_per_month", "7" * 5000),
    "digits_float": _raw("deal_size", "1" * 5000 + ".5"),
    "counts_1e30": _text(_set("win_rate", {"successes": 10**30, "trials": 10**30})),
    "counts_trials_over": _text(_set("win_rate", {"successes": 1, "trials": 10**9 + 1})),
    "volume_1e308": _text(_set("channels.1.volume_per_month", 1e308)),
    "volume_1e10": _text(_set("channels.1.volume_per_month", 1e10)),
    "volume_wide": _text(_set("channels.1.volume_per_month", {"low": 1, "high": 1e8})),
    "volume_nan": _raw("channels.1.volume_per_month", "NaN"),
    "volume_inf": _raw("channels.1.volume_per_month", "Infinity"),
    "volume_1e999": _raw("channels.1.volume_per_month", "1e999"),
    "volume_negative": _text(_set("channels.1.volume_per_month", -1)),
    "volume_text": _text(_set("channels.1.volume_per_month", "1e308")),
    "deal_1e308": _text(_set("deal_size", 1e308)),
    "deal_1e13": _text(_set("deal_size", 1e13)),
    "deal_tiny_wide": _text(_set("deal_size", {"low": 1e-300, "high": 1e12})),
    "deal_wide": _text(_set("deal_size", {"low": 1, "high": 1e12})),
    "deal_nan": _raw("deal_size", "NaN"),
    "calls_1e308": _text(_set("team.calls_per_rep_per_day", 1e308)),
    "calls_wide": _text(_set("team.calls_per_rep_per_day", {"low": 1e-300, "high": 1e5})),
    "reps_1e9": _text(_set("team.reps", 10**9)),
    "reps_float": _text(_set("team.reps", 1.5)),
    "hire_1e9": _text(_set("team.hires", [{"month": "2027-05", "change": 10**9}])),
    "hires_121": _text(_set("team.hires", [{"month": "2027-05", "change": 1}] * 121)),
    "open_1e30": _text(_base(open_opportunities=10**30)),
    "seasonality_1e308": _text(_base(seasonality=[1e308] * 12)),
    "seasonality_nan": _raw("seasonality", "[NaN, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"),
    "working_days_1e308": _text(_set("team.working_days_per_month", 1e308)),
    "cycle_1e308": _text(_base(sales_cycle_months=1e308)),
    "cycle_wide": _text(_base(sales_cycle_months={"low": 1e-300, "high": 120})),
    "target_1e308": _text(_set("target.revenue", 1e308)),
    "target_negative": _text(_set("target.revenue", -1)),
    "confidence_1e308": _text(_set("target.confidence", 1e308)),
    "months_1e6": _text(_base(months=10**6)),
    "trials_1e12": _text(_set("simulation.trials", 10**12)),
    "seed_2_64": _text(_set("simulation.seed", 2**64)),
    "win_1e308": _text(_base(win_rate=1e308)),
    "win_nan": _raw("win_rate", "NaN"),
    "duplicate_top": _text(_base()).replace('"months": 6', '"months": 6, "months": 7'),
    "duplicate_nested": _text(_base()).replace('"low": 300000', '"low": 300000, "low": 1'),
    "empty": "",
    "garbage": bytes(range(256)) * 4,
    "utf16": _text(_base()).encode("utf-16"),
    "array": "[1, 2]",
    "string": '"plan"',
    "null": "null",
    "name_1e6": _text(_base(name="x" * 1_000_000)),
    "channels_1000": _text(_base(channels=[_base()["channels"][1]] * 1000)),
    "stages_1000": _text(
        _set("channels.1.stages", [{"key": f"s{i}", "rate": 0.9} for i in range(1000)])
    ),
    # Three channels: simulate streams and holds only its first 100,000 trials, which must
    # themselves be over budget (100,000 × 36 months × 10 numbers).
    "work_2m_36": _text(
        _base(
            months=36,
            channels=[*_base()["channels"], _base()["channels"][1] | {"key": "webinar"}],
            simulation={"trials": 2_000_000, "seed": 1},
        )
    ),
    "count_at_bounds": _text(
        _base(
            seasonality=[12.0] * 12,
            channels=[
                _base()["channels"][1]
                | {"stages": [{"key": "opp", "rate": 1.0}]}
                | {"volume_per_month": 1e8}
            ],
            win_rate=1.0,
        )
    ),
    "win_0": _text(_base(win_rate=0.0)),
    "trials_1": _text(_set("simulation", {"trials": 1, "seed": 1})),
    "deal_0": _text(_base(deal_size=0)),
}


@dataclass(frozen=True)
class Case:
    name: str
    argv: list[str]
    exits: tuple[int, ...] = (2,)
    many_lines: bool = False  # an import lists each problem on its own line


@dataclass
class Outcome:
    case: Case
    code: int | None
    stdout: str
    stderr: str
    peak_mb: float
    seconds: float
    problems: list[str] = field(default_factory=list)


def _cases(folder: Path) -> list[Case]:
    files = {}
    for name, content in PLANS.items():
        path = folder / f"{name}.json"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        files[name] = str(path)
    db = f"sqlite:///{folder / 'probe.db'}"
    missing = str(folder / "no" / "such" / "folder" / "out.json")
    valid = {"win_0": (0, 4), "trials_1": (0,), "deal_0": (0, 4), "ok": (0,)}
    cases = [
        Case(f"simulate {name}", ["simulate", path, "--json"], valid.get(name, (2,)))
        for name, path in files.items()
    ]
    for name in (
        "nest_1000",
        "digits_seed",
        "deal_1e308",
        "volume_1e308",
        "counts_1e30",
        "duplicate_nested",
        "work_2m_36",
        "win_0",
        "deal_0",
    ):
        # center-pin runs its own trial counts, not the plan's: 2M × 36 months is no burden.
        pin = (0,) if name == "work_2m_36" else valid.get(name, (2,))
        cases.append(Case(f"center-pin {name}", ["center-pin", files[name], "--json"], pin))
        cases.append(
            Case(
                f"reverse {name}",
                ["reverse", files[name], "--lever", "win_rate"],
                valid.get(name, (2,)) + ((4,) if name in valid else ()),
            )
        )
        cases.append(
            Case(
                f"save {name}",
                ["kpi-sets", "save", files[name], "--name", name, "--db", db],
                valid.get(name, (2,)),
            )
        )
        cases.append(
            Case(
                f"import {name}",
                ["kpi-sets", "import", files[name], "--db", db],
                valid.get(name, (2,)) + ((3,) if name in valid else ()),
                many_lines=True,
            )
        )
    for name in ("win_0", "deal_0", "trials_1"):  # valid plans at the edges, as text
        cases.append(Case(f"simulate text {name}", ["simulate", files[name]], (0,)))
        cases.append(Case(f"center-pin text {name}", ["center-pin", files[name]], (0,)))
        cases.append(
            Case(f"reverse text {name}", ["reverse", files[name], "--lever", "team.reps"], (0, 4))
        )
    ok = files["ok"]
    cases += [
        Case("simulate --trials 10^30", ["simulate", ok, "--trials", str(10**30)]),
        Case("simulate --trials 5000 digits", ["simulate", ok, "--trials", "9" * 5000]),
        Case("simulate --trials nan", ["simulate", ok, "--trials", "nan"]),
        Case("simulate --trials -1", ["simulate", ok, "--trials", "-1"]),
        Case("simulate --trials 1e3", ["simulate", ok, "--trials", "1e3"]),
        Case("simulate --seed 2^64", ["simulate", ok, "--seed", str(2**64)]),
        Case("simulate --seed 5000 digits", ["simulate", ok, "--seed", "1" * 5000]),
        Case("simulate missing file", ["simulate", str(folder / "nope.json")]),
        Case("simulate a directory", ["simulate", str(folder)]),
        Case("reverse --target inf", ["reverse", ok, "--lever", "win_rate", "--target", "inf"]),
        Case("reverse --target nan", ["reverse", ok, "--lever", "win_rate", "--target", "nan"]),
        Case(
            "reverse --target 1e308",
            ["reverse", ok, "--lever", "win_rate", "--target", "1e308"],
            (2, 4),
        ),
        Case("reverse --target -1", ["reverse", ok, "--lever", "win_rate", "--target", "-1"]),
        Case(
            "reverse --target 5000 digits",
            ["reverse", ok, "--lever", "win_rate", "--target", "9" * 5000],
            (2, 4),
        ),
        Case("reverse --confidence 5", ["reverse", ok, "--lever", "win_rate", "--confidence", "5"]),
        Case(
            "reverse --confidence nan",
            ["reverse", ok, "--lever", "win_rate", "--confidence", "nan"],
        ),
        Case("reverse --lever bogus", ["reverse", ok, "--lever", "bogus"]),
        Case("reverse --lever sales cycle", ["reverse", ok, "--lever", "sales_cycle_months"]),
        Case(
            "reverse --lever deal 1e308", ["reverse", files["deal_1e308"], "--lever", "deal_size"]
        ),
        Case("schema --output missing folder", ["schema", "--output", missing]),
        Case("schema --output a directory", ["schema", "--output", str(folder)]),
        Case("--db mysql", ["kpi-sets", "list", "--db", "mysql://user@localhost/centerpin"]),
        Case("--db psycopg2", ["kpi-sets", "list", "--db", "postgresql+psycopg2://u@localhost/c"]),
        Case("--db unknown driver", ["kpi-sets", "list", "--db", "postgresql+nosuch://u@h/c"]),
        Case("--db oracle", ["kpi-sets", "list", "--db", "oracle://u@h/c"]),
        Case(
            "--db sqlite in a missing folder",
            ["kpi-sets", "list", "--db", f"sqlite:///{folder}/no/such/c.db"],
        ),
        Case("--db not a URL", ["kpi-sets", "list", "--db", "not a url"]),
        Case(
            "--db server that refuses",
            ["kpi-sets", "list", "--db", "postgresql+psycopg://u@127.0.0.1:1/c"],
        ),
        Case(
            "save --name RLO",
            ["kpi-sets", "save", ok, "--name", "invoice\u202egpj.exe", "--db", db],
        ),
        Case("save --name ZWSP", ["kpi-sets", "save", ok, "--name", "a\u200bb", "--db", db]),
        Case("save --name isolate", ["kpi-sets", "save", ok, "--name", "a\u2066b", "--db", db]),
        Case("save --name ESC", ["kpi-sets", "save", ok, "--name", "a\x1b[2Jb", "--db", db]),
        Case(
            "save --author LRM",
            ["kpi-sets", "save", ok, "--name", "lrm", "--author", "x\u200e", "--db", db],
        ),
        Case("save --name 5000 chars", ["kpi-sets", "save", ok, "--name", "n" * 5000, "--db", db]),
        Case(
            "save --base-revision 10^30",
            ["kpi-sets", "save", ok, "--name", "x", "--base-revision", str(10**30), "--db", db],
        ),
        Case(
            "show --revision 5000 digits",
            ["kpi-sets", "show", "x", "--revision", "9" * 5000, "--db", db],
        ),
        Case("show a missing set", ["kpi-sets", "show", "no such set", "--db", db]),
        Case("history a missing set", ["kpi-sets", "history", "no such set", "--db", db]),
        Case(
            "export to a missing folder",
            ["kpi-sets", "export", "probe set", "--output", missing, "--db", db],
        ),
        Case(
            "export --format bogus",
            ["kpi-sets", "export", "probe set", "--output", str(folder / "x.bogus"), "--db", db],
        ),
        Case(
            "export cp932 of emoji",
            [
                "kpi-sets",
                "export",
                "probe set",
                "--output",
                str(folder / "x.csv"),
                "--encoding",
                "cp932",
                "--db",
                db,
            ],
            (0,),
        ),
        Case(
            "import a directory", ["kpi-sets", "import", str(folder), "--db", db], many_lines=True
        ),
        Case(
            "list --search 100k chars",
            ["kpi-sets", "list", "--search", "s" * 100_000, "--db", db],
        ),
    ]
    store = Store(db)  # the set the export cases read
    try:
        plan = parse_plan(_base(name="probe set", description="絵文字 😀 と ① ≒ 〜"))
        store.create("probe set", plan, author="probe")
    finally:
        store.close()
    return cases


def _run(case: Case, folder: Path) -> Outcome:
    out, err = folder / f"{id(case)}.out", folder / f"{id(case)}.err"
    env = {**os.environ, "PYTHONUTF8": "1", "CENTERPIN_DB_URL": f"sqlite:///{folder}/env.db"}
    started = time.perf_counter()
    argv = [sys.executable, "-m", "simulator", *case.argv]
    code, peak_kb = launch(argv, out, err, CASE_TIMEOUT_S, env)
    outcome = Outcome(
        case,
        code,
        out.read_text("utf-8", "replace"),
        err.read_text("utf-8", "replace"),
        peak_kb / 1024,
        time.perf_counter() - started,
    )
    outcome.problems = _judge(outcome)
    return outcome


def _judge(outcome: Outcome) -> list[str]:
    case, problems = outcome.case, []
    if outcome.code is None:
        problems.append(f"no answer in {CASE_TIMEOUT_S} s")
    elif outcome.code not in case.exits:
        problems.append(f"exit {outcome.code}, not {case.exits}")
    if "Traceback" in outcome.stderr:
        problems.append("traceback")
    if _NAN.search(outcome.stdout):
        problems.append("NaN or Infinity in the output")
    lines = outcome.stderr.splitlines()
    if outcome.code == 2 and not case.many_lines and len(lines) != 1:
        problems.append(f"{len(lines)} lines on stderr")
    if outcome.peak_mb > PEAK_LIMIT_MB:
        problems.append(f"peak {outcome.peak_mb:,.0f} MB")
    return problems


def probe(workers: int = 2, only: Callable[[Case], bool] | None = None) -> list[Outcome]:
    """Run every bad-input case (or those ``only`` picks); each outcome lists its problems."""
    with tempfile.TemporaryDirectory(prefix="centerpin-probe-") as name:
        folder = Path(name)
        cases = [case for case in _cases(folder) if only is None or only(case)]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(lambda case: _run(case, folder), cases))


@register("bad_inputs")
def bad_inputs(ctx: Context) -> list[Row]:
    """About a hundred bad CLI inputs: tracebacks, NaN output or blow-ups (goal 0)."""
    outcomes = probe()
    failed = [o for o in outcomes if o.problems]
    ctx.info["bad_inputs"] = {
        "cases": len(outcomes),
        "failed": {o.case.name: o.problems for o in failed},
        "slowest_s": round(max(o.seconds for o in outcomes), 1),
        "peak_mb": round(max(o.peak_mb for o in outcomes)),
    }
    return [
        row(
            "bad CLI inputs with a traceback, NaN output or a blow-up",
            len(failed),
            f"of {len(outcomes)}",
            at_most=0,
        ),
        row(
            "bad CLI inputs: largest peak memory",
            max(o.peak_mb for o in outcomes),
            "MB",
            at_most=PEAK_LIMIT_MB,
        ),
    ]


# ----------------------------------------------------------------------------- worst valid plan


def worst_plan_peak(shape: tuple[int, int]) -> tuple[float, float, int]:
    """Peak memory (MB) and seconds of ``simulate --json`` on the worst valid plan of that
    shape, and its exit code."""
    with tempfile.TemporaryDirectory(prefix="centerpin-worst-") as name:
        path = Path(name) / "worst.json"
        path.write_text(_text(_worst_shape(*shape)), encoding="utf-8")
        started = time.perf_counter()
        argv = [sys.executable, "-m", "simulator", "simulate", str(path), "--json"]
        code, peak_kb = launch(argv, Path(name) / "out", Path(name) / "err", 600)
        return peak_kb / 1024, time.perf_counter() - started, -1 if code is None else code


@register("budget")
def worst_valid_plan(ctx: Context) -> list[Row]:
    """Peak memory of the worst valid plans the bounds and the budget allow (goal ≤ 1 GB)."""
    rows = []
    for label, shape in WORST_SHAPES.items():
        peak, seconds, code = worst_plan_peak(shape)
        ctx.info.setdefault("worst_plans", {})[label] = {"exit": code, "seconds": round(seconds)}
        rows.append(
            row(
                f"peak memory of the worst valid plan, simulate --json: {label}",
                peak,
                "MB",
                at_most=PEAK_LIMIT_MB,
            )
        )
    return rows


# ----------------------------------------------------------------------------- a held lock

_HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""


def list_while_locked(hold_s: float = 60) -> tuple[float, int, str]:
    """Seconds ``kpi-sets list`` takes while another process holds ``BEGIN IMMEDIATE`` on the
    store's SQLite file, its exit code and what it printed on stderr."""
    with tempfile.TemporaryDirectory(prefix="centerpin-lock-") as name:
        path = Path(name) / "centerpin.db"
        store = Store(f"sqlite:///{path}")
        store.create("locked", parse_plan(_base(name="locked")), author="bench")
        store.close()
        holder = subprocess.Popen(
            [sys.executable, "-c", _HOLDER, str(path), str(hold_s)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            holder.stdout.readline()
            started = time.perf_counter()
            listed = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "simulator",
                    "kpi-sets",
                    "list",
                    "--db",
                    f"sqlite:///{path}",
                ],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=hold_s * 4,
            )
            return time.perf_counter() - started, listed.returncode, listed.stderr.strip()
        finally:
            holder.kill()
            holder.wait()


@register("lock")
def held_lock(ctx: Context) -> list[Row]:
    """``kpi-sets list`` while another process holds the write lock (goal ≤ 10 s)."""
    seconds, code, stderr = list_while_locked()
    ctx.info["lock"] = {"exit": code, "stderr": stderr}
    return [
        row(
            "kpi-sets list while another process holds the write lock",
            seconds,
            "s",
            at_most=LOCK_GOAL_S,
        )
    ]


# ----------------------------------------------------------------------------- crafted links

#: Crafted links of every kind that once crashed a page or was silently changed: unknown
#: plans, values past their widgets and the plan's bounds, unreadable numbers, unknown
#: names, page parameters that name nothing, very long values.
CRAFTED_LINKS: list[dict[str, str]] = [
    {"plan": "nosuch"}, {"plan": "set:nosuch"}, {"plan": "<b>x</b>"}, {"plan": "1" * 5000},
    {"trials": "inf"}, {"trials": "2000000"}, {"trials": "-5"}, {"trials": "1e400"},
    {"confidence": "500"}, {"confidence": "-1"}, {"confidence": "nan"}, {"confidence": "8.5"},
    {"target": "nan"}, {"target": "1e308"}, {"target": "-1"}, {"target": "1" * 5000},
    {"lever:win_rate": "-5~3"}, {"lever:win_rate": "50~20"}, {"lever:win_rate": "500"},
    {"lever:deal_size": "inf"}, {"lever:deal_size": "1e308"},
    {"lever:channels.inbound.volume_per_month": "1e8"},
    {"lever:channels.inbound.volume_per_month": "1e10"},
    {"lever:team.reps": "1e9"}, {"lever:team.reps": "-3"}, {"lever:team.reps": "2.5"},
    {"lever:team.calls_per_rep_per_day": "1e9~1e10"}, {"lever:sales_cycle_months": "1e6"},
    {"seed": "-1"}, {"seed": "1e30"}, {"working_days": "1e9", "working_days_on": "1"},
    {"working_days_on": "7"}, {"hires": "garbage"}, {"hires": "2027-13:+1"},
    {"hires": "2027-05:+100000"}, {"hires": ",".join(["2027-05:+1"] * 121)},
    {"rev": "abc"}, {"rev": "9" * 30}, {"lang": "xx"}, {"unknown": "1"}, {"lever:nosuch": "3"},
    {"solve": "nosuch"}, {"effort:team.reps": "1e308"}, {"compare": "nosuch"},
    {"set": "nosuch"}, {"effort_unit": "<script>"},
]  # fmt: skip
LINK_PAGES = ("whatif", "center_pin", "reverse", "library", "compare", "review", "glossary")


def crashed_links() -> tuple[int, int, list[str]]:
    """(pages crashed, pages opened, the crashing links): every crafted link opened on
    every page under Streamlit's AppTest, against a fresh SQLite store."""
    from streamlit.testing.v1 import AppTest

    from simulator import kpi_sets

    crashed: list[str] = []
    opened = 0
    with tempfile.TemporaryDirectory(prefix="centerpin-links-") as folder:
        before = os.environ.get(kpi_sets.ENV_URL)
        os.environ[kpi_sets.ENV_URL] = f"sqlite:///{folder}/links.db"
        try:
            for link in CRAFTED_LINKS:
                for page in LINK_PAGES:
                    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
                    for name, value in ({"trials": "1000"} | link).items():
                        at.query_params[name] = value
                    at.run()
                    if page != "whatif" and not at.exception:
                        at.switch_page(f"app_pages/{page}.py").run()
                    opened += 1
                    if at.exception:
                        crashed.append(f"{page}: {link}")
        finally:
            if before is None:
                os.environ.pop(kpi_sets.ENV_URL, None)
            else:
                os.environ[kpi_sets.ENV_URL] = before
    return len(crashed), opened, crashed


@register("links")
def crafted_links(ctx: Context) -> list[Row]:
    """Crafted links on every page: pages that crash (goal 0)."""
    count, opened, which = crashed_links()
    ctx.info["links"] = {"opened": opened, "crashed": which[:20]}
    return [
        row(
            f"crafted links that crash a page: {len(CRAFTED_LINKS)} × {len(LINK_PAGES)} pages",
            count,
            "pages",
            at_most=0,
        )
    ]
