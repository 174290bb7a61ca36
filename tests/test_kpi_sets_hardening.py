"""The store under locks, read-only files and hostile text; exports and imports that hold up.

Tests taking ``store`` or ``store_url`` run on SQLite and on PostgreSQL (see conftest.py).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from simulator import engine
from simulator import kpi_sets as kpi_store
from simulator.kpi_sets import Store
from tests.conftest import make_plan, plan_dict

SMALL = {"trials": 2000, "seed": 7}


def small_plan(**overrides: Any) -> Any:
    return make_plan(**{"simulation": SMALL, **overrides})


@pytest.fixture(scope="module")
def derived() -> kpi_store.Derived:
    return kpi_store.derive(small_plan())


# ----------------------------------------------------------------------------- imports


def test_duplicate_keys_are_refused_with_the_key_named() -> None:
    text = json.dumps(plan_dict(simulation=SMALL))
    text = text.replace('"months": 6', '"months": 6, "months": 60')
    text = text.replace('"key": "connect"', '"key": "connect", "key": "x"')
    with pytest.raises(kpi_store.ImportProblem) as caught:
        kpi_store.read_plans([("twice.json", text.encode())])
    found = [(p.file, p.path, p.code, p.ctx) for p in caught.value.problems]
    assert found == [
        ("twice.json", "months", "duplicate_key", {"key": "months"}),
        ("twice.json", "channels[0].stages[0].key", "duplicate_key", {"key": "key"}),
    ]


def test_an_import_over_budget_is_refused_without_simulating(
    monkeypatch: pytest.MonkeyPatch, store: Store
) -> None:
    def no_run(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the import simulated a plan it should have refused")

    monkeypatch.setattr(engine, "simulate", no_run)
    big = plan_dict(months=36, simulation={"trials": 2_000_000, "seed": 1})
    with pytest.raises(kpi_store.ImportProblem) as caught:
        kpi_store.import_files(store, [("big.json", json.dumps(big).encode())])
    [problem] = caught.value.problems
    assert (problem.file, problem.path, problem.code) == (
        "big.json",
        "simulation.trials",
        "work_too_large",
    )
    assert store.list_sets() == []
