"""Quarterly review: reading actuals, the re-forecast, and the page after an upload.

Goals: parse and check a 5 MB actuals file ≤ 1 s; the re-forecast of the remaining
months at 100,000 trials ≤ 1 s; the 予実レビュー page's run after an upload ≤ 1.5 s
(AppTest, in this process).

The 5 MB file is the long layout for the SMB sample plan with a rep column: the sample's
six months of counts, written as each rep's, for as many reps as 5 MB takes. The
re-forecast is :func:`simulator.review.reforecast` of the
sample actuals, given the recalibrated plan and its remaining months (the part a new
review month or new actuals redo). The page's run starts from empty Streamlit caches
each time, so it includes the plan's own simulation, the review and the remaining
months' center pin: what the first upload costs.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from benchmarks import Context, Row, register, row
from benchmarks.plans import SAMPLE_DATA
from benchmarks.timing import measure
from simulator import actuals, review
from simulator.plan import load_plan

PARSE_GOAL_S = 1.0
REFORECAST_GOAL_S = 1.0
PAGE_GOAL_S = 1.5
FILE_BYTES = 5_000_000
TRIALS = 100_000

PLAN = SAMPLE_DATA / "jp_smb_saas.json"
ACTUALS = SAMPLE_DATA / "actuals_jp_smb_saas.csv"


def five_megabytes(target: int = FILE_BYTES) -> tuple[bytes, int]:
    """The sample's actuals as every rep's (long layout), at least ``target`` bytes; and the
    number of reps."""
    plan = load_plan(PLAN)
    sample = actuals.read(ACTUALS, plan)
    lines = ["month,metric,rep,value"]
    size, reps = len(lines[0]) + 1, 0
    while size < target:
        rep = f"担当{reps:05d}"
        reps += 1
        for month, values in sample.totals.items():
            for metric, value in values.items():
                line = f"{month},{metric},{rep},{int(value)}"
                lines.append(line)
                size += len(line.encode()) + 1
    return ("\n".join(lines) + "\n").encode(), reps


def _page_run(data: bytes) -> float:
    """Seconds of the page's run that follows an upload, with Streamlit's caches empty."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from ui import review_page

    at = AppTest.from_file(str(SAMPLE_DATA.parent / "app.py"), default_timeout=300)
    at.query_params["plan"] = "jp_smb_saas"
    at.run()
    at.switch_page("app_pages/review.py").run()
    st.cache_data.clear()
    st.cache_resource.clear()
    at.file_uploader(key=review_page.upload_key()).set_value(("actuals.csv", data, "text/csv"))
    started = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - started
    if at.exception or not at.metric:
        raise RuntimeError(f"the review page failed: {[e.value for e in at.exception]}")
    return seconds


@register("review")
def review_benchmark(context: Context) -> list[Row]:
    """Quarterly review: a 5 MB actuals file, the re-forecast, the page after an upload."""
    plan = load_plan(PLAN)
    data, reps = five_megabytes()
    cpu = time.process_time()
    parse = measure(lambda: actuals.read(data, plan, file="big.csv"), context.repeats)
    parse_cpu = (time.process_time() - cpu) / (context.repeats + 1)

    found = actuals.read(ACTUALS, plan)
    as_of = review.review_month(plan, found)
    _, recalibrated = review.recalibrate(plan, found, as_of)
    rest = review.rest_of_year(recalibrated, found, as_of, trials=TRIALS)

    def reforecast() -> review.Forecast:
        return review.reforecast(recalibrated, found, as_of, rest, trials=TRIALS)

    forecast = reforecast()
    timing = measure(reforecast, context.repeats)
    whole = measure(lambda: review.review(plan, found, trials=TRIALS), min(context.repeats, 3))

    with tempfile.TemporaryDirectory() as folder:
        previous = os.environ.get("CENTERPIN_DB_URL")
        os.environ["CENTERPIN_DB_URL"] = f"sqlite:///{Path(folder) / 'bench.db'}"
        try:
            sample = ACTUALS.read_bytes()
            _page_run(sample)  # warm-up: imports, fonts, first figures
            runs = sorted(_page_run(sample) for _ in range(min(context.repeats, 5)))
        finally:
            if previous is None:
                os.environ.pop("CENTERPIN_DB_URL", None)
            else:
                os.environ["CENTERPIN_DB_URL"] = previous
    context.info["review"] = {"file_bytes": len(data), "reps": reps, "trials": TRIALS}
    return [
        row("parse + check 5 MB actuals, median", parse.median, "s", at_most=PARSE_GOAL_S),
        row("parse + check 5 MB actuals, min", parse.min, "s"),
        row("parse + check 5 MB actuals, CPU time per run", parse_cpu, "s"),
        row("actuals file size", len(data) / 1e6, "MB"),
        row(
            f"re-forecast, {TRIALS:,} trials, median", timing.median, "s", at_most=REFORECAST_GOAL_S
        ),
        row(f"re-forecast, {TRIALS:,} trials, min", timing.min, "s"),
        row("re-forecast P(target)", forecast.p_target * 100, "%"),
        row(f"whole review (plan run included), {TRIALS:,} trials, median", whole.median, "s"),
        row(
            "page run after an upload (AppTest, cold caches), median",
            runs[len(runs) // 2],
            "s",
            at_most=PAGE_GOAL_S,
        ),
        row("page run after an upload (AppTest, cold caches), min", runs[0], "s"),
    ]
