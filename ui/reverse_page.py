"""The KGI逆算 page's helpers: its own target, confidence and lever, the plan they ask for,
and handing a solved plan to the what-if page (the solving is in the simulator, its
answer cached in ui/cache)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from simulator import reverse
from simulator.levers import Lever
from simulator.plan import KpiSet, parse_plan
from ui import scenario, session, tables
from ui.format import count, month, percent
from ui.i18n import t

TARGET = session.widget("reverse_target")
CONFIDENCE = session.widget("reverse_confidence")  # in %
LEVER = session.widget("reverse_lever")  # the lever's path
USE = session.element("reverse_use")
DOWNLOAD = session.element("reverse_download")


def start_inputs(baseline: KpiSet, solvable: Sequence[Lever]) -> None:
    """The inputs start from the plan, and again whenever another plan is opened."""
    session.reset_on_change(
        "reverse",
        session.plan_id(),
        {
            TARGET: float(baseline.target.revenue),
            CONFIDENCE: round(baseline.target.confidence * 100),
            LEVER: solvable[0].path,
        },
    )


def goal_plan(baseline: KpiSet) -> KpiSet:
    """The plan with this page's target and confidence; raises PlanError when invalid."""
    data = baseline.model_dump(mode="json")
    data["target"] = {
        "revenue": float(st.session_state[TARGET]),
        "confidence": st.session_state[CONFIDENCE] / 100,
    }
    return parse_plan(data)


def use_as_scenario(plan_json: str) -> None:
    """Make the solved plan the what-if scenario of the session's plan (a callback)."""
    session.set_scenario(scenario.defaults(parse_plan(plan_json)))


def chain_steps(
    chain: reverse.Chain, money: Callable[[float], str], plan: KpiSet | None = None
) -> list[str]:
    """The plain chain as numbered steps: target ÷ deal size ÷ win rate ÷ each stage."""
    lines = [
        t("reverse.step_target", target=money(chain.target)),
        t(
            "reverse.step_wins",
            deal=money(chain.deal_size),
            wins=count(chain.wins),
            open=count(chain.open_pipeline_wins),
        ),
        t("reverse.step_opps", win=percent(chain.win_rate), opps=count(chain.opportunities)),
    ]
    for channel, steps in chain.steps.items():
        share = percent(chain.channel_share[channel])
        parts = " ← ".join(
            f"{tables.metric_label(f'{channel}.{stage}', plan)} {count(needed)}"
            + (f" (÷{percent(rate)})" if stage != "volume" else "")
            for stage, rate, needed in reversed(steps)
        )
        name = tables.channel_label(channel, plan)
        lines.append(t("reverse.step_channel", channel=name, share=share, parts=parts))
    lines.append(t("reverse.step_lag", lag=chain.lag_months))
    return lines


def capacity_short(plan: KpiSet, chain: reverse.Chain, lang: str) -> str | None:
    """The months the team cannot make the calls the chain asks for, when there are any."""
    team = next((c for c in plan.channels if c.volume_from == "team"), None)
    if team is None:
        return None
    check = reverse.capacity(plan, chain.monthly[f"{team.key}.volume"].to_numpy())
    short = check[check["short"]]
    if not len(short):
        return None
    return t(
        "reverse.capacity_short",
        months=", ".join(month(m, lang) for m in short.index),
        reps=count(check["reps_needed"].replace(float("inf"), float("nan")).max()),
    )
