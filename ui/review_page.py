"""The 予実レビュー page's helpers: its keys, the uploaded actuals and their checks, what
the page shows of a review, and saving one (the review itself is simulator/review.py,
cached in ui/cache).

An upload is read and checked in full as soon as it arrives (or the review month changes);
a good one is kept in the session (and, for a saved KPI set, stored as a snapshot at once),
a bad one leaves only its problems, worded by ui/errors.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pandas as pd
import streamlit as st

from simulator import actuals as actuals_files
from simulator import glossary, levers, reverse
from simulator import kpi_sets as kpi_store
from simulator import review as reviewing
from simulator.actuals import Actuals, ActualsError
from simulator.calendar import month_keys
from simulator.errors import Problem
from simulator.kpi_sets import reviews
from simulator.plan import KpiSet
from ui import cache, errors, kpi_sets, session
from ui.format import count, money, money_range, month, percent, plain, signed_money
from ui.i18n import t

ROUND = session.state("review_round")  # a new round empties the uploader
UPLOAD = session.element_family("review_upload_")  # UPLOAD(round)
AS_OF = session.widget("review_as_of")  # "" for the file's last month, else YYYY-MM
SHEET = session.widget("review_sheet")
CHECKED = session.state("review_checked")  # the last good upload: file, layout, rows, ...
PROBLEMS = session.state("review_problems")  # the last refused upload's problems
SEEN = session.state("review_seen")  # what the last check was of: (file id, as of, sheet)
MESSAGE = session.state("review_message")  # (kind, text) of the last save
NAME = session.widget("review_name")
COMMENT = session.widget("review_comment")
FORM = session.element("review_form")
LEVER = session.widget("review_lever")
REQUIRE = session.element("review_require")
REQUIRED = session.state("review_required")  # the lever whose monthly needs were asked for
TEMPLATE = session.element_family("review_template_")  # TEMPLATE("ja_long")
DOWNLOAD = session.element("review_download")

SCOPE = "review"
FLAGS = ("below", "above")


# --------------------------------------------------------------------------- the plan reviewed


def prior(baseline: KpiSet) -> tuple[KpiSet, int | None]:
    """The plan a review starts from, and its revision: the session's plan, or, when that
    is itself a review, the plan it reviewed (its months would otherwise count twice)."""
    current = kpi_sets.current_set()
    opened = kpi_sets.store(quiet=True)
    if current is None or opened is None:
        return baseline, None
    name, number = current
    try:
        before = reviews.prior_revision(opened, name, number)
        return (opened.revision(name, before).plan if before != number else baseline), before
    except kpi_store.StoreError:
        return baseline, number


def start(plan_key: Any) -> None:
    """The page starts afresh for another plan (or another revision reviewed)."""
    session.reset_on_change(SCOPE, plan_key, [CHECKED, PROBLEMS, SEEN, AS_OF, SHEET, REQUIRED])


def upload_key() -> str:
    return UPLOAD(st.session_state.get(ROUND, 0))


# --------------------------------------------------------------------------- checking


def _checked_json(found: Actuals) -> str:
    return json.dumps(
        {"file": found.file, "layout": found.layout, "rows": found.to_rows()}, ensure_ascii=False
    )


def as_of() -> str | None:
    return st.session_state.get(AS_OF) or None


def take(uploaded: Any, plan: KpiSet) -> None:
    """Check the uploaded file (or, once it is gone, the kept rows) for the review month
    chosen; keep the actuals or their problems. A new good upload of a saved set is
    stored as a snapshot at once."""
    sheet = (st.session_state.get(SHEET) or "").strip() or None
    if uploaded is not None:
        seen = (uploaded.file_id, as_of(), sheet)
    else:
        seen = (*(st.session_state.get(SEEN) or (None,))[:1], as_of(), sheet)
    if seen == st.session_state.get(SEEN):
        return
    new_file = uploaded is not None and (st.session_state.get(SEEN) or (None,))[0] != seen[0]
    st.session_state[SEEN] = seen
    try:
        if uploaded is not None:
            found = actuals_files.read(
                uploaded.getvalue(), plan, file=uploaded.name, as_of=as_of(), sheet=sheet
            )
        elif CHECKED in st.session_state:
            kept = json.loads(st.session_state[CHECKED]["json"])
            found = Actuals.from_rows(kept["rows"], kept["file"], kept["layout"])
            actuals_files.check(found, plan, as_of())
        else:
            return
    except ActualsError as error:
        st.session_state[PROBLEMS] = error.problems
        if uploaded is not None:
            st.session_state.pop(CHECKED, None)
        return
    st.session_state.pop(PROBLEMS, None)
    snapshot = (st.session_state.get(CHECKED) or {}).get("snapshot")
    if new_file:
        snapshot = _snapshot(found)
    st.session_state[CHECKED] = {"json": _checked_json(found), "snapshot": snapshot}


def _snapshot(found: Actuals) -> int | None:
    """Store a good upload of a saved set; None for a sample (stored when saved)."""
    current = kpi_sets.current_set()
    opened = kpi_sets.store(quiet=True)
    if current is None or opened is None:
        return None
    try:
        return reviews.save_actuals(opened, current[0], found, author=session.author()).id
    except kpi_store.StoreError:
        return None


def problems() -> list[str]:
    """The refused upload's problems in the user's language (escaped for markdown). A
    problem names a count in both languages (``stage_ja``, ``stage_en``); the catalog's
    ``{stage}`` takes the user's."""
    found: list[Problem] = st.session_state.get(PROBLEMS) or []
    if not found:
        return []
    lang = session.lang()
    worded = [
        replace(
            p,
            ctx=p.ctx
            | {k[: -len(lang) - 1]: v for k, v in p.ctx.items() if k.endswith(f"_{lang}")},
        )
        for p in found
    ]
    return [plain(line) for line in errors.describe(ActualsError(worded))]


def names_table(plan: KpiSet) -> pd.DataFrame:
    """The counts a file reports and their names in both languages (either is read)."""
    keys = actuals_files.metrics(plan)
    return pd.DataFrame(
        {
            t("review.col.key"): keys,
            t("review.col.name_ja"): [glossary.metric_label(k, "ja", plan) for k in keys],
            t("review.col.name_en"): [glossary.metric_label(k, "en", plan) for k in keys],
        }
    )


def checked() -> str | None:
    """The checked actuals as JSON (the review's cache key), if any."""
    return (st.session_state.get(CHECKED) or {}).get("json")


def review_month(plan: KpiSet, checked_json: str) -> str:
    given = json.loads(checked_json)
    found = Actuals.from_rows(given["rows"], given["file"], given["layout"])
    return reviewing.review_month(plan, found, as_of())


def months(plan: KpiSet) -> list[str]:
    return ["", *month_keys(plan.start_month, plan.months)]


# --------------------------------------------------------------------------- words


def factor_label(factor: str, plan: KpiSet, lang: str) -> str:
    """An attribution factor as the glossary names it (架電数, 接触率（架電→接触）…)."""
    if factor in (reviewing.TIMING, reviewing.MEDIAN):
        return t(f"review.factor.{factor}", lang)
    if factor.endswith(".volume") and factor.startswith("channels."):
        return glossary.metric_label(factor.split(".")[1], lang, plan)
    return glossary.input_label(factor, lang, plan)


def value_text(kind: str, value: float, currency: str, lang: str) -> str:
    if kind == "rate":
        return percent(value)
    if kind == "deal_size":
        return money(value, currency, lang)
    return count(value)


def imputed(found: reviewing.Review, lang: str) -> str:
    """The counts the file lacks in some locked month, named."""
    return ", ".join(glossary.metric_label(m, lang, found.plan) for m in found.imputed)


def lever_value(path: str, value: float, plan: KpiSet, lang: str) -> str:
    """A lever's value as its kind reads (a rate in %, a deal size in money)."""
    lever = levers.find(plan, path)
    kind = "count" if lever is None else lever.kind
    return value_text("rate" if kind == "rate" else kind, value, plan.currency, lang)


def comparison_table(found: reviewing.Review, lang: str) -> pd.DataFrame:
    """Month × count: the actual, the plan's P50 and P10–P90, and whether it is off plan."""
    plan = found.plan
    table = found.comparison.table
    flag = {"below": t("review.flag.below"), "above": t("review.flag.above"), "": ""}

    def shown(metric: str, value: float) -> str:
        return money(value, plan.currency, lang) if metric == "revenue" else count(value)

    def band(metric: str, low: float, high: float) -> str:
        if metric == "revenue":
            return money_range(low, high, plan.currency, lang)
        return f"{count(low)} – {count(high)}"

    return pd.DataFrame(
        {
            t("review.col.month"): [month(m, lang) for m in table["month"]],
            t("review.col.metric"): [glossary.metric_label(m, lang, plan) for m in table["metric"]],
            t("review.col.actual"): [
                "—" if pd.isna(v) else shown(m, v)
                for m, v in zip(table["metric"], table["actual"], strict=True)
            ],
            t("review.col.p50"): [
                shown(m, v) for m, v in zip(table["metric"], table["p50"], strict=True)
            ],
            t("review.col.band"): [
                band(m, lo, hi)
                for m, lo, hi in zip(table["metric"], table["p10"], table["p90"], strict=True)
            ],
            t("review.col.flag"): [flag[f] for f in table["flag"]],
        }
    )


def updates_table(found: reviewing.Review, lang: str) -> pd.DataFrame:
    """Each input before and after the actuals, with its P10–P90 and a note when the data
    moved it outside the plan's range."""
    plan = found.plan

    def shown(u: reviewing.Update, value: float) -> str:
        return value_text(u.kind, value, plan.currency, lang)

    notes = {
        None: "",
        "above": t("review.moved.above"),
        "below": t("review.moved.below"),
    }
    rows = []
    for u in found.updates:
        rows.append(
            {
                t("review.col.input"): glossary.lever_label(u.path, lang, plan),
                t("review.col.before"): shown(u, u.prior_mean),
                t("review.col.before_band"): f"{shown(u, u.prior_p10)} – {shown(u, u.prior_p90)}",
                t("review.col.after"): shown(u, u.posterior_mean) if u.updated else "—",
                t("review.col.after_band"): (
                    f"{shown(u, u.p10)} – {shown(u, u.p90)}" if u.updated else "—"
                ),
                t("review.col.observed"): _observed(u, plan, lang),
                t("review.col.note"): notes[u.moved] if u.updated else t("review.kept"),
            }
        )
    return pd.DataFrame(rows)


def _observed(u: reviewing.Update, plan: KpiSet, lang: str) -> str:
    if not u.updated:
        return "—"
    if u.kind == "rate":
        return t("review.observed.rate", s=count(u.successes), t=count(u.trials))
    if u.kind == "deal_size":
        return t("review.observed.deals", n=count(u.successes))
    return t(f"review.observed.{u.kind}", n=count(u.successes), exposure=count(u.trials))


def verdict(found: reviewing.Review, lang: str) -> str:
    """The gap and its bottleneck in one sentence."""
    plan = found.plan
    as_money = lambda v: money(v, plan.currency, lang)  # noqa: E731
    text = t(
        "review.to_date",
        as_of=month(found.as_of, lang),
        actual=as_money(found.actual_revenue),
        p50=as_money(found.comparison.plan_p50_revenue),
        gap=signed_money(found.gap, plan.currency, lang),
    )
    if found.bottleneck is None:
        return text + " " + t("review.no_bottleneck")
    part = next(p for p in found.parts if p.factor == found.bottleneck)
    return (
        text
        + " "
        + t(
            "review.bottleneck",
            factor=factor_label(found.bottleneck, plan, lang),
            amount=as_money(part.amount),
        )
    )


def fan_labels() -> dict[str, str]:
    return {
        "title": t("review.chart.fan"),
        "y": t("chart.fan.y"),
        "plan_band": t("review.chart.plan_band"),
        "plan_median": t("review.chart.plan_median"),
        "forecast_band": t("review.chart.forecast_band"),
        "forecast_median": t("review.chart.forecast_median"),
        "actual": t("review.chart.actual"),
        "target_path": t("chart.fan.target_path"),
    }


def templates(plan: KpiSet) -> list[tuple[str, str, bytes, str]]:
    """(key, label, file, file name) of the four downloadable templates."""
    return [
        (
            f"{lang}_{layout}",
            t(f"review.template.{lang}_{layout}"),
            actuals_files.template(plan, lang, layout),
            f"centerpin_actuals_{layout}_{lang}.csv",
        )
        for lang in ("ja", "en")
        for layout in actuals_files.LAYOUTS
    ]


def solvable(analysis: Any, found: reviewing.Review) -> list[str]:
    """Levers whose required value the KGI逆算 can find, the rest of the year's center
    pin first."""
    kinds = {lv.path: lv.kind for lv in levers.levers(found.rest.plan)}
    ranked = [r.lever for r in analysis.levers] if analysis is not None else list(kinds)
    return [path for path in ranked if kinds.get(path) in reverse.SOLVABLE]


def asked_for(lever: str, pressed: bool) -> bool:
    """Whether this lever's monthly needs were asked for (kept until another is asked)."""
    if pressed:
        st.session_state[REQUIRED] = lever
    return st.session_state.get(REQUIRED) == lever


# --------------------------------------------------------------------------- saving


def _say(kind: str, text: str) -> None:
    st.session_state[MESSAGE] = (kind, text)


def show_message() -> None:
    if message := st.session_state.pop(MESSAGE, None):
        kind, body = message
        {"success": st.success, "error": st.error}[kind](body)


def save(plan_json: str, checked_json: str, as_of_month: str, default_name: str) -> None:
    """Save the review as a new revision (a callback): of the session's set, or of a new
    set made from the sample first. The page then shows the saved set, same review."""
    opened = kpi_sets.store()
    if opened is None:
        _say("error", t("store_errors.unavailable"))
        return
    found = cache.review(plan_json, checked_json, as_of_month)
    pin = None
    if found.rest is not None and found.rest.remaining_target > 0:
        pin = cache.quick_center_pin(found.rest.plan.to_json()).center_pin
    comment = str(st.session_state.get(COMMENT, "")).strip()
    current = kpi_sets.current_set()
    given = json.loads(checked_json)
    actuals = Actuals.from_rows(given["rows"], given["file"], given["layout"])
    snapshot = (st.session_state.get(CHECKED) or {}).get("snapshot")
    try:
        if current is None:
            name = str(st.session_state.get(NAME, "")).strip() or default_name
            opened.create(
                name,
                found.plan,
                author=session.author(),
                comment=t("review.plan_comment"),
                derived=cache.derived(plan_json),
            )
            base = before = 1
            snapshot = None
        else:
            name, base = current
            before = reviews.prior_revision(opened, name, base)
        if snapshot is None:
            snapshot = reviews.save_actuals(opened, name, actuals, author=session.author()).id
        revision = reviews.save(
            opened,
            name,
            found,
            base_revision=base,
            prior=before,
            actuals_id=snapshot,
            author=session.author(),
            comment=comment,
            center_pin=pin,
        )
    except kpi_store.StoreError as error:
        _say("error", errors.markdown(error))
        return
    session.open_plan(kpi_sets.set_id(revision.name), revision.number)
    session.reset_on_change(SCOPE, (kpi_sets.set_id(revision.name), before), {})
    st.session_state[CHECKED] = {"json": checked_json, "snapshot": snapshot}
    st.session_state[COMMENT] = ""
    _say("success", t("review.saved", name=plain(revision.name), revision=revision.number))
