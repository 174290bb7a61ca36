"""The workshop's scenario board: up to four named scenarios (A/B/C/D) against the plan.

Each scenario is a preset (``simulator.scenarios``) or the what-if sliders as they stood
when it was added. The board lives in the session and in the link (``wsA``…``wsD`` the
scenario, ``wnA``…``wnD`` its name), so a copied link opens the same board; a value a
link cannot give is dropped with one warning. Every plan on the board runs with the
baseline's target, trials and seed (common random numbers), so each Δ is the change's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import streamlit as st

from simulator import scenarios
from simulator.errors import CodedError
from simulator.plan import KpiSet, hidden_character
from ui import cache, scenario, session, tables
from ui.i18n import t
from ui.summaries import Cdf

BOARD = session.state("workshop_board")  # [{"slot", "name", "spec"}], in slot order
NAME_REFUSED = session.state("workshop_name_refused")  # a name with hidden characters
NEW_NAME = session.widget("workshop_new_name")
NEW_SOURCE = session.widget("workshop_new_source")  # "sliders" or a preset's code
ADD = session.element("workshop_add")
REMOVE = session.element_family("workshop_remove_")
CHART = session.CHART("workshop_reach")
COLUMN = session.element_family("workshop_column_")  # a scenario's column, for the browser

SLIDERS = "sliders"
SPEC_PARAM = session.LINK_BOARD_SPEC  # wsA=win3, wsB=q;lever:win_rate=30
NAME_PARAM = session.LINK_BOARD_NAME  # wnA=営業強化案


def spec_param(slot: str) -> str:
    return f"{SPEC_PARAM}{slot}"


def name_param(slot: str) -> str:
    return f"{NAME_PARAM}{slot}"


def link_names() -> list[str]:
    return [f(slot) for slot in scenarios.SLOTS for f in (spec_param, name_param)]


def preset_label(code: str, plan: KpiSet | None = None) -> str:
    """A preset's button text, KPI names from the glossary: 「受注率 +3pt」."""
    if code == "hire2":
        return t("workshop.preset.hire", count=scenarios.HIRES)
    if code == "win3":
        return t("workshop.preset.win", lever=tables.lever_label("win_rate", plan))
    if code == "calls10":
        return t("workshop.preset.calls", metric=tables.metric_label("calls.volume", plan))
    return t("workshop.preset.cycle", lever=tables.lever_label("sales_cycle_months", plan))


def source_label(source: str, plan: KpiSet | None = None) -> str:
    return t("workshop.from_sliders") if source == SLIDERS else preset_label(source, plan)


def clean_name(text: Any) -> str | None:
    """A scenario name as given (trimmed), or None when it is too long or hides a
    control or invisible character."""
    name = " ".join(str(text).split())
    if len(name) > scenarios.MAX_NAME or hidden_character(name) is not None:
        return None
    return name


# ----------------------------------------------------------------------------- plans


def plan_of(spec: str, baseline: KpiSet, base_state: Mapping[str, Any]) -> KpiSet:
    """The plan a scenario describes (before :func:`scenarios.aligned`); a coded error
    (PlanError, PresetUnavailable) or ValueError when it cannot be built."""
    decoded = scenarios.decode_spec(spec)
    if decoded is None:
        raise ValueError(spec)
    if isinstance(decoded, str):
        return scenarios.preset_plan(baseline, decoded)
    reading = scenario.from_query(decoded, base_state, baseline)
    if len(reading.values) != len(decoded):  # a key the plan lacks, or a value out of bounds
        raise ValueError(spec)
    return scenario.scenario_plan(baseline, {**base_state, **reading.values})


def sliders_spec(state: Mapping[str, Any], base_state: Mapping[str, Any]) -> str:
    """The what-if sliders as they stand, as a board scenario."""
    return scenarios.encode_query(scenario.to_query(state, base_state))


def read_link(
    params: Mapping[str, Sequence[str]], baseline: KpiSet, base_state: Mapping[str, Any]
) -> tuple[list[dict[str, str]], list[str]]:
    """The board a link describes, and the names of the link's values it had to drop."""
    board, dropped = [], []
    for slot in scenarios.SLOTS:
        specs, names = params.get(spec_param(slot)), params.get(name_param(slot))
        if not specs:
            if names:
                dropped.append(name_param(slot))
            continue
        spec = specs[-1]
        try:
            plan_of(spec, baseline, base_state)
        except (CodedError, ValueError, TypeError, KeyError):
            dropped.append(spec_param(slot))
            if names:
                dropped.append(name_param(slot))
            continue
        name = clean_name(names[-1]) if names else ""
        if name is None:
            dropped.append(name_param(slot))
            name = ""
        board.append({"slot": slot, "name": name, "spec": spec})
    return board, dropped


def start_from_link(baseline: KpiSet, base_state: Mapping[str, Any]) -> None:
    """The board of the link the session opened with (once); bad values noted."""
    linked = session.from_link(link_names())
    if not linked:
        return
    board, dropped = read_link(linked, baseline, base_state)
    st.session_state[BOARD] = board
    for name in dropped:
        session.link_problem(name, linked[name][-1])


def board() -> list[dict[str, str]]:
    return list(st.session_state.get(BOARD) or [])


def write_link() -> None:
    """The board in the address bar: a copied link opens it."""
    entries = {entry["slot"]: entry for entry in board()}
    for slot in scenarios.SLOTS:
        entry = entries.get(slot)
        session.add_to_link(spec_param(slot), entry["spec"] if entry else None)
        session.add_to_link(name_param(slot), (entry["name"] or None) if entry else None)


def free_slot() -> str | None:
    taken = {entry["slot"] for entry in board()}
    return next((slot for slot in scenarios.SLOTS if slot not in taken), None)


def add(baseline: KpiSet, base_state: Mapping[str, Any]) -> None:
    """The add button's callback: a scenario from the chosen source, in the next slot."""
    slot = free_slot()
    if slot is None:
        return
    source = st.session_state.get(NEW_SOURCE) or SLIDERS
    spec = sliders_spec(st.session_state, base_state) if source == SLIDERS else source
    name = clean_name(st.session_state.get(NEW_NAME, ""))
    if name is None:
        st.session_state[NAME_REFUSED] = True
        return
    entries = [*board(), {"slot": slot, "name": name, "spec": spec}]
    st.session_state[BOARD] = sorted(entries, key=lambda entry: entry["slot"])
    st.session_state[NEW_NAME] = ""


def remove(slot: str) -> None:
    st.session_state[BOARD] = [entry for entry in board() if entry["slot"] != slot]


# ----------------------------------------------------------------------------- what it shows


@dataclass(frozen=True)
class Column:
    slot: str  # "" for the baseline
    title: str
    plan: KpiSet  # aligned: the baseline's target, trials and seed
    outcome: scenarios.Outcome
    link: dict[str, str]  # the what-if link of the scenario


def title(entry: Mapping[str, str], baseline: KpiSet) -> str:
    spec = entry["spec"]
    default = source_label(spec if spec in scenarios.PRESET_CODES else SLIDERS, baseline)
    return f"{entry['slot']}: {entry['name'] or default}"


def columns(baseline: KpiSet, base_state: Mapping[str, Any]) -> tuple[list[Column], list[str]]:
    """The baseline and each scenario with its figures; the slots whose scenario no longer
    builds on this plan (dropped from the board)."""
    lang, plan_id, revision = session.lang(), session.plan_id(), session.revision()
    base_plan = scenarios.aligned(baseline, baseline)
    base_result = cache.result(base_plan.to_json())
    out = [
        Column(
            "",
            t("workshop.baseline"),
            base_plan,
            scenarios.outcome(base_result, base_result),
            scenario.link(base_state, base_state, lang, plan_id, revision),
        )
    ]
    broken = []
    for entry in board():
        try:
            plan = plan_of(entry["spec"], baseline, base_state)
        except (CodedError, ValueError, TypeError, KeyError):
            broken.append(entry["slot"])
            continue
        aligned = scenarios.aligned(plan, baseline)
        result = cache.result(aligned.to_json())
        state = {**base_state, **scenario.defaults(plan)}
        out.append(
            Column(
                entry["slot"],
                title(entry, baseline),
                aligned,
                scenarios.outcome(base_result, result),
                scenario.link(state, base_state, lang, plan_id, revision),
            )
        )
    return out, broken


def curves(shown: Sequence[Column]) -> list[tuple[str, Cdf]]:
    return [(column.title, cache.cdf(column.plan.to_json())) for column in shown]


def chart_labels() -> dict[str, str]:
    return {
        "title": t("workshop.chart_title"),
        "x": t("chart.histogram.x"),
        "y": t("workshop.chart_y"),
        "target_line": t("chart.target"),
    }


def address(query: Mapping[str, str], page: str = "") -> str:
    """A link to ``page`` of this app with ``query``: absolute when the browser's address is
    known, else from the app's root."""
    here = getattr(st.context, "url", None) or ""
    parts = urlsplit(here)
    root = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    return f"{root}/{page}?{urlencode(dict(query))}"
