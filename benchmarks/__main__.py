"""``python -m benchmarks [names...]``: run benchmarks, print a table, write JSON.

Exit status is 0 whether goals are met or missed (benchmarks report, tests decide); it is
1 only when a benchmark raised, and 2 for a usage error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from benchmarks import Context, Row, load_all
from benchmarks.machine import LoadMeter, machine_info

#: Share of the CPUs taken by other processes above which the figures are flagged.
BUSY_WARNING = 0.05

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results" / "latest.json"

#: Benchmarks that run only when named (``make load``), never by default: minutes of
#: browser sessions against app servers behind nginx on PostgreSQL.
ON_REQUEST = ("benchmarks.load",)


def _format_value(value: float) -> str:
    if value != value:  # NaN
        return "nan"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.1f}"
    if magnitude >= 10:
        return f"{value:.2f}"
    return f"{value:.3f}"


def _status(ok: bool | None) -> str:
    return "" if ok is None else ("PASS" if ok else "MISS")


def _load(share: float | None) -> str:
    return "" if share is None else f"{share:.0%}"


def format_table(sections: list[tuple[str, list[Row]]]) -> str:
    header = ("benchmark", "figure", "value", "unit", "goal", "status", "others' CPU")
    lines = [
        (name, r.name, _format_value(r.value), r.unit, r.goal or "", _status(r.ok), _load(r.load))
        for name, rows in sections
        for r in rows
    ]
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *lines, strict=True)]
    right = {2, 6}  # values and loads right-aligned

    def render(cells: tuple[str, ...]) -> str:
        return "  ".join(
            cell.rjust(w) if i in right else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    out = [render(header), rule]
    previous = None
    for cells in lines:
        if previous is not None and cells[0] != previous:
            out.append(rule)
        out.append(render(cells if cells[0] != previous else ("", *cells[1:])))
        previous = cells[0]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    registry = load_all()
    default = list(registry)
    for module in ON_REQUEST:
        importlib.import_module(module)
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Run Centerpin's benchmarks; print a table and write JSON.",
    )
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"benchmarks to run (default: all of {default}; on request: "
        f"{[n for n in registry if n not in default]})",
    )
    parser.add_argument("--repeats", type=int, default=7, help="timed repeats per figure (7)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON output file")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = parser.parse_args(argv)

    if args.list:
        for name, function in registry.items():
            doc = (function.__doc__ or "").strip().splitlines()
            print(f"{name}\t{doc[0] if doc else ''}")
        return 0
    unknown = [n for n in args.names if n not in registry]
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {list(registry)}")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    selected = args.names or default

    ctx = Context(repeats=args.repeats)
    machine = machine_info()
    meter = LoadMeter()
    started = time.perf_counter()
    sections: list[tuple[str, list[Row]]] = []
    records: list[dict[str, Any]] = []
    failed = False
    for name in selected:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        section_meter = LoadMeter()
        try:
            rows = registry[name](ctx)
            error = None
        except Exception:  # a broken benchmark is reported; the others still run
            failed = True
            error = traceback.format_exc()
            print(error, file=sys.stderr)
            rows = []
        seconds = time.perf_counter() - t0
        section_load = section_meter.finish()
        share = section_load.get("other_cpu_share")
        busy_note = "" if share is None else f", other processes {share:.0%} of the CPUs"
        print(f"  {name}: {seconds:.1f} s{busy_note}", file=sys.stderr, flush=True)
        sections.append((name, rows))
        records.append(
            {
                "name": name,
                "seconds": seconds,
                "error": error,
                "load": section_load,
                "rows": [r.to_dict() for r in rows],
            }
        )
    elapsed = time.perf_counter() - started
    load = meter.finish()

    all_rows = [r for _, rows in sections for r in rows]
    passed = sum(r.ok is True for r in all_rows)
    missed = sum(r.ok is False for r in all_rows)

    print(
        f"Centerpin benchmarks — {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, "
        f"{args.repeats} repeats after a warm-up, medians unless marked min"
    )
    print(
        f"machine: {machine['cpu_count']} CPUs ({machine['cpu_model']}), "
        f"Python {machine['python']}, numpy {machine['numpy']}, scipy {machine['scipy']}, "
        f"{machine['platform']}, OPENBLAS_CORETYPE "
        + (f"= {machine['openblas_coretype']}" if machine["openblas_coretype_set"] else "not set")
    )
    if "plan" in ctx.info:
        print(f"plan (largest sample by stages × months): {ctx.largest_plan.label()}")
    if "engine_threads" in ctx.info:
        print(f"fast engine thread pool: {ctx.info['engine_threads']} threads")
    other = load.get("other_cpu_share")
    if other is not None:
        print(
            f"other processes used {other:.0%} of the CPUs during the run,"
            f" the hypervisor stole {load['steal_share']:.0%}"
        )
    print()
    print(format_table(sections))
    print()
    print(f"goals: {passed} PASS, {missed} MISS; ran in {elapsed:.1f} s")
    lost = None if other is None else other + load["steal_share"]
    if lost is not None and lost > BUSY_WARNING:
        print(
            f"WARNING: the machine was not quiet ({lost:.0%} of its CPU went to other "
            "processes or guests): these timings are pessimistic; run again on an idle machine."
        )

    document = {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": ["python", "-m", "benchmarks", *(argv if argv is not None else sys.argv[1:])],
        "selected": selected,
        "repeats": args.repeats,
        "seconds": elapsed,
        "machine": machine,
        "load": load,
        "info": ctx.info,
        "summary": {"pass": passed, "miss": missed, "errors": failed},
        "benchmarks": records,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    print(f"written: {args.output}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
