"""``team.members`` in the KPI set format: old files unchanged, bounds, cross-field checks,
the JSON Schema, and members as the source of capacity."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import numpy as np
import pytest

from simulator import funnel
from simulator.plan import MAX_MEMBER_NAME, MAX_MEMBERS, PlanError, json_schema, parse_plan
from tests.conftest import ROOT, SAMPLES, plan_dict


def with_members(members: list[dict[str, Any]], **team: Any) -> dict[str, Any]:
    data = plan_dict()
    data["team"]["members"] = members
    data["team"].update(team)
    return data


def issues(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(PlanError) as caught:
        parse_plan(data)
    return [(i.path, i.code) for i in caught.value.issues]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_files_without_members_dump_exactly_as_before(path: Any) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    dumped = parse_plan(data).model_dump(mode="json")
    if "members" not in data["team"]:
        assert "members" not in dumped["team"]


def test_members_round_trip_and_leave_out_what_was_not_given() -> None:
    members = [
        {"name": "佐藤", "rates": {"connect": {"successes": 30, "trials": 200}}},
        {"name": "Lee", "start_month": "2027-06", "ramp_months": 2, "calls_per_rep_per_day": 50},
    ]
    plan = parse_plan(with_members(members))
    dumped = plan.model_dump(mode="json")["team"]["members"]
    assert dumped[0] == {"name": "佐藤", "rates": {"connect": {"successes": 30, "trials": 200}}}
    assert dumped[1] == {
        "name": "Lee",
        "start_month": "2027-06",
        "ramp_months": 2,
        "calls_per_rep_per_day": 50.0,
    }
    assert parse_plan(plan.to_json()) == plan


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        ({"name": ""}, ("team.members[0].name", "string_too_short")),
        ({"name": "x" * (MAX_MEMBER_NAME + 1)}, ("team.members[0].name", "string_too_long")),
        ({"name": "a\u202eb"}, ("team.members[0].name", "string_pattern_mismatch")),
        ({"name": " a"}, ("team.members[0].name", "string_pattern_mismatch")),
        ({"name": "a", "ramp_months": 25}, ("team.members[0].ramp_months", "less_than_equal")),
        (
            {"name": "a", "calls_per_rep_per_day": 100_001},
            ("team.members[0].calls_per_rep_per_day", "less_than_equal"),
        ),
        ({"name": "a", "target": -1.0}, ("team.members[0].target", "greater_than_equal")),
        ({"name": "a", "target": 1e16}, ("team.members[0].target", "less_than_equal")),
        (
            {"name": "a", "rates": {"connect": 1.5}},
            ("team.members[0].rates.connect", "rate_bounds"),
        ),
        (
            {"name": "a", "rates": {"connect": {"successes": 6, "trials": 5}}},
            ("team.members[0].rates.connect", "counts_order"),
        ),
        ({"name": "a", "rates": {"demo": 0.1}}, ("team.members[0].rates.demo", "unknown_stage")),
        ({"name": "a", "start_month": "2027-10"}, ("team.members[0].start_month",
                                                   "member_outside_horizon")),
        (
            {"name": "a", "start_month": "2027-05", "leave_month": "2027-05"},
            ("team.members[0].leave_month", "leave_before_start"),
        ),
        ({"name": "a", "extra": 1}, ("team.members[0].extra", "extra_forbidden")),
    ],
)  # fmt: skip
def test_a_bad_member_names_its_row_and_field(member: dict[str, Any], expected: Any) -> None:
    assert issues(with_members([member])) == [expected]


def test_duplicate_names_and_too_many_members_are_refused() -> None:
    assert issues(with_members([{"name": "a"}, {"name": "a"}])) == [
        ("team.members[1].name", "duplicate_name")
    ]
    too_many = [{"name": f"m{i}"} for i in range(MAX_MEMBERS + 1)]
    assert issues(with_members(too_many)) == [("team.members", "too_long")]
    assert issues(with_members([])) == [("team.members", "too_short")]


def test_members_need_a_channel_fed_by_the_team() -> None:
    data = with_members([{"name": "a"}])
    data["channels"][0].pop("volume_from")
    data["channels"][0]["volume_per_month"] = 100
    assert ("team.members", "members_without_team_channel") in issues(data)


def test_members_replace_reps_and_hires_as_capacity() -> None:
    members = [
        {"name": "ベテラン"},  # on the team before the start: full from month 0
        {"name": "新人", "start_month": "2027-05", "ramp_months": 2},  # 0, 1/2, 1, 1 ...
        {"name": "倍速", "calls_per_rep_per_day": 80, "leave_month": "2027-07"},  # 2 reps' worth
        {"name": "途中", "start_month": "2027-03", "ramp_months": 3},  # joined before the start
    ]
    plan = parse_plan(with_members(members, reps=50, hires=[{"month": "2027-05", "change": 9}]))
    expected = (
        np.ones(6)
        + np.array([0, 0.5, 1, 1, 1, 1])
        + 2 * np.array([1, 1, 1, 0, 0, 0])
        + np.array([2 / 3, 1, 1, 1, 1, 1])
    )
    np.testing.assert_allclose(funnel.Funnel(plan).reps_effective, expected)


def test_the_committed_schema_takes_members_and_refuses_bad_ones() -> None:
    committed = json.loads((ROOT / "schema" / "kpi_set.v1.json").read_text(encoding="utf-8"))
    assert committed == json_schema()
    validator = jsonschema.Draft202012Validator(committed)
    good = with_members([{"name": "a", "rates": {"win_rate": {"low": 0.1, "high": 0.3}}}])
    assert not list(validator.iter_errors(good))
    bad = with_members([{"name": "a", "calls_per_rep_per_day": 1e9}])
    assert list(validator.iter_errors(bad))
    member = committed["$defs"]["Member"]["properties"]
    assert member["name"]["maxLength"] == MAX_MEMBER_NAME
    assert committed["$defs"]["Team"]["properties"]["members"]["anyOf"][0]["maxItems"] == (
        MAX_MEMBERS
    )


def test_a_hidden_character_in_a_name_is_named() -> None:
    with pytest.raises(PlanError) as caught:
        parse_plan(with_members([{"name": "a\u202eb"}]))
    issue = caught.value.issues[0]
    assert issue.message == "has characters that are not allowed"
    assert issue.ctx == {"character": "U+202E RIGHT-TO-LEFT OVERRIDE"}
