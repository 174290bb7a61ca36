"""The department chain: KPIs from the KGI reproduce it exactly; hand-set targets that do
not close report the gap in wins and money and the department that must move."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import departments
from simulator.departments import Chain, HandSet
from simulator.plan import parse_plan
from tests.conftest import SAMPLES, plan_dict


@settings(max_examples=300, deadline=None)
@given(
    st.floats(1.0, 1e15),
    st.floats(1.0, 1e12),
    st.floats(1e-6, 1.0),
    st.floats(1e-6, 1.0),
)
def test_derived_kpis_reproduce_the_kgi_exactly(
    kgi: float, deal: float, is_rate: float, fs_rate: float
) -> None:
    chain = Chain.of(kgi, deal, is_rate, fs_rate, None)
    assert chain.leads * chain.is_rate == chain.opportunities
    assert chain.opportunities * chain.fs_rate == chain.wins
    assert chain.wins * chain.deal_size == Fraction(kgi)  # exactly, not approximately
    assert chain.closes and chain.gap_wins == 0 and chain.must_move is None
    out = chain.to_dict()
    assert out["gap_wins"] is None and out["gap_revenue"] is None


def test_the_articles_example_does_not_close_by_six_wins() -> None:
    # 30 wins needed at 1,000,000 a deal; marketing 400 leads × IS 30% × FS 20% = 24.
    chain = Chain.of(30_000_000, 1_000_000, 0.3, 0.2, HandSet(leads=400, is_rate=0.3, fs_rate=0.2))
    assert float(chain.wins) == 30
    assert float(chain.chain_wins) == pytest.approx(24)
    assert not chain.closes
    out = chain.to_dict()
    assert out["gap_wins"] == pytest.approx(6)
    assert out["gap_revenue"] == pytest.approx(6_000_000)
    # IS and FS are at the plan's rates: marketing's 400 is below the 500 the KGI needs.
    assert out["must_move"] == "marketing"
    assert out["departments"][0]["required"] == pytest.approx(500)


def test_the_department_furthest_below_its_derived_value_must_move() -> None:
    chain = Chain.of(30_000_000, 1_000_000, 0.3, 0.2, HandSet(leads=520, fs_rate=0.15))
    # 520 × 0.3 × 0.15 = 23.4 wins: FS's 15% (75% of 20%) sits further below than 520/500.
    assert not chain.closes
    assert chain.must_move == "field_sales"
    required = chain.required()
    assert required["field_sales"] == pytest.approx(30 / (520 * 0.3))
    assert Chain.of(30_000_000, 1_000_000, 0.3, 0.2, HandSet(leads=600)).closes


def test_a_surplus_is_a_negative_gap() -> None:
    chain = Chain.of(30_000_000, 1_000_000, 0.3, 0.2, HandSet(leads=600))
    assert chain.closes and float(chain.gap_wins) == pytest.approx(-6)


def test_a_zero_rate_cannot_reach_the_kgi() -> None:
    with pytest.raises(departments.ChainError):
        Chain.of(1e6, 1e5, 0.0, 0.2, None)


def test_from_a_plan_leads_are_what_marketing_feeds() -> None:
    data = plan_dict(
        deal_size=1_000_000,
        win_rate=0.25,
        channels=[
            *plan_dict()["channels"],
            {"key": "inbound", "volume_per_month": 100, "stages": [{"key": "opportunity",
                                                                    "rate": 0.4}]},
            {"key": "email", "volume_per_month": 300, "stages": [{"key": "reply", "rate": 0.1},
                                                                 {"key": "opportunity",
                                                                  "rate": 0.5}]},
        ],
    )  # fmt: skip
    deal, is_rate, fs_rate = departments.plan_rates(parse_plan(data))
    assert (deal, fs_rate) == (1_000_000, 0.25)
    assert is_rate == pytest.approx((100 * 0.4 + 300 * 0.05) / 400)
    # Only the team's calls: calls → opportunity.
    assert departments.plan_rates(parse_plan(plan_dict()))[1] == pytest.approx(0.1 * 0.2)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_every_sample_chain_closes_on_its_own_kgi(path) -> None:
    from simulator.plan import load_plan

    chain = departments.from_plan(load_plan(path))
    assert chain.leads * chain.is_rate * chain.fs_rate * chain.deal_size == chain.kgi
