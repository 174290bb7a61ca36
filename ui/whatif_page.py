"""The what-if page's words: its verdict against the required confidence, and the
assumption its monthly targets rest on."""

from __future__ import annotations

from simulator import funnel
from simulator.plan import KpiSet
from ui import session
from ui.format import percent, points, setting_percent, whole
from ui.i18n import t

VERDICT = session.element("whatif_verdict")  # the verdict line's container


def verdict(p_target: float, confidence: float) -> tuple[bool, str]:
    """Whether the scenario meets the required probability, and the line that says so:
    「目標確率80%に対し45.5%：不足（あと34.5 pt）」."""
    met = p_target >= confidence
    return met, t(
        "whatif.verdict_met" if met else "whatif.verdict_short",
        p=percent(p_target),
        confidence=setting_percent(confidence),
        gap=points(confidence - p_target).lstrip("+"),
    )


def verdict_markdown(p_target: float, confidence: float) -> str:
    """The verdict as a heading-sized line, green when met and red when short (a heading,
    not an alert box: the page's alerts are kept for problems with the inputs)."""
    met, line = verdict(p_target, confidence)
    if met:
        return f"#### :green[:material/check_circle: {line}]"
    return f"#### :red[:material/error: {line}]"


def assumption(plan: KpiSet) -> str:
    """What the monthly targets assume: the team the scenario starts with."""
    if plan.team.members is None:
        return t("targets.assumption_whatif", reps=whole(plan.team.reps))
    present = [m for m in plan.team.members if funnel.member_presence(plan, m)[0] > 0]
    return t("targets.assumption_members", members=whole(len(present)))
