"""The library page's helpers: its tables, panels and actions (callbacks run before it redraws)."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st

from simulator import kpi_sets as kpi_store
from ui import compare_page, errors, kpi_sets, session, tables
from ui.format import percent, plain
from ui.i18n import t

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LINK = session.LINK_SET

MESSAGE = session.state("library_message")  # (kind, text) of the last action
IMPORT_MESSAGE = session.state("library_import_message")  # shown inside the open importer
IMPORT_ROUND = session.state("library_import_round")  # a new round empties the uploader
UPLOAD = session.element_family("library_upload_")  # UPLOAD(round)
IMPORT = session.element("library_import")
SEARCH = session.widget("library_search")
ARCHIVED = session.widget("library_archived")
SET = session.widget("library_set")  # the chosen set's name
OPEN = session.element("library_open")
# The chosen set's revisions: a diff between two, one to restore or open, one to export.
DIFF_FROM = session.widget("library_diff_from")
DIFF_TO = session.widget("library_diff_to")
REVISION = session.widget("library_revision")
COMPARE = session.element("library_compare")
RESTORE = session.element("library_restore")
OPEN_REVISION = session.element("library_open_revision")
EXPORT_REVISION = session.widget("library_export_revision")
EXPORT = session.element_family("export_")  # EXPORT("xlsx"): one download per file type
# Copy, rename, details of the chosen set.
COPY_NAME = session.widget("library_copy_name")
NEW_NAME = session.widget("library_new_name")
DESCRIPTION = session.widget("library_description")
TAGS = session.widget("library_tags")
DUPLICATE = session.element("library_duplicate")
RENAME = session.element("library_rename")
SAVE_DETAILS = session.element("library_save_details")
ARCHIVE = session.element("library_archive")


def _say(kind: str, message: str, key: str = MESSAGE) -> None:
    st.session_state[key] = (kind, message)


def show_message(key: str = MESSAGE) -> None:
    if message := st.session_state.pop(key, None):
        kind, body = message
        {"success": st.success, "error": st.error, "info": st.info}[kind](body)


def _upload_key() -> str:
    return UPLOAD(st.session_state.get(IMPORT_ROUND, 0))


def import_open() -> bool:
    """Keep the importer open while it has something to say or files are chosen."""
    return IMPORT_MESSAGE in st.session_state or bool(st.session_state.get(_upload_key()))


def choose_set(sets: Sequence[kpi_store.KpiSetInfo]) -> None:
    """The chooser starts on the linked set, else the session's set when it is listed,
    else on the first."""
    names = [info.name for info in sets]
    linked = session.from_link([LINK]).get(LINK, [])
    if linked and linked[-1] in names:
        st.session_state[SET] = linked[-1]
    elif linked:
        session.link_problem(LINK, linked[-1])
    current = kpi_sets.current_set()
    session.ensure_choice(SET, names, current[0] if current and current[0] in names else names[0])


def link_set(name: str) -> None:
    """The chosen set in the page's link."""
    session.add_to_link(LINK, name)


def start_set(info: kpi_store.KpiSetInfo, numbers: Sequence[int]) -> None:
    """Revision choices and the manage fields start afresh whenever another set is chosen."""
    session.reset_on_change(
        "library_set",
        info.name,
        (DIFF_FROM, DIFF_TO, REVISION, EXPORT_REVISION, COPY_NAME, NEW_NAME, DESCRIPTION, TAGS),
    )
    numbers = list(numbers)
    if len(numbers) > 1:
        session.ensure_choice(DIFF_FROM, numbers, numbers[1])
        session.ensure_choice(DIFF_TO, numbers, numbers[0])
    session.ensure_choice(REVISION, numbers, numbers[0])
    session.ensure_choice(EXPORT_REVISION, numbers, numbers[0])
    for key, value in (
        (COPY_NAME, info.name + t("save.copy_suffix")),
        (NEW_NAME, info.name),
        (DESCRIPTION, info.description),
        (TAGS, ", ".join(info.tags)),
    ):
        st.session_state.setdefault(key, value)


def _local(moment: Any) -> str:
    return tables.timestamp(moment)


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
    history: Sequence[kpi_store.Revision],
    money: Callable[[float], str],
    reviews: Collection[int] = (),
) -> pd.DataFrame:
    """A set's revisions, newest first; ``reviews`` are the numbers saved as reviews."""
    return pd.DataFrame(
        {
            t("library.revision"): [f"r{r.number}" for r in history],
            t("review.kind"): [
                t("review.kind_review") if r.number in reviews else "" for r in history
            ],
            t("library.parent"): [f"r{r.parent}" if r.parent else "—" for r in history],
            t("library.saved_at"): [_local(r.created_at) for r in history],
            t("library.author"): [r.author for r in history],
            t("library.comment"): [r.comment for r in history],
            t("library.p_target"): [percent(r.summary["p_target"]) for r in history],
            tables.metric_label("revenue") + " P50": [money(r.summary["p50"]) for r in history],
        }
    )


def file_stem(name: str, revision: int) -> str:
    """A download's file name: the set's name without path or control characters."""
    stem = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", name).strip(" ._") or "kpi_set"
    return f"{stem[:80]}_r{revision}"


def exports(
    info: kpi_store.KpiSetInfo, revision: kpi_store.Revision
) -> list[tuple[str, str, str, str, str, Callable[[], bytes]]]:
    """(key, label, file suffix, MIME type, icon, the file) of each export; a file is
    written when its button is pressed (deferred), not on every rerun."""
    words = {"lang": session.lang(), "zone": tables.zone_name()}  # the reader's words and time
    as_csv = partial(kpi_store.export_csv, info, revision, **words)
    return [
        ("json", "JSON", ".json", "application/json", "data_object",
         partial(kpi_store.export_json, revision)),
        ("csv", t("library.csv_utf8"), ".csv", "text/csv", "table", as_csv),
        ("csv_cp932", t("library.csv_cp932"), "_sjis.csv", "text/csv", "table",
         partial(as_csv, encoding="cp932")),
        ("xlsx", "Excel (XLSX)", ".xlsx", XLSX_MIME, "grid_on",
         partial(kpi_store.export_xlsx, info, revision, **words)),
    ]  # fmt: skip


def shift_jis_loss(info: kpi_store.KpiSetInfo, revision: kpi_store.Revision) -> tuple[str, ...]:
    """The characters of the set's own text (name, description, tags, the plan, the
    revision's author and comment) the Shift_JIS export cannot hold."""
    own = [info.name, info.description, *info.tags, revision.plan_json]
    return kpi_store.cp932_loss("".join([*own, revision.author, revision.comment]))


def open_in_whatif(name: str, revision: int | None) -> None:
    """Make this set (at this revision) the session's plan and show it on the what-if page."""
    session.open_plan(kpi_sets.set_id(name), revision)
    session.go_to("whatif")


def open_in_compare(*revisions: tuple[str, int]) -> None:
    """Show these (set, revision) pairs side by side on the compare page; the session's
    language and plan stay as they are."""
    compare_page.open_revisions(*revisions)
    session.go_to("compare")


def _store_error(error: kpi_store.StoreError) -> None:
    _say("error", errors.markdown(error))


def restore(opened: kpi_store.Store, name: str, number: int, head: int) -> None:
    try:
        revision = opened.restore(
            name,
            number,
            base_revision=head,
            author=session.author(),
            comment=t("library.restored_comment", revision=number),
        )
    except kpi_store.StoreError as error:
        _store_error(error)
        return
    _say("success", t("library.restored", revision=number, new=revision.number))
    if kpi_sets.current_set() and kpi_sets.current_set()[0] == name:
        session.open_plan(kpi_sets.set_id(name), revision.number)


def _duplicate(opened: kpi_store.Store, name: str) -> None:
    new_name = str(st.session_state.get(COPY_NAME, "")).strip()
    try:
        opened.duplicate(name, new_name, author=session.author())
    except kpi_store.StoreError as error:
        _store_error(error)
        return
    st.session_state[SET] = new_name
    _say("success", t("library.duplicated", name=plain(new_name)))


def _rename(opened: kpi_store.Store, name: str) -> None:
    new_name = str(st.session_state.get(NEW_NAME, "")).strip()
    try:
        opened.rename(name, new_name)
    except kpi_store.StoreError as error:
        _store_error(error)
        return
    if kpi_sets.current_set() and kpi_sets.current_set()[0] == name:
        session.open_plan(kpi_sets.set_id(new_name), kpi_sets.current_set()[1])
    st.session_state[SET] = new_name
    _say("success", t("library.renamed", name=plain(new_name)))


def _details(opened: kpi_store.Store, name: str) -> None:
    tags = str(st.session_state.get(TAGS, "")).replace("、", ",").split(",")
    try:
        opened.update_details(
            name, description=str(st.session_state.get(DESCRIPTION, "")), tags=tags
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
    """Duplicate, rename, edit description and tags, archive (fields from :func:`start_set`)."""
    left, right = st.columns(2)
    with left:
        st.text_input(t("library.copy_name"), max_chars=kpi_store.MAX_NAME, key=COPY_NAME)
        st.button(
            t("library.duplicate"),
            on_click=_duplicate,
            args=(opened, info.name),
            icon=":material/content_copy:",
            key=DUPLICATE,
        )
    with right:
        st.text_input(t("library.new_name"), max_chars=kpi_store.MAX_NAME, key=NEW_NAME)
        st.button(
            t("library.rename"),
            on_click=_rename,
            args=(opened, info.name),
            icon=":material/edit:",
            key=RENAME,
        )
    st.text_area(t("library.description"), max_chars=5000, key=DESCRIPTION)
    st.text_input(t("library.tags_input"), key=TAGS)
    st.button(
        t("library.save_details"),
        on_click=_details,
        args=(opened, info.name),
        key=SAVE_DETAILS,
    )
    st.divider()
    st.button(
        t("library.unarchive" if info.archived else "library.archive"),
        on_click=_archive,
        args=(opened, info.name, not info.archived),
        icon=":material/unarchive:" if info.archived else ":material/archive:",
        key=ARCHIVE,
    )
    st.caption(t("library.archive_note"))


def _import(opened: kpi_store.Store) -> None:
    files = st.session_state.get(_upload_key())
    if not files:
        _say("error", t("library.import_none"), IMPORT_MESSAGE)
        return
    try:
        revisions = kpi_store.import_files(
            opened,
            [(file.name, file.getvalue()) for file in files],
            author=session.author(),
            comment=t("library.imported_comment"),
        )
    except (kpi_store.ImportProblem, kpi_store.StoreError) as error:
        listed = errors.markdown(error, bulleted=True)
        _say("error", t("library.import_failed") + "\n\n" + listed, IMPORT_MESSAGE)
        return
    st.session_state[IMPORT_ROUND] = st.session_state.get(IMPORT_ROUND, 0) + 1
    names = ", ".join(plain(r.name) for r in revisions)
    _say("success", t("library.imported", count=len(revisions), names=names), IMPORT_MESSAGE)


def import_panel(opened: kpi_store.Store) -> None:
    show_message(IMPORT_MESSAGE)
    st.caption(
        t(
            "library.import_help",
            size=kpi_store.MAX_IMPORT_BYTES // 1000,
            files=kpi_store.MAX_IMPORT_FILES,
        )
    )
    st.file_uploader(
        t("library.import_files"),
        type=["json"],
        accept_multiple_files=True,
        key=_upload_key(),
    )
    st.button(t("library.import"), on_click=_import, args=(opened,), key=IMPORT)
