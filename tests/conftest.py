"""Shared fixtures: sample plans, a small plan builder, and KPI set stores for tests.

Store tests run on SQLite (a file in the test's tmp_path) and on PostgreSQL when
``CENTERPIN_TEST_POSTGRES_URL`` names a database the role may create schemas in
(``postgresql+psycopg://centerpin:centerpin@127.0.0.1:5432/centerpin_test``). Each
PostgreSQL test gets its own fresh schema, dropped afterwards, so parallel workers
(``pytest -n 2``) never see each other's tables. Without the URL the PostgreSQL cases are
skipped, unless ``CENTERPIN_REQUIRE_POSTGRES=1`` (CI) makes them fail instead.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from simulator.kpi_sets import Store
from simulator.plan import KpiSet, load_plan, parse_plan
from tests.postgres import scratch_postgres_url

POSTGRES_URL_ENV = "CENTERPIN_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "CENTERPIN_REQUIRE_POSTGRES"

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


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app's KPI set database for an AppTest: a SQLite file of its own, with
    Streamlit's caches emptied before and after (they hold the store and results)."""
    import streamlit as st

    from simulator.kpi_sets import ENV_URL

    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv(ENV_URL, url)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield url
    st.cache_resource.clear()


@pytest.fixture(params=SAMPLES, ids=[p.stem for p in SAMPLES])
def sample_plan(request: pytest.FixtureRequest) -> KpiSet:
    return load_plan(request.param)


# ----------------------------------------------------------------------------- stores


def _postgres_base_url() -> str:
    """The PostgreSQL test URL, or a skip (a failure when PostgreSQL is required)."""
    url = os.environ.get(POSTGRES_URL_ENV, "").strip()
    if url:
        return url
    reason = (
        f"PostgreSQL store tests need {POSTGRES_URL_ENV}, e.g. "
        "postgresql+psycopg://centerpin:centerpin@127.0.0.1:5432/centerpin_test"
    )
    if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
        pytest.fail(f"{REQUIRE_POSTGRES_ENV}=1 but {POSTGRES_URL_ENV} is not set: {reason}")
    pytest.skip(reason)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database for a :class:`Store`: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'centerpin.db'}"
    else:
        with scratch_postgres_url(_postgres_base_url()) as url:
            yield url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A store on :func:`store_url`, closed after the test."""
    opened = Store(store_url)
    try:
        yield opened
    finally:
        opened.close()
