"""Saving a page's plan as a KPI set: the save form, its outcome and the conflict panel.

The save runs in the form's callback (before the page script), so it can switch the
session to the saved set. A save based on a stale revision is refused by the store; the
plan the user wanted to save is kept in the session until they save it as a copy or
reload the newer revision on purpose.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from simulator import compare
from simulator import kpi_sets as kpi_store
from simulator.plan import KpiSet, PlanError, parse_plan
from ui import cache, errors, kpi_sets, session, tables
from ui.format import plain
from ui.i18n import t

CONFLICT = session.state("save_conflict")  # a refused save, kept until copied or reloaded
MESSAGE = session.state("save_message")  # (where, kind, text) of the last save
RERUN = session.state("save_rerun")
# One form per page (``where``): NAME("whatif") == "save_name_whatif".
NAME = session.widget_family("save_name_")
COMMENT = session.widget_family("save_comment_")
FORM = session.element_family("save_form_")
POPOVER = session.widget_family("save_popover_")  # open or closed: a save closes it
COPY_NAME = session.widget_family("copy_name_")
COPY = session.element_family("save_copy_")
RELOAD = session.element_family("save_reload_")
#: Pages whose save form sits inside an ``st.fragment``: a save there reruns the whole app,
#: so the sidebar and the page show the saved set (other pages rerun whole anyway).
IN_FRAGMENT = frozenset({"whatif"})


def _create_or_save(name: str, plan_json: str, comment: str) -> kpi_store.Revision:
    opened = kpi_sets.store()
    if opened is None:
        raise kpi_store.StoreError("unavailable", "the database cannot be used")
    plan = parse_plan(plan_json)
    derived = cache.derived(plan_json)  # the page has usually simulated this plan already
    current = kpi_sets.current_set()
    if current is not None and current[0] == name:
        return opened.save(
            name,
            plan,
            base_revision=current[1],
            author=session.author(),
            comment=comment,
            derived=derived,
        )
    return opened.create(name, plan, author=session.author(), comment=comment, derived=derived)


def _saved(where: str, revision: kpi_store.Revision) -> None:
    session.open_plan(kpi_sets.set_id(revision.name), revision.number)
    st.session_state[POPOVER(where)] = False  # the form is done: the outcome shows outside
    st.session_state[COMMENT(where)] = ""  # the next save gets its own comment
    st.session_state.pop(CONFLICT, None)
    st.session_state[RERUN] = where in IN_FRAGMENT
    st.session_state[MESSAGE] = (
        where,
        "success",
        t("save.saved", name=plain(revision.name), revision=revision.number),
    )


def _submit(
    where: str, plan_json: str, default_name: str, now: Callable[[], KpiSet] | None = None
) -> None:
    # An emptied field means the name it started with.
    name = str(st.session_state.get(NAME(where), "")).strip() or default_name
    comment = str(st.session_state.get(COMMENT(where), "")).strip()
    try:
        if now is not None:  # the plan as the widgets hold it at this click
            plan_json = now().to_json()
        revision = _create_or_save(name, plan_json, comment)
    except kpi_store.StaleRevision as error:
        st.session_state[CONFLICT] = {
            "where": where,
            "name": name,
            "plan": plan_json,
            "comment": comment,
            "base": error.base,
            "head": error.head.number,
            "authors": error.ctx["authors"],
            "newer": [
                (r.number, r.author, r.comment, tables.timestamp(r.created_at)) for r in error.newer
            ],
            "changes": _three_way(name, error, plan_json),
        }
        st.session_state[COPY_NAME(where)] = name + t("save.copy_suffix")
        st.session_state.pop(MESSAGE, None)
        return
    except (kpi_store.StoreError, PlanError) as error:
        st.session_state[MESSAGE] = (where, "error", errors.markdown(error))
        return
    _saved(where, revision)


def _three_way(name: str, error: kpi_store.StaleRevision, plan_json: str) -> list[tuple]:
    """Every input that the newer revisions or this save changed: its path, and its value
    in the base, theirs and yours (named and written out when shown, in the language
    then)."""
    opened = kpi_sets.store(quiet=True)
    try:
        base = opened.revision(name, error.base).plan if opened is not None else None
    except kpi_store.StoreError:
        base = None
    if base is None:  # the base cannot be read: their changes are all we can show
        return [(c.path, c.before, c.after, "") for c in error.changes]
    flat = [compare.flatten(plan) for plan in (base, error.head.plan, parse_plan(plan_json))]
    paths = list(dict.fromkeys(path for one in flat for path in one))
    rows = []
    for path in paths:
        values = [one.get(path) for one in flat]
        if values[0] != values[1] or values[0] != values[2]:
            rows.append((path, *values))
    return rows


def _save_copy(where: str) -> None:
    pending = st.session_state.get(CONFLICT)
    if not pending:
        return
    opened = kpi_sets.store()
    name = str(st.session_state.get(COPY_NAME(where), "")).strip()
    try:
        if opened is None:
            raise kpi_store.StoreError("unavailable", "the database cannot be used")
        revision = opened.create(
            name,
            parse_plan(pending["plan"]),
            author=session.author(),
            comment=pending["comment"],
            derived=cache.derived(pending["plan"]),
        )
    except kpi_store.StoreError as error:
        st.session_state[MESSAGE] = (where, "error", errors.markdown(error))
        return
    _saved(where, revision)


def _reload(where: str) -> None:
    pending = st.session_state.pop(CONFLICT, None)
    if pending:
        session.open_plan(kpi_sets.set_id(pending["name"]), pending["head"])
        st.session_state[RERUN] = where in IN_FRAGMENT
        st.session_state[MESSAGE] = (
            where,
            "info",
            t("save.reloaded", name=plain(pending["name"]), revision=pending["head"]),
        )


def save_panel(plan: KpiSet | None, where: str, now: Callable[[], KpiSet] | None = None) -> None:
    """A "save as KPI set" button for the page's plan (disabled when there is none).

    ``now``, when given, builds the plan again from the widgets when Save is pressed: the
    save then holds what they show at that moment, even if the run that drew this form
    saw an earlier value (a slider moved just before the click)."""
    current = kpi_sets.current_set()
    default = current[0] if current else (plan.name if plan else "")
    # The name field shows the set or plan being saved, again whenever that changes.
    session.reset_on_change(f"save_name:{where}", default, {NAME(where): default})
    with st.popover(
        t("save.button"),
        icon=":material/save:",
        disabled=plan is None,
        key=POPOVER(where),
        on_change="rerun",  # tracked, so a successful save can close it
    ):
        if current:
            st.caption(t("save.based_on", name=plain(current[0]), revision=current[1]))
        with st.form(FORM(where), border=False):
            # The name is a real value (the set or plan being saved), not a grey placeholder
            # that looks typed.
            st.text_input(t("save.name"), max_chars=kpi_store.MAX_NAME, key=NAME(where))
            st.text_area(t("save.comment"), max_chars=2000, key=COMMENT(where))
            st.form_submit_button(
                t("save.submit"),
                type="primary",
                on_click=_submit,
                args=(where, plan.to_json() if plan else "", default, now),
            )
        st.caption(t("save.author_note", author=plain(session.author() or "—")))


def outcome(where: str) -> None:
    """What the last save from ``where`` did: saved, refused, or in conflict (with choices)."""
    if st.session_state.pop(RERUN, False):
        st.rerun()
    message = st.session_state.get(MESSAGE)
    if message and message[0] == where:
        _, kind, text = st.session_state.pop(MESSAGE)
        {"success": st.success, "error": st.error, "info": st.info}[kind](text)
        if kind == "success":
            st.toast(t("save.toast"), icon=":material/check_circle:")
    pending = st.session_state.get(CONFLICT)
    if not pending or pending["where"] != where:
        return
    st.warning(
        t(
            "save.conflict",
            name=plain(pending["name"]),
            base=pending["base"],
            head=pending["head"],
            authors=plain(pending["authors"]),
        )
    )
    if pending["newer"]:
        st.dataframe(
            pd.DataFrame(
                pending["newer"],
                columns=[
                    t("library.revision"),
                    t("library.author"),
                    t("library.comment"),
                    t("library.saved_at"),
                ],
            ),
            hide_index=True,
            width="stretch",
        )
    if pending["changes"]:
        st.caption(t("save.conflict_changes", base=pending["base"], head=pending["head"]))
        named = tables.change_rows(
            [(path, values) for path, *values in pending["changes"]], parse_plan(pending["plan"])
        )
        st.dataframe(
            pd.DataFrame(
                named,
                columns=[
                    t("compare.input"),
                    f"r{pending['base']}",
                    f"r{pending['head']}",
                    t("save.yours"),
                ],
            ),
            hide_index=True,
            width="stretch",
        )
    left, right = st.columns(2)
    with left:
        st.text_input(t("save.copy_name"), max_chars=kpi_store.MAX_NAME, key=COPY_NAME(where))
        st.button(
            t("save.copy"), type="primary", on_click=_save_copy, args=(where,), key=COPY(where)
        )
    with right:
        st.caption(t("save.reload_note"))
        st.button(t("save.reload"), on_click=_reload, args=(where,), key=RELOAD(where))
