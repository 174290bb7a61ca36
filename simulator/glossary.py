"""The KPI glossary: what a manager calls each input and count, and the labels built from it.

``locales/glossary.toml`` holds the terms (架電数, 接触率, 商談化率 …): names in Japanese and
English, a definition from what to what, the formula, the unit and the published typical
ranges with their sources. This module reads it once and turns every path the core uses into
a label a manager reads:

- :func:`lever_label` for lever paths (``channels.calls.stages.connect.rate`` →
  接触率（架電→接触） / Connect rate (call → connect));
- :func:`metric_label` for the monthly counts of a result (``calls.connect`` →
  接触数（架電） / Connects (calls));
- :func:`input_label` for the flattened inputs of :func:`simulator.compare.flatten`
  (``win_rate.successes`` → 受注率 成功数);
- :func:`entry`, :func:`entry_for` and :func:`describe` for help texts and a glossary page.

A stage's rate is named from the step before it, because that is its denominator: the
``opportunity`` rate reads 商談化率（接触→商談） after ``connect`` and 商談化率（リード→商談）
in the inbound channel. When two stages of a plan would read the same (three channels each
with meeting → opportunity), their channel is named too: 商談化率（メール：アポ→商談）.

Names come, in this order, from the plan's own ``label`` in the reader's language, the
glossary, or the key itself with underscores as spaces (``demo_request`` → "demo request
件数"); a label never shows a dotted path. The channel that takes its volume from the team
is the calls channel whatever its key. Pure Python: no Streamlit, so the CLI, exports and
tests share the same words as the pages.
"""

from __future__ import annotations

import string
import tomllib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from simulator.plan import Channel, KpiSet, Label, Stage

GLOSSARY_PATH = Path(__file__).resolve().parent.parent / "locales" / "glossary.toml"

Lang = Literal["ja", "en"]
LANGS: tuple[Lang, ...] = ("ja", "en")
Kind = Literal["channel", "stage", "funnel", "team", "plan", "simulation"]
KINDS: tuple[str, ...] = ("channel", "stage", "funnel", "team", "plan", "simulation")

#: The patterns of [format] and the placeholders each one takes ({gap} is optional).
FORMATS: dict[str, frozenset[str]] = {
    "count": frozenset({"name"}),
    "conversion": frozenset(),
    "rate": frozenset({"rate", "from", "to"}),
    "rate_in_channel": frozenset({"rate", "channel", "from", "to"}),
    "rate_of_channel": frozenset({"rate", "channel"}),
    "stage_count": frozenset({"count", "channel"}),
    "per_month": frozenset({"count"}),
    "all_channels": frozenset({"count"}),
    "volume_source": frozenset({"count"}),
    "channel_label": frozenset({"channel", "language"}),
    "stage_label": frozenset({"stage", "channel", "language"}),
    "language_ja": frozenset(),
    "language_en": frozenset(),
    "low": frozenset({"label"}),
    "high": frozenset({"label"}),
    "successes": frozenset({"label"}),
    "trials": frozenset({"label"}),
    "rate_formula": frozenset({"rate", "count", "base"}),
    "path_separator": frozenset(),
    "rate_unit": frozenset(),
}

#: The parts of an uncertain value in a flattened path: ``win_rate.low`` is its P10.
VALUE_PARTS = ("low", "high", "successes", "trials")

#: Monthly totals of a result and the term each one counts.
_TOTALS = {
    "opportunities": "opportunity",
    "wins": "win",
    "revenue": "revenue",
    "cumulative_revenue": "cumulative_revenue",
    "carry_over_wins": "carry_over",
}

_CURRENCY_UNITS = {"JPY": ("円", "JPY"), "USD": ("ドル", "USD"), "EUR": ("ユーロ", "EUR")}


class GlossaryError(ValueError):
    """``locales/glossary.toml`` is missing a field, a language or a source."""


# --------------------------------------------------------------------------- the data


@dataclass(frozen=True)
class Text:
    """One phrase in both languages: ``text["ja"]``, ``text["en"]``."""

    ja: str
    en: str

    def __getitem__(self, lang: str) -> str:
        return self.ja if _lang(lang) == "ja" else self.en


@dataclass(frozen=True)
class Typical:
    """A published figure: ``low``–``high`` (equal for a single value) and where it is from.

    Values are in the entry's unit, a rate as a fraction (0.15 = 15%), unless ``unit`` is
    set: then the figure measures something else (a tenure in months) and reads as written.
    ``channel`` limits it to one channel key (the outbound 商談化率 belongs to ``calls``).
    """

    low: float
    high: float
    scope: Text
    source: str
    channel: str | None = None
    unit: Text | None = None


@dataclass(frozen=True)
class Entry:
    """One term of the glossary (see the header of ``locales/glossary.toml``)."""

    key: str
    kind: Kind
    aliases: tuple[str, ...]
    name: Text  # what is counted or set: 架電数, 接触数, 受注単価
    label: Text  # how its input reads: 担当者数（期首）; the name unless the file says
    rate: Text | None  # stages and win: 接触率
    step: Text | None  # channels and stages: the word in "from → to", 架電 / call
    channel: Text | None  # channels: 架電 / calls in "接触数（架電）"
    definition: Text
    formula: Text
    unit: Text
    money: bool
    typical: tuple[Typical, ...]
    assumption: Text | None  # why there is no published figure

    def typical_for(self, channel: str | None = None) -> tuple[Typical, ...]:
        """The figures that apply in a channel (by its glossary key), or all of them."""
        if channel is None:
            return self.typical
        return tuple(t for t in self.typical if t.channel in (None, channel))


@dataclass(frozen=True)
class Glossary:
    entries: Mapping[str, Entry]  # in the file's order
    formats: Mapping[str, Text]
    index: Mapping[str, str]  # every key and alias -> the entry's key

    def find(self, key: str, kind: str | None = None) -> Entry | None:
        found = self.index.get(key)
        entry = self.entries[found] if found is not None else None
        return entry if entry is not None and kind in (None, entry.kind) else None

    def fmt(self, format_name: str, lang: str, /, **values: str) -> str:
        """The [format] pattern filled in; ``{gap}`` follows its ``label`` or ``name``."""
        pattern = self.formats[format_name][lang]
        if "label" in values:  # a suffix after a label: "受注率 成功数", "接触率（架電→接触）P10"
            values["gap"] = "" if values["label"].endswith(("）", ")")) else " "
        elif "name" in values:  # a count after a name: "webinar 件数", "ウェビナー件数"
            values["gap"] = " " if values["name"][-1:].isascii() else ""
        return pattern.format(**values)


def _lang(lang: str) -> Lang:
    if lang == "ja":
        return "ja"
    if lang == "en":
        return "en"
    raise ValueError(f"unsupported language {lang!r}: use 'ja' or 'en'")


class _Reader:
    """Reads one entry of the TOML file, naming the field in every error."""

    def __init__(self, where: str, data: Any) -> None:
        if not isinstance(data, dict):
            raise GlossaryError(f"{where}: must be a table")
        self.where, self.data = where, data

    def optional(self, field: str) -> Text | None:
        return None if self.data.get(field) is None else self.text(field)

    def text(self, field: str) -> Text:
        value = self.data.get(field)
        if not isinstance(value, dict) or set(value) != set(LANGS):
            raise GlossaryError(f"{self.where}.{field}: needs exactly ja and en")
        for lang in LANGS:
            if not isinstance(value[lang], str) or not value[lang].strip():
                raise GlossaryError(f"{self.where}.{field}.{lang}: must be non-empty text")
        return Text(ja=value["ja"], en=value["en"])


def _typical(where: str, data: Any) -> Typical:
    read = _Reader(where, data)
    low, high, source = data.get("low"), data.get("high"), data.get("source")
    numbers = (low, high)
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in numbers):
        raise GlossaryError(f"{where}: low and high must be numbers")
    if low > high:
        raise GlossaryError(f"{where}: low must not exceed high")
    if not isinstance(source, str) or not source.strip():
        raise GlossaryError(f"{where}.source: name the source (as cited in sample_data/README)")
    channel = data.get("channel")
    if channel is not None and not isinstance(channel, str):
        raise GlossaryError(f"{where}.channel: must be a channel key")
    unknown = set(data) - {"low", "high", "scope", "source", "channel", "unit"}
    if unknown:
        raise GlossaryError(f"{where}: unknown fields {sorted(unknown)}")
    return Typical(
        float(low), float(high), read.text("scope"), source, channel, read.optional("unit")
    )


_ENTRY_FIELDS = {
    "kind",
    "aliases",
    "name",
    "label",
    "rate",
    "step",
    "channel",
    "definition",
    "formula",
    "unit",
    "money",
    "typical",
    "assumption",
}


def _entry(key: str, data: Any) -> Entry:
    where = f"entries.{key}"
    read = _Reader(where, data)
    unknown = set(data) - _ENTRY_FIELDS
    if unknown:
        raise GlossaryError(f"{where}: unknown fields {sorted(unknown)}")
    kind = data.get("kind")
    if kind not in KINDS:
        raise GlossaryError(f"{where}.kind: must be one of {', '.join(KINDS)}")
    aliases = data.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a for a in aliases):
        raise GlossaryError(f"{where}.aliases: must be a list of keys")
    rate = read.text("rate") if kind == "stage" else read.optional("rate")
    step = read.text("step") if kind in ("channel", "stage") else read.optional("step")
    channel = read.text("channel") if kind == "channel" else read.optional("channel")
    typical = tuple(
        _typical(f"{where}.typical[{i}]", item) for i, item in enumerate(data.get("typical", []))
    )
    assumption = read.optional("assumption")
    if not typical and assumption is None:
        raise GlossaryError(f"{where}: give a typical range with its source, or an assumption")
    money = data.get("money", False)
    if not isinstance(money, bool):
        raise GlossaryError(f"{where}.money: must be true or false")
    name = read.text("name")
    return Entry(
        key=key,
        kind=kind,
        aliases=tuple(aliases),
        name=name,
        label=read.optional("label") or name,
        rate=rate,
        step=step,
        channel=channel,
        definition=read.text("definition"),
        formula=read.text("formula"),
        unit=read.text("unit"),
        money=money,
        typical=typical,
        assumption=assumption,
    )


def _placeholders(pattern: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(pattern) if field is not None}


def load(path: str | Path = GLOSSARY_PATH) -> Glossary:
    """Read and check a glossary file; :func:`glossary` is the cached one the labels use."""
    try:
        with open(path, "rb") as file:
            data = tomllib.load(file)
    except tomllib.TOMLDecodeError as exc:
        raise GlossaryError(f"{path}: not valid TOML ({exc})") from None

    formats: dict[str, Text] = {}
    read = _Reader("format", data.get("format"))
    for name, allowed in FORMATS.items():
        text = read.text(name)
        for lang in LANGS:
            if _placeholders(text[lang]) - {"gap"} != allowed:
                raise GlossaryError(f"format.{name}.{lang}: takes {sorted(allowed)}")
        formats[name] = text

    raw = data.get("entries")
    if not isinstance(raw, dict) or not raw:
        raise GlossaryError(f"{path}: no [entries]")
    entries = {key: _entry(key, value) for key, value in raw.items()}
    index: dict[str, str] = {}
    for entry in entries.values():
        for name in (entry.key, *entry.aliases):
            if name in index:
                raise GlossaryError(f"entries.{entry.key}: {name!r} also names {index[name]!r}")
            index[name] = entry.key
    return Glossary(entries=entries, formats=formats, index=index)


@lru_cache(maxsize=1)
def glossary() -> Glossary:
    """The glossary of ``locales/glossary.toml``, read once."""
    return load(GLOSSARY_PATH)


def entries() -> tuple[Entry, ...]:
    """Every term, in the file's order (channels, stages, shared funnel, team, plan)."""
    return tuple(glossary().entries.values())


def entry(key: str) -> Entry:
    """The term named by a key, an alias or an input path (``calls``, ``win_rate``,
    ``team.reps``, ``carry_over_wins``); :class:`KeyError` if the glossary has none."""
    found = glossary().find(key)
    if found is None:
        raise KeyError(f"no glossary entry for {key!r}")
    return found


# --------------------------------------------------------------------------- names


def humanise(key: str) -> str:
    """A key as words: underscores become spaces (``demo_request`` → ``demo request``)."""
    return " ".join(key.replace("_", " ").split()) or key


def _sentence(text: str, lang: Lang) -> str:
    """English labels start with a capital unless their first word is mixed case (iPhone)."""
    if lang != "en" or not text:
        return text
    first = text.split(" ", 1)[0]
    return text[0].upper() + text[1:] if first.isascii() and first.islower() else text


@dataclass(frozen=True)
class _Names:
    """How one channel or stage reads in one language."""

    count: str  # 接触数 / Connects / demo request 件数
    step: str  # 接触 / connect: in "from → to"
    rate: str  # 接触率 / Connect rate / 転換率
    channel: str  # channels: 架電 / calls, in "接触数（架電）"
    entry: Entry | None


def _find_channel(plan: KpiSet | None, key: str) -> Channel | None:
    if plan is None:
        return None
    return next((c for c in plan.channels if c.key == key), None)


def _find_stage(channel: Channel | None, key: str) -> Stage | None:
    if channel is None:
        return None
    return next((s for s in channel.stages if s.key == key), None)


def _own(label: Label | None, lang: Lang) -> str | None:
    return None if label is None else getattr(label, lang)


def _channel_entry(key: str, channel: Channel | None) -> Entry | None:
    g = glossary()
    found = g.find(key, "channel")
    if found is None and channel is not None and channel.volume_from == "team":
        found = g.entries.get("calls")  # the team's channel is calls, whatever its key
    return found


def _names(
    entry: Entry | None, key: str, label: Label | None, lang: Lang, *, own: bool = True
) -> _Names:
    g = glossary()
    conversion = g.formats["conversion"][lang]
    name = _own(label, lang) if own else None
    if name:  # the plan's own name for the step
        return _Names(g.fmt("count", lang, name=name), name, conversion, name, entry)
    if entry is not None:
        return _Names(
            entry.name[lang],
            entry.step[lang] if entry.step else entry.name[lang],
            entry.rate[lang] if entry.rate else conversion,
            entry.channel[lang] if entry.channel else entry.name[lang],
            entry,
        )
    name = humanise(key)
    return _Names(g.fmt("count", lang, name=name), name, conversion, name, None)


def _channel_names(key: str, lang: Lang, plan: KpiSet | None, *, own: bool = True) -> _Names:
    channel = _find_channel(plan, key)
    label = channel.label if channel is not None else None
    return _names(_channel_entry(key, channel), key, label, lang, own=own)


def _stage_names(
    channel_key: str, key: str, lang: Lang, plan: KpiSet | None, *, own: bool = True
) -> _Names:
    stage = _find_stage(_find_channel(plan, channel_key), key)
    label = stage.label if stage is not None else None
    return _names(glossary().find(key, "stage"), key, label, lang, own=own)


def _before(channel_key: str, stage_key: str, lang: Lang, plan: KpiSet) -> _Names:
    """The step a stage converts from: the previous stage, or the channel's volume."""
    channel = _find_channel(plan, channel_key)
    if channel is None:
        raise KeyError(channel_key)
    keys = [s.key for s in channel.stages]
    i = keys.index(stage_key)
    if i == 0:
        return _channel_names(channel_key, lang, plan)
    return _stage_names(channel_key, keys[i - 1], lang, plan)


def _rate_labels(plan: KpiSet, lang: Lang) -> dict[tuple[str, str], str]:
    """Every stage rate of a plan, named from the step before; the channel named too where
    two stages would otherwise read alike."""
    g = glossary()
    parts: dict[tuple[str, str], dict[str, str]] = {}
    for channel in plan.channels:
        tag = _channel_names(channel.key, lang, plan).channel
        for stage in channel.stages:
            this = _stage_names(channel.key, stage.key, lang, plan)
            before = _before(channel.key, stage.key, lang, plan)
            parts[(channel.key, stage.key)] = {
                "rate": this.rate,
                "from": before.step,
                "to": this.step,
                "channel": tag,
            }
    bare = {
        k: g.fmt("rate", lang, **{n: v[n] for n in ("rate", "from", "to")})
        for k, v in parts.items()
    }
    seen = Counter(bare.values())
    return {
        k: label if seen[label] == 1 else g.fmt("rate_in_channel", lang, **parts[k])
        for k, label in bare.items()
    }


def _stage_rate_label(channel_key: str, stage_key: str, lang: Lang, plan: KpiSet | None) -> str:
    channel = _find_channel(plan, channel_key)
    if plan is not None and _find_stage(channel, stage_key) is not None:
        return _rate_labels(plan, lang)[(channel_key, stage_key)]
    # Without the plan the step before is unknown: name the channel instead.
    this = _stage_names(channel_key, stage_key, lang, plan)
    tag = _channel_names(channel_key, lang, plan).channel
    return glossary().fmt("rate_of_channel", lang, rate=this.rate, channel=tag)


def _with_part(label: str, part: str, lang: Lang) -> str:
    return glossary().fmt(part, lang, label=label)


def _readable(path: str, lang: Lang) -> str:
    g = glossary()
    return g.formats["path_separator"][lang].join(humanise(p) for p in path.split(".") if p)


def _channel_path_label(key: str, rest: list[str], lang: Lang, plan: KpiSet | None) -> str | None:
    g = glossary()
    if rest[0] == "volume_per_month" and len(rest) <= 2:
        label = g.fmt("per_month", lang, count=_channel_names(key, lang, plan).count)
        if len(rest) == 1:
            return label
        return _with_part(label, rest[1], lang) if rest[1] in VALUE_PARTS else None
    if rest == ["volume_from"]:
        return g.fmt("volume_source", lang, count=_channel_names(key, lang, plan).count)
    if rest[0] == "label" and len(rest) == 2 and rest[1] in LANGS:
        tag = _channel_names(key, lang, plan, own=False).channel
        language = g.formats[f"language_{rest[1]}"][lang]
        return g.fmt("channel_label", lang, channel=tag, language=language)
    if rest[0] == "stages" and len(rest) >= 3:
        stage, tail = rest[1], rest[2:]
        if tail[0] == "rate" and len(tail) <= 2:
            label = _stage_rate_label(key, stage, lang, plan)
            if len(tail) == 1:
                return label
            return _with_part(label, tail[1], lang) if tail[1] in VALUE_PARTS else None
        if tail[0] == "label" and len(tail) == 2 and tail[1] in LANGS:
            language = g.formats[f"language_{tail[1]}"][lang]
            return g.fmt(
                "stage_label",
                lang,
                stage=_stage_names(key, stage, lang, plan, own=False).step,
                channel=_channel_names(key, lang, plan, own=False).channel,
                language=language,
            )
    return None


# --------------------------------------------------------------------------- labels


def input_label(path: str, lang: str, plan: KpiSet | None = None) -> str:
    """A plan input as the compare, diff and conflict tables name it.

    ``path`` is one of :func:`simulator.compare.flatten`'s paths: a lever, an uncertain
    value's part (``…rate.low`` → P10, ``.high`` → P90, ``.successes`` 成功数, ``.trials``
    試行数), a channel's ``volume_from`` or ``label``, or a shared input (``team.hires``
    採用・退職, ``target.revenue`` 目標受注金額, ``simulation.trials`` 試行回数). With
    ``plan``, stages are named from the step before them and the plan's own labels win.
    An unknown path reads as its words (``foo.bar_baz`` → "foo › bar baz"), never dotted.
    """
    language = _lang(lang)
    g = glossary()
    parts = path.split(".")
    label: str | None = None
    if parts[0] == "channels" and len(parts) >= 3:
        label = _channel_path_label(parts[1], parts[2:], language, plan)
    elif (found := g.find(path)) is not None:
        label = found.label[language]
    elif len(parts) > 1 and parts[-1] in VALUE_PARTS:
        base = g.find(".".join(parts[:-1]))
        if base is not None:
            label = _with_part(base.label[language], parts[-1], language)
    return _sentence(label if label is not None else _readable(path, language), language)


def lever_label(path: str, lang: str, plan: KpiSet | None = None) -> str:
    """A lever's name (docs/design.md §4 paths) for sliders, tornado bars and tables.

    ``team.reps`` 担当者数（期首）, ``team.calls_per_rep_per_day`` 1人1日あたり架電数,
    ``win_rate`` 受注率, ``deal_size`` 受注単価, ``sales_cycle_months`` 商談期間（リードタイム）,
    ``channels.inbound.volume_per_month`` インバウンドリード数（月間）, and
    ``channels.calls.stages.connect.rate`` 接触率（架電→接触）. Give ``plan`` for rates:
    without it the step before a stage is unknown, and the rate names its channel instead
    (接触率（架電））.
    """
    return input_label(path, lang, plan)


def metric_label(metric: str, lang: str, plan: KpiSet | None = None) -> str:
    """A monthly count of a result: ``<channel>.volume`` (or the bare channel key, as in
    actuals files) 架電数, ``<channel>.<stage>`` 接触数（架電）, ``opportunities``
    商談数（全チャネル）, ``wins`` 受注数, ``revenue`` 受注金額, ``cumulative_revenue``,
    ``carry_over_wins`` 翌期繰越受注."""
    language = _lang(lang)
    g = glossary()
    parts = metric.split(".")
    label: str
    if metric in _TOTALS:
        total = g.entries[_TOTALS[metric]]
        label = total.name[language]
        if metric == "opportunities":
            label = g.fmt("all_channels", language, count=label)
    elif len(parts) == 2 and parts[1] == "volume":
        label = _channel_names(parts[0], language, plan).count
    elif len(parts) == 1 and (
        _find_channel(plan, metric) is not None or g.find(metric, "channel") is not None
    ):
        label = _channel_names(metric, language, plan).count
    elif len(parts) == 2:
        label = g.fmt(
            "stage_count",
            language,
            count=_stage_names(parts[0], parts[1], language, plan).count,
            channel=_channel_names(parts[0], language, plan).channel,
        )
    elif (found := g.find(metric)) is not None:
        label = found.name[language]
    else:
        label = _readable(metric, language)
    return _sentence(label, language)


# --------------------------------------------------------------------------- help texts


def entry_for(path: str, plan: KpiSet | None = None) -> Entry | None:
    """The term behind a lever, input or metric path: the stage's for a stage rate or
    count, the channel's for a volume (calls for the team's channel), else the shared
    input's; None for a key the glossary does not know (a plan's own ``webinar``)."""
    g = glossary()
    parts = path.split(".")
    if parts[0] == "channels" and len(parts) >= 3:
        if parts[2] == "stages" and len(parts) >= 4:
            return g.find(parts[3], "stage")
        return _channel_entry(parts[1], _find_channel(plan, parts[1]))
    if path in _TOTALS:
        return g.entries[_TOTALS[path]]
    if (found := g.find(path)) is not None:
        return found
    if len(parts) > 1 and parts[-1] in VALUE_PARTS and (base := g.find(".".join(parts[:-1]))):
        return base
    if len(parts) == 2:
        if parts[1] == "volume":
            return _channel_entry(parts[0], _find_channel(plan, parts[0]))
        return g.find(parts[1], "stage")
    if len(parts) == 1:
        return _channel_entry(path, _find_channel(plan, path))
    return None


@dataclass(frozen=True)
class Description:
    """A lever or input explained in one language, for a help text or "see the math"."""

    label: str
    definition: str
    formula: str
    unit: str
    typical: tuple[Typical, ...]  # the published figures that apply here
    assumption: str | None
    entry: Entry | None


def unit(path: str, lang: str, plan: KpiSet | None = None) -> str:
    """The unit of a lever or input: % for a rate, the plan's currency for an amount
    (円, ドル / JPY, USD), else the glossary's (件, 人, か月 …); "" when unknown."""
    language = _lang(lang)
    g = glossary()
    parts = path.split(".")
    part = parts[-1] if parts[-1] in VALUE_PARTS else None
    is_rate = parts[0] == "win_rate" or (
        len(parts) >= 5 and parts[0] == "channels" and parts[2] == "stages" and parts[4] == "rate"
    )
    found = entry_for(path, plan)
    if is_rate and part not in ("successes", "trials"):
        return g.formats["rate_unit"][language]
    if found is None:
        return ""
    if found.money:
        code = plan.currency if plan is not None else "JPY"
        names = _CURRENCY_UNITS.get(code, (code, code))
        return names[0] if language == "ja" else names[1]
    return found.unit[language]


def describe(path: str, lang: str, plan: KpiSet | None = None) -> Description:
    """A lever or input path explained: its label, definition, formula (for a stage rate,
    from its own step before: 商談化率（接触→商談） = 商談数 ÷ 接触数), unit, and the typical
    ranges that apply in its channel."""
    language = _lang(lang)
    g = glossary()
    found = entry_for(path, plan)
    label = input_label(path, language, plan)
    parts = path.split(".")
    formula = found.formula[language] if found is not None else ""
    channel_entry: Entry | None = None
    if parts[0] == "channels" and len(parts) >= 3:
        channel_entry = _channel_entry(parts[1], _find_channel(plan, parts[1]))
        stage = _find_stage(_find_channel(plan, parts[1]), parts[3]) if len(parts) >= 5 else None
        if plan is not None and stage is not None and parts[4] == "rate":
            this = _stage_names(parts[1], parts[3], language, plan)
            before = _before(parts[1], parts[3], language, plan)
            rate = _stage_rate_label(parts[1], parts[3], language, plan)
            formula = g.fmt(
                "rate_formula", language, rate=rate, count=this.count, base=before.count
            )
    typical: tuple[Typical, ...] = ()
    if found is not None:
        typical = found.typical_for(channel_entry.key if channel_entry is not None else None)
    return Description(
        label=label,
        definition=found.definition[language] if found is not None else "",
        formula=formula,
        unit=unit(path, language, plan),
        typical=typical,
        assumption=found.assumption[language] if found and found.assumption else None,
        entry=found,
    )
