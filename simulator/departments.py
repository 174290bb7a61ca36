"""The department chain: marketing → inside sales → field sales (docs/design.md §11).

Marketing brings leads, inside sales turns leads into opportunities, field sales turns
opportunities into wins and revenue. From the KGI the plain chain derives each
department's KPI, wins = KGI ÷ deal size, opportunities = wins ÷ win rate, leads =
opportunities ÷ the lead-to-opportunity rate, and these reproduce the KGI exactly (the
arithmetic is done in fractions, so leads × rate × win rate × deal size is the KGI to the
last digit). Targets set by hand are checked to close: "marketing's 400 leads × IS 30% ×
FS 20% = 24 wins < 30 needed", with the gap in wins and money and the department whose
target sits furthest below what the KGI asks of it.

The chain is annual totals: timing (the sales cycle) and the open pipeline are the
simulation's business, not the chain's. From a plan: the deal size and win rate are their
means; marketing's leads are the volume of the channels marketing feeds, every channel
not fed by the team's calls (with none, the team's calls), and inside sales' rate is the
share of that volume that becomes opportunities at the plan's mean rates.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from simulator import uncertain
from simulator.errors import CodedError
from simulator.plan import KpiSet

DEPARTMENTS = ("marketing", "inside_sales", "field_sales")


class ChainError(CodedError, ValueError):
    """A chain that cannot be worked out (a rate or deal size of 0)."""


@dataclass(frozen=True)
class HandSet:
    """Targets typed per department; None: as derived from the KGI."""

    leads: float | None = None  # marketing
    is_rate: float | None = None  # inside sales: lead -> opportunity
    fs_rate: float | None = None  # field sales: opportunity -> win

    @property
    def given(self) -> bool:
        return any(v is not None for v in (self.leads, self.is_rate, self.fs_rate))


@dataclass(frozen=True)
class Chain:
    """The KGI and the plan's conversions, exact as fractions of the floats given."""

    kgi: Fraction
    deal_size: Fraction
    is_rate: Fraction  # lead -> opportunity
    fs_rate: Fraction  # opportunity -> win
    hand_set: HandSet = HandSet()

    @classmethod
    def of(
        cls, kgi: float, deal_size: float, is_rate: float, fs_rate: float, hand_set: HandSet | None
    ) -> Chain:
        for name, value in (("deal_size", deal_size), ("is_rate", is_rate), ("fs_rate", fs_rate)):
            if not value > 0:
                raise ChainError(
                    "chain_zero", f"{name}: must be above 0 for the chain to reach the KGI"
                )
        return cls(
            Fraction(kgi),
            Fraction(deal_size),
            Fraction(is_rate),
            Fraction(fs_rate),
            hand_set or HandSet(),
        )

    # -- derived from the KGI
    @property
    def wins(self) -> Fraction:
        return self.kgi / self.deal_size

    @property
    def opportunities(self) -> Fraction:
        return self.wins / self.fs_rate

    @property
    def leads(self) -> Fraction:
        return self.opportunities / self.is_rate

    # -- the hand-set chain (derived values where nothing was typed)
    def _set(self, value: float | None, derived: Fraction) -> Fraction:
        return derived if value is None else Fraction(value)

    @property
    def set_leads(self) -> Fraction:
        return self._set(self.hand_set.leads, self.leads)

    @property
    def set_is_rate(self) -> Fraction:
        return self._set(self.hand_set.is_rate, self.is_rate)

    @property
    def set_fs_rate(self) -> Fraction:
        return self._set(self.hand_set.fs_rate, self.fs_rate)

    @property
    def chain_wins(self) -> Fraction:
        return self.set_leads * self.set_is_rate * self.set_fs_rate

    @property
    def gap_wins(self) -> Fraction:
        """Wins the hand-set chain falls short of the KGI's (negative: a surplus)."""
        return self.wins - self.chain_wins

    @property
    def gap_revenue(self) -> Fraction:
        return self.gap_wins * self.deal_size

    @property
    def closes(self) -> bool:
        return self.chain_wins >= self.wins

    @property
    def must_move(self) -> str | None:
        """The department whose hand-set target sits furthest below the KGI's (by ratio);
        None when the chain closes."""
        if self.closes:
            return None
        ratios = {
            "marketing": (self.hand_set.leads, self.leads),
            "inside_sales": (self.hand_set.is_rate, self.is_rate),
            "field_sales": (self.hand_set.fs_rate, self.fs_rate),
        }
        typed = {k: Fraction(v) / d for k, (v, d) in ratios.items() if v is not None}
        return min(typed, key=lambda k: typed[k]) if typed else None

    def required(self) -> dict[str, float]:
        """What each department's target would need to be, the others as set, to close."""
        return {
            "marketing": float(self.wins / (self.set_is_rate * self.set_fs_rate)),
            "inside_sales": float(self.wins / (self.set_leads * self.set_fs_rate)),
            "field_sales": float(self.wins / (self.set_leads * self.set_is_rate)),
        }

    def to_dict(self) -> dict[str, Any]:
        required = self.required()
        out: dict[str, Any] = {
            "kgi": float(self.kgi),
            "deal_size": float(self.deal_size),
            "departments": [
                {
                    "department": "marketing",
                    "kpi": "leads",
                    "derived": float(self.leads),
                    "target": self.hand_set.leads,
                    "required": required["marketing"],
                },
                {
                    "department": "inside_sales",
                    "kpi": "opportunities",
                    "derived": float(self.opportunities),
                    "rate": float(self.is_rate),
                    "target_rate": self.hand_set.is_rate,
                    "required_rate": required["inside_sales"],
                },
                {
                    "department": "field_sales",
                    "kpi": "wins",
                    "derived": float(self.wins),
                    "rate": float(self.fs_rate),
                    "target_rate": self.hand_set.fs_rate,
                    "required_rate": required["field_sales"],
                    "revenue": float(self.kgi),
                },
            ],
            "wins_needed": float(self.wins),
            "chain_wins": float(self.chain_wins),
            "closes": self.closes,
            "gap_wins": None,
            "gap_revenue": None,
            "must_move": self.must_move,
        }
        if self.hand_set.given:
            out["gap_wins"] = float(self.gap_wins)
            out["gap_revenue"] = float(self.gap_revenue)
        return out


def plan_rates(plan: KpiSet) -> tuple[float, float, float]:
    """The plan's (mean deal size, lead-to-opportunity rate, win rate) for the chain."""
    data = plan.model_dump(mode="json")
    lead_channels = [c for c in data["channels"] if c["volume_from"] != "team"] or [
        c for c in data["channels"] if c["volume_from"] == "team"
    ]
    volume = opportunities = 0.0
    for channel in lead_channels:
        if channel["volume_from"] == "team":
            level = 1.0  # calls per rep: the rate does not depend on how many
        else:
            level = uncertain.central(channel["volume_per_month"], "positive")
        rate = 1.0
        for stage in channel["stages"]:
            rate *= uncertain.central(stage["rate"], "rate")
        volume += level
        opportunities += level * rate
    is_rate = opportunities / volume if volume > 0 else 0.0
    deal = uncertain.central(data["deal_size"], "positive")
    return deal, is_rate, uncertain.central(data["win_rate"], "rate")


def from_plan(plan: KpiSet, hand_set: HandSet | None = None) -> Chain:
    deal, is_rate, fs_rate = plan_rates(plan)
    return Chain.of(plan.target.revenue, deal, is_rate, fs_rate, hand_set)
