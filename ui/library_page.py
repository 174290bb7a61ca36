"""The library page's helpers: its tables, panels and actions (callbacks run before it redraws)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from simulator import io as kpi_io
from simulator import store as kpi_store
from ui import errors, kpi_sets
from ui.format import percent, plain
from ui.i18n import t

MESSAGE = "library_message"
IMPORT_MESSAGE = "library_import_message"  # shown inside the importer, which stays open


def _say(kind: str, message: str, key: str = MESSAGE) -> None:
    st.session_state[key] = (kind, message)


def show_message(key: str = MESSAGE) -> None:
    if message := st.session_state.pop(key, None):
        kind, body = message
        {"success": st.success, "error": st.error, "info": st.info}[kind](body)


def _upload_key() -> str:
    return f"library_upload_{st.session_state.get('upload_version', 0)}"


def import_open() -> bool:
    """Keep the importer open while it has something to say or files are chosen."""
    return IMPORT_MESSAGE in st.session_state or bool(st.session_state.get(_upload_key()))


def _local(moment: Any) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def sets_table(sets: Sequence[kpi_store.KpiSetInfo]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("library.name"): [info.name for info in sets],
            t("library.revision"): [info.head for info in sets],
            t("library.p_target"): [percent(info.summary.get("p_target", 0.0)) for info in sets],
            t("library.author"): [info.author for info in sets],
            t("library.saved_at"): [_local(info.updated_at) for info in sets],
            t("library.tags"): [", ".join(info.tags) for info in sets],
            t("library.comment"): [info.head_comment for info in sets],
            t("library.state"): [t("library.archived") if info.archived else "" for info in sets],
        }
    )


def history_table(
    history: Sequence[kpi_store.Revision], money: Callable[[float], str]
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("library.revision"): [f"r{r.number}" for r in history],
            t("library.parent"): [f"r{r.parent}" if r.parent else "—" for r in history],
            t("library.saved_at"): [_local(r.created_at) for r in history],
            t("library.author"): [r.author for r in history],
            t("library.comment"): [r.comment for r in history],
            t("library.p_target"): [percent(r.summary["p_target"]) for r in history],
            "P50": [money(r.summary["p50"]) for r in history],
        }
    )


def file_stem(name: str, revision: int) -> str:
    """A download's file name: the set's name without path or control characters."""
    stem = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", name).strip(" ._") or "kpi_set"
    return f"{stem[:80]}_r{revision}"


def open_in_whatif(name: str, revision: int | None) -> None:
    kpi_sets.open_plan(kpi_sets.set_id(name), revision)
    st.session_state["library_goto"] = "whatif"


def open_in_compare(*revisions: tuple[str, int]) -> None:
    """Show these (set, revision) pairs side by side on the compare page."""
    st.session_state["compare_count"] = len(revisions)
    for i, (name, number) in enumerate(revisions):
        st.session_state[f"compare_plan_{i}"] = kpi_sets.set_id(name)
        st.session_state[f"compare_rev_{i}"] = number
    st.session_state["library_goto"] = "compare"


def _store_error(error: kpi_store.StoreError) -> None:
    _say("error", errors.markdown(error))


def restore(opened: kpi_store.Store, name: str, number: int, head: int) -> None:
    try:
        revision = opened.restore(
            name,
            number,
            base_revision=head,
            author=kpi_sets.author(),
            comment=t("library.restored_comment", revision=number),
        )
    except kpi_store.StoreError as error:
        _store_error(error)
        return
    _say("success", t("library.restored", revision=number, new=revision.number))
    if kpi_sets.current_set() and kpi_sets.current_set()[0] == name:
        kpi_sets.open_plan(kpi_sets.set_id(name), revision.number)


def _duplicate(opened: kpi_store.Store, name: str) -> None:
    new_name = str(st.session_state.get("library_copy_name", "")).strip()
    try:
        opened.duplicate(name, new_name, author=kpi_sets.author())
    except kpi_store.StoreError as error:
        _store_error(error)
        return
    st.session_state["library_set"] = new_name
    _say("success", t("library.duplicated", name=plain(new_name)))


def _rename(opened: kpi_store.Store, name: str) -> None:
    new_name = str(st.session_state.get("library_new_name", "")).strip()
    try:
        opened.rename(name, new_name)
    except kpi_store.StoreError as error:
        _store_error(error)
        return
    if kpi_sets.current_set() and kpi_sets.current_set()[0] == name:
        kpi_sets.open_plan(kpi_sets.set_id(new_name), kpi_sets.current_set()[1])
    st.session_state["library_set"] = new_name
    _say("success", t("library.renamed", name=plain(new_name)))


def _details(opened: kpi_store.Store, name: str) -> None:
    tags = str(st.session_state.get("library_tags", "")).replace("、", ",").split(",")
    try:
        opened.update_details(
            name, description=str(st.session_state.get("library_description", "")), tags=tags
        )
    except kpi_store.StoreError as error:
        _store_error(error)
        return
    _say("success", t("library.details_saved"))


def _archive(opened: kpi_store.Store, name: str, archived: bool) -> None:
    try:
        opened.archive(name, archived)
    except kpi_store.StoreError as error:
        _store_error(error)
        return
    _say("success", t("library.archived_done" if archived else "library.unarchived_done"))


def manage_panel(opened: kpi_store.Store, info: kpi_store.KpiSetInfo) -> None:
    """Duplicate, rename, edit description and tags, archive."""
    if st.session_state.get("library_manage_of") != info.name:  # fresh fields per set
        st.session_state["library_manage_of"] = info.name
        st.session_state["library_copy_name"] = info.name + t("save.copy_suffix")
        st.session_state["library_new_name"] = info.name
        st.session_state["library_description"] = info.description
        st.session_state["library_tags"] = ", ".join(info.tags)
    left, right = st.columns(2)
    with left:
        st.text_input(t("library.copy_name"), max_chars=kpi_store.MAX_NAME, key="library_copy_name")
        st.button(
            t("library.duplicate"),
            on_click=_duplicate,
            args=(opened, info.name),
            icon=":material/content_copy:",
            key="library_duplicate",
        )
    with right:
        st.text_input(t("library.new_name"), max_chars=kpi_store.MAX_NAME, key="library_new_name")
        st.button(
            t("library.rename"),
            on_click=_rename,
            args=(opened, info.name),
            icon=":material/edit:",
            key="library_rename",
        )
    st.text_area(t("library.description"), max_chars=5000, key="library_description")
    st.text_input(t("library.tags_input"), key="library_tags")
    st.button(
        t("library.save_details"),
        on_click=_details,
        args=(opened, info.name),
        key="library_save_details",
    )
    st.divider()
    st.button(
        t("library.unarchive" if info.archived else "library.archive"),
        on_click=_archive,
        args=(opened, info.name, not info.archived),
        icon=":material/unarchive:" if info.archived else ":material/archive:",
        key="library_archive",
    )
    st.caption(t("library.archive_note"))


def _import(opened: kpi_store.Store) -> None:
    files = st.session_state.get(_upload_key())
    if not files:
        _say("error", t("library.import_none"), IMPORT_MESSAGE)
        return
    try:
        revisions = kpi_io.import_files(
            opened,
            [(file.name, file.getvalue()) for file in files],
            author=kpi_sets.author(),
            comment=t("library.imported_comment"),
        )
    except (kpi_io.ImportProblem, kpi_store.StoreError) as error:
        listed = errors.markdown(error, bulleted=True)
        _say("error", t("library.import_failed") + "\n\n" + listed, IMPORT_MESSAGE)
        return
    st.session_state["upload_version"] = st.session_state.get("upload_version", 0) + 1
    names = ", ".join(plain(r.name) for r in revisions)
    _say("success", t("library.imported", count=len(revisions), names=names), IMPORT_MESSAGE)


def import_panel(opened: kpi_store.Store) -> None:
    show_message(IMPORT_MESSAGE)
    st.caption(
        t(
            "library.import_help",
            size=kpi_io.MAX_IMPORT_BYTES // 1000,
            files=kpi_io.MAX_IMPORT_FILES,
        )
    )
    st.file_uploader(
        t("library.import_files"),
        type=["json"],
        accept_multiple_files=True,
        key=_upload_key(),
    )
    st.button(t("library.import"), on_click=_import, args=(opened,), key="library_import")
