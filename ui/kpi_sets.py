"""The session's plan: a sample, or a saved KPI set at a revision, and the store behind it.

``session.plan_id()`` names a sample (``jp_smb_saas``) or a saved set (``set:<name>``);
for a set, ``session.revision()`` is the revision the pages show and the one a save is
based on (so a save after someone else's is refused, not silently applied).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from simulator import kpi_sets as kpi_store
from simulator.plan import KpiSet
from ui import cache, errors, session
from ui.i18n import t
from ui.plans import DEFAULT_PLAN, sample, sample_ids

SET_PREFIX = "set:"


def store(*, quiet: bool = False) -> kpi_store.Store | None:
    """The shared store, or None when the database cannot be used (the reason shown unless
    ``quiet``: the chooser in the sidebar lists the samples then, and the pages say why)."""
    try:
        return cache.store(kpi_store.default_url())
    except kpi_store.StoreError as error:
        message = errors.markdown(error)
    except SQLAlchemyError:
        message = t("store_errors.unavailable")
    if not quiet:
        st.error(message)
    return None


def is_set(plan_id: str) -> bool:
    return plan_id.startswith(SET_PREFIX)


def set_id(name: str) -> str:
    return SET_PREFIX + name


def set_name(plan_id: str) -> str:
    return plan_id.removeprefix(SET_PREFIX)


def choices(opened: kpi_store.Store | None) -> list[str]:
    """Samples first, then saved KPI sets, most recently saved first (samples only when
    the database cannot be read: the pages that need it say why)."""
    try:
        names = opened.names() if opened is not None else []
    except kpi_store.StoreError:
        names = []
    return list(sample_ids()) + [set_id(name) for name in names]


@contextmanager
def guard() -> Iterator[None]:
    """Show a store error in the user's language and stop the page (no traceback)."""
    try:
        yield
    except kpi_store.StoreError as error:
        st.error(errors.markdown(error))
        st.stop()


def label(plan_id: str) -> str:
    if is_set(plan_id):
        return "📁 " + set_name(plan_id)
    if plan_id in sample_ids():
        return sample(plan_id).name
    return plan_id  # a link's name for a plan there is no such sample of


def ensure_valid_plan(options: list[str]) -> None:
    """Fall back to the default sample when the chosen set is gone (renamed, archived)."""
    chosen = st.session_state.get(session.PLAN)
    if chosen not in options:
        if chosen:
            st.session_state[session.PLAN_MISSING] = chosen
        session.open_plan(DEFAULT_PLAN)


def pin_revision(opened: kpi_store.Store | None) -> None:
    """A newly chosen set opens at its newest revision, fixed from then on for this session."""
    plan_id = session.plan_id()
    if opened is None or not is_set(plan_id) or session.revision():
        return
    try:
        session.set_revision(opened.info(set_name(plan_id)).head)
    except kpi_store.StoreError:
        st.session_state[session.PLAN_MISSING] = plan_id
        session.open_plan(DEFAULT_PLAN)


def current_set() -> tuple[str, int] | None:
    """(name, revision) when the session's plan is a saved set."""
    plan_id, revision = session.plan_id(), session.revision()
    if is_set(plan_id) and revision is not None:
        return set_name(plan_id), revision
    return None


def baseline() -> KpiSet:
    """The session's plan as loaded: a sample, or the saved set at the session's revision."""
    plan_id = session.plan_id()
    if not is_set(plan_id):
        return sample(plan_id if plan_id in sample_ids() else DEFAULT_PLAN)
    opened = store()
    if opened is not None:
        try:
            revision = opened.revision(set_name(plan_id), session.revision())
        except kpi_store.StoreError as error:
            st.warning(errors.markdown(error))
            if session.revision() is None:
                return sample(DEFAULT_PLAN)
            session.set_revision(None)  # a linked revision the set lacks: its newest
            return baseline()
        else:
            session.set_revision(revision.number)
            return revision.plan
    return sample(DEFAULT_PLAN)
