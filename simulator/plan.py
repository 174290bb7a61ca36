"""The KPI set: a plan's inputs, as the versioned file format of docs/design.md §3.

Every plan that reaches an engine has passed :func:`parse_plan`: field checks by pydantic,
then the checks that span fields (hires inside the horizon, headcount never below zero,
unique keys). Errors carry a path (``channels[0].stages[1].rate.high``), a stable code and
its parameters, so the UI can say the same thing in Japanese.
"""

from __future__ import annotations

import json
import math
import re
import sys
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import holidays
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    SerializerFunctionWrapHandler,
    Tag,
    ValidationError,
    create_model,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from simulator import uncertain
from simulator.errors import CodedError, Problem, several

SCHEMA_VERSION = 1
MAX_MONTHS = 36
MAX_TRIALS = 2_000_000

# Upper bounds of every quantity (docs/design.md §3, "Bounds"): far above any real team,
# even after the 1,000-fold a lever is searched over (simulator/reverse.py), and below
# what overflows. What a whole run may cost is held to a budget too (simulator/budget.py).
MAX_REVENUE = 10**15  # a revenue target, in the plan's currency
MAX_DEAL_SIZE = 10**12  # one deal
MAX_VOLUME = 100_000_000  # a channel's leads, mails, ... a month
MAX_CALLS_PER_DAY = 100_000  # one rep's calls a day
MAX_REPS = 10_000  # reps at the start, and reps joining or leaving in one hire
MAX_OPEN_OPPORTUNITIES = 1_000_000
MAX_COUNTS_TRIALS = 1_000_000_000  # observed trials behind a rate
MAX_SALES_CYCLE_MONTHS = 120
MAX_SEASONALITY = 12  # a month's factor: 12 is a whole year's volume in one month
MAX_MEMBERS = 200  # members of one team plan: a large floor plans by team, not by person
MAX_MEMBER_NAME = 100

# --------------------------------------------------------------------------- errors


#: One thing wrong with a plan: where, a stable code, and an English sentence.
Issue = Problem


class PlanError(CodedError, ValueError):
    """A plan that cannot be simulated; ``issues`` lists every problem found."""

    def __init__(self, issues: list[Issue]) -> None:
        code, message, ctx = several(issues)
        super().__init__(code, message, **ctx)
        self.problems = list(issues)

    @property
    def issues(self) -> list[Issue]:
        return self.problems

    @classmethod
    def single(cls, path: str, code: str, message: str, **ctx: Any) -> PlanError:
        return cls([Issue(path, code, message, ctx)])


# pydantic's own error types, reworded as the user should read them.
_BUILTIN_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a known field",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "list_type": "must be a list",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "dict_type": "must be an object",
    "literal_error": "must be {expected}",
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be greater than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
    "string_too_short": "must not be empty",
    "string_too_long": "must be at most {max_length} characters",
    "string_pattern_mismatch": "has characters that are not allowed",
    "too_short": "must have at least {min_length} item(s)",
    "too_long": "must have at most {max_length} item(s)",
    "json_invalid": "is not valid JSON: {error}",
    "finite_number": "must be a finite number",
}
#: Nesting deeper than this is not a plan (a plan nests five levels): refused before the
#: parser recurses into it.
MAX_JSON_DEPTH = 64
# Tags of the tagged unions below: they appear in pydantic's error locations, not in paths.
_UNION_TAGS = {"number", "range", "counts"}


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in _UNION_TAGS or "[" in str(part):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


def _issues_from(error: ValidationError, within: tuple[Any, ...] = ()) -> list[Issue]:
    """The error's issues; ``within`` is where the validated part sits in the plan."""
    issues = []
    for err in error.errors(include_url=False):
        code = err["type"]
        ctx = {k: v for k, v in (err.get("ctx") or {}).items() if k != "error"}
        if code == "value_error":  # a plain ValueError from a validator below
            message = str(err["ctx"]["error"])
        elif code in _BUILTIN_MESSAGES:
            message = _BUILTIN_MESSAGES[code].format(**(err.get("ctx") or {}))
        else:  # our PydanticCustomError: its message is already ours
            message = err["msg"]
        issues.append(Issue(_path(within + tuple(err["loc"])), code, message, ctx))
    return issues


def _fail(code: str, message: str, **ctx: Any) -> PydanticCustomError:
    return PydanticCustomError(code, message, ctx or None)


# --------------------------------------------------------------------------- value types


def _rate(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise _fail("rate_bounds", "must be between 0 and 1")
    return value


def _non_negative(value: float) -> float:
    if value < 0:
        raise _fail("negative", "must be 0 or more")
    return value


_YEAR_MONTH = re.compile(r"(\d{4})-(\d{2})")


def _year_month(value: str) -> str:
    match = _YEAR_MONTH.fullmatch(value)
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
        raise _fail("year_month", "must be a month written YYYY-MM, e.g. 2027-04")
    return value


@lru_cache(maxsize=1)
def supported_countries() -> frozenset[str]:
    """ISO 3166 codes whose public holidays the `holidays` package knows."""
    return frozenset(holidays.list_supported_countries())


def _country(value: str) -> str:
    if value not in supported_countries():
        raise _fail("country", "must be a supported ISO country code such as JP or US")
    return value


def _at_most(maximum: int) -> Any:
    """A number from 0 to ``maximum`` (its bound shows in the JSON Schema)."""
    return Annotated[float, Field(le=maximum), AfterValidator(_non_negative)]


Rate = Annotated[float, AfterValidator(_rate)]
NonNegative = Annotated[float, AfterValidator(_non_negative)]
YearMonth = Annotated[str, AfterValidator(_year_month)]
Key = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z][A-Za-z0-9_]*$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class _Between(_Model):
    """A quantity between ``low`` (10th percentile) and ``high`` (90th percentile) that a
    distribution of ``_kind`` must fit."""

    _kind: ClassVar[uncertain.Kind]

    @model_validator(mode="after")
    def _fits(self) -> _Between:
        _check_range(self, self._kind)
        return self


class RateRange(_Between):
    """A rate somewhere between ``low`` (10th percentile) and ``high`` (90th percentile)."""

    _kind = "rate"
    low: Rate
    high: Rate


class Counts(_Model):
    """A rate observed as ``successes`` out of ``trials``."""

    successes: Annotated[int, Field(ge=0, le=MAX_COUNTS_TRIALS)]
    trials: Annotated[int, Field(ge=1, le=MAX_COUNTS_TRIALS)]

    @model_validator(mode="after")
    def _ordered(self) -> Counts:
        if self.successes > self.trials:
            raise _fail("counts_order", "successes must not exceed trials")
        return self


class Range(_Between):
    """A positive quantity between ``low`` (10th percentile) and ``high`` (90th percentile).

    Each quantity has its own subclass (:func:`_positive`) whose ends, and the mean and
    standard deviation of the lognormal they describe, are at most ``_maximum``.
    """

    _kind = "positive"
    _maximum: ClassVar[float] = math.inf
    low: NonNegative
    high: NonNegative


def _check_range(value: _Between, kind: uncertain.Kind) -> None:
    if value.low > value.high:
        raise _fail("range_order", "low must not exceed high")
    if value.low < value.high:
        try:
            uncertain.distribution({"low": value.low, "high": value.high}, kind)
        except uncertain.Unfittable as exc:
            raise _fail(exc.code, str(exc)) from None
        maximum = getattr(value, "_maximum", math.inf)
        if kind == "positive" and _log_spread(value.low, value.high) > math.log(maximum):
            raise _fail(
                "range_too_wide",
                f"is too wide a range: the lognormal it describes has a mean or a standard "
                f"deviation above {maximum:,}; narrow it",
                maximum=maximum,
            )


def _log_spread(low: float, high: float) -> float:
    """The log of the larger of the mean and the standard deviation of the lognormal with
    10th percentile ``low`` and 90th percentile ``high``, without overflowing."""
    mu = 0.5 * (math.log(low) + math.log(high))
    sigma2 = ((math.log(high) - math.log(low)) / (2 * uncertain.Z90)) ** 2
    log_mean = mu + sigma2 / 2
    # var = mean² (e^σ² − 1); log(e^σ² − 1) is σ² for large σ².
    log_expm1 = sigma2 if sigma2 > 30 else math.log(math.expm1(sigma2))
    return max(log_mean, log_mean + log_expm1 / 2)


def _shape(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, (RateRange, Range)):
        return "range"
    if isinstance(value, Counts):
        return "counts"
    if isinstance(value, dict):
        if "successes" in value or "trials" in value:
            return "counts"
        if "low" in value or "high" in value:
            return "range"
    return None


def _positive_shape(value: Any) -> str | None:
    shape = _shape(value)
    return None if shape == "counts" else shape


UncertainRate = Annotated[
    Annotated[Rate, Tag("number")]
    | Annotated[RateRange, Tag("range")]
    | Annotated[Counts, Tag("counts")],
    Discriminator(
        _shape,
        custom_error_type="rate_shape",
        custom_error_message="must be a rate: a number, {low, high} or {successes, trials}",
    ),
]


def _positive(name: str, what: str, maximum: int) -> Any:
    """A positive quantity up to ``maximum``: a number, or a range (a model named ``name``)."""
    number = _at_most(maximum)
    between = create_model(
        name,
        __base__=Range,
        __doc__=f"{what} between ``low`` (10th percentile) and ``high`` (90th percentile), "
        f"read as a lognormal whose mean and standard deviation are at most {maximum:,}.",
        low=(number, ...),
        high=(number, ...),
    )
    between._maximum = maximum
    return Annotated[
        Annotated[number, Tag("number")] | Annotated[between, Tag("range")],
        Discriminator(
            _positive_shape,
            custom_error_type="positive_shape",
            custom_error_message="must be a number or {low, high}",
        ),
    ]


CallsPerDay = _positive("CallsPerDayRange", "Calls per rep per day", MAX_CALLS_PER_DAY)
Volume = _positive("VolumeRange", "A channel's volume per month", MAX_VOLUME)
DealSize = _positive("DealSizeRange", "A deal's size", MAX_DEAL_SIZE)
SalesCycle = _positive(
    "SalesCycleRange", "Months from opportunity to close", MAX_SALES_CYCLE_MONTHS
)


# --------------------------------------------------------------------------- the plan


class Target(_Model):
    revenue: Annotated[float, Field(gt=0, le=MAX_REVENUE)]
    confidence: Annotated[float, Field(gt=0, lt=1)] = 0.8


class Hire(_Model):
    month: YearMonth
    change: Annotated[int, Field(ge=-MAX_REPS, le=MAX_REPS)]


#: Where a member's own rates may be given: a stage of the team's channel, or the win rate.
WIN_RATE_KEY = "win_rate"


def _member_name(value: str) -> str:
    """The characters labels, set names and authors refuse (:func:`hidden_character`), named
    in the message; a leading or trailing space too (as labels)."""
    hidden = hidden_character(value)
    if hidden is not None:
        raise _fail(
            "string_pattern_mismatch",
            f"{hidden} is not allowed (no control, direction or zero-width characters)",
            character=hidden,
        )
    if value != value.strip():
        raise _fail("string_pattern_mismatch", "must not start or end with a space")
    return value


MemberName = Annotated[
    str, Field(min_length=1, max_length=MAX_MEMBER_NAME), AfterValidator(_member_name)
]


class Member(_Model):
    """One rep of a team planned person by person (``team.members``).

    ``start_month`` empty: on the team before the plan starts, fully ramped; otherwise the
    member joins then and ramps over ``ramp_months`` (the team's when empty).
    ``leave_month``: gone from that month on. ``calls_per_rep_per_day`` empty: the team's.
    ``rates``: the member's own record or belief for a stage of the team's channel (by its
    key) or for ``win_rate``; observed counts are pooled with the team's rate
    (simulator/pooling.py), a number or range is taken as given. ``target``: a revenue
    target typed for this member (otherwise the KGI is split by capacity).
    """

    name: MemberName
    start_month: YearMonth | None = None
    leave_month: YearMonth | None = None
    ramp_months: Annotated[int, Field(ge=0, le=24)] | None = None
    calls_per_rep_per_day: CallsPerDay | None = None
    rates: dict[Key, UncertainRate] = Field(default_factory=dict, max_length=11)
    target: Annotated[float, Field(ge=0, le=MAX_REVENUE)] | None = None

    @model_serializer(mode="wrap")
    def _without_missing(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data = handler(self)
        return {k: v for k, v in data.items() if v is not None and v != {}}


class Team(_Model):
    reps: Annotated[int, Field(ge=0, le=MAX_REPS)] = 0
    calls_per_rep_per_day: CallsPerDay = 0.0
    working_days_per_month: Annotated[float, Field(ge=0, le=31)] | None = None
    ramp_months: Annotated[int, Field(ge=0, le=24)] = 0
    hires: list[Hire] = Field(default_factory=list, max_length=120)
    #: The team person by person; when given, the source of capacity instead of ``reps``
    #: and ``hires`` (docs/design.md §11).
    members: list[Member] | None = Field(default=None, min_length=1, max_length=MAX_MEMBERS)

    @model_serializer(mode="wrap")
    def _without_members(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Plans without members dump (and so save, diff and export) exactly as before.
        data = handler(self)
        if data.get("members") is None:
            data.pop("members", None)
        return data


#: A display name: one line of plain text, no control or invisible formatting characters
#: (bidi overrides, zero-width spaces), no leading or trailing space.
_INVISIBLE = r"\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff"
_HIDDEN = re.compile(f"[{_INVISIBLE}]")


def hidden_character(text: str) -> str | None:
    """The first control or invisible formatting character of ``text`` (a bidi override or
    isolate, a zero-width space or joiner, NUL, ...) as ``U+202E RIGHT-TO-LEFT OVERRIDE``;
    None when it has none. Labels, KPI set names and authors may not have any."""
    found = _HIDDEN.search(text)
    if found is None:
        return None
    character = found.group()
    name = unicodedata.name(character, "") or "a control character"
    return f"U+{ord(character):04X} {name}"


LabelText = Annotated[
    str,
    Field(
        min_length=1,
        max_length=40,
        pattern=rf"^[^\s{_INVISIBLE}]([^{_INVISIBLE}]*[^\s{_INVISIBLE}])?$",
    ),
]


class Label(_Model):
    """How a channel or stage is named on screen, per language; either may be left out.

    Without it (or without the user's language) the glossary names standard keys
    (``calls`` 架電数, ``connect`` 接触率 …) and humanises any other key.
    """

    ja: LabelText | None = None
    en: LabelText | None = None

    @model_serializer(mode="wrap")
    def _without_missing(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return {k: v for k, v in handler(self).items() if v is not None}


class _Labelled(_Model):
    """A model with an optional ``label``, left out of its dump when not given."""

    @model_serializer(mode="wrap")
    def _without_missing_label(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Plans without labels dump (and so save, diff and export) exactly as before.
        data = handler(self)
        if data.get("label") is None:
            data.pop("label", None)
        return data


class Stage(_Labelled):
    key: Key
    label: Label | None = None
    rate: UncertainRate


class Channel(_Labelled):
    key: Key
    label: Label | None = None
    volume_from: Literal["team"] | None = None
    volume_per_month: Volume | None = None
    stages: list[Stage] = Field(min_length=1, max_length=10)


class Simulation(_Model):
    trials: Annotated[int, Field(ge=1, le=MAX_TRIALS)] = 100_000
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = 0


class KpiSet(_Model):
    """A plan: team, channels and their conversion stages, shared win rate and deal size."""

    schema_version: Literal[1]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=5000)] = ""
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "JPY"
    start_month: YearMonth
    months: Annotated[int, Field(ge=1, le=MAX_MONTHS)]
    country: Annotated[str, AfterValidator(_country)] = "JP"
    year_end_closure: bool = False
    target: Target
    team: Team = Field(default_factory=Team)
    channels: list[Channel] = Field(min_length=1, max_length=20)
    win_rate: UncertainRate
    deal_size: DealSize
    sales_cycle_months: SalesCycle = 0.0
    open_opportunities: Annotated[int, Field(ge=0, le=MAX_OPEN_OPPORTUNITIES)] = 0
    seasonality: list[_at_most(MAX_SEASONALITY)] = Field(  # type: ignore[valid-type]
        default_factory=lambda: [1.0] * 12, min_length=12, max_length=12
    )
    simulation: Simulation = Field(default_factory=Simulation)

    def month_index(self, year_month: str) -> int:
        """Position of ``YYYY-MM`` in the horizon (0 = start month; may be outside)."""
        y0, m0 = map(int, self.start_month.split("-"))
        y, m = map(int, year_month.split("-"))
        return (y - y0) * 12 + (m - m0)

    def to_json(self) -> str:
        """The plan in the file format, as pretty UTF-8 JSON."""
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"


def _cross_field_issues(plan: KpiSet) -> list[Issue]:
    issues: list[Issue] = []

    def add(path: str, code: str, message: str, **ctx: Any) -> None:
        issues.append(Issue(path, code, message, ctx))

    headcount = plan.team.reps
    # Within a month, joiners count before leavers: the order of the list does not matter.
    by_month = sorted(enumerate(plan.team.hires), key=lambda pair: (pair[1].month, -pair[1].change))
    for i, hire in by_month:
        path = f"team.hires[{i}]"
        index = plan.month_index(hire.month)
        if not 0 <= index < plan.months:
            add(
                f"{path}.month", "hire_outside_horizon", "must be a month inside the plan's horizon"
            )
        if hire.change == 0:
            add(f"{path}.change", "hire_zero", "must not be 0 (reps joining are +, leaving are -)")
        headcount += hire.change
        if headcount < 0:
            add(f"{path}.change", "headcount_negative", "would leave fewer than 0 reps")

    channel_keys = [channel.key for channel in plan.channels]
    team_channels = 0
    for i, channel in enumerate(plan.channels):
        path = f"channels[{i}]"
        if channel_keys.count(channel.key) > 1:
            add(f"{path}.key", "duplicate_key", "must be unique among channels")
        if (channel.volume_from is None) == (channel.volume_per_month is None):
            add(path, "volume_source", "needs exactly one of volume_from or volume_per_month")
        team_channels += channel.volume_from == "team"
        stage_keys = [stage.key for stage in channel.stages]
        for j, key in enumerate(stage_keys):
            if stage_keys.count(key) > 1:
                add(f"{path}.stages[{j}].key", "duplicate_key", "must be unique in its channel")
    if team_channels > 1:
        add("channels", "team_channels", "at most one channel can take its volume from the team")
    if plan.team.members is not None:
        issues += _member_issues(plan)
    return issues


def _member_issues(plan: KpiSet) -> list[Issue]:
    """A team planned by member: unique names, months in order and inside the horizon,
    own rates only for stages the members' calls go through."""
    issues: list[Issue] = []
    team_channel = next((c for c in plan.channels if c.volume_from == "team"), None)
    if team_channel is None:
        issues.append(
            Issue(
                "team.members",
                "members_without_team_channel",
                "need a channel whose volume comes from the team (volume_from: team)",
                {},
            )
        )
    known = {s.key for s in team_channel.stages} if team_channel else set()
    known.add(WIN_RATE_KEY)
    names: set[str] = set()
    for i, member in enumerate(plan.team.members or []):
        path = f"team.members[{i}]"
        if member.name in names:
            issues.append(
                Issue(f"{path}.name", "duplicate_name", "must be unique among members", {})
            )
        names.add(member.name)
        start = 0 if member.start_month is None else plan.month_index(member.start_month)
        if start >= plan.months:
            issues.append(
                Issue(
                    f"{path}.start_month",
                    "member_outside_horizon",
                    "must be a month before the plan's horizon ends",
                    {},
                )
            )
        if member.leave_month is not None and plan.month_index(member.leave_month) <= start:
            issues.append(
                Issue(
                    f"{path}.leave_month",
                    "leave_before_start",
                    "must come after the start month (and after the plan's start)",
                    {},
                )
            )
        for key in member.rates:
            if key not in known:
                issues.append(
                    Issue(
                        f"{path}.rates.{key}",
                        "unknown_stage",
                        f"must be one of {', '.join(sorted(known))}",
                        {"known": sorted(known)},
                    )
                )
    return issues


_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _line(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _too_deep(text: str) -> int | None:
    """The line where ``text`` nests deeper than :data:`MAX_JSON_DEPTH`, if it does."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return None
    depth = 0
    for match in _JSON_TOKENS.finditer(text):
        token = match.group()
        if token == "[" or token == "{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return _line(text, match.start())
        elif token == "]" or token == "}":
            depth -= 1
    return None


def _repeated_keys(document: Any, repeated: dict[int, list[str]]) -> list[Issue]:
    """A ``duplicate_key`` issue for each key an object of ``document`` has twice."""
    issues, stack = [], [(document, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            for key in repeated.get(id(node), []):
                where = f"{path}.{key}" if path else key
                issues.append(
                    Issue(where, "duplicate_key", "appears twice in the same object", {"key": key})
                )
            stack += [(v, f"{path}.{k}" if path else k) for k, v in reversed(node.items())]
        elif isinstance(node, list):
            stack += [(v, f"{path}[{i}]") for i, v in reversed(list(enumerate(node)))]
    return issues


def read_json(text: str | bytes) -> Any:
    """JSON text as Python values, or :class:`PlanError` (``json_invalid``, with its line)
    for what no KPI set file can be: text that is not JSON, nesting deeper than
    :data:`MAX_JSON_DEPTH`, a number of thousands of digits; and ``duplicate_key`` for a
    key written twice in one object (JSON would silently keep the last)."""
    if isinstance(text, bytes):
        text = text.decode(json.detect_encoding(text), "surrogatepass")

    def invalid(reason: str, line: int) -> PlanError:
        return PlanError.single("", "json_invalid", f"not valid JSON: {reason}", line=line)

    deep = _too_deep(text)
    if deep is not None:
        raise invalid(f"nested more than {MAX_JSON_DEPTH} levels deep (line {deep})", deep)
    repeated: dict[int, list[str]] = {}

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(items)
        if len(obj) < len(items):
            keys = [key for key, _ in items]
            repeated[id(obj)] = [key for key in obj if keys.count(key) > 1]
        return obj

    try:
        document = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise invalid(str(exc), exc.lineno) from None
    except ValueError as exc:  # an integer longer than Python converts (sys.int_info)
        digits = re.search(rf"\d{{{sys.get_int_max_str_digits() + 1},}}", text)
        line = _line(text, digits.start()) if digits else 1
        raise invalid(f"a number with too many digits (line {line})", line) from exc
    if repeated:
        raise PlanError(_repeated_keys(document, repeated))
    return document


def parse_plan(data: dict[str, Any] | str | bytes) -> KpiSet:
    """Validate a plan given as a dict or as JSON text; raise :class:`PlanError` if it is bad."""
    if isinstance(data, (str, bytes)):
        data = read_json(data)
    version = data.get("schema_version", SCHEMA_VERSION) if isinstance(data, dict) else 1
    if type(version) is not int or version != SCHEMA_VERSION:
        raise PlanError.single(
            "schema_version",
            "schema_version",
            f"must be {SCHEMA_VERSION}; this file has version {version!r}, "
            "which this version of Centerpin cannot read",
            expected=SCHEMA_VERSION,
        )
    try:
        plan = KpiSet.model_validate(data)
    except ValidationError as exc:
        raise PlanError(_issues_from(exc)) from None
    issues = _cross_field_issues(plan)
    if issues:
        raise PlanError(issues)
    return plan


#: Where a field sits in a plan: attribute names, and the position of an item in a list,
#: e.g. ``("channels", 0, "stages", 1, "rate")``.
Location = tuple[str | int, ...]


def _with_field(model: BaseModel, location: Location, value: Any, done: Location) -> Any:
    """A copy of ``model`` with the field at ``location`` (below ``done``) set and checked."""
    name, rest = location[0], location[1:]
    if not rest:
        copy = model.model_copy()
        try:
            type(model).__pydantic_validator__.validate_assignment(copy, name, value)
        except ValidationError as exc:
            raise PlanError(_issues_from(exc, done)) from None
        return copy
    child = getattr(model, name)
    if isinstance(rest[0], int):
        items = list(child)
        items[rest[0]] = _with_field(items[rest[0]], rest[1:], value, (*done, name, rest[0]))
        return model.model_copy(update={name: items})
    return model.model_copy(update={name: _with_field(child, rest, value, (*done, name))})


def with_field(plan: KpiSet, location: Location, value: Any) -> KpiSet:
    """The plan with one field set, validated without parsing the whole plan again.

    For values the core computes many times over (a lever stepped or scaled by a solver).
    Validity is kept as :func:`parse_plan` keeps it: the new value goes through pydantic's
    validation of that very field (its type, bounds and range fit, under the model's
    strict config), the checks that span fields run on the result, and every other field is
    the plan's own, which passed :func:`parse_plan` already. Unchanged parts are shared with
    ``plan``, not copied. Raises :class:`PlanError` with the field's full path.
    """
    changed = _with_field(plan, location, value, ())
    issues = _cross_field_issues(changed)
    if issues:
        raise PlanError(issues)
    return changed


def load_plan(path: str | Path) -> KpiSet:
    """Read and validate a KPI set file."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise PlanError.single("", "file_missing", f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError.single("", "file_unreadable", f"{path}: cannot read ({exc})") from None
    return parse_plan(text)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the KPI set file format, version 1."""
    schema = KpiSet.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://centerpin.example/schema/kpi_set.v1.json"
    schema["title"] = "Centerpin KPI set, version 1"
    return schema
