"""Many users at once: browser sessions against two app servers behind nginx on PostgreSQL.

``make load`` (``python -m benchmarks load``; never part of ``make test`` or the default
``make bench``) starts the cluster of :mod:`deploy.cluster` on a fresh schema of the
PostgreSQL database in ``CENTERPIN_TEST_POSTGRES_URL`` (dropped afterwards) and drives it
from Debian's headless Chromium, all on 127.0.0.1: :data:`PHASES` of 10 and then 25
concurrent sessions (Playwright browser contexts: own cookies, so nginx spreads them over
the servers), started :data:`RAMP_S` apart. Each session:

1. opens a saved KPI set on the what-if page (two sessions share each set, with a team
   size of their own in the link, so no two sessions ask for the same scenarios);
2. moves the win rate's upper thumb :data:`MOVES` // 2 key presses right, saves the set
   (the first of the two to save gets a new revision; the other's save is refused as a
   conflict and saved as a copy, as a user would), :data:`MOVES` // 2 presses left, saves
   again, and downloads the monthly KPI CSV; it waits :data:`THINK_S` between moves.

Figures per phase: key press → P(target) changed (p50, p95; measured in the page with
``performance.now()``, as in :mod:`benchmarks.ui_latency`), errors (exception boxes,
timeouts, failed downloads, HTTP 5xx), saves acknowledged, conflicts, saves lost (every
acknowledged revision is read back: author and comment must match), sessions per server
and sessions that reached more than one server (from nginx's log), each server's RSS at
the phase's start, its peak, just after the sessions close, and once the server has been
idle long enough to release what they left (:func:`ui.housekeeping.longest_seconds`:
Streamlit's ``server.disconnectedSessionTTL`` and a little more), and the CPU the servers,
the browser and everything else on the machine used meanwhile.

The browser runs on the same 2 cores as the servers: its pages (plotly charts included)
take CPU that a real user's own machine would give, so latencies here are pessimistic.
Every wait is bounded (:data:`ACTION_TIMEOUT_MS`, :data:`PHASE_TIMEOUT_S`,
:data:`OVERALL_TIMEOUT_S`).
"""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import threading
import time
import tracemalloc
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np

from benchmarks import Context, Row, register, row
from benchmarks.machine import _cpu_ticks
from benchmarks.store import POSTGRES_URL_ENV, scratch_postgres_url
from benchmarks.ui_latency import P_TARGET
from deploy import cluster as deploy
from tests.e2e import server
from ui import housekeeping
from ui.i18n import t
from ui.plans import DEFAULT_PLAN, sample

#: Where the servers have cores of their own (a bigger machine, or browsers elsewhere),
#: more servers can share the sessions: ``CENTERPIN_LOAD_SERVERS=6 make load``.
SERVERS_ENV = "CENTERPIN_LOAD_SERVERS"
PHASES = (10, 25)
SESSIONS_PER_SET = 2
MOVES = 20
THINK_S = 0.5  # a user looks at the answer before the next move
RAMP_S = 1.0  # between session starts
QUIET_MS = 300  # no DOM change for this long after a run: the page has settled
ACTION_TIMEOUT_MS = 90_000
PHASE_TIMEOUT_S = 900.0
OVERALL_TIMEOUT_S = 2400.0
SAMPLE_S = 0.5  # RSS and CPU sampling interval
VIEWPORT = {"width": 1280, "height": 900}
#: The sessions' pages lay out and paint no charts and no data grids (their elements are
#: hidden; the server still builds and sends every figure and table), to spare the
#: servers' own cores: with everything drawn the browser took 2.2–2.7 times the servers'
#: CPU, hidden 1.8–3.0 times (about 20% less per session; loading the app's JavaScript in
#: each new context is most of it). ``make bench``'s ``ui`` benchmark times one page
#: drawing everything.
HIDE = """
(() => {
  const style = document.createElement('style');
  style.textContent = '[data-testid="stPlotlyChart"], [data-testid="stDataFrame"],'
    + ' [data-testid="stTable"] { display: none !important; }';
  const add = () => (document.head || document.documentElement).appendChild(style);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', add);
  else add();
})();
"""
DRAW_CHARTS = False

LATENCY_GOAL_MS = 1000.0
RSS_GOAL_MB = 1536.0  # 1.5 GB per server
AFTER_CLOSE_GOAL = 0.10  # back within 10% of the phase's start

SLIDER = ".st-key-lever-win_rate input[type=range]"  # key "lever:win_rate"; ':' → '-'
CHARTS = ("chart_histogram", "chart_fan", "chart_funnel")
MB = 1024 * 1024
#: A line of nginx's log as deploy/nginx.conf.template writes it.
LOG_LINE = re.compile(r"route=(\S+) upstream=(.*?) status=(\d+) \S+ (\S+)")
ADDRESS = re.compile(r"\d+\.\d+\.\d+\.\d+:\d+")
#: Streamlit's websocket: a browser session that opened one is a session of the app.
STREAM = "/_stcore/stream"

#: Installed in every page before the app's scripts. ``window.__load`` follows one
#: action (from its keydown) until the page has settled: the run is over, the charts are
#: drawn, and nothing changed for ``quietMs``. It also counts every exception box shown.
PROBE = (
    """
(({labels, charts, quietMs}) => {
  const S = window.__load = {
    keyAt: null, baseline: null, changedAt: null, changedTo: null, ranAt: null,
    idleAt: null, lastMutation: 0, mutated: false, done: false, timer: null,
    exceptions: [],
  };
  const seen = new WeakSet();
  const app = () => document.querySelector('[data-testid="stApp"]');
  S.pTarget = """
    + P_TARGET
    + """;
  S.ready = () => {
    const a = app();
    return !!(a && a.getAttribute('data-test-script-state') === 'notRunning'
      && /\\d/.test(S.pTarget() || '')
      && charts.every((key) => document.querySelector(`.st-key-${key} .js-plotly-plot`)));
  };
  const check = () => {
    S.timer = null;
    if (S.done || S.keyAt === null || !S.mutated) return;
    const quiet = performance.now() - S.lastMutation;
    // A run seen to end or a changed answer; or (a run too quick to be seen, with the
    // same answer) a longer quiet spell.
    const wait = (S.idleAt !== null || S.changedAt !== null) ? quietMs : 3 * quietMs;
    if (quiet >= wait && S.ready()) { S.done = true; return; }
    S.timer = setTimeout(check, Math.max(wait - quiet, 0) + 5);
  };
  new MutationObserver(() => {
    const now = performance.now();
    for (const box of document.querySelectorAll('[data-testid="stException"]')) {
      if (!seen.has(box)) { seen.add(box); S.exceptions.push(box.innerText || '?'); }
    }
    if (S.done || S.keyAt === null) return;
    S.lastMutation = now;
    S.mutated = true;
    const text = S.pTarget();
    if (S.changedAt === null && text !== null && text !== S.baseline) {
      S.changedAt = now; S.changedTo = text;
    }
    const a = app();
    const state = a && a.getAttribute('data-test-script-state');
    if (state === 'running' && S.ranAt === null) S.ranAt = now;
    if (state === 'notRunning' && S.ranAt !== null && S.idleAt === null) S.idleAt = now;
    if (S.timer !== null) clearTimeout(S.timer);
    S.timer = setTimeout(check, quietMs);
  }).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  document.addEventListener('keydown', (event) => {
    if (S.timer !== null) clearTimeout(S.timer);
    Object.assign(S, {
      keyAt: event.timeStamp, baseline: S.pTarget(), changedAt: null, changedTo: null,
      ranAt: null, idleAt: null, lastMutation: event.timeStamp, mutated: false,
      done: false, timer: null,
    });
  }, true);
})
"""
)

RESULT = """() => {
  const S = window.__load;
  return {keyAt: S.keyAt, changedAt: S.changedAt, idleAt: S.idleAt, changedTo: S.changedTo};
}"""


# ------------------------------------------------------------------------- processes


def _rss_bytes(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _processes() -> dict[int, tuple[int, float]]:
    """Every process: pid → (parent pid, CPU seconds so far)."""
    ticks = os.sysconf("SC_CLK_TCK")
    found: dict[int, tuple[int, float]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            text = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = text.rsplit(")", 1)[1].split()
        # after the name: state ppid ... utime (11th) stime (12th), counted from state = 0
        found[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    return found


def _descendants(processes: dict[int, tuple[int, float]], root: int) -> set[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for pid, (parent, _) in processes.items():
        children[parent].append(pid)
    out, stack = set(), [root]
    while stack:
        pid = stack.pop()
        if pid in out:
            continue
        out.add(pid)
        stack.extend(children.get(pid, ()))
    return out


class Watch:
    """Samples each server's RSS and the CPU of this process's whole tree (servers, nginx,
    the browser) every :data:`SAMPLE_S` in a thread; processes that come and go (browser
    renderers) are counted up to their last sample."""

    def __init__(self, servers: dict[str, int], nginx: int) -> None:
        self.servers = servers
        self.nginx = nginx
        self.peak: dict[str, int] = dict.fromkeys(servers, 0)
        self.cpu: dict[int, float] = {}
        self.group: dict[int, str] = {}
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss(self) -> dict[str, int]:
        return {name: _rss_bytes(pid) or 0 for name, pid in self.servers.items()}

    def _sample(self) -> None:
        processes = _processes()
        groups = {
            pid: name
            for name, root in self.servers.items()
            for pid in _descendants(processes, root)
        }
        groups |= dict.fromkeys(_descendants(processes, self.nginx), "nginx")
        tree = _descendants(processes, os.getpid())
        with self._lock:
            for pid in tree:
                self.cpu[pid] = processes[pid][1]
                self.group.setdefault(pid, groups.get(pid, "browser"))
            self.group[os.getpid()] = "benchmark"
            for name, size in self.rss().items():
                self.peak[name] = max(self.peak[name], size)

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_S):
            self._sample()

    def start(self) -> None:
        self._sample()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def mark(self) -> dict[str, Any]:
        """A point to measure from: CPU so far, per process, and of the machine."""
        self._sample()
        with self._lock:
            self.peak = self.rss()
            return {"cpu": dict(self.cpu), "ticks": _cpu_ticks(), "wall": time.perf_counter()}

    def since(self, mark: dict[str, Any]) -> dict[str, Any]:
        """CPU seconds per group since ``mark``, and the share of the machine's CPUs the
        rest of the machine (other people's processes, PostgreSQL included) took."""
        self._sample()
        with self._lock:
            used: dict[str, float] = defaultdict(float)
            for pid, seconds in self.cpu.items():
                used[self.group[pid]] += seconds - mark["cpu"].get(pid, 0.0)
        wall = time.perf_counter() - mark["wall"]
        ticks, before = _cpu_ticks(), mark["ticks"]
        out: dict[str, Any] = {"wall_s": wall, "cpu_s": dict(used)}
        if ticks and before and wall > 0:
            hz = os.sysconf("SC_CLK_TCK")
            capacity = wall * (os.cpu_count() or 1)
            busy = (ticks[0] - before[0]) / hz
            steal = (ticks[1] - before[1]) / hz
            out["machine_busy_share"] = busy / capacity
            out["other_cpu_share"] = max(busy - steal - sum(used.values()), 0.0) / capacity
            out["steal_share"] = steal / capacity
        return out


# -------------------------------------------------------------------------- sessions


@dataclass
class Tally:
    """What the sessions of one phase did."""

    loads_s: list[float] = field(default_factory=list)
    changed_ms: list[float] = field(default_factory=list)
    unchanged: int = 0
    saves: list[tuple[str, int, str, str]] = field(default_factory=list)  # name, rev, who, why
    conflicts: int = 0
    exports: int = 0
    errors: list[str] = field(default_factory=list)
    finished: int = 0


def _phrase(key: str, **values: Any) -> re.Pattern[str]:
    """A catalog message with ``(\\d+)`` where its ``revision`` goes."""
    text = t(key, "ja", revision=987654321, **values)
    before, after = text.split("987654321")
    return re.compile(re.escape(before) + r"(\d+)" + re.escape(after))


async def _wait_done(page: Any) -> dict[str, Any]:
    await page.wait_for_function(
        "window.__load && window.__load.done", polling=100, timeout=ACTION_TIMEOUT_MS
    )
    return await page.evaluate(RESULT)


async def _act(page: Any, action: Any) -> dict[str, Any]:
    """Run ``action`` (which presses a key) and wait until the page settles after it."""
    await action()
    return await _wait_done(page)


async def _save(page: Any, tally: Tally, name: str, who: str, why: str, number: int) -> str:
    """Save the session's scenario to its set ``name``; on a conflict, save it as a copy.
    Returns the set the session is on afterwards."""
    await page.get_by_role("button", name=t("save.button", "ja")).click()
    await page.locator(".st-key-save_comment_whatif textarea").fill(why)
    await page.get_by_role("button", name=t("save.submit", "ja"), exact=True).click()
    saved = page.get_by_text(_phrase("save.saved", name=name))
    conflict_start = t("save.conflict", "ja", name=name, base=0, head=0, authors="").split(" r0")[0]
    conflict = page.get_by_text(conflict_start)
    failed = page.get_by_test_id("stAlertContentError")
    outcome = saved.or_(conflict).or_(failed).first
    await outcome.wait_for(timeout=ACTION_TIMEOUT_MS)
    if await conflict.count():
        tally.conflicts += 1
        name = f"{name} copy {who} {number}"
        copy_name = page.locator(".st-key-copy_name_whatif input")
        await copy_name.fill(name)
        await copy_name.press("Tab")
        await page.locator(".st-key-save_copy_whatif button").click()
        saved = page.get_by_text(_phrase("save.saved", name=name))
        outcome = saved.or_(failed).first
        await outcome.wait_for(timeout=ACTION_TIMEOUT_MS)
    if await failed.count():
        tally.errors.append(f"{who}: save refused: {await failed.first.inner_text()}")
        return name
    match = _phrase("save.saved", name=name).search(await saved.first.inner_text())
    tally.saves.append((name, int(match.group(1)), who, why))
    # The save reruns the whole app on the saved set: wait until it is drawn again.
    await page.wait_for_function("window.__load.ready()", polling=100, timeout=ACTION_TIMEOUT_MS)
    return name


async def _moves(page: Any, thumb: Any, key: str, count: int, tally: Tally) -> None:
    for _ in range(count):
        timing = await _act(page, lambda: thumb.press(key))
        if timing["changedAt"] is None:
            tally.unchanged += 1
        else:
            tally.changed_ms.append(timing["changedAt"] - timing["keyAt"])
        await asyncio.sleep(THINK_S)


async def _session(browser: Any, url: str, index: int, set_name: str, reps: int, tally: Tally):
    who = f"load-s{index:02d}"
    context = await browser.new_context(viewport=VIEWPORT, locale="ja-JP", accept_downloads=True)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    labels = [t("metric.p_target", lang) for lang in ("ja", "en")]
    await context.add_init_script(
        f"{PROBE}({{labels: {labels!r}, charts: {list(CHARTS)!r}, quietMs: {QUIET_MS}}})"
    )
    if not DRAW_CHARTS:
        await context.add_init_script(HIDE)
    try:
        page = await context.new_page()
        started = time.perf_counter()
        await page.goto(f"{url}?plan={quote('set:' + set_name)}&lever:team.reps={reps}&lang=ja")
        await page.wait_for_function(
            "window.__load && window.__load.ready()", polling=100, timeout=ACTION_TIMEOUT_MS
        )
        tally.loads_s.append(time.perf_counter() - started)
        author = page.locator(".st-key-author input")
        await author.fill(who)
        await _act(page, lambda: author.press("Tab"))
        thumb = page.locator(SLIDER).nth(1)
        await _moves(page, thumb, "ArrowRight", MOVES // 2, tally)
        current = await _save(page, tally, set_name, who, f"{who} save 1", 1)
        await _moves(page, thumb, "ArrowLeft", MOVES - MOVES // 2, tally)
        await _save(page, tally, current, who, f"{who} save 2", 2)
        async with page.expect_download(timeout=ACTION_TIMEOUT_MS) as download:
            await page.locator(".st-key-download_monthly button").click()
        path = await (await download.value).path()
        if path and Path(path).stat().st_size > 0:
            tally.exports += 1
        else:
            tally.errors.append(f"{who}: the CSV download is empty")
        exceptions = await page.evaluate("window.__load.exceptions")
        tally.errors.extend(f"{who}: exception box: {text[:200]}" for text in exceptions)
        tally.finished += 1
    except Exception as error:  # one session's failure is a figure, not the run's end
        tally.errors.append(f"{who}: {type(error).__name__}: {str(error).splitlines()[0][:300]}")
    finally:
        await context.close()


async def _phase(browser: Any, url: str, sessions: int, sets: list[str], base_reps: int) -> Tally:
    tally = Tally()

    async def one(index: int) -> None:
        await asyncio.sleep(index * RAMP_S)  # staggered starts, not a synchronised burst
        member, which = divmod(index, len(sets))
        await _session(browser, url, index, sets[which], base_reps + 1 + member, tally)

    try:
        await asyncio.wait_for(
            asyncio.gather(*(one(i) for i in range(sessions))), timeout=PHASE_TIMEOUT_S
        )
    except TimeoutError:  # the sessions still running are cancelled (and closed)
        unfinished = sessions - tally.finished
        tally.errors.append(f"{unfinished} sessions unfinished after {PHASE_TIMEOUT_S:.0f} s")
    return tally


async def _warm(browser: Any, urls: list[str]) -> None:
    """One session on each server directly: imports and the first runs are done."""
    for url in urls:
        context = await browser.new_context(viewport=VIEWPORT, locale="ja-JP")
        labels = [t("metric.p_target", lang) for lang in ("ja", "en")]
        await context.add_init_script(
            f"{PROBE}({{labels: {labels!r}, charts: {list(CHARTS)!r}, quietMs: {QUIET_MS}}})"
        )
        page = await context.new_page()
        await page.goto(url)
        await page.wait_for_function(
            "window.__load && window.__load.ready()", polling=100, timeout=ACTION_TIMEOUT_MS
        )
        await context.close()


# ------------------------------------------------------------------------ the record


def _routes(log: Path, offset: int) -> tuple[dict[str, set[str]], int, int]:
    """From nginx's log after ``offset``: for each browser that opened a session (by its
    route cookie), the servers that answered any of its requests; the HTTP 5xx count;
    and the new offset."""
    routes: dict[str, set[str]] = defaultdict(set)
    sessions: set[str] = set()
    errors = 0
    with log.open("rb") as handle:
        handle.seek(offset)
        data = handle.read()
    for found in LOG_LINE.finditer(data.decode(errors="replace")):
        route, upstreams, status, uri = found.groups()
        # "a, b" when nginx tried a second server
        # Server addresses only: "centerpin_app" is nginx finding no server up (a 502).
        routes[route].update(u for u in ADDRESS.findall(upstreams))
        errors += status.startswith("5")
        if uri == STREAM:
            sessions.add(route)
    return {key: routes[key] for key in sessions}, errors, offset + len(data)


def _result_bytes() -> int:
    """Memory one cached simulation of the default plan holds (numpy reports its
    allocations to tracemalloc)."""
    from simulator import engine

    plan = sample(DEFAULT_PLAN)
    tracemalloc.start()
    try:
        kept = engine.simulate(plan)
        size = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del kept
    return size


def _result_cache() -> tuple[int | None, float | None]:
    """The simulation cache's bounds in ``ui/cache.py``: entries per server and TTL (s)."""
    import logging

    from streamlit.runtime.caching import cache_data_api, cache_resource_api

    # Outside a Streamlit server each cached function says it has no runtime: known here.
    for module in (cache_data_api, cache_resource_api):
        logging.getLogger(module.__name__).setLevel(logging.ERROR)
    from ui import cache

    options = getattr(cache.result, "_info", None)  # Streamlit's cached-function settings
    entries = getattr(options, "max_entries", None)
    ttl = getattr(options, "ttl", None)
    return entries, (ttl.total_seconds() if ttl is not None else None)


def _session_ttl() -> float:
    """How long Streamlit keeps a closed session's state for a reconnect."""
    from streamlit import config as st_config

    return float(st_config.get_option("server.disconnectedSessionTTL") or 0)


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def _servers() -> int:
    """How many app servers: :data:`SERVERS_ENV`, 2 by default."""
    text = os.environ.get(SERVERS_ENV, "").strip() or "2"
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 16):
        raise ValueError(f"{SERVERS_ENV} must be a whole number from 1 to 16, not {text!r}")
    return int(text)


async def _run(ctx: Context, base_url: str, servers: int) -> list[Row]:
    from playwright.async_api import async_playwright

    from simulator import kpi_sets as kpi_store

    session_ttl = _session_ttl()
    deadline = time.monotonic() + OVERALL_TIMEOUT_S
    plan = sample(DEFAULT_PLAN)
    rows: list[Row] = []
    info: dict[str, Any] = {
        "phases": {},
        "plan": DEFAULT_PLAN,
        "trials": plan.simulation.trials,
        "servers": servers,
        "moves_per_session": MOVES,
        "think_s": THINK_S,
        "ramp_s": RAMP_S,
        "charts_drawn": DRAW_CHARTS,
        "load_average_before": os.getloadavg(),
        "disconnected_session_ttl_s": session_ttl,
        "cached_result_mb": _result_bytes() / MB,
    }
    ctx.info["load"] = info
    entries, result_ttl = _result_cache()
    info["result_cache"] = {"max_entries": entries, "ttl_s": result_ttl}
    rows += [
        row("one cached simulation (default plan, kept trials)", info["cached_result_mb"], "MB"),
        row(
            "simulation cache bound per server (entries × size)",
            (entries or float("nan")) * info["cached_result_mb"],
            "MB",
        ),
    ]
    with (
        scratch_postgres_url(base_url, prefix="load") as db_url,
        deploy.running(db_url, servers=servers, port=0, app_port=0) as running,
    ):
        store = kpi_store.Store(db_url)
        names = {f"server {i + 1}": s for i, s in enumerate(running.servers)}
        by_address = {f"{deploy.HOST}:{s.port}": name for name, s in names.items()}
        watch = Watch({name: s.pid for name, s in names.items()}, running.nginx.pid)
        watch.start()
        info["rss_at_start_mb"] = {k: v / MB for k, v in watch.rss().items()}
        offset = 0
        try:
            async with async_playwright() as playwright:
                browser = await server.launch_chromium(playwright)
                try:
                    await _warm(browser, [s.url for s in running.servers])
                    info["rss_warm_mb"] = {k: v / MB for k, v in watch.rss().items()}
                    offset = running.access_log.stat().st_size
                    for sessions in PHASES:
                        if time.monotonic() > deadline:
                            raise TimeoutError("the load test ran out of its overall time")
                        sets = [
                            f"負荷テスト {sessions}-{k}"
                            for k in range(-(-sessions // SESSIONS_PER_SET))
                        ]
                        for set_name in sets:
                            store.create(
                                set_name,
                                plan.model_copy(update={"name": set_name}),
                                author="load",
                                comment="start",
                            )
                        start_rss = watch.rss()
                        mark = watch.mark()
                        tally = await _phase(browser, running.url, sessions, sets, plan.team.reps)
                        during = watch.since(mark)
                        peak = dict(watch.peak)
                        closed_at = time.monotonic()
                        await asyncio.sleep(5)  # the sockets close, the servers notice
                        just_after = watch.rss()
                        # Streamlit keeps a closed session for a reconnect; then the
                        # server releases what they left (ui/housekeeping.py).
                        wait = min(
                            housekeeping.longest_seconds() + 40,
                            max(deadline - time.monotonic(), 0),
                        )
                        await asyncio.sleep(max(closed_at + wait - time.monotonic(), 0))
                        after = watch.rss()
                        routes, http_errors, offset = _routes(running.access_log, offset)
                        rows += _phase_rows(
                            sessions,
                            tally,
                            store,
                            routes,
                            http_errors,
                            by_address,
                            start_rss,
                            peak,
                            just_after,
                            after,
                            during,
                            info,
                        )
                finally:
                    await browser.close()
        finally:
            watch.stop()
            store.close()
    return rows


def _phase_rows(
    sessions: int,
    tally: Tally,
    store: Any,
    routes: dict[str, set[str]],
    http_errors: int,
    by_address: dict[str, str],
    start: dict[str, int],
    peak: dict[str, int],
    just_after: dict[str, int],
    after: dict[str, int],
    during: dict[str, Any],
    info: dict[str, Any],
) -> list[Row]:
    load = during.get("other_cpu_share")
    lost = []
    for name, number, who, why in tally.saves:
        try:
            found = store.revision(name, number)
            if (found.author, found.comment) != (who, why):
                lost.append(f"{name} r{number}: {found.author}/{found.comment}")
        except Exception as error:  # a revision that cannot be read is a lost save
            lost.append(f"{name} r{number}: {error}")
    # Sessions: keys whose requests include a websocket; per server, and those on several.
    servers_of = {
        key: {by_address.get(a, a) for a in addresses if a} for key, addresses in routes.items()
    }
    per_server: dict[str, int] = {name: 0 for name in by_address.values()}
    for where in servers_of.values():
        for name in where:
            per_server[name] = per_server.get(name, 0) + 1
    split = [key for key, where in servers_of.items() if len(where) > 1]
    errors = len(tally.errors) + http_errors
    label = f"{sessions} sessions"
    rows = [
        row(f"{label}: page load → P(target), p50", _percentile(tally.loads_s, 50), "s", load=load),
        row(f"{label}: page load → P(target), p95", _percentile(tally.loads_s, 95), "s", load=load),
        *(
            row(
                f"{label}: slider → P(target), p{q}",
                _percentile(tally.changed_ms, q),
                "ms",
                at_most=LATENCY_GOAL_MS,
                load=load,
            )
            for q in (50, 95)
        ),
        row(
            f"{label}: slider → P(target), max",
            max(tally.changed_ms) if tally.changed_ms else float("nan"),
            "ms",
            load=load,
        ),
        row(f"{label}: slider moves measured", len(tally.changed_ms), "moves"),
        row(f"{label}: slider moves, P(target) unchanged", tally.unchanged, "moves"),
        row(f"{label}: sessions finished", tally.finished, "sessions", at_least=sessions),
        row(f"{label}: errors", errors, "errors", at_most=0),
        row(f"{label}: saves acknowledged", len(tally.saves), "saves"),
        row(f"{label}: save conflicts (saved as copies)", tally.conflicts, "conflicts"),
        row(f"{label}: acknowledged saves lost", len(lost), "saves", at_most=0),
        row(f"{label}: CSV exports", tally.exports, "files", at_least=sessions),
        row(f"{label}: browsers that reached two servers", len(split), "sessions", at_most=0),
    ]
    for name in sorted(start):
        on_server = per_server.get(name, 0)
        grew = peak[name] - start[name]
        rows += [
            row(f"{label}: {name}, browser sessions", on_server, "sessions"),
            row(f"{label}: {name}, RSS at start", start[name] / MB, "MB"),
            row(
                f"{label}: {name}, RSS peak", peak[name] / MB, "MB", at_most=RSS_GOAL_MB, load=load
            ),
            row(
                f"{label}: {name}, peak growth per session",
                grew / on_server / MB if on_server else float("nan"),
                "MB",
            ),
            row(f"{label}: {name}, RSS 5 s after close", just_after[name] / MB, "MB"),
            row(f"{label}: {name}, RSS once idle (memory released)", after[name] / MB, "MB"),
            row(
                f"{label}: {name}, released per closed session",
                (just_after[name] - after[name]) / on_server / MB if on_server else float("nan"),
                "MB",
            ),
            row(
                f"{label}: {name}, after close vs start",
                100 * (after[name] / start[name] - 1),
                "%",
                at_most=100 * AFTER_CLOSE_GOAL,
            ),
        ]
    cpu = during.get("cpu_s", {})
    server_cpu = sum(v for k, v in cpu.items() if k.startswith("server"))
    moves = len(tally.changed_ms) + tally.unchanged
    # Sizing: what a move costs the servers, the session's load, saves and export included.
    per_move = server_cpu / moves if moves else float("nan")
    rows += [
        row(f"{label}: wall time", during["wall_s"], "s"),
        row(f"{label}: CPU, app servers", server_cpu, "s"),
        row(f"{label}: app servers' CPU per slider move (all actions)", 1000 * per_move, "ms"),
        row(f"{label}: slider moves one core can serve", 1 / per_move, "moves/s"),
        row(f"{label}: CPU, browser", cpu.get("browser", 0.0), "s"),
        row(f"{label}: CPU, nginx", cpu.get("nginx", 0.0), "s"),
        row(
            f"{label}: machine busy (all processes)", 100 * during.get("machine_busy_share", 0), "%"
        ),
        row(
            f"{label}: other processes' CPU (PostgreSQL included)",
            100 * during.get("other_cpu_share", 0),
            "%",
        ),
    ]
    info["phases"][str(sessions)] = {
        "errors": tally.errors[:50],
        "http_5xx": http_errors,
        "lost": lost,
        "saves": tally.saves,
        "split_sessions": split,
        "sessions_per_server": per_server,
        "changed_ms": tally.changed_ms,
        "loads_s": tally.loads_s,
        "rss_mb": {
            name: {
                "start": start[name] / MB,
                "peak": peak[name] / MB,
                "just_after_close": just_after[name] / MB,
                "once_idle": after[name] / MB,
            }
            for name in start
        },
        "cpu": during,
        "median_changed_ms": statistics.median(tally.changed_ms) if tally.changed_ms else None,
    }
    return rows


@register("load")
def load_test(ctx: Context) -> list[Row]:
    """10, then 25 browser sessions on two app servers behind nginx on PostgreSQL.

    :data:`SERVERS_ENV` sets another number of servers."""
    base_url = os.environ.get(POSTGRES_URL_ENV, "").strip()
    if not base_url:
        raise RuntimeError(
            f"the load test needs PostgreSQL: set {POSTGRES_URL_ENV}, e.g. "
            "postgresql+psycopg://centerpin:centerpin@127.0.0.1:5432/centerpin_test"
        )
    if not server.CHROMIUM.exists():
        raise FileNotFoundError(server.CHROMIUM_MISSING)
    deploy.nginx_path()  # fails early, with how to install it
    servers = _servers()  # and on a bad server count
    return asyncio.run(asyncio.wait_for(_run(ctx, base_url, servers), timeout=OVERALL_TIMEOUT_S))
