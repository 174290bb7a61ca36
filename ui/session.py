"""The session's state: every key once, the scenario it holds, and two rules about keys.

Every ``st.session_state`` key is made by a factory here, by this module or by the module
of the page it belongs to, and so is registered as one of three kinds:

* :func:`state`: a value the app writes (the plan's revision, a message for the next run).
  Streamlit keeps it for the whole session.
* :func:`widget`: an input widget's value. Streamlit drops a widget's value in a run that
  does not draw it (a visit to another page); :func:`keep_widget_values`, run at the top of
  every run, hands every widget value back to the session, so it outlives the visit (a
  fragment notes them, see :func:`note_widget_values_in_fragment`).
* :func:`element`: a button, download, uploader, data editor, form or chart. Streamlit
  refuses values set for these, so they are never handed back.

A :class:`Family` makes keys from a part (``LEVER("win_rate") == "lever:win_rate"``) and
its kind covers every key it makes. Being kept is therefore a property of a key, declared
where the key is made: there is no list to forget. A test runs every page and checks that
no unregistered key appears.

:func:`reset_on_change` is the one rule for "start these keys afresh when something
changes": another plan opened, another KPI set chosen, another default name.

The scenario (the plan and its revision, the language, and the what-if values: target,
confidence, levers, team) is read and written through the functions at the end.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, NewType

import streamlit as st

from ui.plans import DEFAULT_PLAN

Key = NewType("Key", str)
#: Where a function reads and writes: None for this run's ``st.session_state`` (a plain
#: dict in tests).
Session = MutableMapping[str, Any] | None


class Kind(Enum):
    STATE = "state"
    WIDGET = "widget"
    ELEMENT = "element"


_KEYS: dict[str, Kind] = {}
_PREFIXES: dict[str, Kind] = {}
_REGISTERING = threading.Lock()  # a page script may declare keys while other sessions run


def _register(name: str, kind: Kind, *, prefix: bool = False) -> None:
    with _REGISTERING:
        _register_unlocked(name, kind, prefix=prefix)


def _register_unlocked(name: str, kind: Kind, *, prefix: bool) -> None:
    registry = _PREFIXES if prefix else _KEYS
    if registry.get(name, kind) is not kind:
        raise ValueError(f"session key {name!r} is already a {registry[name].value} key")
    if prefix:
        clashes = [k for k in _KEYS if k.startswith(name)]
        clashes += [
            p for p in _PREFIXES if p != name and (p.startswith(name) or name.startswith(p))
        ]
    else:
        clashes = [p for p in _PREFIXES if name.startswith(p)]
    if clashes:  # a key must belong to one declaration only, or its kind would be a guess
        raise ValueError(f"session key {name!r} overlaps {clashes}")
    registry[name] = kind


def state(name: str) -> Key:
    """A value the app keeps in the session (never a widget's)."""
    _register(name, Kind.STATE)
    return Key(name)


def widget(name: str) -> Key:
    """An input widget's key: its value is kept while other pages are shown."""
    _register(name, Kind.WIDGET)
    return Key(name)


def element(name: str) -> Key:
    """A button's, download's, uploader's, editor's, form's or chart's key (never set)."""
    _register(name, Kind.ELEMENT)
    return Key(name)


@dataclass(frozen=True)
class Family:
    """Keys made from a prefix and a part, all of one kind."""

    prefix: str
    kind: Kind

    def __call__(self, part: object) -> Key:
        return Key(f"{self.prefix}{part}")


def widget_family(prefix: str) -> Family:
    _register(prefix, Kind.WIDGET, prefix=True)
    return Family(prefix, Kind.WIDGET)


def element_family(prefix: str) -> Family:
    _register(prefix, Kind.ELEMENT, prefix=True)
    return Family(prefix, Kind.ELEMENT)


def kind(key: str) -> Kind | None:
    """How ``key`` was declared; None for a key no factory made."""
    if key in _KEYS:
        return _KEYS[key]
    prefixes = list(_PREFIXES.items())  # a snapshot: another thread may be declaring keys
    return next((k for prefix, k in prefixes if key.startswith(prefix)), None)


def _session(session: Session) -> MutableMapping[str, Any]:
    return st.session_state if session is None else session


def keep_widget_values(session: Session = None) -> None:
    """Hand every widget value back to the session, so it survives runs that do not draw it."""
    session = _session(session)
    for key in list(session.keys()):
        if kind(key) is Kind.WIDGET:
            session[key] = session[key]


WHOLE_RUN = state("whole_run")  # set by the app's script; a fragment takes it (see below)
FRAGMENT_VALUES = state("fragment_values")  # widget values as a fragment's own run saw them


def start_run(session: Session = None) -> None:
    """At the top of the app's script: widget values a page switch dropped come back,
    every widget value is handed back, and the run is marked as the whole app's."""
    session = _session(session)
    for key, value in (session.pop(FRAGMENT_VALUES, None) or {}).items():
        if key not in session:
            session[key] = value
    keep_widget_values(session)
    session[WHOLE_RUN] = True


def note_widget_values_in_fragment(session: Session = None) -> None:
    """At the top of a fragment: when only the fragment runs, note every widget value.

    A page switch right after a fragment's own run drops the widget values (Streamlit
    cleans up before the next page's script starts); :func:`start_run` restores them
    from this note. (Handing them back here instead would echo each value to the browser
    while the user is still moving a slider, and lose a step.)
    """
    session = _session(session)
    if not session.pop(WHOLE_RUN, False):
        session[FRAGMENT_VALUES] = {
            key: session[key] for key in list(session.keys()) if kind(key) is Kind.WIDGET
        }


RESETS = state("resets")  # {scope: the value that scope's keys were last started for}


def reset_on_change(
    scope: str,
    value: Hashable,
    keys: Mapping[str, Any] | Iterable[str],
    session: Session = None,
) -> bool:
    """Start ``keys`` afresh when ``value`` is not the one ``scope`` last started them for.

    A mapping gives the keys their fresh values; other keys are dropped (a widget then
    shows its default). Also resets on the first call, and after :func:`forget`. Returns
    whether it reset.
    """
    session = _session(session)
    seen = dict(session.get(RESETS) or {})
    if scope in seen and seen[scope] == value:
        return False
    if isinstance(keys, Mapping):
        for key, fresh in keys.items():
            session[key] = fresh
    else:
        for key in keys:
            session.pop(key, None)
    seen[scope] = value
    session[RESETS] = seen
    return True


def started_for(scope: str, session: Session = None) -> Any:
    """The value ``scope``'s keys were last started for (None when not started)."""
    return (_session(session).get(RESETS) or {}).get(scope)


def forget(scope: str, session: Session = None) -> None:
    """Make the next :func:`reset_on_change` of ``scope`` reset, whatever its value."""
    session = _session(session)
    seen = dict(session.get(RESETS) or {})
    seen.pop(scope, None)
    session[RESETS] = seen


def ensure_choice(key: str, options: Sequence[Any], default: Any, session: Session = None) -> None:
    """Give a chooser ``default`` when its value is not (or no longer) one of ``options``."""
    session = _session(session)
    if session.get(key) not in options:
        session[key] = default


# ----------------------------------------------------------------------------- the app

CHART = element_family("chart_")  # CHART("histogram"): a chart's identity in the page
STARTED = state("session_started")
#: The link the session was opened with: {"plan": the plan it opened, "params": {name:
#: [values]}}; the scenario and each page take their values from it once (:func:`from_link`).
LINK = state("opening_link")
PLAN_MISSING = state("plan_missing")  # a linked or chosen set this database lacks
GOTO = state("goto")  # the page a callback asked to show next ("whatif", "compare", ...)
AUTHOR = widget("author")

# ----------------------------------------------------------------------------- the scenario

LANGUAGES = ("ja", "en")
DEFAULT_LANG = "ja"
LANG = widget("lang")
PLAN = widget("plan_id")  # a sample's id (jp_smb_saas) or a saved set's (set:<name>)
REVISION = state("plan_revision")  # the saved set's revision the pages show and save on
# The what-if values: each lever's (low, high) in display units, or reps; the target and
# the confidence (in %); the simulation; the team's hires and working days.
LEVER = widget_family("lever:")
TARGET = widget("target")
CONFIDENCE = widget("confidence")
TRIALS = widget("trials")
SEED = widget("seed")
WORKING_DAYS_ON = widget("working_days_on")
WORKING_DAYS = widget("working_days")
HIRES = state("hires")  # rows {"month", "change"}, edited in a table
HIRES_VERSION = state("hires_version")  # a new version draws the table from HIRES again
HIRES_EDITOR = element_family("hires_editor_")

SCENARIO = "scenario"  # the reset scope of the what-if values: the plan they started from


def lang(session: Session = None) -> str:
    """The session's language; on first use, the browser's if it is English."""
    session = _session(session)
    current = session.get(LANG)
    if current not in LANGUAGES:
        locale = (getattr(st.context, "locale", None) or "").lower()
        current = "en" if locale.startswith("en") else DEFAULT_LANG
        session[LANG] = current
    return current


def plan_id(session: Session = None) -> str:
    return _session(session).get(PLAN, DEFAULT_PLAN)


def revision(session: Session = None) -> int | None:
    number = _session(session).get(REVISION)
    return None if number is None else int(number)


def set_revision(number: int | None, session: Session = None) -> None:
    _session(session)[REVISION] = number


def open_plan(plan: str, number: int | None = None, session: Session = None) -> None:
    """Make ``plan`` the session's plan at revision ``number`` (None: its newest); the
    what-if values start again from it. Safe in a callback: it sets the chooser's key."""
    session = _session(session)
    session[PLAN] = plan
    session[REVISION] = number
    forget(SCENARIO, session)


def author(session: Session = None) -> str:
    return str(_session(session).get(AUTHOR, ""))


def target(session: Session = None) -> float:
    """The what-if revenue target, in the plan's currency."""
    return float(_session(session)[TARGET])


def confidence(session: Session = None) -> float:
    """The what-if required probability, as a fraction."""
    return _session(session)[CONFIDENCE] / 100


def lever(path: str, session: Session = None) -> Any:
    """A lever's what-if value: (low, high) in display units, or whole reps."""
    return _session(session)[LEVER(path)]


def scenario_is_for(plan: str, session: Session = None) -> bool:
    """Whether the what-if values in the session were started from ``plan``."""
    return started_for(SCENARIO, session) == plan


def start_scenario(values: Mapping[str, Any], session: Session = None) -> bool:
    """The what-if values of a newly opened plan: ``values`` (its own), unless they already
    belong to the session's plan. True when they were started afresh."""
    session = _session(session)
    if not reset_on_change(SCENARIO, plan_id(session), values, session):
        for key, value in values.items():  # a value lost all the same comes back as the plan's
            session.setdefault(key, value)
        return False
    _redraw_hires(session)
    return True


def set_scenario(values: Mapping[str, Any], session: Session = None) -> None:
    """Set what-if values (a reset, a link, a solved plan) as the scenario of this plan."""
    session = _session(session)
    session.update(values)
    reset_on_change(SCENARIO, plan_id(session), {}, session)
    _redraw_hires(session)


def _redraw_hires(session: MutableMapping[str, Any]) -> None:
    session[HIRES_VERSION] = session.get(HIRES_VERSION, 0) + 1


# ----------------------------------------------------------------------------- links and hand-offs

# Each page's own names in a link (the scenario's are the widget keys above).
LINK_SET = "set"  # set=<name>: the set the library shows
LINK_SOLVE = "solve"  # solve=<lever path>: the lever KGI逆算 solves for
LINK_COMPARE = "compare"  # compare=set:A@2&compare=jp_smb_saas: the plans side by side
LINK_EFFORT = "effort:"  # effort:team.reps=2: a lever's effort on the center pin page
LINK_EFFORT_UNIT = "effort_unit"
LINK_LESSON = "lesson"  # lesson=4 (or trainer): the training path's lesson
LINK_PRESENT = "present"  # present=1: the presentation layout, on any page
LINK_ROOM = "room"  # room=<code>: a workshop room's join page
LINK_HOST = "host"  # host=<key> beside room=<code>: the facilitator's screen of that room
LINK_BOARD_SPEC = "ws"  # wsA=win3: scenario A of the workshop board
LINK_BOARD_NAME = "wn"  # wnA=営業強化案: its name
LINK_BOARD_SLOTS = ("A", "B", "C", "D")
#: Every name a link may carry, and the prefixes of families of names.
LINK_NAMES = frozenset(
    {"lang", "plan", "rev", TARGET, CONFIDENCE, TRIALS, SEED, WORKING_DAYS_ON, WORKING_DAYS}
    | {HIRES, LINK_SET, LINK_SOLVE, LINK_COMPARE, LINK_EFFORT_UNIT, LINK_LESSON}
    | {LINK_PRESENT, LINK_ROOM, LINK_HOST}
    | {prefix + slot for prefix in (LINK_BOARD_SPEC, LINK_BOARD_NAME) for slot in LINK_BOARD_SLOTS}
)
#: Names a page's own link keeps when another part of the app rewrites the link.
LINK_KEPT = (LINK_PRESENT,)
LINK_PREFIXES = (LEVER.prefix, LINK_EFFORT)
MAX_LINK_NAMES = 200  # names read from one link; the rest are dropped
#: (name, value, what is allowed) of what a link gave and was dropped
LINK_PROBLEMS = state("link_problems")
MAX_LINK_PROBLEMS = 20


def is_link_name(name: str) -> bool:
    return name in LINK_NAMES or name.startswith(LINK_PREFIXES)


def link_problem(name: str, value: str = "", session: Session = None, *, allowed: str = "") -> None:
    """Note a link's value that was dropped, with what is allowed there (in the user's
    language) when a page can say: the app shows them all in one warning, once, above the
    page (:func:`take_link_problems`)."""
    session = _session(session)
    problems = list(session.get(LINK_PROBLEMS) or [])
    problem = (name[:80], value[:80], allowed)
    if len(problems) < MAX_LINK_PROBLEMS and problem not in problems:
        problems.append(problem)
    session[LINK_PROBLEMS] = problems


def take_link_problems(session: Session = None) -> list[tuple[str, str, str]]:
    """The dropped link values not yet shown (name, value, what is allowed); shown once,
    then forgotten."""
    return list(_session(session).pop(LINK_PROBLEMS, None) or [])


def _whole(text: str | None) -> int | None:
    """A positive whole number (of at most 18 digits) written in a link, else None."""
    text = str(text)
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        return None
    number = int(text)
    return number if number > 0 else None


def open_link(
    query: Mapping[str, Sequence[str]], plans: Sequence[str], session: Session = None
) -> None:
    """Open the session as its first link asks: the language, the plan (one of ``plans``,
    else the default, with a warning) at the revision named; the rest of the link (the
    scenario, a page's own choices) waits in the session for :func:`from_link`."""
    session = _session(session)
    query = dict(list(query.items())[:MAX_LINK_NAMES])
    for name in [name for name in query if not is_link_name(name)]:
        link_problem(name, (query.pop(name) or [""])[-1], session)
    last = {name: values[-1] for name, values in query.items() if values}
    if last.get("lang") in LANGUAGES:
        session[LANG] = last["lang"]
    elif "lang" in last:
        link_problem("lang", last["lang"], session)
    if "rev" in last and _whole(last["rev"]) is None:
        link_problem("rev", last["rev"], session)
    named = last.get("plan")
    missing = named is not None and named not in plans
    if missing:  # a link to a set not (or no longer) in this database: nothing else applies
        session[PLAN_MISSING] = named
    plan = DEFAULT_PLAN if named is None or missing else named
    open_plan(plan, None if missing else _whole(last.get("rev")), session)
    params = {name: list(values) for name, values in query.items()}
    session[LINK] = {"plan": None if missing else plan, "params": params}


def from_link(names: Iterable[str], session: Session = None) -> dict[str, list[str]]:
    """The values the opening link gave ``names`` (each taken once), while the session
    still shows the plan it linked to; empty otherwise."""
    session = _session(session)
    opened = session.get(LINK)
    if not opened or opened["plan"] != plan_id(session):
        return {}
    params = dict(opened["params"])
    taken = {name: params.pop(name) for name in list(names) if name in params}
    session[LINK] = {"plan": opened["plan"], "params": params}
    return taken


def linked_names(prefix: str, session: Session = None) -> list[str]:
    """The names starting with ``prefix`` the opening link still holds (not yet taken)."""
    opened = _session(session).get(LINK)
    return [name for name in (opened or {}).get("params", {}) if name.startswith(prefix)]


def go_to(page: str, session: Session = None) -> None:
    """Show ``page`` (``"whatif"``, ``"compare"``…) next: for a callback, which cannot
    switch pages itself; the app switches before the current page draws (:func:`go_on`)."""
    _session(session)[GOTO] = page


def go_on() -> None:
    """Switch to the page a callback asked for, if any, keeping the link's query."""
    if page := st.session_state.pop(GOTO, None):
        st.switch_page(f"app_pages/{page}.py", query_params=st.query_params.to_dict())


def write_link(query: Mapping[str, str | Sequence[str]]) -> None:
    """The address bar shows ``query`` (and what :data:`LINK_KEPT` names, such as the
    presentation layout): a copied link opens what the page shows."""
    kept = {name: st.query_params.get_all(name) for name in LINK_KEPT if name in st.query_params}
    st.query_params.from_dict({**query, **kept})


def add_to_link(name: str, value: str | Sequence[str] | None) -> None:
    """A page's own choice in its link (None leaves it out)."""
    if value is None:
        st.query_params.pop(name, None)
    else:
        st.query_params[name] = value
