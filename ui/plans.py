"""The plans a user can open: the sample KPI sets (saved KPI sets join them later)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from simulator.plan import KpiSet, load_plan

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"
DEFAULT_PLAN = "jp_smb_saas"


@cache
def sample_ids() -> tuple[str, ...]:
    return tuple(sorted(path.stem for path in SAMPLES.glob("*.json")))


@cache
def sample(plan_id: str) -> KpiSet:
    if plan_id not in sample_ids():
        raise KeyError(plan_id)
    return load_plan(SAMPLES / f"{plan_id}.json")
