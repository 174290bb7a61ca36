"""Plans side by side: flattened inputs, diffs, and the compare chart and file names."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import compare, engine
from tests.conftest import make_plan, plan_dict
from ui import charts, library_page, summaries


def test_flatten_names_inputs_by_lever_paths() -> None:
    plan = make_plan(win_rate={"low": 0.2, "high": 0.3}, team=plan_dict()["team"] | {"hires": []})
    flat = compare.flatten(plan)
    assert flat["win_rate.low"] == 0.2 and flat["win_rate.high"] == 0.3
    assert flat["channels.calls.stages.connect.rate"] == 0.1
    assert flat["channels.calls.volume_from"] == "team"
    assert flat["team.hires"] == "—"
    assert "name" not in flat and "schema_version" not in flat
    assert compare.flatten(plan, identity=True)["name"] == "test plan"


def test_diff_lists_changed_added_and_dropped_inputs() -> None:
    team = plan_dict()["team"]
    before = make_plan()
    after = make_plan(
        win_rate=0.3,
        team=team | {"reps": 6, "hires": [{"month": "2027-06", "change": 2}]},
        deal_size={"low": 400_000, "high": 700_000},
    )
    changes = {c.path: (c.before, c.after) for c in compare.diff(before, after)}
    assert changes == {
        "team.reps": (4, 6),
        "team.hires": ("—", "2027-06 +2"),
        "win_rate": (0.25, 0.3),
        "deal_size.low": (None, 400_000.0),
        "deal_size.high": (None, 700_000.0),
        "deal_size": (500_000.0, None),
    }
    assert compare.diff(before, before.model_copy(update={"name": "renamed"})) == []


@settings(max_examples=40, deadline=None)
@given(
    reps=st.integers(min_value=0, max_value=50),
    win=st.floats(min_value=0.01, max_value=0.99),
    months=st.integers(min_value=1, max_value=24),
)
def test_a_diff_is_empty_exactly_when_inputs_match(reps: int, win: float, months: int) -> None:
    base = make_plan()
    other = make_plan(team=plan_dict()["team"] | {"reps": reps}, win_rate=win, months=months)
    changes = compare.diff(base, other)
    same = reps == base.team.reps and win == base.win_rate and months == base.months
    assert (changes == []) == same
    assert {c.path for c in compare.diff(other, base)} == {c.path for c in changes}


def test_side_by_side_marks_the_rows_that_differ() -> None:
    a, b = make_plan(), make_plan(open_opportunities=5)
    paths, values, differs = compare.side_by_side([a, b, a])
    row = paths.index("open_opportunities")
    assert values[row] == [0, 5, 0] and differs[row]
    assert sum(differs) == 1


def test_revenue_cdfs_cross_each_target_at_p_target() -> None:
    plans = [make_plan(simulation={"trials": 4000, "seed": 1}), make_plan(win_rate=0.35)]
    results = [engine.simulate(plan) for plan in plans]
    curves = [(f"plan {i}", summaries.cdf(r)) for i, r in enumerate(results)]
    figure = charts.revenue_cdfs(
        curves, {"title": "t", "x": "x", "y": "y", "target_line": "T"}, str
    )
    assert [trace.name for trace in figure.data] == ["plan 0", "plan 1"]
    for trace, result in zip(figure.data, results, strict=True):
        # P(revenue >= target) read off the curve is the simulated P(target), within a step.
        x, y = np.asarray(trace.x), np.asarray(trace.y)
        at_target = float(np.interp(result.target, x, y))
        assert abs(at_target - result.p_target()[0]) <= 1 / 200 + 1e-9
        assert np.all(np.diff(x) >= 0) and np.all(np.diff(y) <= 0)
    assert len(figure.layout.shapes) == 1  # one shared target line


def test_download_names_keep_text_but_no_path_or_control_characters() -> None:
    assert library_page.file_stem("FY27 計画", 3) == "FY27 計画_r3"
    assert library_page.file_stem('../x/<a>:"b"|?*\x07', 1) == "x_a_b_r1"
    assert library_page.file_stem("...", 2) == "kpi_set_r2"


def test_compare_chart_shows_plan_names_as_text_not_markup() -> None:
    result = engine.simulate(make_plan(simulation={"trials": 2000, "seed": 1}))
    name = '<a href="javascript:alert(1)">A</a> & <b>B</b>'
    figure = charts.revenue_cdfs(
        [(name, summaries.cdf(result))], {"title": "", "x": "", "y": "", "target_line": ""}, str
    )
    assert "<" not in figure.data[0].name
    assert (
        figure.data[0].name
        == "&lt;a href=&quot;javascript:alert(1)&quot;&gt;A&lt;/a&gt; &amp; &lt;b&gt;B&lt;/b&gt;"
    )
