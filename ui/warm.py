"""Once per server process: what every page needs imported, then frozen out of the
garbage collector's way, and the sample plans' first runs started in the background.

Streamlit collects all garbage after every run (``runner.postScriptGC``). With pandas,
plotly and scipy imported that walk takes 130–180 ms on each slider move, holding the
interpreter; after :func:`gc.freeze` the long-lived objects of the imports are left out
and the same collection takes a few milliseconds, while everything a session makes is
still collected as before (only what exists at the freeze is exempt: the imports).

A visitor opening a sample plan then finds its run in the cache instead of waiting for it.
When every visitor has gone, :mod:`ui.housekeeping` empties the caches and warms them again.
"""

from __future__ import annotations

import gc
import logging
import threading

_started = False
_lock = threading.Lock()
log = logging.getLogger(__name__)


def start() -> None:
    """Import, freeze and start warming the caches, the first time a script runs."""
    global _started
    with _lock:
        if _started:
            return
        _started = True
    # What the pages import when they first run: imported now, before the freeze.
    import plotly.graph_objects  # noqa: F401

    from ui import charts, summaries, tables, targets  # noqa: F401

    gc.collect()
    gc.freeze()

    from streamlit import runtime

    if runtime.exists():  # a real server (not a test harness): warm its caches
        from streamlit.runtime.scriptrunner import add_script_run_ctx

        from ui import housekeeping

        housekeeping.start(_warm_samples)  # first: it tunes the allocator
        thread = threading.Thread(target=_warm_samples, name="centerpin-warm", daemon=True)
        add_script_run_ctx(thread)
        thread.start()


def _warm_samples() -> None:
    """The what-if page's first answers for each sample plan, as it asks for them."""
    from ui import cache, scenario
    from ui.plans import sample, sample_ids

    for plan_id in sample_ids():
        try:
            baseline = sample(plan_id)
            plan_json = scenario.scenario_plan(baseline, scenario.defaults(baseline)).to_json()
            cache.numbers(plan_json)
            cache.headline(plan_json)
            cache.breakdown(plan_json)
        except Exception:  # a warm-up that fails costs the visitor the wait, nothing else
            log.exception("warming the cache for %s failed", plan_id)
