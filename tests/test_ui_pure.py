"""The UI's pure parts: catalogs, formatting, scenario state, summaries, figures, exports."""

from __future__ import annotations

import re
import string
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from simulator import engine, levers
from simulator.plan import KpiSet, parse_plan
from tests.conftest import ROOT, make_plan
from ui import charts, format, scenario, summaries, tables
from ui.i18n import catalog

# ------------------------------------------------------------------ catalogs


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    ja, en = catalog("ja"), catalog("en")
    assert set(ja) == set(en), set(ja) ^ set(en)
    for key in ja:
        assert _placeholders(ja[key]) == _placeholders(en[key]), key


def test_every_message_key_used_in_code_exists() -> None:
    used = set()
    for path in [ROOT / "app.py", *(ROOT / "app_pages").glob("*.py"), *(ROOT / "ui").glob("*.py")]:
        used |= set(re.findall(r"""\bt\(\s*f?["']([a-z_.]+)["']""", path.read_text("utf-8")))
    dynamic = {k for k in used if k.endswith(".")}
    missing = {k for k in used - dynamic if k not in catalog("ja")}
    assert not missing, missing


def test_every_plan_error_code_has_a_message() -> None:
    source = (ROOT / "simulator" / "plan.py").read_text("utf-8") + (
        ROOT / "simulator" / "uncertain.py"
    ).read_text("utf-8")
    codes = set(re.findall(r'_fail\(\s*"([a-z_]+)"', source))
    codes |= set(re.findall(r'Unfittable\(\s*"([a-z_]+)"', source))
    codes |= set(re.findall(r'add\(\s*[^,]+,\s*"([a-z_]+)"', source))
    for code in codes:
        assert f"errors.{code}" in catalog("ja"), code


# ------------------------------------------------------------------ formatting


@pytest.mark.parametrize(
    ("value", "currency", "lang", "text"),
    [
        (250_000_000, "JPY", "ja", "2.50億円"),
        (48_140_000, "JPY", "ja", "4,814万円"),
        (9_000, "JPY", "ja", "9,000円"),
        (-48_140_000, "JPY", "ja", "-4,814万円"),
        (250_000_000, "JPY", "en", "¥250.00M"),
        (7_200_000, "USD", "ja", "$7.20M"),
        (1_500, "USD", "en", "$1.50k"),
        (12, "CHF", "en", "CHF 12"),
    ],
)
def test_money(value: float, currency: str, lang: str, text: str) -> None:
    assert format.money(value, currency, lang) == text


def test_signed_money_and_points() -> None:
    assert format.signed_money(10_000_000, "JPY", "ja") == "+1,000万円"
    assert format.signed_money(-10_000_000, "JPY", "ja") == "-1,000万円"
    assert format.points(0.0123) == "+1.2 pt"


def test_month_labels() -> None:
    assert format.month("2027-04", "ja") == "2027年4月"
    assert format.month("2027-04", "en") == "Apr 2027"


def test_plain_escapes_markdown() -> None:
    assert format.plain("[x](http://e)") == r"\[x\]\(http\:\/\/e\)".replace("\\/", "/")
    assert "<" not in format.plain("<script>").replace("\\<", "")


# ------------------------------------------------------------------ scenario state


def _samples() -> list[KpiSet]:
    from simulator.plan import load_plan

    return [load_plan(p) for p in sorted((ROOT / "sample_data").glob("*.json"))]


@pytest.mark.parametrize("plan", _samples(), ids=lambda p: p.name)
def test_default_widgets_reproduce_the_plan(plan: KpiSet) -> None:
    assert scenario.scenario_plan(plan, scenario.defaults(plan)) == plan


@pytest.mark.parametrize("plan", _samples(), ids=lambda p: p.name)
def test_url_round_trips_a_scenario(plan: KpiSet) -> None:
    base = scenario.defaults(plan)
    changed = dict(base)
    changed["lever:win_rate"] = (12.5, 31.0)
    changed["confidence"] = 70
    changed["hires"] = [{"month": plan.start_month, "change": 3}]
    query = scenario.to_query(changed, base)
    assert set(query) == {"lever:win_rate", "confidence", "hires"}
    restored = base | scenario.from_query(query, base, plan).values
    assert scenario.scenario_plan(plan, restored) == scenario.scenario_plan(plan, changed)


def test_url_values_that_cannot_be_read_are_ignored() -> None:
    plan = make_plan()
    base = scenario.defaults(plan)
    reading = scenario.from_query({"lever:win_rate": "abc", "seed": "x", "nope": "1"}, base, plan)
    assert reading.values == {}
    assert reading.dropped == ["lever:win_rate", "seed"]  # "nope" is not the scenario's


def test_sliders_hold_the_plan_values() -> None:
    for plan in _samples():
        for lever in levers.levers(plan):
            if lever.kind == "reps":
                continue
            value = levers.get(plan, lever.path)
            s = scenario.scale(lever, value)
            low, high = scenario.display_range(lever, value, s)
            assert s.low <= low <= high <= s.high, lever.path


# ------------------------------------------------------------------ summaries and charts


@pytest.fixture(scope="module")
def result():
    plan = make_plan(
        months=12, sales_cycle_months={"low": 1, "high": 3}, win_rate={"low": 0.2, "high": 0.3}
    )
    return engine.simulate(plan, trials=20_000, seed=3)


def test_headline_view_is_small_and_consistent(result) -> None:
    view = summaries.headline(result)
    numbers = summaries.numbers(result)
    assert view.bin_counts.sum() == result.trials
    assert len(view.bin_counts) == summaries.HISTOGRAM_BINS
    assert numbers.p10 <= numbers.p50 <= numbers.p90
    assert np.all(np.diff(view.cumulative, axis=0) >= 0)  # P10 <= P50 <= P90 every month
    assert np.all(np.diff(view.cumulative, axis=1) >= 0)  # revenue to date never falls
    assert numbers.p_target == pytest.approx(result.p_target()[0])
    np.testing.assert_allclose(
        view.cumulative[:, -1], np.quantile(result.total_revenue, (0.1, 0.5, 0.9)), rtol=1e-9
    )


def test_breakdown_matches_the_closed_form(result) -> None:
    detail = summaries.breakdown(result)
    math = detail.math.set_index("metric")
    gaps = (math["simulated"] - math["closed_form"]).abs() / math["std_error"]
    assert (gaps <= 4).all(), gaps
    assert list(detail.monthly.index) == result.months


def test_histogram_figure(result) -> None:
    view = summaries.headline(result)
    labels = tables_labels("histogram")
    figure = charts.revenue_histogram(view, labels, lambda v: f"{v:,.0f}")
    assert figure.layout.title.text == labels["title"]
    assert figure.layout.xaxis.title.text == labels["x"]
    assert sum(len(trace.x) for trace in figure.data) == summaries.HISTOGRAM_BINS
    target_lines = [s for s in figure.layout.shapes if s.x0 == view.target == s.x1]
    assert len(target_lines) == 1


def test_fan_figure(result) -> None:
    view = summaries.headline(result)
    labels = tables_labels("fan")
    months = [f"m{i}" for i in range(len(view.months))]
    figure = charts.cumulative_fan(view, months, labels)
    assert [trace.name for trace in figure.data][1:] == [
        labels["band"],
        labels["median"],
        labels["target_path"],
    ]
    assert all(len(trace.x) == len(months) for trace in figure.data)
    assert figure.data[-1].y[-1] == pytest.approx(view.target)


def test_funnel_figure(result) -> None:
    detail = summaries.breakdown(result)
    labels = {"title": "F", "x": "count", "median": "P50"}
    names = [f"{s.channel}.{s.stage}" for s in detail.stages]
    figure = charts.funnel(detail.stages, names, labels)
    (bar,) = figure.data
    assert list(bar.y) == names
    assert figure.layout.xaxis.type == "log"
    assert np.all(np.asarray(bar.error_x.arrayminus) >= 0)


def test_unvalidated_figures_are_valid_plotly_and_carry_the_template(result) -> None:
    """The what-if page's charts are built without plotly's validation (for speed): in
    full validation here, every property must still be one plotly knows."""
    view = summaries.headline(result)
    detail = summaries.breakdown(result)
    money = lambda v: f"{v:,.0f}"  # noqa: E731
    months = [f"m{i}" for i in range(len(view.months))]
    figures = [
        charts.revenue_histogram(view, tables_labels("histogram"), money),
        charts.cumulative_fan(view, months, tables_labels("fan"), money),
        charts.cumulative_fan(view, months, tables_labels("fan")),
        charts.funnel(detail.stages, [s.stage for s in detail.stages], tables_labels("fan")),
    ]
    for figure in figures:
        checked = go.Figure(figure.to_dict())  # raises on any unknown property or value
        assert checked.layout.template.layout.plot_bgcolor == "white"  # plotly_white
        assert checked.layout.xaxis.exponentformat == "none"
    # And the check can fail: a property plotly does not know.
    wrong = charts._figure([{"type": "bar", "x": [1], "colour": "red"}], {})
    with pytest.raises(ValueError, match="colour"):
        go.Figure(wrong.to_dict())


def tables_labels(kind: str) -> dict[str, str]:
    keys = {
        "histogram": ["title", "x", "y", "below", "above", "target_line"],
        "fan": ["title", "x", "y", "band", "median", "target_path"],
    }[kind]
    return {k: f"{kind}-{k}" for k in keys}


# ------------------------------------------------------------------ exports


def test_csv_export_neutralises_formulas() -> None:
    frame = pd.DataFrame(
        {'=HYPERLINK("x")': ["+1", "@SUM(A1)", "-2", "ok", "\tx", "=1+1"], "n": range(6)},
        index=["=a", "b", "c", "d", "e", "f"],
    )
    text = tables.csv_bytes(frame).decode("utf-8-sig")
    for line in text.splitlines():
        for cell in line.split(","):
            assert not cell.strip('"').startswith(("=", "+", "-", "@", "\t")), cell
    assert tables.csv_bytes(frame).startswith(b"\xef\xbb\xbf")


def test_monthly_kpis_are_labelled(result) -> None:
    from ui.i18n import catalog as _catalog  # noqa: F401  (catalog is loaded from disk)

    detail = summaries.breakdown(result)
    frame = tables.monthly_kpis(detail.monthly, "ja")
    assert frame.index[0] == "2027年4月"
    assert len(frame.columns) == 2 * len(detail.monthly.columns) // 2
    assert Path(tables.__file__).exists()


def test_monthly_targets_figure() -> None:
    months = ["a", "b", "c"]
    labels = {"title": "T", "x": "month", "opportunities": "opps", "solved": "s", "revenue": "r"}
    figure = charts.monthly_targets(
        months, np.array([1.0, 2, 0]), np.array([5.0, 5, 5]), np.array([2.0, 3, 1]), labels
    )
    assert [trace.name for trace in figure.data] == ["opps", "s", "r"]
    assert figure.data[2].yaxis == "y2"
    assert figure.layout.title.text == "T"
    plain = charts.monthly_targets(months, np.zeros(3), np.ones(3), None, labels)
    assert [trace.name for trace in plain.data] == ["opps", "r"]


def test_money_range_shares_the_unit() -> None:
    assert format.money_range(1.62e8, 3.57e8, "JPY", "ja") == "1.6〜3.6億円"
    assert format.money_range(4.8e7, 1.2e8, "JPY", "ja") == "4,800万〜1.2億円"
    assert format.money_range(4.1e6, 1.02e7, "USD", "en") == "$4.1〜10.2M"
    assert format.money_range(1.619e8, 3.568e8, "JPY", "en") == "¥162〜357M"


def test_short_month_ticks() -> None:
    assert format.month_short("2027-04", "ja", first=True) == "2027年4月"
    assert format.month_short("2027-05", "ja") == "5月"
    assert format.month_short("2028-01", "ja") == "2028年1月"
    assert format.month_short("2027-05", "en") == "May"


def test_money_ticks_are_round_and_labelled() -> None:
    ticks = charts.money_ticks(3.3e8, lambda v: format.money(v, "JPY", "ja"))
    assert list(ticks["tickvals"]) == [0.0, 1e8, 2e8, 3e8]
    assert ticks["ticktext"][1] == "1億円"
    assert charts.money_ticks(0.0, str) == {}


def test_center_pin_figures() -> None:
    names = ["a", "b", "c"]
    t = charts.tornado(
        names,
        [0.1, 0.05, 0.01],
        [-0.1, -0.04, 0.0],
        {"title": "T", "x": "x", "up": "u", "down": "d"},
    )
    assert [trace.name for trace in t.data] == ["d", "u"]
    assert list(t.data[1].x) == [0.1, 0.05, 0.01]
    r = charts.required_values(names, [2.0, None, 0.5], {"title": "R", "x": "x"})
    (bar,) = r.data
    assert list(bar.y) == ["a", "c"] and list(bar.text) == ["×2.00", "×0.50"]
    assert r.layout.xaxis.type == "log"
    v = charts.variance_shares(names, [0.5, 0.3, 0.1], 0.1, {"title": "V", "x": "x", "noise": "n"})
    assert list(v.data[0].y) == ["a", "b", "c", "n"]


def test_plan_inputs_read_as_numbers_not_exponents() -> None:
    from ui.format import input_value

    assert input_value(250_000_000.0) == "250,000,000"
    assert input_value(1_234_567.5) == "1,234,567.50"
    assert input_value(0.06) == "0.06"
    assert input_value(1e-7) == "0.0000001"  # tiny values keep their digits, not an exponent
    assert input_value(None) == "—" and input_value(35) == "35"


# ------------------------------------------------------------------ errors


def test_one_translator_for_every_coded_error() -> None:
    from simulator import kpi_sets as kpi_store
    from simulator.errors import Problem
    from simulator.plan import PlanError
    from simulator.reverse import Unsolvable
    from simulator.uncertain import Unfittable
    from ui import errors

    plan = PlanError.single("win_rate", "rate_bounds", "must be between 0 and 1")
    assert errors.describe(plan, "ja") == ["win_rate: 0〜1の範囲で入力してください"]
    assert errors.describe(plan, "en") == ["win_rate: must be between 0 and 1"]
    # Import problems: file › path, a file's own codes first, then its plan's.
    batch = kpi_store.ImportProblem(
        [
            Problem("", "name_repeated", "twice", {"name": "A", "other_file": "b.json"}, "a.json"),
            Problem("deal_size", "missing", "is required", {}, "c.json"),
            Problem("", "brand_new_code", "an English sentence", {}, "d.json"),
        ]
    )
    assert errors.describe(batch, "en") == [
        'a.json: "b.json" also has a plan named "A".',
        "c.json › deal_size: is required",
        "d.json: an English sentence",  # an untranslated code keeps the core's sentence
    ]
    # The store's name_repeated has its own wording.
    store = kpi_store.StoreError("name_repeated", "twice", name="A")
    assert errors.describe(store, "ja") == ["「A」が取り込むファイルの中で重複しています。"]
    assert errors.markdown(kpi_store.NameTaken("*x*"), "en").startswith('A KPI set named "\\*x\\*"')
    assert errors.markdown(batch, "en", bulleted=True).count("\n- ") == 2
    unfit = Unfittable("rate_range_unfittable", "no Beta fits")
    assert errors.describe(unfit, "en") == [
        "no Beta distribution has these 10th and 90th percentiles; adjust low or high"
    ]
    solve = Unsolvable("rate_above_one", "over 100%", lever="win_rate")
    assert errors.describe(solve, "en", lever="Win rate")[0].startswith("Win rate alone")
    assert (
        errors.unsolvable("rate_above_one", "Win rate", "en")
        == errors.describe(solve, "en", lever="Win rate")[0]
    )
    assert errors.unsolvable("reps_cap", "Reps", "en", short=True) == "not reachable (rep cap)"


def test_a_plans_problems_name_their_fields_by_the_glossary() -> None:
    from simulator.plan import PlanError, load_plan
    from ui import errors

    plan = load_plan(ROOT / "sample_data" / "jp_smb_saas.json")
    data = plan.model_dump(mode="json")
    data["channels"][0]["stages"][1]["rate"] = {"low": 0.3, "high": 0.1}
    data["win_rate"] = {"low": 0.0, "high": 0.3}
    data["seasonality"][2] = -1
    with pytest.raises(PlanError) as raised:
        parse_plan(data)
    assert errors.describe(raised.value, "ja", plan) == [
        "商談化率（接触→商談）: 下限が上限を超えています",
        "受注率: 率の幅は 0 < 下限 < 上限 < 1 にしてください（下限・上限は10%点・90%点）",
        "季節係数: 0以上の値を入力してください",
    ]
    english = errors.describe(raised.value, "en", plan)
    assert english[0] == "Opportunity rate (connect → opportunity): low must not exceed high"
    # Without the plan (a file's problems) the path points into the file, as before.
    assert errors.describe(raised.value, "en")[0].startswith("channels[0].stages[1].rate: ")
    assert errors.field_label("team.hires[0].change", plan, "ja") == "採用・退職"


# ------------------------------------------------------------------ caches


def test_every_cache_lives_in_ui_cache_and_is_bounded() -> None:
    sources = [ROOT / "app.py", *(ROOT / "app_pages").glob("*.py"), *(ROOT / "ui").glob("*.py")]
    elsewhere = [p.name for p in sources if p.name != "cache.py" and "st.cache_" in p.read_text()]
    assert not elsewhere, elsewhere
    decorators = re.findall(r"@st\.cache_\w+\(([^)]*)\)", (ROOT / "ui" / "cache.py").read_text())
    assert decorators and all("max_entries=" in args for args in decorators), decorators
