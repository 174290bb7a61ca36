"""Shared fixtures: sample plans and a small plan builder for tests."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from simulator.plan import KpiSet, load_plan, parse_plan

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "sample_data").glob("*.json"))


def plan_dict(**overrides: Any) -> dict[str, Any]:
    """A small valid plan as a dict: one team channel with fixed rates, no lag.

    Keyword arguments replace top-level keys (deep copies, so tests may mutate freely).
    """
    data: dict[str, Any] = {
        "schema_version": 1,
        "name": "test plan",
        "start_month": "2027-04",
        "months": 6,
        "country": "JP",
        "target": {"revenue": 10_000_000, "confidence": 0.8},
        "team": {
            "reps": 4,
            "calls_per_rep_per_day": 40,
            "working_days_per_month": 20,
            "ramp_months": 0,
            "hires": [],
        },
        "channels": [
            {
                "key": "calls",
                "volume_from": "team",
                "stages": [
                    {"key": "connect", "rate": 0.1},
                    {"key": "opportunity", "rate": 0.2},
                ],
            }
        ],
        "win_rate": 0.25,
        "deal_size": 500_000,
        "sales_cycle_months": 0,
        "open_opportunities": 0,
        "seasonality": [1.0] * 12,
        "simulation": {"trials": 20_000, "seed": 7},
    }
    data.update(copy.deepcopy(overrides))
    return data


def make_plan(**overrides: Any) -> KpiSet:
    return parse_plan(plan_dict(**overrides))


@pytest.fixture(params=SAMPLES, ids=[p.stem for p in SAMPLES])
def sample_plan(request: pytest.FixtureRequest) -> KpiSet:
    return load_plan(request.param)
