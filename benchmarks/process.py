"""The command line as a user runs it: each figure is a fresh interpreter.

* ``simulate --help``: start-up, i.e. the imports a command pays before it does anything
  (goal ≤ 0.7 s);
* ``simulate sample_data/us_sdr.json --trials 1000000 --json``: the whole process, wall
  time and peak resident memory (goals ≤ 2.0 s and ≤ 400 MB). The run streams its trials
  into summaries (docs/design.md §2), so its memory must not grow with the trials.

Peak memory is the child's own ``ru_maxrss`` from ``os.wait4``, not the maximum over every
child this process ever had.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path

from benchmarks import Context, Row, register, row
from benchmarks.machine import LoadMeter, other_cpu_share

ROOT = Path(__file__).resolve().parent.parent
PLAN = "sample_data/us_sdr.json"
TRIALS = 1_000_000
HELP = ["simulate", "--help"]
SIMULATE = ["simulate", PLAN, "--trials", str(TRIALS), "--json"]

HELP_GOAL_S = 0.7
SIMULATE_GOAL_S = 2.0
SIMULATE_GOAL_MB = 400.0


def command_line(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "simulator", *args]


#: Runs a command and prints its wall seconds, CPU seconds, peak RSS (KB) and exit code.
#: A small launcher of its own: a child's peak RSS counts the memory of the process it was
#: started from until its exec, and this benchmark's process holds numpy and scipy.
_LAUNCHER = """
import os, sys, time
start = time.perf_counter()
pid = os.posix_spawn(
    sys.argv[1], sys.argv[1:], os.environ,
    file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)],
)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - start
print(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


#: The same launcher with its output in files and a time limit (the child is killed then):
#: ``out err seconds argv...``; prints the exit code (``none`` when killed) and peak RSS (KB).
_TIMED_LAUNCHER = """
import os, signal, sys, time
out, err, limit, argv = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4:]
write = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=[
    (os.POSIX_SPAWN_OPEN, 1, out, write, 0o600), (os.POSIX_SPAWN_OPEN, 2, err, write, 0o600)])
deadline = time.monotonic() + limit
while True:
    done, status, usage = os.wait4(pid, os.WNOHANG)
    if done:
        code = os.waitstatus_to_exitcode(status)
        break
    if time.monotonic() > deadline:
        os.kill(pid, signal.SIGKILL)
        _, _, usage = os.wait4(pid, 0)
        code = "none"
        break
    time.sleep(0.02)
print(code, usage.ru_maxrss)
"""


def launch(
    argv: list[str], stdout: Path, stderr: Path, limit: float, env: dict[str, str] | None = None
) -> tuple[int | None, float]:
    """Run ``argv`` (a path first) from a small launcher, its output in files; its exit code
    (None when it ran out of ``limit`` seconds and was killed) and its own peak RSS in KB,
    free of this benchmark's memory (see :data:`_LAUNCHER`)."""
    done = subprocess.run(
        [sys.executable, "-S", "-c", _TIMED_LAUNCHER, str(stdout), str(stderr), str(limit), *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    code, kilobytes = done.stdout.split()
    return (None if code == "none" else int(code)), float(kilobytes)


def run_once(args: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak resident MB of one ``python -m simulator ARGS``."""
    done = subprocess.run(
        [sys.executable, "-S", "-c", _LAUNCHER, *command_line(args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, cpu, kilobytes, code = done.stdout.split()
    if int(code) != 0:
        raise RuntimeError(f"{' '.join(args)} exited {code}: {done.stderr}")
    return float(seconds), float(cpu), float(kilobytes) / 1024


def _series(args: list[str], repeats: int) -> tuple[list[tuple[float, float, float]], float | None]:
    run_once(args)  # warm the file cache
    meter = LoadMeter(children=True)
    runs = [run_once(args) for _ in range(repeats)]
    return runs, other_cpu_share(meter)


@register("process")
def process_benchmark(ctx: Context) -> list[Row]:
    """The command line in fresh interpreters: --help start-up, a million-trial simulate."""
    rows = []
    for label, args, repeats, goal_s, goal_mb in (
        ("simulate --help", HELP, ctx.repeats, HELP_GOAL_S, None),
        (
            f"simulate us_sdr {TRIALS:,} trials --json",
            SIMULATE,
            min(ctx.repeats, 5),
            SIMULATE_GOAL_S,
            SIMULATE_GOAL_MB,
        ),
    ):
        runs, load = _series(args, repeats)
        wall = [w for w, _, _ in runs]
        rows += [
            row(f"{label}: wall, median", statistics.median(wall), "s", at_most=goal_s, load=load),
            row(f"{label}: wall, min", min(wall), "s", load=load),
            row(f"{label}: CPU, median", statistics.median(c for _, c, _ in runs), "s", load=load),
            row(f"{label}: peak RSS", max(m for _, _, m in runs), "MB", at_most=goal_mb, load=load),
        ]
    ctx.info["process_command"] = " ".join(["python", "-m", "simulator", *SIMULATE])
    return rows
