"""The KGI逆算 page's helpers: the lever it solves, the scenario it solves from (target,
confidence and levers shared with the what-if page), and handing a solved plan to the
what-if page (the solving is in the simulator, its answer cached in ui/cache)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from simulator import reverse
from simulator.levers import Lever
from simulator.plan import KpiSet, parse_plan
from ui import scenario, session, tables
from ui.format import count, month, percent
from ui.i18n import t

LEVER = session.widget("reverse_lever")  # the lever's path
USE = session.element("reverse_use")
DOWNLOAD = session.element("reverse_download")
SOLVE = session.LINK_SOLVE


def start_inputs(solvable: Sequence[Lever]) -> None:
    """The lever to solve starts on the link's, else the first, whenever a plan is opened;
    the target and the confidence are the scenario's (shared with the what-if page)."""
    paths = [lever.path for lever in solvable]
    linked = session.from_link([SOLVE]).get(SOLVE, [])
    first = linked[-1] if linked and linked[-1] in paths else paths[0]
    if linked and linked[-1] not in paths:
        session.link_problem(SOLVE, linked[-1])
    session.reset_on_change("reverse", session.plan_id(), {LEVER: first})
    session.ensure_choice(LEVER, paths, first)
    session.add_to_link(
        SOLVE, st.session_state[LEVER] if st.session_state[LEVER] != paths[0] else None
    )


def goal_plan(baseline: KpiSet) -> KpiSet:
    """The scenario's plan (levers, target, confidence, as on the what-if page); raises
    PlanError when it is not valid."""
    return scenario.scenario_plan(baseline, st.session_state)


def use_as_scenario(plan_json: str) -> None:
    """Make the solved plan the scenario and show it on the what-if page (a callback)."""
    session.set_scenario(scenario.defaults(parse_plan(plan_json)))
    session.go_to("whatif")


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
