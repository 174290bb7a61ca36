"""The KPI glossary and the labels built from it; a plan's own channel and stage labels."""

from __future__ import annotations

import json
from typing import Any

import pytest

from simulator.plan import KpiSet, PlanError, json_schema, parse_plan
from tests.conftest import plan_dict

# --------------------------------------------------------------------------- plan labels


def labelled_dict() -> dict[str, Any]:
    """The small test plan with a webinar channel and labels on a channel and a stage."""
    data = plan_dict()
    data["channels"][0]["stages"][0]["label"] = {"ja": "決裁者接続", "en": "Decision-maker reached"}
    data["channels"].append(
        {
            "key": "webinar",
            "label": {"ja": "ウェビナー参加"},
            "volume_per_month": 40,
            "stages": [{"key": "demo_request", "rate": 0.2}, {"key": "opportunity", "rate": 0.5}],
        }
    )
    return data


def test_labels_round_trip() -> None:
    plan = parse_plan(labelled_dict())
    text = plan.to_json()
    again = parse_plan(text)
    assert again == plan and again.to_json() == text
    dumped = json.loads(text)
    assert dumped["channels"][0]["stages"][0]["label"] == {
        "ja": "決裁者接続",
        "en": "Decision-maker reached",
    }
    assert dumped["channels"][1]["label"] == {"ja": "ウェビナー参加"}  # no "en": null
    assert "label" not in dumped["channels"][1]["stages"][0]


def test_plans_without_labels_dump_as_before(sample_plan: KpiSet) -> None:
    assert '"label"' not in sample_plan.to_json()


def test_unlabelled_channels_and_stages_dump_their_fields_as_before(sample_plan: KpiSet) -> None:
    for channel in sample_plan.model_dump(mode="json")["channels"]:
        assert list(channel) == ["key", "volume_from", "volume_per_month", "stages"]
        assert all(list(stage) == ["key", "rate"] for stage in channel["stages"])


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ({"ja": ""}, "string_too_short"),
        ({"en": "x" * 41}, "string_too_long"),
        ({"ja": " 先頭に空白"}, "string_pattern_mismatch"),
        ({"ja": "末尾に空白 "}, "string_pattern_mismatch"),
        ({"ja": "二行\nにわたる"}, "string_pattern_mismatch"),
        ({"en": "tab\there"}, "string_pattern_mismatch"),
        ({"en": "abc\u202edcba"}, "string_pattern_mismatch"),  # a bidi override
        ({"en": "zero\u200bwidth"}, "string_pattern_mismatch"),
        ({"ja": 3}, "string_type"),
        ({"fr": "Appels"}, "extra_forbidden"),
        ("架電", "model_type"),
    ],
)
def test_bad_labels_are_refused(label: Any, code: str) -> None:
    data = plan_dict()
    data["channels"][0]["label"] = label
    with pytest.raises(PlanError) as caught:
        parse_plan(data)
    assert [i.code for i in caught.value.issues] == [code]
    assert caught.value.issues[0].path.startswith("channels[0].label")


def test_good_labels_are_accepted() -> None:
    data = plan_dict()
    data["channels"][0]["label"] = {"ja": "テレアポ（新規・既存）", "en": "Cold calls"}
    data["channels"][0]["stages"][1]["label"] = {"en": "x" * 40}
    plan = parse_plan(data)
    assert plan.channels[0].label is not None and plan.channels[0].label.ja is not None
    assert plan.channels[0].stages[0].label is None


def test_schema_accepts_and_refuses_labels_as_parse_plan_does() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(json_schema())
    assert validator.is_valid(labelled_dict())
    for bad in ({"ja": ""}, {"ja": " x"}, {"en": "a\u202eb"}, {"fr": "x"}, {"ja": "x" * 41}):
        data = plan_dict()
        data["channels"][0]["label"] = bad
        assert not validator.is_valid(data), bad
