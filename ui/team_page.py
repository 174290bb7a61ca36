"""The team plan page (チーム計画): members in an editable table, their pooled rates, the
roll-up to the team, the department chain and top-down against bottom-up targets.

The member table's rows are plain dicts (columns below); :func:`plan_with_rows` turns them
into the plan's ``team.members`` and every refusal into "row, column: message" in the
user's language. Everything shown is computed by :mod:`simulator.team` and
:mod:`simulator.departments`, once per plan (cached here: the page's only cache).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import streamlit as st

from simulator import departments, team
from simulator.errors import Problem
from simulator.plan import WIN_RATE_KEY, KpiSet, PlanError, parse_plan
from simulator.pooling import PooledRate, team_stage_rates
from ui import errors, session, tables
from ui.format import money, money_unit, percent, whole
from ui.i18n import t

#: Trials of the page's roll-up: member percentiles and P(target) to about ±0.4 pt.
TRIALS = 20_000
#: A prior strength this large (in observations) means members differ no more than luck.
ALIKE_STRENGTH = 1e5
#: Member-level center pin options shown (the best coaching steps and the hire).
PIN_SHOWN = 5

MEMBERS = session.state("team_members")  # the table's rows (dicts), started from the plan
MEMBERS_VERSION = session.state("team_members_version")  # a new one redraws the editor
EDITOR = session.element_family("team_editor_")
LEADS = session.widget("team_leads")  # marketing's typed lead target (None: derived)
IS_RATE = session.widget("team_is_rate")  # inside sales' typed rate, in percent
FS_RATE = session.widget("team_fs_rate")  # field sales' typed win rate, in percent
MEMBER_CHART = session.element("team_member_chart")
RESET = session.element("team_reset")
ROLLUP = session.state("team_rollup")  # (plan JSON, its roll-up): the last one computed
EDITED = session.state("team_members_edited")  # the table as last edited (outlives a visit)
SCOPE = "team"  # the reset scope of the table: the plan it started from

NAME, START, LEAVE, RAMP, CALLS, TARGET = (
    "name",
    "start_month",
    "leave_month",
    "ramp_months",
    "calls",
    "target",
)


def wins_column(key: str) -> str:
    return f"{key}:successes"


def tries_column(key: str) -> str:
    return f"{key}:trials"


def stage_keys(plan: KpiSet) -> list[str]:
    """The stages members may have records for: the team channel's, then the win rate."""
    return list(team_stage_rates(plan))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


# --------------------------------------------------------------------------- rows <-> plan


def rows_from_plan(plan: KpiSet, lang: str) -> list[dict[str, Any]]:
    """The member table of ``plan``: its members, or, for a plan by headcount, one row per
    rep at the start and per hire (leavers leave from the last rows)."""
    unit = money_unit(plan.currency, lang)
    keys = stage_keys(plan)

    def row(name: str, **given: Any) -> dict[str, Any]:
        out: dict[str, Any] = {NAME: name, START: None, LEAVE: None, RAMP: None, CALLS: None}
        out[TARGET] = None
        for key in keys:
            out[wins_column(key)] = None
            out[tries_column(key)] = None
        out.update(given)
        return out

    if plan.team.members:
        rows = []
        for member in plan.team.members:
            dumped = member.model_dump(mode="json")
            calls = dumped.get("calls_per_rep_per_day")
            r = row(
                member.name,
                **{
                    START: member.start_month,
                    LEAVE: member.leave_month,
                    RAMP: member.ramp_months,
                    CALLS: calls if isinstance(calls, (int, float)) else None,
                    TARGET: None if member.target is None else unit.shown(member.target),
                },
            )
            for key, value in dumped.get("rates", {}).items():
                if isinstance(value, dict) and "successes" in value:
                    r[wins_column(key)] = value["successes"]
                    r[tries_column(key)] = value["trials"]
            rows.append(r)
        return rows
    base = t("team.rep_name", lang)
    rows = [row(base.format(number=i + 1)) for i in range(min(plan.team.reps, 200))]
    for hire in sorted(plan.team.hires, key=lambda h: h.month):
        if hire.change > 0:
            for _ in range(hire.change):
                if len(rows) < 200:
                    rows.append(row(base.format(number=len(rows) + 1), **{START: hire.month}))
        else:
            # A leaver is a fully ramped rep (as the engine takes them): the last of those
            # on the team from the start, then the earliest hires.
            staying = [r for r in rows if r[LEAVE] is None and (r[START] or "") <= hire.month]
            staying.sort(key=lambda r: r[START] is not None)
            tenured_first = [r for r in staying if r[START] is None][::-1] + [
                r for r in staying if r[START] is not None
            ]
            for r in tenured_first[: -hire.change]:
                r[LEAVE] = hire.month
    return rows


def _member(row: dict[str, Any], plan: KpiSet, keys: list[str], unit: Any) -> dict[str, Any]:
    """One row as the file format's member (blank cells left out)."""
    member: dict[str, Any] = {NAME: "" if _blank(row.get(NAME)) else str(row[NAME]).strip()}
    for column, field in ((START, "start_month"), (LEAVE, "leave_month")):
        if not _blank(row.get(column)):
            member[field] = str(row[column]).strip()
    if not _blank(row.get(RAMP)):
        member["ramp_months"] = _number(row[RAMP])
    if not _blank(row.get(CALLS)):
        member["calls_per_rep_per_day"] = float(row[CALLS])
    if not _blank(row.get(TARGET)):
        member["target"] = unit.amount(float(row[TARGET]))
    rates = {}
    # A number or range the plan gives this member (the table edits counts only) is kept
    # while the row's counts for that stage stay blank.
    kept = next(
        (
            m.model_dump(mode="json").get("rates", {})
            for m in plan.team.members or []
            if m.name == member[NAME]
        ),
        {},
    )
    for key in keys:
        wins, tries = row.get(wins_column(key)), row.get(tries_column(key))
        if _blank(wins) and _blank(tries):
            given = kept.get(key)
            if given is not None and not (isinstance(given, dict) and "successes" in given):
                rates[key] = given
            continue
        rates[key] = {
            "successes": 0 if _blank(wins) else _number(wins),
            "trials": 0 if _blank(tries) else _number(tries),
        }
    if rates:
        member["rates"] = rates
    return member


def _number(value: Any) -> Any:
    """A whole number as an int (the format is strict about whole numbers)."""
    number = float(value)
    return int(number) if number.is_integer() else number


def _filled(row: dict[str, Any]) -> bool:
    return any(not _blank(value) for value in row.values())


def plan_with_rows(
    plan: KpiSet, rows: list[dict[str, Any]], lang: str
) -> tuple[KpiSet | None, list[str]]:
    """The plan with the table's members, or None and one message per problem, each naming
    the row (and the member) and the column."""
    unit = money_unit(plan.currency, lang)
    keys = stage_keys(plan)
    filled = [(i, row) for i, row in enumerate(rows) if _filled(row)]
    if not filled:
        return None, [t("team.no_members", lang)]
    data = plan.model_dump(mode="json")
    data["team"]["members"] = [_member(row, plan, keys, unit) for _, row in filled]
    try:
        return parse_plan(data), []
    except PlanError as error:
        return None, [_row_problem(p, filled, plan, lang) for p in error.problems]


def _row_problem(
    problem: Problem, filled: list[tuple[int, dict[str, Any]]], plan: KpiSet, lang: str
) -> str:
    values = {k: ", ".join(v) if isinstance(v, list) else v for k, v in problem.ctx.items()}
    message = errors.line(Problem("", problem.code, problem.message, values), PlanError, lang)
    prefix = "team.members["
    if not problem.path.startswith(prefix):
        where = errors.field_label(problem.path, plan, lang) if problem.path else ""
        return f"{where}: {message}" if where else message
    index_text, _, rest = problem.path[len(prefix) :].partition("]")
    index = int(index_text)
    row_number, row = filled[index] if index < len(filled) else (index, {})
    name = "" if _blank(row.get(NAME)) else str(row[NAME])
    return t(
        "team.row_problem",
        lang,
        row=row_number + 1,
        name=name or "—",
        column=column_label(rest.lstrip("."), plan, lang),
        message=message,
    )


def column_label(field: str, plan: KpiSet, lang: str) -> str:
    """A member field (``rates.connect.trials``) as the table's column header names it."""
    head, _, rest = field.partition(".")
    simple = {
        "name": t("team.col_name", lang),
        "start_month": t("team.col_start", lang),
        "leave_month": t("team.col_leave", lang),
        "ramp_months": t("team.col_ramp", lang),
        "calls_per_rep_per_day": stage_label("calls", plan, lang),
        "target": t("team.col_target", lang, unit=money_unit(plan.currency, lang).unit),
    }
    if head in simple:
        return simple[head]
    if head == "rates" and rest:
        key, _, part = rest.partition(".")
        if part == "trials":
            return t("team.col_trials", lang, stage=stage_label(key, plan, lang))
        if part == "successes":
            return t("team.col_successes", lang, stage=stage_label(key, plan, lang))
        return stage_label(key, plan, lang)
    return t("team.col_member", lang)


def stage_label(key: str, plan: KpiSet, lang: str) -> str:
    """A stage key (or ``win_rate``, or ``calls`` for calls a day) as the glossary names it."""
    if key == "calls":
        return tables.lever_label("team.calls_per_rep_per_day", plan, lang)
    paths = {k: path for k, (path, _) in team_stage_rates(plan).items()}
    return tables.input_label(paths.get(key, WIN_RATE_KEY), plan, lang)


def column_labels(plan: KpiSet, lang: str) -> dict[str, str]:
    """Each column's key and its header: the editor's frame is named as the user reads it
    (no plan key reaches the screen); rows are kept by key."""
    return {column: settings["label"] for column, settings in _config(plan, lang).items()}


def column_config(plan: KpiSet, lang: str) -> dict[str, Any]:
    """The editor's columns by header, each with its bounds."""
    return {settings["label"]: settings for settings in _config(plan, lang).values()}


def _config(plan: KpiSet, lang: str) -> dict[str, Any]:
    config: dict[str, Any] = {
        NAME: st.column_config.TextColumn(t("team.col_name", lang), max_chars=100),
        START: st.column_config.TextColumn(
            t("team.col_start", lang), help=t("team.col_start_help", lang), max_chars=7
        ),
        LEAVE: st.column_config.TextColumn(
            t("team.col_leave", lang), help=t("team.col_leave_help", lang), max_chars=7
        ),
        RAMP: st.column_config.NumberColumn(
            t("team.col_ramp", lang), min_value=0, max_value=24, step=1
        ),
        CALLS: st.column_config.NumberColumn(
            stage_label("calls", plan, lang),
            help=t("team.col_calls_help", lang),
            min_value=0,
            max_value=100_000,
        ),
        TARGET: st.column_config.NumberColumn(
            t("team.col_target", lang, unit=money_unit(plan.currency, lang).unit),
            help=t("team.col_target_help", lang),
            min_value=0,
        ),
    }
    for key in stage_keys(plan):
        stage = stage_label(key, plan, lang)
        config[wins_column(key)] = st.column_config.NumberColumn(
            t("team.col_successes", lang, stage=stage), min_value=0, max_value=10**9, step=1
        )
        config[tries_column(key)] = st.column_config.NumberColumn(
            t("team.col_trials", lang, stage=stage), min_value=0, max_value=10**9, step=1
        )
    return config


def start_rows(plan: KpiSet, plan_key: str, lang: str) -> None:
    """The table starts from the plan, afresh whenever another plan (or revision) opens."""
    if session.reset_on_change(SCOPE, plan_key, {MEMBERS: rows_from_plan(plan, lang)}):
        st.session_state[MEMBERS_VERSION] = st.session_state.get(MEMBERS_VERSION, 0) + 1
    st.session_state.setdefault(MEMBERS_VERSION, 0)


def reset_rows(plan: KpiSet, lang: str) -> None:
    """Back to the plan's members (a button's callback)."""
    st.session_state[MEMBERS] = rows_from_plan(plan, lang)
    st.session_state.pop(EDITED, None)
    st.session_state[MEMBERS_VERSION] = st.session_state.get(MEMBERS_VERSION, 0) + 1


def editor_key(lang: str) -> str:
    """The editor's key: anew for each version of the rows and each language (its columns
    are named in the language), so a new one always starts from the rows as last edited."""
    return EDITOR(f"{st.session_state[MEMBERS_VERSION]}_{lang}")


def keep_edits(lang: str) -> None:
    """Edits outlive a visit to another page and a change of language: Streamlit drops an
    editor's state when it is not drawn, so the table is drawn again from the rows as last
    edited."""
    editor = editor_key(lang)
    last = st.session_state.get(EDITED)
    if editor not in st.session_state and last is not None and last != st.session_state[MEMBERS]:
        st.session_state[MEMBERS] = last
        st.session_state[MEMBERS_VERSION] += 1


def editor_frame(plan: KpiSet, lang: str) -> pd.DataFrame:
    """The rows as the editor's frame, headed as the user reads them: text columns as text,
    numbers as floats (blank NaN)."""
    labels = column_labels(plan, lang)
    rows = st.session_state[MEMBERS]
    data: dict[str, pd.Series] = {}
    for column, label in labels.items():
        values = [row.get(column) for row in rows]
        if column in (NAME, START, LEAVE):
            texts = [None if _blank(v) else str(v) for v in values]
            data[label] = pd.Series(texts, dtype=object)
        else:
            numbers = [math.nan if _blank(v) else float(v) for v in values]
            data[label] = pd.Series(numbers, dtype=float)
    return pd.DataFrame(data, columns=list(labels.values()))


def note_edits(edited: pd.DataFrame, plan: KpiSet, lang: str) -> list[dict[str, Any]]:
    """The editor's rows as dicts by column key, noted for the next visit."""
    keys = {label: column for column, label in column_labels(plan, lang).items()}
    rows = [
        {keys[label]: (None if _blank(v) else v) for label, v in row.items() if label in keys}
        for row in edited.to_dict("records")
    ]
    st.session_state[EDITED] = rows
    return rows


def chart_labels(lang: str) -> dict[str, str]:
    return {
        "title": t("team.chart_title", lang),
        "x": t("team.chart_x", lang),
        "range": t("team.chart_range", lang),
        "median": t("team.chart_median", lang),
        "target": t("team.chart_target", lang),
    }


def constraint_text(constraint: dict[str, Any], as_money: Any, lang: str) -> str:
    """The member and the cohort that hold the team back, in one sentence."""
    gap = constraint["gap"]
    cohort = constraint["cohorts"][constraint["cohort"]]
    key = "team.constraint_short" if gap > 0 else "team.constraint_ahead"
    balance = -cohort["gap"]  # the cohort's mean less its targets
    return t(
        key,
        lang,
        member=constraint["member"],
        amount=as_money(abs(gap)),
        cohort=t(f"team.cohort_{constraint['cohort']}", lang),
        cohort_balance=("+" if balance >= 0 else "") + as_money(balance),
    )


def start_chain_inputs() -> None:
    """The department targets start empty (as derived from the KGI)."""
    for key in (LEADS, IS_RATE, FS_RATE):
        st.session_state.setdefault(key, None)


# --------------------------------------------------------------------------- the roll-up


def roll_up(plan_json: str) -> dict[str, Any]:
    """The roll-up's JSON (without typed department targets) and the pooling, small: the
    last one is kept in the session, so a rerun that changed nothing in the table (a typed
    department target) does not simulate again."""
    last = st.session_state.get(ROLLUP)
    if last is not None and last[0] == plan_json:
        return last[1]
    result = team.simulate(parse_plan(plan_json), trials=TRIALS)
    out = result.to_dict()
    out["pools"] = [
        {
            "path": stage.path,
            "key": stage.key,
            "strength": stage.prior.strength,
            "estimated": stage.prior.estimated,
            "members": [vars(rate) for rate in stage.members],
        }
        for stage in result.pools
    ]
    st.session_state[ROLLUP] = (plan_json, out)
    return out


def pooled_why(rate: PooledRate, strength: float, estimated: bool, lang: str) -> str:
    """Why a member's rate is what it is, in one plain sentence."""
    if rate.source == "team":
        return t("team.why_team", lang, team=percent(rate.team))
    if rate.source == "own":
        return t("team.why_own", lang)
    assert rate.successes is not None and rate.trials is not None
    key = "team.why_pooled" if estimated else "team.why_pooled_default"
    if estimated and strength >= ALIKE_STRENGTH:
        key = "team.why_alike"
    return t(
        key,
        lang,
        successes=whole(rate.successes),
        trials=whole(rate.trials),
        raw=percent(rate.raw or 0.0),
        team=percent(rate.team),
        weight=percent(rate.weight, 0),
    )


def strength_notes(out: dict[str, Any], plan: KpiSet, lang: str) -> list[str]:
    """How much members differ at each stage with records, in plain words."""
    notes = []
    for stage in out["pools"]:
        if not any(m["source"] == "pooled" for m in stage["members"]):
            continue
        label = stage_label(stage["key"], plan, lang)
        strength = stage["strength"]
        if not stage["estimated"]:
            key = "team.strength_default"
        elif strength >= ALIKE_STRENGTH:
            key = "team.strength_alike"
        else:
            key = "team.strength_estimated"
        notes.append(t(key, lang, stage=label, strength=whole(strength)))
    return notes


def pooling_table(out: dict[str, Any], plan: KpiSet, lang: str) -> pd.DataFrame:
    """Each member's raw and pooled rate at each stage, and why."""
    rows = []
    names = [m["name"] for m in out["members"]]
    for stage in out["pools"]:
        label = stage_label(stage["key"], plan, lang)
        for name, given in zip(names, stage["members"], strict=True):
            rate = PooledRate(**given)
            rows.append(
                {
                    t("team.col_member", lang): name,
                    t("team.col_stage", lang): label,
                    t("team.col_raw", lang): "—" if rate.raw is None else percent(rate.raw),
                    t("team.col_pooled", lang): percent(rate.pooled),
                    t("team.col_why", lang): pooled_why(
                        rate, stage["strength"], stage["estimated"], lang
                    ),
                }
            )
    return pd.DataFrame(rows)


def members_table(out: dict[str, Any], plan: KpiSet, lang: str) -> pd.DataFrame:
    currency = plan.currency
    rows = []
    for m in out["members"]:
        r = m["revenue"]
        rows.append(
            {
                t("team.col_member", lang): m["name"],
                t("team.col_p10", lang): money(r["p10"], currency, lang),
                t("team.col_p50", lang): money(r["p50"], currency, lang),
                t("team.col_p90", lang): money(r["p90"], currency, lang),
                t("team.col_contribution", lang): percent(m["contribution"]),
                t("team.col_member_target", lang): money(m["target"], currency, lang)
                + (" ✎" if m["target_typed"] else ""),
                t("team.col_p_target", lang): percent(m["p_target"]),
                t("team.col_consistent", lang): money(m["consistent_target"], currency, lang),
            }
        )
    shared = out["shared"]
    if shared["revenue"]["mean"] > 0:
        r = shared["revenue"]
        rows.append(
            {
                t("team.col_member", lang): t("team.shared", lang),
                t("team.col_p10", lang): money(r["p10"], currency, lang),
                t("team.col_p50", lang): money(r["p50"], currency, lang),
                t("team.col_p90", lang): money(r["p90"], currency, lang),
                t("team.col_contribution", lang): percent(shared["contribution"]),
                t("team.col_member_target", lang): "—",
                t("team.col_p_target", lang): "—",
                t("team.col_consistent", lang): money(
                    out["consistent"]["shared_target"], currency, lang
                ),
            }
        )
    return pd.DataFrame(rows)


def pin_rows(out: dict[str, Any], plan: KpiSet, lang: str) -> pd.DataFrame:
    """The member-level center pin: the best steps, and hiring one more, by revenue gained."""
    options = out["center_pin"]
    shown = options[:PIN_SHOWN]
    hire = next((o for o in options if o["action"] == "hire"), None)
    if hire is not None and hire not in shown:
        shown = [*shown, hire]
    return pd.DataFrame(
        [
            {
                t("team.col_step", lang): step_text(option, plan, lang),
                t("team.col_gain", lang): money(option["revenue_gain"], plan.currency, lang),
            }
            for option in shown
        ]
    )


def step_text(option: dict[str, Any], plan: KpiSet, lang: str) -> str:
    if option["action"] == "hire":
        return t("team.step_hire", lang)
    key = next(k for k, (path, _) in team_stage_rates(plan).items() if path == option["path"])
    return t("team.step_coach", lang, member=option["member"], stage=stage_label(key, plan, lang))


def chain_of(plan: KpiSet) -> departments.Chain | None:
    """The department chain with the typed targets of the page (None: a rate of 0)."""
    leads, is_rate, fs_rate = (st.session_state.get(k) for k in (LEADS, IS_RATE, FS_RATE))
    hand = departments.HandSet(
        leads=None if leads is None else float(leads),
        is_rate=None if is_rate is None else float(is_rate) / 100,
        fs_rate=None if fs_rate is None else float(fs_rate) / 100,
    )
    try:
        return departments.from_plan(plan, hand)
    except departments.ChainError:
        return None


def chain_table(chain: departments.Chain, plan: KpiSet, lang: str) -> pd.DataFrame:
    out = chain.to_dict()
    rows = []
    for row in out["departments"]:
        name = t(f"team.dept_{row['department']}", lang)
        if row["department"] == "marketing":
            derived = t("team.kpi_leads", lang, count=whole(math.ceil(row["derived"])))
            typed = "—" if row["target"] is None else whole(row["target"])
        elif row["department"] == "inside_sales":
            derived = t(
                "team.kpi_opportunities",
                lang,
                count=whole(math.ceil(row["derived"])),
                rate=percent(row["rate"]),
            )
            typed = "—" if row["target_rate"] is None else percent(row["target_rate"])
        else:
            derived = t(
                "team.kpi_wins",
                lang,
                count=whole(math.ceil(row["derived"])),
                rate=percent(row["rate"]),
                revenue=money(row["revenue"], plan.currency, lang),
            )
            typed = "—" if row["target_rate"] is None else percent(row["target_rate"])
        rows.append(
            {
                t("team.col_department", lang): name,
                t("team.col_derived", lang): derived,
                t("team.col_typed", lang): typed,
            }
        )
    return pd.DataFrame(rows)


def chain_verdict(chain: departments.Chain, plan: KpiSet, lang: str) -> tuple[bool, str]:
    """Whether the typed chain closes, and the sentence that says so (with the gap)."""
    out = chain.to_dict()
    values = {
        "leads": whole(float(chain.set_leads)),
        "is_rate": percent(float(chain.set_is_rate)),
        "fs_rate": percent(float(chain.set_fs_rate)),
        "wins": f"{out['chain_wins']:,.1f}",
        "needed": f"{out['wins_needed']:,.1f}",
    }
    if out["closes"]:
        return True, t("team.chain_closes", lang, **values)
    must = out["must_move"]
    required = chain.required()[must] if must else None
    shown = (
        whole(math.ceil(required))
        if must == "marketing" and required is not None
        else percent(required)
        if required is not None
        else "—"
    )
    return False, t(
        "team.chain_short",
        lang,
        gap_wins=f"{out['gap_wins']:,.1f}",
        gap_revenue=money(out["gap_revenue"], plan.currency, lang),
        department=t(f"team.dept_{must}", lang) if must else "—",
        required=shown,
        **values,
    )
