"""The KPI set format: every validation error of ``parse_plan``, the schema, round trips."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from simulator import levers
from simulator.plan import (
    MAX_JSON_DEPTH,
    MAX_TRIALS,
    Issue,
    KpiSet,
    PlanError,
    hidden_character,
    json_schema,
    load_plan,
    parse_plan,
)
from tests.conftest import ROOT, SAMPLES, plan_dict

DELETE = object()  # sentinel for `edited`: remove the key instead of setting it


def edited(changes: dict[str, Any]) -> dict[str, Any]:
    """``plan_dict()`` with values set (or deleted) at dotted paths such as ``team.hires``.

    Integer parts index lists: ``channels.0.stages.1.rate``.
    """
    data = plan_dict()
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        key: Any = int(last) if last.isdigit() else last
        if value is DELETE:
            del node[key]
        else:
            node[key] = value
    return data


def issues_of(data: Any) -> list[Issue]:
    with pytest.raises(PlanError) as caught:
        parse_plan(data)
    return caught.value.issues


def assert_only_issue(data: Any, path: str, code: str, phrase: str) -> Issue:
    issues = issues_of(data)
    assert [(i.path, i.code) for i in issues] == [(path, code)], issues
    assert phrase in issues[0].message
    return issues[0]


RATE = "channels.0.stages.1.rate"  # the team channel's second stage: an UncertainRate
RATE_PATH = "channels[0].stages[1].rate"
TEAM_CHANNEL = plan_dict()["channels"][0]
INBOUND = {"key": "inbound", "volume_per_month": 30, "stages": [{"key": "opp", "rate": 0.3}]}
SHAPE_MSG = "must be a rate: a number, {low, high} or {successes, trials}"


def hires(*changes: tuple[str, int], reps: int = 4) -> dict[str, Any]:
    return {"team.reps": reps, "team.hires": [{"month": m, "change": c} for m, c in changes]}


# (id, changes for `edited`, the single expected (path, code, phrase of the message))
SINGLE_ISSUE_CASES: list[tuple[str, dict[str, Any], tuple[str, str, str]]] = [
    # ---- rates: bounds, order, shapes
    (
        "rate_high_above_1",
        {RATE: {"low": 0.1, "high": 1.5}},
        (f"{RATE_PATH}.high", "rate_bounds", "between 0 and 1"),
    ),
    (
        "rate_low_negative",
        {RATE: {"low": -0.1, "high": 0.5}},
        (f"{RATE_PATH}.low", "rate_bounds", "between 0 and 1"),
    ),
    ("rate_number_above_1", {RATE: 1.5}, (RATE_PATH, "rate_bounds", "between 0 and 1")),
    ("rate_number_negative", {RATE: -0.01}, (RATE_PATH, "rate_bounds", "between 0 and 1")),
    ("win_rate_above_1", {"win_rate": 1.01}, ("win_rate", "rate_bounds", "between 0 and 1")),
    (
        "rate_low_above_high",
        {RATE: {"low": 0.3, "high": 0.2}},
        (RATE_PATH, "range_order", "low must not exceed high"),
    ),
    (
        "positive_low_above_high",
        {"deal_size": {"low": 900, "high": 100}},
        ("deal_size", "range_order", "low must not exceed high"),
    ),
    (
        "rate_range_touching_0",
        {RATE: {"low": 0.0, "high": 0.2}},
        (RATE_PATH, "rate_range_bounds", "0 < low < high < 1"),
    ),
    (
        "rate_range_touching_1",
        {"win_rate": {"low": 0.5, "high": 1.0}},
        ("win_rate", "rate_range_bounds", "0 < low < high < 1"),
    ),
    (
        "rate_range_unfittable",
        {"win_rate": {"low": 1e-300, "high": 0.5}},
        ("win_rate", "rate_range_unfittable", "no Beta distribution"),
    ),
    (
        "positive_range_low_0",
        {"deal_size": {"low": 0, "high": 100}},
        ("deal_size", "positive_range_bounds", "0 < low < high"),
    ),
    (
        "positive_range_low_0_calls",
        {"team.calls_per_rep_per_day": {"low": 0, "high": 40}},
        ("team.calls_per_rep_per_day", "positive_range_bounds", "0 < low < high"),
    ),
    (
        "counts_successes_above_trials",
        {"win_rate": {"successes": 5, "trials": 3}},
        ("win_rate", "counts_order", "successes must not exceed trials"),
    ),
    (
        "counts_negative_successes",
        {"win_rate": {"successes": -1, "trials": 3}},
        ("win_rate.successes", "greater_than_equal", "at least 0"),
    ),
    (
        "counts_zero_trials",
        {"win_rate": {"successes": 0, "trials": 0}},
        ("win_rate.trials", "greater_than_equal", "at least 1"),
    ),
    (
        "counts_for_positive",
        {"deal_size": {"successes": 5, "trials": 10}},
        ("deal_size", "positive_shape", "must be a number or {low, high}"),
    ),
    (
        "counts_for_volume",
        {
            "channels": [
                TEAM_CHANNEL,
                {**INBOUND, "volume_per_month": {"successes": 1, "trials": 2}},
            ]
        },
        ("channels[1].volume_per_month", "positive_shape", "must be a number or {low, high}"),
    ),
    ("rate_text", {"win_rate": "abc"}, ("win_rate", "rate_shape", SHAPE_MSG)),
    ("rate_list", {"win_rate": [0.1, 0.2]}, ("win_rate", "rate_shape", SHAPE_MSG)),
    ("rate_empty_object", {"win_rate": {}}, ("win_rate", "rate_shape", SHAPE_MSG)),
    ("rate_null", {RATE: None}, (RATE_PATH, "rate_shape", SHAPE_MSG)),
    ("positive_text", {"deal_size": "big"}, ("deal_size", "positive_shape", "number or")),
    ("range_missing_high", {"win_rate": {"low": 0.1}}, ("win_rate.high", "missing", "required")),
    (
        "counts_missing_trials",
        {"win_rate": {"successes": 1}},
        ("win_rate.trials", "missing", "required"),
    ),
    # ---- booleans where numbers are expected (strict: True is not 1)
    ("bool_rate", {"win_rate": True}, ("win_rate", "rate_shape", SHAPE_MSG)),
    ("bool_positive", {"deal_size": True}, ("deal_size", "positive_shape", "number or")),
    ("bool_int", {"months": True}, ("months", "int_type", "whole number")),
    ("bool_float", {"target.revenue": True}, ("target.revenue", "float_type", "must be a number")),
    (
        "bool_in_range",
        {"deal_size": {"low": True, "high": 5}},
        ("deal_size.low", "float_type", "must be a number"),
    ),
    ("bool_reps", {"team.reps": False}, ("team.reps", "int_type", "whole number")),
    ("float_for_int", {"months": 6.0}, ("months", "int_type", "whole number")),
    ("text_for_int", {"months": "6"}, ("months", "int_type", "whole number")),
    ("int_for_bool", {"year_end_closure": 1}, ("year_end_closure", "bool_type", "true or false")),
    # ---- negative numbers
    ("negative_deal_size", {"deal_size": -5}, ("deal_size", "negative", "0 or more")),
    (
        "negative_range_low",
        {"deal_size": {"low": -1, "high": 5}},
        ("deal_size.low", "negative", "0 or more"),
    ),
    (
        "negative_calls",
        {"team.calls_per_rep_per_day": -3},
        ("team.calls_per_rep_per_day", "negative", "0 or more"),
    ),
    (
        "negative_sales_cycle",
        {"sales_cycle_months": -1},
        ("sales_cycle_months", "negative", "0 or more"),
    ),
    (
        "negative_volume",
        {"channels": [TEAM_CHANNEL, {**INBOUND, "volume_per_month": -2}]},
        ("channels[1].volume_per_month", "negative", "0 or more"),
    ),
    ("negative_reps", {"team.reps": -1}, ("team.reps", "greater_than_equal", "at least 0")),
    (
        "negative_open_opportunities",
        {"open_opportunities": -1},
        ("open_opportunities", "greater_than_equal", "at least 0"),
    ),
    (
        "negative_seed",
        {"simulation.seed": -1},
        ("simulation.seed", "greater_than_equal", "at least 0"),
    ),
    # ---- horizon, start month, country, seasonality
    ("months_0", {"months": 0}, ("months", "greater_than_equal", "at least 1")),
    ("months_37", {"months": 37}, ("months", "less_than_equal", "at most 36")),
    # ---- target, simulation, working days
    (
        "confidence_0",
        {"target.confidence": 0},
        ("target.confidence", "greater_than", "greater than 0"),
    ),
    ("confidence_1", {"target.confidence": 1}, ("target.confidence", "less_than", "less than 1")),
    ("revenue_0", {"target.revenue": 0}, ("target.revenue", "greater_than", "greater than 0")),
    (
        "trials_0",
        {"simulation.trials": 0},
        ("simulation.trials", "greater_than_equal", "at least 1"),
    ),
    (
        "trials_above_max",
        {"simulation.trials": MAX_TRIALS + 1},
        ("simulation.trials", "less_than_equal", "at most 2000000"),
    ),
    (
        "working_days_32",
        {"team.working_days_per_month": 32},
        ("team.working_days_per_month", "less_than_equal", "at most 31"),
    ),
    ("country_unknown", {"country": "XX"}, ("country", "country", "supported ISO country code")),
    ("country_lowercase", {"country": "jp"}, ("country", "country", "supported ISO country")),
    ("currency_lowercase", {"currency": "jpy"}, ("currency", "string_pattern_mismatch", "not")),
    ("seasonality_11", {"seasonality": [1.0] * 11}, ("seasonality", "too_short", "at least 12")),
    ("seasonality_13", {"seasonality": [1.0] * 13}, ("seasonality", "too_long", "at most 12")),
    (
        "seasonality_negative",
        {"seasonality": [1.0] * 11 + [-0.5]},
        ("seasonality[11]", "negative", "0 or more"),
    ),
    # ---- unknown and missing fields
    ("unknown_top_level", {"colour": "red"}, ("colour", "extra_forbidden", "not a known field")),
    ("unknown_in_team", {"team.bogus": 1}, ("team.bogus", "extra_forbidden", "not a known field")),
    (
        "unknown_in_stage",
        {"channels.0.stages.0.x": 1},
        ("channels[0].stages[0].x", "extra_forbidden", "not a known field"),
    ),
    (
        "unknown_in_range",
        {"deal_size": {"low": 1, "high": 2, "mode": 1.5}},
        ("deal_size.mode", "extra_forbidden", "not a known field"),
    ),
    ("missing_name", {"name": DELETE}, ("name", "missing", "is required")),
    ("missing_start_month", {"start_month": DELETE}, ("start_month", "missing", "is required")),
    ("missing_target", {"target": DELETE}, ("target", "missing", "is required")),
    (
        "missing_schema_version",
        {"schema_version": DELETE},
        ("schema_version", "missing", "is required"),
    ),
    (
        "missing_stage_rate",
        {"channels.0.stages.0.rate": DELETE},
        ("channels[0].stages[0].rate", "missing", "is required"),
    ),
    (
        "missing_target_revenue",
        {"target.revenue": DELETE},
        ("target.revenue", "missing", "is required"),
    ),
    ("empty_name", {"name": ""}, ("name", "string_too_short", "must not be empty")),
    ("no_channels", {"channels": []}, ("channels", "too_short", "at least 1")),
    (
        "no_stages",
        {"channels.0.stages": []},
        ("channels[0].stages", "too_short", "at least 1"),
    ),
    ("team_not_object", {"team": [1]}, ("team", "model_type", "must be an object")),
    (
        "volume_from_other",
        {"channels.0.volume_from": "crm"},
        ("channels[0].volume_from", "literal_error", "must be 'team'"),
    ),
    # ---- hires (cross-field)
    (
        "hire_after_horizon",
        hires(("2027-10", 1)),  # the horizon is 2027-04 .. 2027-09
        ("team.hires[0].month", "hire_outside_horizon", "inside the plan's horizon"),
    ),
    (
        "hire_before_start",
        hires(("2027-03", 1)),
        ("team.hires[0].month", "hire_outside_horizon", "inside the plan's horizon"),
    ),
    (
        "hire_bad_month",
        hires(("2027-5", 1)),
        ("team.hires[0].month", "year_month", "YYYY-MM"),
    ),
    (
        "hire_zero",
        hires(("2027-05", 0)),
        ("team.hires[0].change", "hire_zero", "must not be 0"),
    ),
    (
        "headcount_negative",
        hires(("2027-05", 1), ("2027-06", -6)),  # 4 + 1 - 6 = -1
        ("team.hires[1].change", "headcount_negative", "fewer than 0 reps"),
    ),
    (
        # Checked in month order, not list order: the leaver in May comes first.
        "headcount_negative_in_month_order",
        hires(("2027-07", 3), ("2027-05", -2), reps=1),
        ("team.hires[1].change", "headcount_negative", "fewer than 0 reps"),
    ),
    # ---- channels (cross-field)
    (
        "volume_both",
        {"channels.0.volume_per_month": 10},
        ("channels[0]", "volume_source", "exactly one of volume_from or volume_per_month"),
    ),
    (
        "volume_neither",
        {"channels.0.volume_from": DELETE},
        ("channels[0]", "volume_source", "exactly one of volume_from or volume_per_month"),
    ),
    (
        "volume_from_null",
        {"channels.0.volume_from": None},
        ("channels[0]", "volume_source", "exactly one"),
    ),
    (
        "two_team_channels",
        {"channels": [TEAM_CHANNEL, {**TEAM_CHANNEL, "key": "calls2"}]},
        ("channels", "team_channels", "at most one channel"),
    ),
    (
        "channel_key_leading_digit",
        {"channels.0.key": "1calls"},
        ("channels[0].key", "string_pattern_mismatch", "characters that are not allowed"),
    ),
    (
        "channel_key_hyphen",
        {"channels.0.key": "cold-calls"},
        ("channels[0].key", "string_pattern_mismatch", "characters that are not allowed"),
    ),
    (
        "channel_key_japanese",
        {"channels.0.key": "架電"},
        ("channels[0].key", "string_pattern_mismatch", "characters that are not allowed"),
    ),
    (
        "channel_key_empty",
        {"channels.0.key": ""},
        ("channels[0].key", "string_too_short", "must not be empty"),
    ),
    (
        "channel_key_41_chars",
        {"channels.0.key": "c" * 41},
        ("channels[0].key", "string_too_long", "at most 40 characters"),
    ),
    (
        "stage_key_bad",
        {"channels.0.stages.1.key": "opp rate"},
        ("channels[0].stages[1].key", "string_pattern_mismatch", "not allowed"),
    ),
]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [pytest.param(changes, expected, id=name) for name, changes, expected in SINGLE_ISSUE_CASES],
)
def test_single_issue(changes: dict[str, Any], expected: tuple[str, str, str]) -> None:
    assert_only_issue(edited(changes), *expected)


@pytest.mark.parametrize(
    "start_month",
    ["2027-13", "2027-00", "2027-4", "27-04", "2027/04", "202704", "April 2027", "abcd-ef",
     "1999-12", "2101-01", " 2027-04", ""],
)  # fmt: skip
def test_bad_start_month(start_month: str) -> None:
    assert_only_issue(plan_dict(start_month=start_month), "start_month", "year_month", "YYYY-MM")


@pytest.mark.parametrize("start_month", ["2000-01", "2027-04", "2100-12"])
def test_start_month_limits_accepted(start_month: str) -> None:
    assert parse_plan(plan_dict(start_month=start_month)).start_month == start_month


def test_start_month_with_trailing_newline_is_rejected() -> None:
    # A regex `$` also matches before a final newline: the value must match as a whole.
    assert_only_issue(plan_dict(start_month="2027-04\n"), "start_month", "year_month", "YYYY-MM")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("deal_size", math.nan),
        ("deal_size", math.inf),
        ("sales_cycle_months", math.nan),
        ("deal_size", {"low": 1, "high": math.inf}),
        ("deal_size", {"low": math.nan, "high": 5}),
        ("seasonality", [math.nan] + [1.0] * 11),
        ("target", {"revenue": math.inf}),
    ],
    ids=["nan", "inf", "nan_cycle", "inf_high", "nan_low", "nan_season", "inf_target"],
)
def test_non_finite_numbers_are_rejected(field: str, value: Any) -> None:
    # Python's json reads NaN and Infinity; a plan holding one would simulate to NaN.
    text = json.dumps(plan_dict(**{field: value}))  # writes NaN / Infinity literals
    issues = issues_of(text)
    assert issues and all(i.path.startswith(field) for i in issues), issues


def test_tiny_rate_range_is_a_plan_error_not_a_crash() -> None:
    # The range's spread squared underflows to 0: a plan error, never a crash.
    data = plan_dict(win_rate={"low": 1e-200, "high": 2e-200})
    issues = issues_of(data)
    assert [(i.path, i.code) for i in issues] == [("win_rate", "rate_range_unfittable")]


def test_same_month_hires_validate_regardless_of_order() -> None:
    leaver_first = hires(("2027-05", -2), ("2027-05", 1), reps=1)
    joiner_first = hires(("2027-05", 1), ("2027-05", -2), reps=1)
    assert parse_plan(edited(joiner_first)).team.reps == 1
    assert parse_plan(edited(leaver_first)).team.reps == 1


def test_schema_version_true_is_rejected() -> None:
    issues = issues_of(plan_dict(schema_version=True))
    assert [(i.path, i.code) for i in issues] == [("schema_version", "schema_version")]


def test_hire_on_last_month_of_horizon_is_accepted() -> None:
    plan = parse_plan(edited(hires(("2027-09", 1), ("2027-04", -4))))
    assert [h.change for h in plan.team.hires] == [1, -4]


def test_duplicate_channel_keys_flag_every_copy() -> None:
    other = {**INBOUND, "key": "calls"}
    issues = issues_of(plan_dict(channels=[TEAM_CHANNEL, other]))
    assert [(i.path, i.code) for i in issues] == [
        ("channels[0].key", "duplicate_key"),
        ("channels[1].key", "duplicate_key"),
    ]
    assert all("unique among channels" in i.message for i in issues)


def test_duplicate_stage_keys_flag_every_copy() -> None:
    stages = [{"key": "a", "rate": 0.1}, {"key": "b", "rate": 0.5}, {"key": "a", "rate": 0.2}]
    issues = issues_of(edited({"channels.0.stages": stages}))
    assert [(i.path, i.code) for i in issues] == [
        ("channels[0].stages[0].key", "duplicate_key"),
        ("channels[0].stages[2].key", "duplicate_key"),
    ]
    assert all("unique in its channel" in i.message for i in issues)


def test_same_stage_key_in_two_channels_is_fine() -> None:
    inbound = {**INBOUND, "stages": [{"key": "opportunity", "rate": 0.3}]}
    plan = parse_plan(plan_dict(channels=[TEAM_CHANNEL, inbound]))
    assert [c.stages[-1].key for c in plan.channels] == ["opportunity", "opportunity"]


@pytest.mark.parametrize("version", [2, 0, "1", None])
def test_schema_version_other_than_1(version: Any) -> None:
    issue = assert_only_issue(
        plan_dict(schema_version=version), "schema_version", "schema_version", "must be 1"
    )
    assert repr(version) in issue.message
    assert issue.ctx == {"expected": 1}


def test_schema_version_checked_before_other_fields() -> None:
    # A version-2 file may have fields this version does not know: only the version is reported.
    data = plan_dict(schema_version=2, something_new={"x": 1}, months=99)
    assert [(i.path, i.code) for i in issues_of(data)] == [("schema_version", "schema_version")]


@pytest.mark.parametrize("text", ["{not json", "", '{"schema_version": 1,}', "[1, 2"])
def test_invalid_json_text(text: str) -> None:
    issue = assert_only_issue(text, "", "json_invalid", "not valid JSON")
    assert issue.ctx["line"] == 1


def test_invalid_json_bytes_reports_line() -> None:
    issue = assert_only_issue(b'{\n  "name": "x",\n  oops\n}', "", "json_invalid", "not valid JSON")
    assert issue.ctx == {"line": 3}


def test_json_that_is_not_an_object() -> None:
    assert_only_issue("[1, 2]", "", "model_type", "must be an object")


def test_valid_json_text_and_bytes_parse() -> None:
    text = json.dumps(plan_dict(), ensure_ascii=False)
    assert parse_plan(text) == parse_plan(text.encode("utf-8")) == parse_plan(plan_dict())


def test_load_plan_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(PlanError) as caught:
        load_plan(missing)
    [issue] = caught.value.issues
    assert (issue.path, issue.code) == ("", "file_missing")
    assert issue.message == f"{missing}: no such file"
    assert str(caught.value) == f"{missing}: no such file"  # no "path: " prefix for ""


def test_load_plan_directory_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(PlanError) as caught:
        load_plan(tmp_path)
    assert [(i.path, i.code) for i in caught.value.issues] == [("", "file_unreadable")]
    assert "cannot read" in caught.value.issues[0].message


def test_load_plan_not_utf8_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "sjis.json"
    path.write_bytes(json.dumps(plan_dict(name="計画"), ensure_ascii=False).encode("shift_jis"))
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    assert [(i.path, i.code) for i in caught.value.issues] == [("", "file_unreadable")]


def test_load_plan_accepts_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(json.dumps(plan_dict(name="計画"), ensure_ascii=False).encode("utf-8-sig"))
    assert load_plan(path).name == "計画"


def test_load_plan_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    assert [(i.path, i.code) for i in caught.value.issues] == [("", "json_invalid")]


# --------------------------------------------------------------------------- several at once


def test_several_errors_reported_at_once() -> None:
    data = edited(
        {
            "months": 0,
            "country": "XX",
            "win_rate": 2,
            "team.bogus": True,
            "channels.0.stages.1.rate": {"low": 0.1, "high": 1.5},
        }
    )
    issues = issues_of(data)
    assert sorted((i.path, i.code) for i in issues) == sorted(
        [
            ("months", "greater_than_equal"),
            ("country", "country"),
            ("win_rate", "rate_bounds"),
            ("team.bogus", "extra_forbidden"),
            ("channels[0].stages[1].rate.high", "rate_bounds"),
        ]
    )


def test_several_cross_field_errors_reported_at_once() -> None:
    data = edited(
        {
            **hires(("2028-01", 1), ("2027-05", 0)),
            "channels": [
                {**TEAM_CHANNEL, "volume_per_month": 5},
                {**TEAM_CHANNEL},
            ],
        }
    )
    issues = issues_of(data)
    assert [(i.path, i.code) for i in issues] == [
        ("team.hires[1].change", "hire_zero"),
        ("team.hires[0].month", "hire_outside_horizon"),
        ("channels[0].key", "duplicate_key"),
        ("channels[0]", "volume_source"),
        ("channels[1].key", "duplicate_key"),
        ("channels", "team_channels"),
    ]


def test_str_of_plan_error_lists_path_and_message() -> None:
    data = edited({"months": 0, RATE: {"low": 0.1, "high": 1.5}})
    with pytest.raises(PlanError) as caught:
        parse_plan(data)
    text = str(caught.value)
    assert "months: must be at least 1" in text
    assert "channels[0].stages[1].rate.high: must be between 0 and 1" in text
    assert text.count("; ") == len(caught.value.issues) - 1 == 1
    assert isinstance(caught.value, ValueError)


def test_issue_str_without_path_is_the_message() -> None:
    assert str(Issue("", "json_invalid", "not valid JSON")) == "not valid JSON"
    assert str(Issue("months", "x", "must be at least 1")) == "months: must be at least 1"


def test_plan_error_single() -> None:
    error = PlanError.single("trials", "trials_too_many", "too many", limit=5)
    assert error.issues == [Issue("trials", "trials_too_many", "too many", {"limit": 5})]
    assert str(error) == "trials: too many"


# --------------------------------------------------------------------------- valid plans


def test_minimal_plan_gets_defaults() -> None:
    data = {
        "schema_version": 1,
        "name": "最小",
        "start_month": "2027-04",
        "months": 3,
        "target": {"revenue": 1},
        "channels": [INBOUND],
        "win_rate": 0.2,
        "deal_size": 100,
    }
    plan = parse_plan(data)
    assert plan.target.confidence == 0.8
    assert plan.country == "JP" and plan.currency == "JPY" and plan.year_end_closure is False
    assert plan.team.reps == 0 and plan.team.hires == []
    assert plan.seasonality == [1.0] * 12
    assert (plan.simulation.trials, plan.simulation.seed) == (100_000, 0)


def test_valid_edge_values_accepted() -> None:
    plan = parse_plan(
        edited(
            {
                "months": 36,
                "simulation.trials": MAX_TRIALS,
                "win_rate": {"low": 0.2, "high": 0.2},  # zero width: a point mass
                "deal_size": {"low": 5, "high": 5},
                RATE: {"successes": 0, "trials": 1},
                "channels.0.stages.0.rate": 1,
                "seasonality": [0.0] * 12,
                "team.working_days_per_month": 0,
            }
        )
    )
    assert plan.months == 36 and plan.simulation.trials == MAX_TRIALS


def test_month_index_and_channel_lookup() -> None:
    plan = parse_plan(plan_dict(channels=[TEAM_CHANNEL, INBOUND]))
    assert plan.month_index("2027-04") == 0
    assert plan.month_index("2028-03") == 11
    assert plan.month_index("2026-12") == -4
    assert levers.get(plan, "channels.inbound.volume_per_month") == 30
    with pytest.raises(KeyError):
        levers.get(plan, "channels.email.volume_per_month")


def test_sample_plans_parse(sample_plan: KpiSet) -> None:
    assert sample_plan.schema_version == 1
    assert sample_plan.channels and sample_plan.name


def test_to_json_round_trip(sample_plan: KpiSet) -> None:
    text = sample_plan.to_json()
    assert text.endswith("\n")
    again = parse_plan(text)
    assert again == sample_plan
    assert again.to_json() == text


def test_to_json_writes_text_unescaped(sample_plan: KpiSet) -> None:
    text = sample_plan.to_json()
    assert "\\u" not in text  # Japanese stays readable, not \uXXXX escapes
    assert sample_plan.name in text


def test_round_trip_keeps_uncertain_shapes() -> None:
    data = edited({RATE: {"successes": 3, "trials": 40}, "deal_size": {"low": 1.0, "high": 2.0}})
    plan = parse_plan(data)
    dumped = json.loads(plan.to_json())
    assert dumped["channels"][0]["stages"][1]["rate"] == {"successes": 3, "trials": 40}
    assert dumped["deal_size"] == {"low": 1.0, "high": 2.0}
    assert parse_plan(plan.to_json()) == plan


# --------------------------------------------------------------------------- JSON Schema


def test_committed_schema_is_current() -> None:
    committed = json.loads((ROOT / "schema" / "kpi_set.v1.json").read_text(encoding="utf-8"))
    assert committed == json_schema(), (
        "schema/kpi_set.v1.json is out of date with simulator/plan.py: run `make schema`"
    )


def test_schema_header() -> None:
    schema = json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith("/kpi_set.v1.json")
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) >= {"schema_version", "name", "start_month", "months"}


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_schema_validates_sample_plans(path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    document = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(json_schema()).validate(document)


def test_schema_rejects_what_parse_plan_rejects() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(json_schema())
    assert validator.is_valid(plan_dict())
    for changes in ({"colour": "red"}, {"months": 37}, {"schema_version": 2}, {"name": DELETE}):
        assert not validator.is_valid(edited(changes)), changes


def test_edited_helper_sanity() -> None:
    # The helper the tables rely on: it changes exactly what it is told to.
    data = edited({RATE: 0.5, "name": DELETE})
    assert data["channels"][0]["stages"][1]["rate"] == 0.5
    assert "name" not in data
    assert math.isclose(parse_plan(edited({RATE: 0.5})).channels[0].stages[1].rate, 0.5)


# --------------------------------------------------------------------------- hostile JSON


def test_json_nested_deeper_than_any_plan_is_refused_with_its_line() -> None:
    deep = '{\n"name": ' + "[" * 5000 + "]" * 5000 + "}"
    issue = assert_only_issue(deep, "", "json_invalid", f"nested more than {MAX_JSON_DEPTH}")
    assert issue.ctx == {"line": 2}
    assert_only_issue("[" * 200_000, "", "json_invalid", "nested more than")
    # Brackets inside strings are text, and nesting up to the limit is only JSON.
    text = json.dumps(plan_dict(name="[" * 200, description="{" * 500))
    assert parse_plan(text).name == "[" * 200
    just_deep = plan_dict(extra=json.loads("[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1)))
    assert [i.code for i in issues_of(json.dumps(just_deep))] == ["extra_forbidden"]


def test_a_number_of_thousands_of_digits_is_refused_with_its_line() -> None:
    text = json.dumps(plan_dict(), indent=1).replace('"months": 6', '"months": ' + "6" * 5000)
    issue = assert_only_issue(text, "", "json_invalid", "a number with too many digits")
    assert issue.ctx["line"] == text[: text.index("666")].count("\n") + 1


def test_a_key_written_twice_is_refused_with_its_path() -> None:
    text = json.dumps(plan_dict()).replace('"low"', '"x"')  # no ranges in plan_dict
    text = text.replace('"rate": 0.1', '"rate": 0.1, "rate": 0.9')
    text = text.replace('"months": 6', '"months": 6, "months": 6')
    issues = issues_of(text)
    assert [(i.path, i.code, i.ctx) for i in issues] == [
        ("months", "duplicate_key", {"key": "months"}),
        ("channels[0].stages[0].rate", "duplicate_key", {"key": "rate"}),
    ]
    assert str(issues[0]) == "months: appears twice in the same object"
    assert parse_plan(json.dumps(plan_dict()).encode("utf-16"))  # bytes in any JSON encoding


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("plain 営業 text", None),
        ("invoice\u202egpj.exe", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("a\u2067b", "U+2067 RIGHT-TO-LEFT ISOLATE"),
        ("zero\u200bwidth", "U+200B ZERO WIDTH SPACE"),
        ("nul\x00", "U+0000 a control character"),
        ("\ufeffbom", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
    ],
)
def test_hidden_character(text: str, found: str | None) -> None:
    assert hidden_character(text) == found
