"""The compare page's helpers: the plans chosen in each slot and their side-by-side tables."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from simulator import compare
from simulator import kpi_sets as kpi_store
from simulator.plan import KpiSet
from ui import cache, errors, format, kpi_sets, session, tables
from ui.format import count_value, month, percent, setting_percent
from ui.i18n import t
from ui.plans import sample
from ui.summaries import Cdf

DIFFERENT = "background-color: #fff1c2; font-weight: 600"

COUNT = session.widget("compare_count")  # how many plans: 2–4
MAX_SLOTS = 4
SLOT_PLAN = session.widget_family("compare_plan_")  # SLOT_PLAN(0): the first plan's id
SLOT_REVISION = session.widget_family("compare_rev_")  # and its revision, for a saved set
ONLY_DIFFERENCES = session.widget("compare_only_diff")
METRIC = session.widget("compare_metric")
WHICH = session.widget("compare_which")
CDF_CHART = session.element("compare_cdf")


@dataclass(frozen=True)
class Entry:
    label: str
    plan: KpiSet
    summary: dict[str, float]
    targets: pd.DataFrame  # index month; columns (metric, "p50" | "confidence")


LINK = session.LINK_COMPARE


def start_from_link(options: Sequence[str]) -> None:
    """The plans (and revisions) a link put side by side, if the session opened with one."""
    slots = []
    linked = session.from_link([LINK]).get(LINK, [])
    for text in linked[MAX_SLOTS:]:
        session.link_problem(LINK, text)
    for text in linked[:MAX_SLOTS]:
        plan_id, number = text, None
        head, _, tail = text.rpartition("@")
        if head and kpi_sets.is_set(head) and tail.isascii() and tail.isdigit() and len(tail) < 10:
            plan_id, number = head, int(tail)
        if plan_id in options:
            slots.append((plan_id, number))
        else:
            session.link_problem(LINK, text)
    if len(slots) < 2:
        return
    st.session_state[COUNT] = len(slots)
    for i, (plan_id, number) in enumerate(slots):
        st.session_state[SLOT_PLAN(i)] = plan_id
        if number is not None:
            st.session_state[SLOT_REVISION(i)] = number


def link_slots(count: int) -> None:
    """The plans shown, each saved set with its revision, in the page's link."""
    shown = []
    for i in range(count):
        plan_id = st.session_state.get(SLOT_PLAN(i))
        number = st.session_state.get(SLOT_REVISION(i))
        if plan_id is None:
            continue
        shown.append(f"{plan_id}@{number}" if kpi_sets.is_set(plan_id) and number else plan_id)
    session.add_to_link(LINK, shown)


def default_slots(options: Sequence[str], count: int) -> None:
    """Slot 1 starts on the session's plan, the others on the next plans not yet shown."""
    used: list[str] = []
    for i in range(count):
        key = SLOT_PLAN(i)
        if st.session_state.get(key) not in options:
            first = session.plan_id() if i == 0 else None
            free = [o for o in options if o not in used]
            saved = [o for o in free if kpi_sets.is_set(o)]
            st.session_state[key] = first if first in free else (saved or free or options)[0]
        used.append(st.session_state[key])


def slot(i: int, options: Sequence[str], opened: kpi_store.Store | None) -> Entry | None:
    plan_id = st.selectbox(
        t("compare.plan", n=i + 1), options, format_func=kpi_sets.label, key=SLOT_PLAN(i)
    )
    if not kpi_sets.is_set(plan_id):
        plan = sample(plan_id)
        derived = cache.derived(plan.to_json())
        return Entry(plan.name, plan, derived.summary, kpi_store.targets_frame(derived.targets))
    if opened is None:
        return None
    name = kpi_sets.set_name(plan_id)
    key = SLOT_REVISION(i)
    try:
        numbers = opened.revision_numbers(name)
        session.ensure_choice(key, numbers, numbers[0])
        number = st.selectbox(t("compare.revision"), numbers, format_func="r{}".format, key=key)
        revision = opened.revision(name, number)
    except kpi_store.NotFound as error:
        st.warning(errors.markdown(error))
        return None
    return Entry(f"{name} r{number}", revision.plan, revision.summary, revision.targets_frame())


def open_revisions(*revisions: tuple[str, int]) -> None:
    """Put these (set, revision) pairs in the slots, for the next run of the compare page."""
    st.session_state[COUNT] = len(revisions)
    for i, (name, number) in enumerate(revisions):
        st.session_state[SLOT_PLAN(i)] = kpi_sets.set_id(name)
        st.session_state[SLOT_REVISION(i)] = number


def unique(entries: Sequence[Entry]) -> list[Entry]:
    """The entries with labels told apart ("name r3", "name r3 (2)" for a repeat)."""
    labels: list[str] = []
    for entry in entries:
        label, n = entry.label, 2
        while label in labels:
            label, n = f"{entry.label} ({n})", n + 1
        labels.append(label)
    return [replace(entry, label=label) for entry, label in zip(entries, labels, strict=True)]


def summary_table(entries: Sequence[Entry], money: Callable[[float], str]) -> pd.DataFrame:
    revenue = tables.metric_label("revenue")
    rows = {}
    for entry in entries:
        s = entry.summary
        rows[entry.label] = {
            t("metric.p_target"): percent(s["p_target"]),
            f"{revenue} P10": money(s["p10"]),
            f"{revenue} P50": money(s["p50"]),
            f"{revenue} P90": money(s["p90"]),
            t("compare.target"): money(s["target"]),
            t("compare.confidence"): setting_percent(s["confidence"]),
            t("compare.at_confidence"): money(s["at_confidence"]),
        }
    return pd.DataFrame(rows).T


def cdf_labels() -> dict[str, str]:
    return {
        "title": t("compare.cdf_title"),
        "x": t("chart.histogram.x"),
        "y": t("compare.cdf_y"),
        "target_line": t("chart.target"),
    }


def curves(entries: Sequence[Entry]) -> list[tuple[str, Cdf]]:
    return [(entry.label, cache.cdf(entry.plan.to_json())) for entry in entries]


def _unique(labels: Sequence[str]) -> list[str]:
    """Labels told apart when two inputs would read alike ("…", "… (2)")."""
    out: list[str] = []
    for label in labels:
        name, n = label, 2
        while name in out:
            name, n = f"{label} ({n})", n + 1
        out.append(name)
    return out


def inputs_table(entries: Sequence[Entry], only_differences: bool) -> Styler:
    """Every input of the plans side by side, named by the glossary and written in its
    unit; rows that differ are highlighted."""
    plans = [entry.plan for entry in entries]
    paths, values, differs = compare.side_by_side(plans)
    flat = [compare.flatten(plan) for plan in plans]
    # An input is named after the first plan that has it (its own labels, its stages).
    owner = [next(p for p, f in zip(plans, flat, strict=True) if path in f) for path in paths]
    frame = pd.DataFrame(
        [
            [tables.input_text(path, v, plan) for v, plan in zip(row, plans, strict=True)]
            for path, row in zip(paths, values, strict=True)
        ],
        index=pd.Index(
            _unique([tables.input_label(p, o) for p, o in zip(paths, owner, strict=True)]),
            name=t("compare.input"),
        ),
        columns=[entry.label for entry in entries],
    )
    flags = pd.Series(differs, index=frame.index)
    if only_differences:
        frame, flags = frame[flags.to_numpy()], flags[flags.to_numpy()]
    return frame.style.apply(lambda row: [DIFFERENT if flags[row.name] else ""] * len(row), axis=1)


def metrics(entries: Sequence[Entry]) -> list[str]:
    out: list[str] = []
    for entry in entries:
        for metric, _ in entry.targets.columns:
            if metric not in out:
                out.append(metric)
    return out


def metric_name(metric: str, entries: Sequence[Entry] = ()) -> str:
    """A monthly count's name, as the first plan that has it names it."""
    plan = next((e.plan for e in entries if (metric, "p50") in e.targets.columns), None)
    return tables.metric_label(metric, plan)


def targets_table(entries: Sequence[Entry], metric: str, which: str, lang: str) -> Styler:
    """One monthly KPI target of every plan, month by month (— where a plan has none),
    rounded as shown; money in 万円 for yen in Japanese, the unit in each header."""
    columns = {}
    money = metric in ("revenue", "cumulative_revenue")
    for entry in entries:
        if (metric, which) in entry.targets.columns:
            values = entry.targets[(metric, which)]
            label = entry.label
            if money:
                unit = tables.money_column(entry.plan.currency, lang)
                values = values.map(lambda v, unit=unit: float(round(unit.shown(v))))
                label = f"{label}（{unit.unit}）" if lang == "ja" else f"{label} ({unit.unit})"
            else:
                values = values.map(count_value)
            columns[label] = values
    frame = pd.DataFrame(columns).sort_index()
    frame.index = [month(m, lang) for m in frame.index]
    frame.index.name = t("table.month")
    # Shown with separators, "—" where a plan has no such month; sorted as numbers.
    return frame.style.format(lambda v: "—" if pd.isna(v) else format.number(v, 1))
