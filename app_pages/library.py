"""KPI set library: find a saved plan, open it, see its history, restore, copy, export."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from simulator import compare
from simulator.kpi_sets import reviews
from ui import kpi_sets, library_page, session, tables
from ui.format import money, percent, plain
from ui.i18n import t

lang = session.lang()
st.title(t("library.title"))
st.caption(t("library.caption"))
opened = kpi_sets.store()
if opened is None:
    st.stop()

with kpi_sets.guard():  # a database that stops answering: a message, not a traceback
    library_page.show_message()

    with st.expander(
        t("library.import_title"), icon=":material/upload:", expanded=library_page.import_open()
    ):
        library_page.import_panel(opened)

    search_column, archived_column = st.columns([3, 1])
    search = search_column.text_input(
        t("library.search"), placeholder=t("library.search_hint"), key=library_page.SEARCH
    )
    include_archived = archived_column.toggle(t("library.show_archived"), key=library_page.ARCHIVED)
    sets = opened.list_sets(search, include_archived=include_archived)
    if not sets:
        st.info(t("library.empty") if not search else t("library.no_match", search=plain(search)))
        st.stop()

    st.dataframe(library_page.sets_table(sets), hide_index=True, width="stretch")

    by_name = {info.name: info for info in sets}
    library_page.choose_set(sets)
    name = st.selectbox(t("library.choose"), list(by_name), key=library_page.SET)
    info = by_name[name]
    library_page.link_set(name)
    history = opened.history(name)
    by_number = {revision.number: revision for revision in history}
    numbers = list(by_number)
    library_page.start_set(info, numbers)

    st.subheader(plain(name), anchor=False)
    if info.archived:
        st.warning(t("library.archived_note"))
    if info.description:
        st.text(info.description)
    st.caption(
        t(
            "library.details",
            revision=info.head,
            author=plain(info.author or "—"),
            tags=plain(", ".join(info.tags) or "—"),
        )
    )
    st.button(
        t("library.open"),
        type="primary",
        icon=":material/open_in_new:",
        on_click=library_page.open_in_whatif,
        args=(name, None),
        disabled=info.archived,
        key=library_page.OPEN,
    )

    history_tab, manage_tab, export_tab = st.tabs(
        [t("library.history"), t("library.manage"), t("library.export")]
    )
    currency = history[0].plan.currency

    with history_tab:
        st.dataframe(
            library_page.history_table(
                history, lambda v: money(v, currency, lang), reviews.reviews(opened, name)
            ),
            hide_index=True,
            width="stretch",
        )
        if len(numbers) > 1:
            st.markdown(f"**{t('library.diff_title')}**")
            left, right = st.columns(2)
            older = left.selectbox(
                t("library.diff_from"),
                numbers,
                format_func="r{}".format,
                key=library_page.DIFF_FROM,
            )
            newer = right.selectbox(
                t("library.diff_to"), numbers, format_func="r{}".format, key=library_page.DIFF_TO
            )
            changes = compare.diff(by_number[older].plan, by_number[newer].plan)
            if changes:
                st.dataframe(
                    pd.DataFrame(
                        tables.change_rows(
                            [(c.path, (c.before, c.after)) for c in changes], by_number[newer].plan
                        ),
                        columns=[t("compare.input"), f"r{older}", f"r{newer}"],
                    ),
                    hide_index=True,
                    width="stretch",
                )
            else:
                st.caption(t("library.no_diff"))
            st.button(
                t("library.compare_these", older=older, newer=newer),
                on_click=library_page.open_in_compare,
                args=((name, older), (name, newer)),
                icon=":material/compare_arrows:",
                key=library_page.COMPARE,
            )
        chosen = st.selectbox(
            t("library.revision_to_use"),
            numbers,
            format_func="r{}".format,
            key=library_page.REVISION,
        )
        restore_column, open_column = st.columns(2)
        restore_column.button(
            t("library.restore", revision=chosen),
            on_click=library_page.restore,
            args=(opened, name, chosen, info.head),
            disabled=chosen == info.head or info.archived,
            icon=":material/history:",
            key=library_page.RESTORE,
        )
        open_column.button(
            t("library.open_revision", revision=chosen),
            on_click=library_page.open_in_whatif,
            args=(name, chosen),
            icon=":material/open_in_new:",
            key=library_page.OPEN_REVISION,
        )

    with manage_tab:
        library_page.manage_panel(opened, info)

    with export_tab:
        revision = by_number[
            st.selectbox(
                t("library.export_revision"),
                list(by_number),
                format_func="r{}".format,
                key=library_page.EXPORT_REVISION,
            )
        ]
        stem = library_page.file_stem(name, revision.number)
        exports = library_page.exports(info, revision)
        for column, (key, label, suffix, mime, icon, data) in zip(
            st.columns(len(exports)), exports, strict=True
        ):
            column.download_button(
                label,
                data,
                file_name=stem + suffix,
                mime=mime,
                icon=f":material/{icon}:",
                key=library_page.EXPORT(key),
                on_click="ignore",
            )
        st.caption(t("library.export_note"))
        if lost := library_page.shift_jis_loss(info, revision):
            st.warning(
                t("library.cp932_lost", characters=plain(" ".join(lost[:20])), count=len(lost)),
                icon=":material/warning:",
            )
        summary = revision.summary
        st.caption(
            t(
                "library.export_summary",
                p=percent(summary["p_target"]),
                p50=money(summary["p50"], currency, lang),
            )
        )
