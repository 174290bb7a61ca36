"""UI latency of the what-if page in a real browser (Debian's headless Chromium).

Starts the app like the browser tests do (:mod:`tests.e2e.server`) and measures, with
``performance.now()`` inside the page (a MutationObserver installed before the app's
own scripts, so no polling from Python enters the figures):

* page load: navigation start → the verdict line shown (the page's first line, which
  states P(target) against the required confidence in words), → the P(target) metric
  shown (the metric row waits for its own script chunk, which the browser may fetch
  behind plotly's), and → the page settled;
  once on a server just started (imports, first 100,000-trial run), once in a new
  browser session on the warm server (Streamlit's caches hold the plan's results, the
  browser has to fetch and compile the app's scripts), and once reloaded in that session
  (the browser's cache holds the scripts: a returning visitor);
* a key press on a slider thumb (the win rate's upper thumb, ``lever:win_rate``):
  ``keydown`` → P(target) text changed, and ``keydown`` → page settled.

"Settled" is: the P(target) text changed, Streamlit's ``stApp`` element reports
``data-test-script-state="notRunning"`` after having run, the three plotly charts are
drawn, and then no DOM mutation for :data:`QUIET_MS`; the settled time is that of the last
mutation before the quiet spell (the quiet spell itself is not counted).

Key presses come in two series of :data:`PRESSES` each, at the plan's default trials:

* new scenarios: ArrowRight only, so each press asks for a plan never simulated before
  (0.1 point of win rate each; 10 presses stay far inside the slider's range);
* revisited scenarios: ArrowLeft/ArrowRight alternately, so values stay in range but the
  two plans alternate and come from Streamlit's caches: the app's overhead alone.

Goals: a fresh server's first page load ≤ 5 s to P(target), a warm server's ≤ 2 s; a key
press ≤ 200 ms to P(target) changed and ≤ 500 ms to settled (median and max of each series
are judged).
"""

from __future__ import annotations

import os
import statistics
import subprocess
from typing import Any

from benchmarks import Context, Row, register, row
from tests.e2e import server
from ui import whatif_page
from ui.i18n import t
from ui.plans import DEFAULT_PLAN, sample

PRESSES = 10
QUIET_MS = 500
TIMEOUT_MS = 120_000
SLIDER = ".st-key-lever-win_rate input[type=range]"  # key "lever:win_rate"; ':' → '-'
CHARTS = ("chart_histogram", "chart_fan", "chart_funnel")

LOAD_GOAL_S = 5.0  # a fresh server: imports and the first run
WARM_LOAD_GOAL_S = 2.0  # a warm server, a new browser or a reload
CHANGED_GOAL_MS = 200.0
SETTLED_GOAL_MS = 500.0

#: A JavaScript function: the text of the P(target) metric (the one labelled with one of
#: ``labels``, in the scope where it is pasted), or null. The load test uses it too.
P_TARGET = """() => {
    for (const metric of document.querySelectorAll('[data-testid="stMetric"]')) {
      const label = metric.querySelector('[data-testid="stMetricLabel"]');
      if (label && labels.includes(label.textContent.trim())) {
        const value = metric.querySelector('[data-testid="stMetricValue"]');
        return value ? value.textContent.trim() : null;
      }
    }
    return null;
  }"""

#: Installed in every page before the app's scripts. ``window.__cp`` holds one "phase":
#: from the navigation (time 0) or from the last keydown, until the page settles.
PROBE = (
    """
(({labels, charts, quietMs, verdictKey}) => {
  const S = window.__cp = {
    keyAt: 0, baseline: null, changedAt: null, verdictAt: null, ranAt: null, idleAt: null,
    lastMutation: 0, settledAt: null, done: false, chartsRedrawn: [], timer: null,
  };
  const pTarget = """
    + P_TARGET
    + """;
  const chartsDrawn = () => charts.every(
    (key) => document.querySelector(`.st-key-${key} .js-plotly-plot`));
  const check = () => {
    S.timer = null;
    if (S.done || S.changedAt === null || S.idleAt === null || !chartsDrawn()) return;
    const quiet = performance.now() - S.lastMutation;
    if (quiet >= quietMs) {
      S.settledAt = S.lastMutation;
      S.done = true;
    } else {
      S.timer = setTimeout(check, quietMs - quiet + 1);
    }
  };
  const observe = (records) => {
    const now = performance.now();
    if (S.done) return;
    S.lastMutation = now;
    const text = pTarget();
    if (S.verdictAt === null) {
      const verdict = document.querySelector(`.st-key-${verdictKey}`);
      if (verdict && /[0-9]/.test(verdict.textContent)) S.verdictAt = now;
    }
    if (S.changedAt === null && text !== null && text !== S.baseline) {
      S.changedAt = now;
      S.changedTo = text;
    }
    const app = document.querySelector('[data-testid="stApp"]');
    const state = app && app.getAttribute('data-test-script-state');
    if (state === 'running' && S.ranAt === null) S.ranAt = now;
    if (state === 'notRunning' && S.ranAt !== null && S.idleAt === null) S.idleAt = now;
    for (const record of records) {
      const element = record.target.nodeType === 1 ? record.target : record.target.parentElement;
      const chart = element && element.closest('[class*="st-key-chart_"]');
      if (chart) {
        const key = charts.find((k) => chart.classList.contains(`st-key-${k}`));
        if (key && !S.chartsRedrawn.includes(key)) S.chartsRedrawn.push(key);
      }
    }
    if (S.timer !== null) clearTimeout(S.timer);
    S.timer = setTimeout(check, quietMs);
  };
  new MutationObserver(observe).observe(document, {
    subtree: true, childList: true, attributes: true, characterData: true,
  });
  document.addEventListener('keydown', (event) => {
    if (S.timer !== null) clearTimeout(S.timer);
    Object.assign(S, {
      keyAt: event.timeStamp, baseline: pTarget(), changedAt: null, changedTo: null,
      ranAt: null, idleAt: null, lastMutation: event.timeStamp, settledAt: null,
      done: false, chartsRedrawn: [], timer: null,
    });
  }, true);
})
"""
)

RESULT = """() => {
  const S = window.__cp;
  return {keyAt: S.keyAt, changedAt: S.changedAt, verdictAt: S.verdictAt, ranAt: S.ranAt,
          idleAt: S.idleAt,
          settledAt: S.settledAt, changedTo: S.changedTo, chartsRedrawn: S.chartsRedrawn};
}"""


def _wait_settled(page: Any) -> dict[str, Any]:
    page.wait_for_function("window.__cp && window.__cp.done", timeout=TIMEOUT_MS, polling=50)
    return page.evaluate(RESULT)


def _open(browser: Any, url: str) -> tuple[Any, dict[str, Any]]:
    """A new browser session on the page; returns it and the load's timings (ms)."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="ja-JP")
    labels = [t("metric.p_target", lang) for lang in ("ja", "en")]
    context.add_init_script(
        f"{PROBE}({{labels: {labels!r}, charts: {list(CHARTS)!r}, quietMs: {QUIET_MS},"
        f" verdictKey: {str(whatif_page.VERDICT)!r}}})"
    )
    page = context.new_page()
    page.goto(url)
    return page, _wait_settled(page)


def _press(page: Any, thumb: Any, key: str) -> dict[str, Any]:
    thumb.press(key)
    timing = _wait_settled(page)
    if timing["changedAt"] is None:
        raise RuntimeError(f"P(target) did not change after {key}: {timing}")
    return {
        "started_ms": (timing["ranAt"] or float("nan")) - timing["keyAt"],  # script rerun
        "changed_ms": timing["changedAt"] - timing["keyAt"],
        "script_done_ms": timing["idleAt"] - timing["keyAt"],
        "settled_ms": timing["settledAt"] - timing["keyAt"],
        "charts_redrawn": len(timing["chartsRedrawn"]),
        "value": timing["changedTo"],
    }


def _series(page: Any, thumb: Any, keys: list[str]) -> list[dict[str, Any]]:
    return [_press(page, thumb, key) for key in keys]


def _rows(label: str, presses: list[dict[str, Any]]) -> list[Row]:
    changed = [p["changed_ms"] for p in presses]
    settled = [p["settled_ms"] for p in presses]
    return [
        row(
            f"key → P(target) changed, {label}, median",
            statistics.median(changed),
            "ms",
            at_most=CHANGED_GOAL_MS,
        ),
        row(f"key → P(target) changed, {label}, max", max(changed), "ms", at_most=CHANGED_GOAL_MS),
        row(
            f"key → page settled, {label}, median",
            statistics.median(settled),
            "ms",
            at_most=SETTLED_GOAL_MS,
        ),
        row(f"key → page settled, {label}, max", max(settled), "ms", at_most=SETTLED_GOAL_MS),
    ]


def _chromium_version() -> str | None:
    try:
        out = subprocess.run(
            [str(server.CHROMIUM), "--version"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


@register("ui")
def ui_latency(ctx: Context) -> list[Row]:
    """Page load and slider-key latency of the what-if page in headless Chromium."""
    from playwright.sync_api import sync_playwright  # only this benchmark needs it

    if not server.CHROMIUM.exists():
        raise FileNotFoundError(server.CHROMIUM_MISSING)
    trials = sample(DEFAULT_PLAN).simulation.trials
    children = os.times()
    with server.running() as app, sync_playwright() as playwright:
        browser = server.launch_chromium(playwright)
        try:
            cold_page, cold = _open(browser, app.url)  # the server's first session
            cold_page.context.close()
            page, warm = _open(browser, app.url)  # a new session; the server is warm
            page.reload()  # the same browser again: its HTTP cache holds the app's scripts
            reload = _wait_settled(page)
            assert "trials" not in page.url, "the benchmark must run at the plan's trials"
            thumb = page.locator(SLIDER).nth(1)
            thumb.focus()
            _press(page, thumb, "ArrowRight")  # warm-up: the first fragment rerun
            new = _series(page, thumb, ["ArrowRight"] * PRESSES)
            revisited = _series(
                page, thumb, [("ArrowLeft", "ArrowRight")[i % 2] for i in range(PRESSES)]
            )
            url = page.url
        finally:
            browser.close()

    after = os.times()  # the server and the browser are reaped by now: their CPU is here
    ctx.info["ui"] = {
        # The run's "other processes" share counts these: the app and the browser.
        "server_and_browser_cpu_seconds": (after.children_user - children.children_user)
        + (after.children_system - children.children_system),
        "plan": DEFAULT_PLAN,
        "trials": trials,
        "chromium": _chromium_version(),
        "browser": "headless Chromium via Playwright, 1440×1000, locale ja-JP",
        "quiet_ms": QUIET_MS,
        "final_url": url,
        "new_scenarios": new,
        "revisited_scenarios": revisited,
        "load_ms": {"fresh_server": cold, "warm_server": warm, "reload": reload},
    }
    return [
        *(
            figure
            for label, load, goal in (
                ("page load, fresh server", cold, LOAD_GOAL_S),
                ("page load, warm server", warm, WARM_LOAD_GOAL_S),
                ("page reload, warm browser cache", reload, WARM_LOAD_GOAL_S),
            )
            for figure in (
                row(
                    f"{label} → verdict shown (P(target) in words)",
                    load["verdictAt"] / 1000,
                    "s",
                    at_most=goal,
                ),
                row(
                    f"{label} → P(target) metric shown", load["changedAt"] / 1000, "s", at_most=goal
                ),
                row(f"{label} → settled", load["settledAt"] / 1000, "s"),
            )
        ),
        *_rows(f"new scenario ({trials:,} trials)", new),
        *_rows("revisited scenario (cached)", revisited),
    ]
