"""The training page (研修): seven lessons, one screen each, and the trainer's guide.

Each lesson shows a live widget, asks a question, takes the learner's prediction and
reveals the answer that :mod:`simulator.lessons` computes. The lesson open is kept in the
page's link (``?lesson=4``; ``?lesson=trainer`` opens the trainer's guide), so a trainer
can send a link to any lesson. The center-pin analyses and the revenue histogram come from
the bounded caches of ``ui.cache``; the lessons' own small runs are simulated afresh (:func:`run`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd
import streamlit as st

from simulator import center_pin, glossary, lessons
from simulator.center_pin import Analysis
from simulator.funnel import Funnel
from simulator.levers import levers as plan_levers
from simulator.plan import KpiSet
from simulator.results import SimulationResult
from ui import cache, center_pin_page, charts, reverse_page, session, tables
from ui.format import (
    count,
    money,
    month,
    month_short,
    percent,
    plain,
    points,
    setting_percent,
    signed_percent,
    whole,
)
from ui.i18n import t
from ui.plans import sample

#: The lesson shown: 1..COUNT, or TRAINER for the trainer's guide.
LESSON = session.state("training_lesson")
REVEALED = session.state("training_revealed")  # the lessons whose answer is shown
GUESS = session.widget_family("training_guess:")  # GUESS(4): the learner's prediction
EXPLORE = session.widget_family("training_explore:")  # EXPLORE("start"): a live widget
REVEAL = session.element_family("training_reveal:")  # REVEAL(4): the lesson's button
NAV = session.element_family("training_nav:")  # NAV("next"), NAV("open3")

LINK = session.LINK_LESSON  # the link's name for the lesson
TRAINER = 0
TRAINER_LINK = "trainer"
COUNT = lessons.COUNT
#: The improvement per stage (lesson 2), in whole percents.
IMPROVEMENTS = (5, 10, 15, 20, 30)
CONFIDENCES = (50, 60, 70, 80, 90, 95)
TARGET_SCALES = (0.6, 0.8, 1.0, 1.2, 1.4, 1.6)
CYCLES = (0.0, 1.0, 1.9, 3.0, 4.0, 6.0)
TIE = "tie"  # lesson 3's answer among the levers: every +10% gives the same revenue
COMPARISONS = ("relative", "step", "effort")  # lesson 3: +10% each, one step, per effort
DIFFICULTIES = (1, 2, 3, 4, 5)
#: Lesson 3's example difficulty of one step of each kind of lever (1 easy – 5 hard): a
#: hire is hard, a call more a day easy; the learner changes them.
EXAMPLE_DIFFICULTY = {
    "reps": 5,
    "productivity": 2,
    "rate": 3,
    "deal_size": 4,
    "cycle": 4,
    "volume": 2,
}


# ----------------------------------------------------------------------------- the link


def parse_lesson(text: str | None) -> int | None:
    """The lesson a link names: 1..COUNT, TRAINER for ``trainer``; None for anything else
    (bounds first: at most two ASCII digits, so no huge or full-width number is read)."""
    if text is None:
        return None
    text = text.strip()
    if text.lower() == TRAINER_LINK:
        return TRAINER
    if re.fullmatch(r"[0-9]{1,2}", text) and 1 <= int(text) <= COUNT:
        return int(text)
    return None


def start_from_link() -> None:
    """The lesson the opening link names, once; a bad value is dropped with the app's link
    warning and changes nothing (lesson 1, or the lesson already open)."""
    linked = session.from_link([LINK]).get(LINK)
    if linked:
        number = parse_lesson(linked[-1])
        if number is None:
            session.link_problem(LINK, linked[-1], allowed=t("training.link_allowed", count=COUNT))
        else:
            st.session_state[LESSON] = number
    if st.session_state.get(LESSON) not in range(COUNT + 1):
        st.session_state[LESSON] = 1


def current() -> int:
    return int(st.session_state[LESSON])


def write_link() -> None:
    number = current()
    session.add_to_link(LINK, TRAINER_LINK if number == TRAINER else str(number))


def go(number: int) -> None:
    """A callback: open lesson ``number`` (TRAINER: the guide)."""
    st.session_state[LESSON] = number


def revealed(number: int) -> bool:
    return number in (st.session_state.get(REVEALED) or ())


def reveal(number: int) -> None:
    """A callback: show lesson ``number``'s answer."""
    st.session_state[REVEALED] = sorted({*(st.session_state.get(REVEALED) or ()), number})


# ----------------------------------------------------------------------------- shared parts


def run(plan: KpiSet) -> SimulationResult:
    """A lesson plan's run (its own trials and seed). Simulated afresh, not through
    ``cache.result``: a lesson's runs take 10–30 ms each at 10,000 trials, and a few of
    them would push the planning pages' 100,000-trial runs out of that shared cache of
    eight. The center-pin analyses, the slow part, are cached (``cache.quick_center_pin``)."""
    return lessons.simulate(plan)


def sample_plan() -> KpiSet:
    """The plan lessons 1–6 teach on, with the lessons' trials."""
    return lessons.with_trials(sample(lessons.SAMPLE))


def pure_plan() -> KpiSet:
    return lessons.pure_funnel(sample(lessons.SAMPLE))


def lever_name(path: str, plan: KpiSet) -> str:
    return tables.lever_label(path, plan)


def as_money(plan: KpiSet) -> Callable[[float], str]:
    lang = session.lang()
    return lambda value: money(value, plan.currency, lang)


def header(number: int) -> None:
    st.progress(number / COUNT, text=t("training.progress", n=number, count=COUNT))
    st.subheader(t("training.lesson_title", n=number, title=t(f"training.l{number}.title")))
    st.caption(t(f"training.l{number}.goal"))


def ask(number: int, guess: Callable[[], object]) -> bool:
    """The question's prediction input (drawn by ``guess``) and the reveal button; True
    once the answer is to be shown."""
    guess()
    st.button(
        t("training.reveal"),
        key=REVEAL(number),
        on_click=reveal,
        args=(number,),
        type="primary",
        disabled=revealed(number),
    )
    if not revealed(number):
        st.caption(t("training.predict_first"))
    return revealed(number)


def question(text: str) -> None:
    """The lesson's question, under its heading."""
    st.markdown("**" + t("training.question") + "**")
    st.markdown(text)


def guessed(number: int) -> object:
    return st.session_state.get(GUESS(number))


def compare_guess(number: int, shown: str | None) -> None:
    """The learner's prediction beside the answer."""
    if shown is None:
        st.caption(t("training.no_guess"))
    else:
        st.caption(t("training.your_guess", guess=shown))


def number_guess(number: int, label: str, *, high: float, step: float) -> None:
    """A prediction from 0 to ``high``: whole for counts and steps of 1, else one decimal."""
    st.number_input(
        label,
        min_value=0.0,
        max_value=high,
        step=step,
        value=None,
        format="%.0f" if step >= 1 else "%.1f",
        key=GUESS(number),
    )


def percent_guess(number: int) -> str | None:
    value = guessed(number)
    return None if value is None else percent(float(value) / 100)


def count_guess(number: int) -> str | None:
    value = guessed(number)
    return None if value is None else count(float(value))


def explore_default(name: str, value: object, options: tuple[object, ...]) -> str:
    """A live widget's key, its value kept within ``options`` (else ``value``)."""
    key = EXPLORE(name)
    session.ensure_choice(key, options, value)
    return key


# ----------------------------------------------------------------------------- 1 the funnel


def lesson_funnel() -> None:
    plan = sample_plan()
    lang = session.lang()
    base = lessons.funnel_chain(plan)
    connect = next(s for s in base.steps if s.metric.endswith(".connect"))
    options = tuple(round(x, 3) for x in (0.08, 0.10, 0.12, round(connect.rate, 3), 0.16, 0.18))
    options = tuple(sorted(set(options)))
    key = explore_default("connect", round(connect.rate, 3), options)
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.markdown(t("training.l1.intro", plan=plain(plan.name)))
        rate = st.select_slider(
            t("training.l1.explore", rate=lever_name(connect.rate_path, plan)),
            options,
            format_func=percent,
            key=key,
        )
        chain = lessons.funnel_chain(plan, {connect.rate_path: rate})
        rows, definitions = [], []
        for step in chain.steps:
            if step.rate_path is not None:
                about = glossary.describe(step.rate_path, lang, plan)
                rows.append((about.label, percent(step.rate), about.formula))
                definitions.append((about.label, about.definition))
            entry = glossary.entry_for(step.metric, plan)
            name = tables.metric_label(step.metric, plan)
            value = (
                money(step.value, plan.currency, lang)
                if step.metric == "revenue"
                else count(step.value)
            )
            rows.append((name, value, entry.formula[lang] if entry else ""))
            definitions.append((name, entry.definition[lang] if entry else ""))
        columns = [t(f"training.col.{c}") for c in ("kpi", "value", "formula")]
        st.dataframe(
            pd.DataFrame(rows, columns=columns), hide_index=True, width="stretch", height="content"
        )
        with st.expander(t("training.l1.definitions"), icon=":material/menu_book:"):
            for name, definition in definitions:
                st.markdown(
                    f"**{plain(name)}**：{plain(definition)}"
                    if lang == "ja"
                    else f"**{plain(name)}**: {plain(definition)}"
                )
        st.caption(
            t(
                "training.l1.note",
                deal=money(chain.deal_size, plan.currency, lang),
                share=percent(chain.share_of_revenue),
            )
        )
    with right:
        counts = [s for s in chain.steps if s.metric != "revenue"]
        st.plotly_chart(
            charts.lesson_funnel(
                [tables.metric_label(s.metric, plan) for s in counts],
                [s.value for s in counts],
                {
                    "title": t("training.l1.chart"),
                    "x": t("training.l1.chart_x"),
                    "texts": [count(s.value) for s in counts],
                },
            ),
            width="stretch",
            config=charts.CONFIG,
            key=session.CHART("training_funnel"),
        )
        question(t("training.l1.question"))
        if ask(
            1,
            lambda: number_guess(1, t("training.l1.guess"), high=1_000_000.0, step=10.0),
        ):
            rates = " × ".join(percent(s.rate) for s in base.steps if s.rate is not None)
            st.success(t("training.l1.answer", calls=count(base.calls_per_win), rates=rates))
            compare_guess(1, count_guess(1))


# ----------------------------------------------------------------------------- 2 compounding


def lesson_compounding() -> None:
    pure = pure_plan()
    key = explore_default("improvement", 10, IMPROVEMENTS)
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.markdown(t("training.l2.intro"))
        improvement = st.select_slider(
            t("training.l2.explore"), IMPROVEMENTS, format_func=lambda v: f"+{v}%", key=key
        )
        result = lessons.compounding(pure, improvement / 100, run)
        paths = lessons.chain_levers(pure)
        names = [("" if i == 0 else "+ ") + lever_name(path, pure) for i, path in enumerate(paths)]
        st.plotly_chart(
            charts.lesson_gains(
                names,
                result.cumulative,
                {"title": t("training.l2.chart"), "x": t("training.l2.chart_x")},
                highlight=len(names) - 1 if revealed(2) else None,
            ),
            width="stretch",
            config=charts.CONFIG,
            key=session.CHART("training_compounding"),
        )
    with right:
        shown_p = f"+{improvement}%"
        question(t("training.l2.question", p=shown_p, k=result.factors))
        if ask(
            2,
            lambda: number_guess(2, t("training.l2.guess"), high=1000.0, step=1.0),
        ):
            st.success(
                t(
                    "training.l2.answer",
                    simulated=signed_percent(result.simulated),
                    p=f"{improvement / 100:.2f}",
                    k=result.factors,
                    closed=signed_percent(result.closed_form),
                    one=signed_percent(result.one_factor),
                )
            )
            compare_guess(2, percent_guess(2))


# ----------------------------------------------------------------------------- 3 the tie


def lesson_tie() -> None:
    pure = pure_plan()
    analysis = cache.quick_center_pin(pure.to_json())
    result = lessons.honest_tie(pure, analysis, run)
    key = explore_default("compare", "relative", COMPARISONS)
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.markdown(t("training.l3.intro"))
        how = st.radio(
            t("training.l3.explore"),
            COMPARISONS,
            format_func={v: t(f"training.l3.by_{v}") for v in COMPARISONS}.get,
            horizontal=True,
            key=key,
        )
        highlight = None
        if how == "relative":
            paths = list(result.simulated)
            gains = [result.simulated[p] for p in paths]
            rows = []
        else:
            rows = result.steps
            if how == "effort":
                ranked = center_pin.with_efforts(analysis, difficulties(pure, rows))
                rows = ranked.levers
                st.caption(t("training.l3.per_effort_pin", pin=lever_name(ranked.center_pin, pure)))
            paths = [row.lever for row in rows]
            gains = [row.score / result.base_revenue for row in rows]
            highlight = 0 if revealed(3) or how == "effort" else None
        names = [lever_name(p, pure) for p in paths]
        if rows:
            names = [
                f"{name} ({center_pin_page.step_text(row)})"
                for name, row in zip(names, rows, strict=True)
            ]
        st.plotly_chart(
            charts.lesson_gains(
                names,
                gains,
                {"title": t(f"training.l3.chart_{how}"), "x": t("training.l3.chart_x")},
                highlight=highlight,
            ),
            width="stretch",
            config=charts.CONFIG,
            key=session.CHART("training_tie"),
        )
    with right:
        choices = [TIE, *result.relative]
        # Labels now, in this run's language: a widget formats its options again later.
        labels = {v: t("training.l3.tie") if v == TIE else lever_name(v, pure) for v in choices}

        def guess() -> None:
            st.radio(
                t("training.l3.guess"),
                choices,
                index=None,
                format_func=labels.get,
                key=GUESS(3),
            )

        question(t("training.l3.question"))
        if ask(3, guess):
            values = list(result.simulated.values())
            st.success(
                t(
                    "training.l3.answer",
                    gain=signed_percent(0.10),
                    low=signed_percent(min(values)),
                    high=signed_percent(max(values)),
                )
            )
            pin = result.steps[0]
            st.info(
                t(
                    "training.l3.steps",
                    pin=lever_name(pin.lever, pure),
                    step=center_pin_page.step_text(pin),
                    gain=signed_percent(pin.revenue_gain / result.base_revenue),
                    month=month(pin.half_gain_month, session.lang())
                    if pin.half_gain_month
                    else "—",
                )
            )
            choice = guessed(3)
            compare_guess(
                3,
                None
                if choice is None
                else (t("training.l3.tie") if choice == TIE else lever_name(str(choice), pure)),
            )


def difficulties(plan: KpiSet, rows: list[center_pin.LeverResult]) -> dict[str, float]:
    """Lesson 3's difficulty of one step of each lever (1–5), from its sliders."""
    out = {}
    columns = st.columns(2)
    for i, row in enumerate(rows):
        key = explore_default(
            f"effort:{row.lever}", EXAMPLE_DIFFICULTY.get(row.kind, 3), DIFFICULTIES
        )
        with columns[i % 2]:
            out[row.lever] = float(
                st.select_slider(
                    t("training.l3.difficulty", lever=lever_name(row.lever, plan)),
                    DIFFICULTIES,
                    key=key,
                )
            )
    return out


# ----------------------------------------------------------------------------- 4 the lag


def lesson_lag() -> None:
    pure = pure_plan()
    lang = session.lang()
    months = list(range(pure.months))
    keys = Funnel(pure).month_keys
    default_start = next((i for i, k in enumerate(keys) if k.endswith("-10")), pure.months // 2)
    start_key = explore_default("start", default_start, tuple(months))
    cycle_key = explore_default("cycle", 1.9, CYCLES)
    left, right = st.columns([3, 2], gap="large")
    with left:
        start = st.select_slider(
            t("training.l4.explore_start"),
            months,
            format_func=lambda i: month(keys[i], lang),
            key=start_key,
        )
        cycle = st.select_slider(
            t("training.l4.explore_cycle"),
            CYCLES,
            format_func={v: t("training.months", n=f"{v:g}") for v in CYCLES}.get,
            key=cycle_key,
        )
        plan = lessons.with_cycle(pure, cycle)
        result = lessons.lag(plan, start, 0.10, run)
        st.markdown(t("training.l4.intro", cycle=f"{cycle:g}"))
        labels = [month_short(k, lang, first=i == 0) for i, k in enumerate(keys)]
        st.plotly_chart(
            charts.lesson_lag(
                [*labels, t("training.l4.after")],
                [*result.extra_by_month, result.extra_after],
                start,
                {
                    "title": t("training.l4.chart"),
                    "x": "",
                    "y": t("training.l4.chart_y"),
                    "start": t("training.l4.start"),
                },
                as_money(plan),
            ),
            width="stretch",
            config=charts.CONFIG,
            key=session.CHART("training_lag"),
        )
    with right:
        question(
            t(
                "training.l4.question",
                month=month(keys[start], lang),
                first=month(keys[0], lang),
                last=month(keys[-1], lang),
            )
        )
        if ask(4, lambda: number_guess(4, t("training.l4.guess"), high=100.0, step=0.5)):
            st.success(
                t(
                    "training.l4.answer",
                    gain=signed_percent(result.gain),
                    closed=signed_percent(result.closed_form),
                    naive=signed_percent(result.naive),
                    full=signed_percent(result.full_year),
                    after=money(result.extra_after, plan.currency, lang),
                )
            )
            compare_guess(4, percent_guess(4))


# ----------------------------------------------------------------------------- 5 uncertainty


def lesson_uncertainty() -> None:
    base = sample_plan()
    key = explore_default("confidence", 80, CONFIDENCES)
    fmt = as_money(base)
    lever = lever_name(lessons.CALLS_PER_DAY, base)
    left, right = st.columns([3, 2], gap="large")
    with left:
        confidence = st.select_slider(
            t("training.l5.explore"),
            CONFIDENCES,
            format_func=lambda v: f"{v}%",
            key=key,
        )
        result = lessons.uncertainty(base, confidence / 100, run)
        st.markdown(
            t(
                "training.l5.intro",
                p10=fmt(result.p10),
                p50=fmt(result.p50),
                p90=fmt(result.p90),
                target=fmt(result.target),
                p=percent(result.p_target),
            )
        )
        st.plotly_chart(
            charts.revenue_histogram(
                cache.headline(base.to_json()), tables.histogram_labels(), fmt
            ),
            width="stretch",
            config=charts.CONFIG,
            key=session.CHART("training_uncertainty"),
        )
        st.info(
            t(
                "training.l5.cost",
                confidence=setting_percent(confidence / 100),
                lever=lever,
                required=count(result.required_value),
                plain=count(result.plain_value),
                cost=signed_percent(result.cost),
                p=percent(result.required_p_target),
            )
        )
    with right:
        question(
            t(
                "training.l5.question",
                target=fmt(result.target),
                lever=lever,
                plain=count(result.plain_value),
            )
        )
        if ask(5, lambda: number_guess(5, t("training.l5.guess"), high=100.0, step=1.0)):
            st.success(
                t(
                    "training.l5.answer",
                    p=percent(result.plain_p_target),
                    error=percent(result.plain_p_error),
                    p50=fmt(result.plain_p50),
                    trials=whole(base.simulation.trials),
                )
            )
            compare_guess(5, percent_guess(5))


# ----------------------------------------------------------------------------- 6 KGI逆算


def lesson_kgi() -> None:
    base = sample_plan()
    lang = session.lang()
    fmt = as_money(base)
    key = explore_default("target", 1.0, TARGET_SCALES)
    left, right = st.columns([3, 2], gap="large")
    with left:
        scale = st.select_slider(
            t("training.l6.explore"),
            TARGET_SCALES,
            format_func=lambda v: fmt(base.target.revenue * v),
            key=key,
        )
        result = lessons.kgi(base, base.target.revenue * scale)
        st.markdown(t("training.l6.intro"))
        for line in reverse_page.chain_steps(result.chain, fmt, base):
            st.markdown("- " + line)
        labels = [month_short(k, lang, first=i == 0) for i, k in enumerate(result.months)]
        st.plotly_chart(
            charts.lesson_calls(
                labels,
                result.calls_by_month,
                result.capacity_by_month,
                {
                    "title": t("training.l6.chart"),
                    "x": "",
                    "y": tables.metric_label(f"{result.channel}.volume", base),
                    "needed": t("training.l6.needed"),
                    "capacity": t("training.l6.capacity"),
                },
            ),
            width="stretch",
            config=charts.CONFIG,
            key=session.CHART("training_kgi"),
        )
    with right:
        this_month = month(result.month, lang)
        question(t("training.l6.question", month=this_month, target=fmt(result.target)))
        if ask(
            6,
            lambda: number_guess(
                6, t("training.l6.guess", month=this_month), high=10_000_000.0, step=100.0
            ),
        ):
            st.success(
                t(
                    "training.l6.answer",
                    calls=count(result.calls_this_month),
                    per_day=count(result.calls_per_rep_per_day),
                    capacity=count(result.capacity_this_month),
                    lag=result.lag_months,
                    month=this_month,
                )
            )
            compare_guess(6, count_guess(6))


# ----------------------------------------------------------------------------- 7 the quiz


def mystery() -> KpiSet:
    return lessons.with_trials(sample(lessons.mystery_plan(session.plan_id())))


def lesson_quiz() -> None:
    plan = mystery()
    lang = session.lang()
    fmt = as_money(plan)
    analysis = cache.quick_center_pin(plan.to_json())
    paths = [row.lever for row in analysis.levers]
    numbers = cache.numbers(plan.to_json())
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.markdown(
            t(
                "training.l7.intro",
                name=plain(plan.name),
                target=plain(fmt(plan.target.revenue)),
                p=percent(numbers.p_target),
            )
        )
        inputs = [
            {
                t("training.col.kpi"): lever_name(row.lever, plan),
                t("training.col.value"): center_pin_page.value_text(
                    row.kind, row.base, plan.currency, lang
                ),
                t("training.col.step"): center_pin_page.step_text(row),
            }
            for row in sorted(analysis.levers, key=lambda r: lessons_order(plan).index(r.lever))
        ]
        st.dataframe(pd.DataFrame(inputs), hide_index=True, width="stretch")
    with right:
        question(t("training.l7.question"))

        names = {p: lever_name(p, plan) for p in lessons_order(plan)}

        def guess() -> None:
            st.selectbox(
                t("training.l7.guess"),
                lessons_order(plan),
                index=None,
                format_func=names.get,
                key=GUESS(7),
                placeholder=t("training.l7.placeholder"),
            )

        if ask(7, guess):
            choice = guessed(7)
            pin = analysis.levers[0]
            st.success(
                t(
                    "training.l7.answer",
                    pin=lever_name(pin.lever, plan),
                    step=center_pin_page.step_text(pin),
                    gain=signed_percent(pin.revenue_gain / analysis.base_revenue),
                    p=points(pin.p_target_gain),
                )
            )
            reasons = quiz_reasons(analysis, plan, lang)
            st.markdown("\n".join(f"- {line}" for line in reasons))
            if choice in paths:
                quiz = lessons.center_pin_quiz(analysis, str(choice))
                st.metric(t("training.l7.score"), f"{quiz.score} / 100")
                st.caption(
                    t(
                        "training.l7.score_note",
                        guess=lever_name(quiz.guess, plan),
                        rank=quiz.rank,
                        count=quiz.levers,
                        gain=signed_percent(quiz.guessed.revenue_gain / analysis.base_revenue),
                    )
                )
            else:
                st.caption(t("training.no_guess"))
            st.info(t("training.finished"))
    if revealed(7):
        ranking = center_pin_page.ranking(
            analysis, lambda p: lever_name(p, plan), plan.currency, lang
        )
        columns = [t(f"pin.col.{c}") for c in ("lever", "step", "revenue", "p", "half")]
        st.dataframe(
            ranking,
            hide_index=True,
            width="stretch",
            column_order=columns,
            column_config={
                t("pin.col.revenue"): tables.percent_column(),
                t("pin.col.p"): st.column_config.NumberColumn(format="%+.1f pt"),
            },
        )


def lessons_order(plan: KpiSet) -> list[str]:
    """The plan's levers in funnel order (the quiz lists them so, not by the answer)."""
    return [lever.path for lever in plan_levers(plan)]


def quiz_reasons(analysis: Analysis, plan: KpiSet, lang: str) -> list[str]:
    """Why the center pin is the pin: its timing, the runner-up, its share of the spread,
    the tie a +10% comparison would show."""
    pin = analysis.levers[0]
    lines = []
    if pin.half_gain_month:
        lines.append(
            t(
                "training.l7.timing",
                pin=lever_name(pin.lever, plan),
                month=month(pin.half_gain_month, lang),
            )
        )
    if len(analysis.levers) > 1:
        runner = analysis.levers[1]
        lines.append(
            t(
                "training.l7.runner_up",
                runner=lever_name(runner.lever, plan),
                step=center_pin_page.step_text(runner),
                gain=signed_percent(runner.revenue_gain / analysis.base_revenue),
            )
        )
    if pin.variance_share is not None:
        lines.append(
            t(
                "training.l7.variance",
                pin=lever_name(pin.lever, plan),
                share=percent(pin.variance_share),
            )
        )
    lines.append(t("training.l7.tie" if analysis.tie else "training.l7.no_tie"))
    return lines


# ----------------------------------------------------------------------------- the page


LESSONS: dict[int, Callable[[], None]] = {
    1: lesson_funnel,
    2: lesson_compounding,
    3: lesson_tie,
    4: lesson_lag,
    5: lesson_uncertainty,
    6: lesson_kgi,
    7: lesson_quiz,
}


def navigation(number: int) -> None:
    """Previous, next, and the trainer's guide."""
    row = st.container(horizontal=True, gap="small")
    row.button(
        t("training.prev"),
        key=NAV("prev"),
        on_click=go,
        args=(number - 1,),
        disabled=number <= 1,
    )
    row.button(
        t("training.next"),
        key=NAV("next"),
        on_click=go,
        args=(number + 1,),
        disabled=number >= COUNT,
        type="primary" if revealed(number) else "secondary",
    )
    row.button(t("training.trainer"), key=NAV("trainer"), on_click=go, args=(TRAINER,))


def lesson(number: int) -> None:
    header(number)
    LESSONS[number]()
    navigation(number)


def trainer_guide() -> None:
    st.subheader(t("training.trainer_title"))
    st.caption(t("training.trainer_caption"))
    for number in range(1, COUNT + 1):
        with st.container(border=True):
            st.markdown(
                "**"
                + t("training.lesson_title", n=number, title=t(f"training.l{number}.title"))
                + "**"
            )
            st.markdown(t("training.trainer_goal") + " " + t(f"training.l{number}.goal"))
            st.markdown(t("training.trainer_points"))
            st.markdown(t(f"training.l{number}.points"))
            st.caption(t("training.trainer_link", link=f"training?lesson={number}"))
            st.button(
                t("training.open", n=number), key=NAV(f"open{number}"), on_click=go, args=(number,)
            )
