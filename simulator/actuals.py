"""Actuals: what a team really did, month by month, read from a CSV or XLSX file.

A quarterly review starts from a file the team already keeps: one row per month and
metric (the **long** layout of ``sample_data/actuals_jp_smb_saas.csv``: month, metric,
value) or one row per month with a column per metric (the **wide** layout), optionally with
a rep column (rows are then summed per month) and a channel column (metric names are then
read inside that channel: 接触数 in the calls channel is ``calls.connect``).

**Names.** A header or metric cell names a count the way the plan does (``calls.connect``)
or the way a manager writes it, in Japanese or English, as the glossary spells it
(架電数, 接触数（架電）, 商談数, 受注数, 受注金額, Connects (calls), Wins …): compared after
NFKC (full-width ＡＢＣ and （） read as ABC and ()), case-folded, surrounding spaces
removed. A name two counts of the plan could mean (商談化率 with three channels) must be
written in full. An unknown name is reported with the closest name the plan knows.

**Files.** UTF-8 with or without a BOM, UTF-16 with a BOM (Excel's "Unicode text"), and
CP932 (Excel's Japanese CSV, with 髙 and ①). ``,`` ``;`` or tab between cells
(:class:`csv.Sniffer`, checked against the header). Numbers as ``12,000``, ``１２０００``,
``¥1,200,000``, ``12%`` (rates). An XLSX is read from its first sheet or a named one,
with openpyxl in read-only mode: its zip directory is checked first (a workbook that
would expand past :data:`MAX_XLSX_EXPANDED` is refused unread), formulas are never
evaluated (a formula cell reads as the value Excel cached; one without is refused).

**Checks.** Every cell is checked and every problem is reported at once, each with its
cell (``C5``), row and column (:class:`ActualsError`); nothing is kept from a file with
any problem. Counts are whole and 0 or more; revenue is 0 or more; a rate is between 0
and 1; each stage is at most the stage before it in the same channel, month (and rep);
months lie inside the plan's horizon and not after the review date; a month × metric
(× rep) appears once; every month up to the review date has revenue, wins and
opportunities. Rates (接触率 …) are checked but not used: the review reads counts.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import itertools
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal

from simulator import glossary
from simulator.calendar import month_keys
from simulator.errors import CodedError, Problem, several
from simulator.plan import KpiSet

#: Largest actuals file read; a larger one is refused before it is read.
MAX_BYTES = 10_000_000
#: Largest total an XLSX may expand to (the sizes its zip directory declares).
MAX_XLSX_EXPANDED = 100_000_000
MAX_XLSX_MEMBERS = 1_000
MAX_ROWS = 1_000_000
MAX_COLUMNS = 200
#: Problems reported one by one; the rest are counted in a last one.
MAX_PROBLEMS = 50

Layout = Literal["long", "wide"]
Kind = Literal["count", "money", "rate"]
LAYOUTS: tuple[Layout, ...] = ("long", "wide")

#: Totals over channels: new opportunities, wins closed, revenue won.
TOTALS = ("opportunities", "wins", "revenue")
#: What every month up to the review date must report.
REQUIRED = ("revenue", "wins", "opportunities")

#: The columns that are not metrics, by what a header may call them.
_COLUMNS: dict[str, tuple[str, ...]] = {
    "month": ("month", "月", "年月", "対象月", "year_month", "yearmonth", "period"),
    "metric": ("metric", "指標", "指標名", "項目", "kpi"),
    "value": ("value", "値", "実績", "実績値", "数値"),
    "rep": ("rep", "担当者", "担当者名", "担当", "owner", "sales_rep"),
    "channel": ("channel", "チャネル", "チャネル名"),
}
#: The headers a template writes for those columns.
_TEMPLATE_COLUMNS = {
    "ja": {"month": "月", "metric": "指標", "value": "値"},
    "en": {"month": "month", "metric": "metric", "value": "value"},
}


class ActualsError(CodedError, ValueError):
    """An actuals file that cannot be used; :attr:`problems` lists every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        code, message, ctx = several(problems)
        super().__init__(code, message, **ctx)
        self.problems = list(problems)


# --------------------------------------------------------------------------- the result


@dataclass(frozen=True)
class Actuals:
    """Counts a team reported, as read from one file.

    ``rows`` are (month, metric, rep, value) as the file gave them (rep ``""`` without a
    rep column; rates included): what a snapshot stores. ``totals`` sums the counts and
    revenue over reps: month → metric → value.
    """

    file: str
    layout: Layout
    rows: tuple[tuple[str, str, str, float], ...]
    totals: Mapping[str, Mapping[str, float]] = field(repr=False)

    @classmethod
    def from_rows(
        cls, rows: Iterable[Sequence[Any]], file: str = "", layout: Layout = "long"
    ) -> Actuals:
        """Actuals from stored rows (month, metric, rep, value), summed per month."""
        clean = tuple((str(m), str(k), str(r), float(v)) for m, k, r, v in rows)
        rates = {k for _, k, _, _ in clean if kind(k) == "rate"}
        totals: dict[str, dict[str, float]] = {}
        for month, metric, _, value in clean:
            if metric not in rates:
                by_metric = totals.setdefault(month, {})
                by_metric[metric] = by_metric.get(metric, 0.0) + value
        return cls(file, layout, clean, {m: totals[m] for m in sorted(totals)})

    @classmethod
    def of_groups(
        cls, groups: Mapping[tuple[str, str], Mapping[str, float]], file: str, layout: Layout
    ) -> Actuals:
        """Actuals from checked values by (month, rep): metric → value."""
        rows = tuple(
            (month, metric, rep, value)
            for (month, rep), values in groups.items()
            for metric, value in values.items()
        )
        totals: dict[str, dict[str, float]] = {}
        for (month, _), values in groups.items():
            by_metric = totals.setdefault(month, {})
            for metric, value in values.items():
                by_metric[metric] = by_metric.get(metric, 0.0) + value
        for by_metric in totals.values():
            for metric in [m for m in by_metric if kind(m) == "rate"]:
                del by_metric[metric]
        return cls(file, layout, rows, {m: totals[m] for m in sorted(totals)})

    @property
    def months(self) -> tuple[str, ...]:
        """Months with any count, in order."""
        return tuple(self.totals)

    @property
    def reps(self) -> tuple[str, ...]:
        return tuple(sorted({rep for _, _, rep, _ in self.rows if rep}))

    def value(self, month: str, metric: str) -> float | None:
        return self.totals.get(month, {}).get(metric)

    def to_rows(self) -> list[list[Any]]:
        """The rows as JSON-ready lists."""
        return [[m, k, r, v] for m, k, r, v in self.rows]


def kind(metric: str) -> Kind:
    """How a metric key's values read: a rate (0–1), money (revenue), or a count."""
    if metric == "win_rate" or metric.endswith(".rate"):
        return "rate"
    return "money" if metric == "revenue" else "count"


# --------------------------------------------------------------------------- names


def normalise(text: str) -> str:
    """A name as headers are compared: NFKC, case-folded, single spaces, none around."""
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


@dataclass(frozen=True)
class Vocabulary:
    """Every name a file may use for a plan's metrics, normalised, and their keys.

    ``names`` reads a name on its own; ``in_channel[c]`` reads one in a row whose channel
    column says ``c``; ``channels`` reads the channel column. ``ambiguous`` keeps the keys
    a name could mean when it means more than one.
    """

    names: Mapping[str, str]
    in_channel: Mapping[str, Mapping[str, str]]
    channels: Mapping[str, str]
    ambiguous: Mapping[str, tuple[str, ...]]
    labels: Mapping[str, tuple[str, str]]  # metric key -> how it reads (ja, en)

    def label(self, key: str, lang: str) -> str:
        names = self.labels.get(key)
        return key if names is None else names[0 if lang == "ja" else 1]

    def named(self, name: str, key: str | None) -> dict[str, str]:
        """A metric in a problem's values: ``name`` in English, ``name_ja``, ``name_en``
        ("—" for none)."""
        if key is None:
            return {name: "—", f"{name}_ja": "—", f"{name}_en": "—"}
        ja, en = self.label(key, "ja"), self.label(key, "en")
        return {name: en, f"{name}_ja": ja, f"{name}_en": en}

    def resolve(self, name: str, channel: str | None = None) -> str | None:
        key = normalise(name)
        if channel is not None and key in self.in_channel.get(channel, {}):
            return self.in_channel[channel][key]
        return self.names.get(key)

    def closest(self, name: str) -> str | None:
        """The metric whose name is nearest to ``name`` (difflib), if any is near."""
        found = difflib.get_close_matches(normalise(name), list(self.names), n=1, cutoff=0.5)
        return self.names[found[0]] if found else None


class _Names:
    """Collects names: a strong one (the plan's own) beats a weak one (the glossary's);
    two of the same strength for different keys make the name ambiguous."""

    def __init__(self) -> None:
        self.strong: dict[str, set[str]] = {}
        self.weak: dict[str, set[str]] = {}

    def add(self, names: Iterable[str], key: str, *, weak: bool = False) -> None:
        table = self.weak if weak else self.strong
        for name in names:
            if name:
                table.setdefault(normalise(name), set()).add(key)

    def result(self) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
        merged = {name: keys for name, keys in self.weak.items() if name not in self.strong}
        merged |= self.strong
        names = {name: next(iter(keys)) for name, keys in merged.items() if len(keys) == 1}
        ambiguous = {n: tuple(sorted(k)) for n, k in merged.items() if len(k) > 1}
        return names, ambiguous


def _entry_names(entry: glossary.Entry | None, *, skip: Iterable[str] = ()) -> list[str]:
    if entry is None:
        return []
    skipped = set(skip)
    return [
        name
        for name in (entry.key, *entry.aliases, entry.name.ja, entry.name.en)
        if name not in skipped
    ]


def _both(label: Any, key: str, plan: KpiSet) -> list[str]:
    return [label(key, lang, plan) for lang in glossary.LANGS]


def vocabulary(plan: KpiSet) -> Vocabulary:
    """The names of every metric of ``plan`` an actuals file may use (module docstring)."""
    g = glossary.glossary()
    names, channels = _Names(), _Names()
    in_channel: dict[str, _Names] = {}
    labels: dict[str, tuple[str, str]] = {}
    opportunity = g.entries.get("opportunity")
    for channel in plan.channels:
        c = channel.key
        local = in_channel.setdefault(c, _Names())
        entry = glossary.entry_for(c, plan)
        own = [channel.label.ja, channel.label.en] if channel.label else []
        channel_words = [c, *own, *_entry_names(entry)]
        if entry is not None and entry.channel is not None:
            channel_words += [entry.channel.ja, entry.channel.en]
        channels.add(channel_words, c)
        volume = _both(glossary.metric_label, c, plan)
        names.add([c, f"{c}.volume", *volume], c)
        names.add(_entry_names(entry), c, weak=True)
        local.add(["volume", "件数", "volume_per_month", *volume, *_entry_names(entry)], c)
        labels[c] = (volume[0], volume[1])
        for stage in channel.stages:
            key, path = f"{c}.{stage.key}", f"channels.{c}.stages.{stage.key}.rate"
            stage_entry = g.find(stage.key, "stage")
            count = _both(glossary.metric_label, key, plan)
            rate = _both(glossary.lever_label, path, plan)
            names.add([key, *count], key)
            names.add([path, *rate], path)
            own_stage = [stage.label.ja, stage.label.en] if stage.label else []
            local.add([stage.key, *own_stage, *count, *_entry_names(stage_entry)], key)
            if stage_entry is not None:
                # Weak names read alone; two channels with the stage make them ambiguous.
                local.add([stage_entry.rate.ja, stage_entry.rate.en, *rate], path)
                names.add([stage_entry.rate.ja, stage_entry.rate.en], path, weak=True)
                if stage_entry is not opportunity:  # 商談数 is the total's
                    names.add(_entry_names(stage_entry), key, weak=True)
            labels[key], labels[path] = (count[0], count[1]), (rate[0], rate[1])
    win, revenue = g.entries["win"], g.entries["revenue"]
    for key, words in (
        ("opportunities", _entry_names(opportunity)),
        ("wins", _entry_names(win, skip=("win_rate",))),
        ("revenue", _entry_names(revenue)),
    ):
        label = _both(glossary.metric_label, key, plan)
        names.add([key, *label, *words], key)
        labels[key] = (label[0], label[1])
    names.add(["win_rate", win.rate.ja, win.rate.en] if win.rate else ["win_rate"], "win_rate")
    labels["win_rate"] = (
        glossary.lever_label("win_rate", "ja", plan),
        glossary.lever_label("win_rate", "en", plan),
    )
    table, ambiguous = names.result()
    return Vocabulary(
        names=table,
        in_channel={c: n.result()[0] for c, n in in_channel.items()},
        channels=channels.result()[0],
        ambiguous=ambiguous,
        labels=labels,
    )


def metrics(plan: KpiSet) -> list[str]:
    """The counts of a plan an actuals file reports, in funnel order: each channel's
    volume and stages, then new opportunities, wins and revenue."""
    out: list[str] = []
    for channel in plan.channels:
        out += [channel.key, *(f"{channel.key}.{stage.key}" for stage in channel.stages)]
    return [*out, *TOTALS]


def _chain(plan: KpiSet) -> dict[str, list[str]]:
    """Each channel's counts from its volume to its last stage."""
    return {c.key: [c.key, *(f"{c.key}.{stage.key}" for stage in c.stages)] for c in plan.channels}


# --------------------------------------------------------------------------- cells


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: a spreadsheet's column name."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class _Formula:
    """A formula cell without a cached value (the workbook was never calculated)."""

    def __repr__(self) -> str:
        return "<formula>"


FORMULA = _Formula()


class _Bad(Exception):
    """A cell that does not read as what its column needs: a code and an English reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?")
_PLAIN = re.compile(r"(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
#: Currency marks around an amount; CP932 files write ¥ as a backslash (byte 0x5C).
_CURRENCY = ("¥", "\\", "$", "€", "£", "円", "jpy", "usd", "eur", "ドル")


def parse_number(raw: Any) -> tuple[float, bool] | None:
    """A cell as a number and whether it was written as a percentage; None when empty.

    Reads ``12000``, ``12,000``, ``１２０００``, ``¥1,200,000``, ``1,200,000円``, ``12%`` and
    negatives written ``-5``, ``−5``, ``△5``, ``▲5`` or ``(5)`` (reported by the caller).
    Raises :class:`_Bad` (``not_a_number``) for anything else.
    """
    if raw is None:
        return None
    if raw is FORMULA:
        raise _Bad("formula_without_value", "is a formula without a calculated value")
    if isinstance(raw, bool | dt.date | dt.time):
        raise _Bad("not_a_number", "is not a number")
    if isinstance(raw, int | float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise _Bad("not_a_number", "is not a number")
        return float(raw), False
    text = str(raw)
    if text.isascii() and text.isdigit():  # the common case, fast
        return float(text), False
    text = unicodedata.normalize("NFKC", text).strip().casefold().replace(" ", "")
    if not text:
        return None
    percent = text.endswith("%")
    text = text.rstrip("%")
    negative = False
    if text[:1] in ("-", "\u2212", "△", "▲"):
        negative, text = True, text[1:]
    elif text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    for symbol in _CURRENCY:
        text = text.removeprefix(symbol).removesuffix(symbol)
    if "," in text:
        if not _THOUSANDS.fullmatch(text):
            raise _Bad("not_a_number", "is not a number (a comma only between thousands)")
        text = text.replace(",", "")
    if not _PLAIN.fullmatch(text):
        raise _Bad("not_a_number", "is not a number")
    value = float(text)
    return (-value if negative else value), percent


_MONTH = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:月|[-/.]\s*\d{1,2}\s*日?)?(?:[ t]\d{1,2}:\d{2}(:\d{2})?)?"
)
_COMPACT_MONTH = re.compile(r"(\d{4})(\d{2})")


def parse_month(raw: Any) -> str | None:
    """A month cell as ``YYYY-MM``: 2027-04, 2027/4, 2027/04/01, 2027年4月, 202704, or a
    date (an XLSX date cell); None when it is none of these."""
    if isinstance(raw, dt.date):
        return f"{raw.year:04d}-{raw.month:02d}"
    if isinstance(raw, bool) or raw is None:
        return None
    text = unicodedata.normalize("NFKC", str(int(raw)) if isinstance(raw, int) else str(raw))
    text = text.strip().casefold()
    match = _MONTH.fullmatch(text) or _COMPACT_MONTH.fullmatch(text)
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return f"{year:04d}-{month:02d}"


# --------------------------------------------------------------------------- problems


class _Problems:
    """Problems of one file, in the order found, the first :data:`MAX_PROBLEMS` kept."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.kept: list[Problem] = []
        self.dropped = 0

    def add(self, path: str, code: str, message: str, **ctx: Any) -> None:
        if len(self.kept) < MAX_PROBLEMS:
            self.kept.append(Problem(path, code, message, ctx, self.file))
        else:
            self.dropped += 1

    def at(self, cell: _Cell, code: str, message: str, **ctx: Any) -> None:
        """A problem of one cell, naming its row and column in the message."""
        where = f"row {cell.row}, column “{cell.column}”"
        self.add(cell.ref, code, f"{where}: {message}", **(cell.ctx() | ctx))

    def __bool__(self) -> bool:
        return bool(self.kept)

    def raise_if_any(self) -> None:
        if not self.kept:
            return
        problems = sorted(self.kept, key=lambda p: (p.ctx.get("row", 0), p.ctx.get("col", 0)))
        if self.dropped:
            problems.append(
                Problem(
                    "",
                    "more_problems",
                    f"and {self.dropped:,} more problems",
                    {"count": self.dropped},
                    self.file,
                )
            )
        raise ActualsError(problems)


@dataclass(frozen=True)
class _Cell:
    row: int  # 1-based, as a spreadsheet numbers rows
    col: int  # 0-based
    column: str  # the column's header as written (or its letter)
    raw: Any = None

    @property
    def ref(self) -> str:
        return f"{column_letter(self.col)}{self.row}"

    def ctx(self) -> dict[str, Any]:
        text = "" if self.raw is None else str(self.raw)
        shown = text if len(text) <= 40 else text[:39] + "…"
        return {
            "row": self.row,
            "col": self.col,
            "column": self.column,
            "cell": self.ref,
            "value": shown,
        }


def _fail(file: str, code: str, message: str, **ctx: Any) -> ActualsError:
    return ActualsError([Problem("", code, message, ctx, file)])


# --------------------------------------------------------------------------- bytes


Source = bytes | str | os.PathLike[str] | BinaryIO


def _load(source: Source, file: str) -> bytes:
    """The file's bytes; refused before reading when larger than :data:`MAX_BYTES`."""
    too_large = _fail(
        file,
        "file_too_large",
        f"is larger than {MAX_BYTES // 1_000_000} MB",
        max_mb=MAX_BYTES // 1_000_000,
    )
    if isinstance(source, bytes):
        if len(source) > MAX_BYTES:
            raise too_large
        return source
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            if path.stat().st_size > MAX_BYTES:
                raise too_large
            with path.open("rb") as handle:
                data = handle.read(MAX_BYTES + 1)
        except FileNotFoundError:
            raise _fail(file, "file_missing", "no such file") from None
        except OSError as exc:
            raise _fail(
                file, "file_unreadable", f"cannot be read ({exc.strerror or exc})"
            ) from None
    else:
        data = source.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise too_large
    return data


def _decode(data: bytes, file: str) -> str:
    """Text of a CSV: UTF-8 (BOM or not), UTF-16 with a BOM, else CP932."""
    for bom, encoding in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                raise _encoding_error(file, exc) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as first:
        try:
            return data.decode("cp932")
        except UnicodeDecodeError:
            raise _encoding_error(file, first) from None


def _encoding_error(file: str, exc: UnicodeDecodeError) -> ActualsError:
    return _fail(
        file,
        "encoding",
        f"is neither UTF-8 nor Shift_JIS (CP932) text (byte {exc.start})",
        position=exc.start,
    )


_DELIMITERS = (",", ";", "\t")


def _delimiter(text: str) -> str:
    """The cell separator: csv.Sniffer's guess when it splits the header, else the
    separator the header holds most of."""
    lines = text.splitlines()
    header = next((line for line in lines if line.strip()), "")
    try:
        guess = csv.Sniffer().sniff("\n".join(lines[:50]), delimiters="".join(_DELIMITERS))
        if guess.delimiter in _DELIMITERS and header.count(guess.delimiter):
            return guess.delimiter
    except csv.Error:
        pass
    return max(_DELIMITERS, key=header.count)


def _csv_rows(data: bytes, file: str) -> list[list[Any]]:
    """The CSV's records (a record's number in the file is its index + 1)."""
    text = _decode(data, file)
    if "\x00" in text:
        raise _fail(file, "not_text", "is not a CSV file (it holds binary data)")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        rows = list(itertools.islice(reader, MAX_ROWS + 1))
    except csv.Error as exc:
        raise _fail(file, "csv_invalid", f"is not a readable CSV file ({exc})") from None
    if len(rows) > MAX_ROWS:
        raise _too_many_rows(file)
    return rows


def _too_many_rows(file: str) -> ActualsError:
    return _fail(file, "too_many_rows", f"has more than {MAX_ROWS:,} rows", max_rows=MAX_ROWS)


# --------------------------------------------------------------------------- XLSX


def is_xlsx(data: bytes, file: str = "") -> bool:
    return data.startswith(b"PK\x03\x04") or file.lower().endswith((".xlsx", ".xlsm"))


def _open_workbook(data: bytes, file: str, *, values: bool) -> Any:
    from openpyxl import load_workbook

    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=values, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise _fail(file, "xlsx_invalid", f"is not a readable XLSX workbook ({exc})") from None


def _check_zip(data: bytes, file: str) -> None:
    """Refuse a workbook whose zip directory declares too much (a zip bomb) unread."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise _fail(file, "xlsx_invalid", "is not a readable XLSX workbook") from None
    expanded = sum(member.file_size for member in members)
    if len(members) > MAX_XLSX_MEMBERS or expanded > MAX_XLSX_EXPANDED:
        raise _fail(
            file,
            "xlsx_too_large",
            f"would expand to {expanded:,} bytes in {len(members):,} parts; at most "
            f"{MAX_XLSX_EXPANDED // 1_000_000} MB are read",
            expanded=expanded,
            max_mb=MAX_XLSX_EXPANDED // 1_000_000,
        )


def _sheet(workbook: Any, sheet: str | None, file: str) -> Any:
    if sheet is None:
        return workbook.worksheets[0]
    if sheet not in workbook.sheetnames:
        names = ", ".join(workbook.sheetnames)
        raise _fail(
            file,
            "sheet_missing",
            f"has no sheet {sheet!r} (it has {names})",
            sheet=sheet,
            sheets=names,
        )
    return workbook[sheet]


def _xlsx_rows(data: bytes, file: str, sheet: str | None) -> list[list[Any]]:
    """The sheet's rows, values as Excel cached them; a formula without one as FORMULA."""
    _check_zip(data, file)
    workbook = _open_workbook(data, file, values=True)
    try:
        worksheet = _sheet(workbook, sheet, file)
        title = worksheet.title
        rows = [
            list(row[:MAX_COLUMNS])
            for row in itertools.islice(worksheet.iter_rows(values_only=True), MAX_ROWS + 1)
        ]
    finally:
        workbook.close()
    if len(rows) > MAX_ROWS:
        raise _too_many_rows(file)
    if any(value is None for row in rows for value in row):
        # An empty cell, or a formula Excel never calculated: look at the formulas.
        formulas = _open_workbook(data, file, values=False)
        try:
            for i, row in enumerate(formulas[title].iter_rows(values_only=True)):
                for j, value in enumerate(row[:MAX_COLUMNS]):
                    if (
                        i < len(rows)
                        and j < len(rows[i])
                        and rows[i][j] is None
                        and (_is_formula(value))
                    ):
                        rows[i][j] = FORMULA
        finally:
            formulas.close()
    return rows


def _is_formula(value: Any) -> bool:
    return (isinstance(value, str) and value.startswith("=")) or (
        value is not None and type(value).__name__ in ("ArrayFormula", "DataTableFormula")
    )


# --------------------------------------------------------------------------- reading


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


#: Where a value came from: row number (1-based) × 4096 + column index (0-based).
Where = int
_COLUMN_SPAN = 4096


@dataclass
class _Reading:
    """One file being read: the plan's names, what was kept, and where it came from.

    ``groups`` holds the kept values by (month, rep): metric → value; ``cells`` where
    each came from, by (month, metric, rep).
    """

    plan: KpiSet
    file: str
    problems: _Problems
    words: Vocabulary
    table: list[list[Any]] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)  # each column's header (or letter)
    groups: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)
    cells: dict[tuple[str, str, str], Where] = field(default_factory=dict)
    month_cells: dict[str, Where] = field(default_factory=dict)  # a month's first cell

    def cell(self, where: Where) -> _Cell:
        row, col = divmod(where, _COLUMN_SPAN)
        line = self.table[row - 1] if 0 < row <= len(self.table) else []
        raw = line[col] if col < len(line) else None
        title = self.titles[col] if col < len(self.titles) else column_letter(col)
        return _Cell(row, col, title, raw)

    def at(self, where: Where, code: str, message: str, **ctx: Any) -> None:
        self.problems.at(self.cell(where), code, message, **ctx)

    def at_cell(self, row: int, col: int, code: str, message: str, **ctx: Any) -> None:
        self.at(row * _COLUMN_SPAN + col, code, message, **ctx)

    def unknown(self, name: str, channel: str | None, found: Sequence[Where]) -> None:
        """A metric name the plan does not know, at its first cell."""
        others = len(found) - 1
        more = f" (and {others} more rows)" if others else ""
        if not name.strip():
            self.at(found[0], "metric_empty", f"names no metric{more}", rows=others)
            return
        choices = self.words.ambiguous.get(normalise(name))
        if choices:
            options = {
                lang: " / ".join(self.words.label(k, lang) for k in choices)
                for lang in glossary.LANGS
            }
            self.at(
                found[0],
                "metric_ambiguous",
                f"{name!r} could be {options['en']}: name it in full{more}",
                name=name,
                options=options["en"],
                options_ja=options["ja"],
                options_en=options["en"],
                rows=others,
            )
            return
        closest = self.words.closest(name)
        hint = f"; did you mean {self.words.label(closest, 'en')!r}?" if closest else ""
        self.at(
            found[0],
            "unknown_metric",
            f"{name!r} is not a metric of the plan{hint}{more}",
            name=name,
            channel=channel or "",
            rows=others,
            **self.words.named("suggestion", closest),
        )


def _columns(header: list[Any]) -> tuple[dict[str, int], list[int]]:
    """Which columns are month, metric, value, rep and channel; the others' indexes."""
    lookup = {normalise(name): role for role, names in _COLUMNS.items() for name in names}
    roles: dict[str, int] = {}
    rest: list[int] = []
    for j, name in enumerate(header):
        role = lookup.get(normalise(str(name))) if not _blank(name) else None
        if role is not None and role not in roles:
            roles[role] = j
        elif not _blank(name):
            rest.append(j)
    return roles, rest


def _body(
    table: list[list[Any]], start: int, width: int, reading: _Reading, *, text: bool
) -> list[int]:
    """Indexes of the rows after the header with anything in them, padded to the header's
    width; a row with cells past the header is reported and left out. ``text``: every
    cell is a string (a CSV)."""
    out = []
    for i in range(start, len(table)):
        row = table[i]
        if len(row) != width:
            if len(row) > width and any(map(_not_blank, row[width:])):
                reading.at_cell(
                    i + 1,
                    width,
                    "extra_cells",
                    "the row has more cells than the header "
                    "(a number such as 12,000 without quotes?)",
                )
                continue
            row = table[i] = (
                (row + [""] * width)[:width] if text else (row + [None] * width)[:width]
            )
        if "".join(row).strip() if text else any(map(_not_blank, row)):
            out.append(i)
    return out


def _read_table(table: list[list[Any]], reading: _Reading, *, text: bool) -> Layout:
    """Read every value cell of a table (its first row with anything is the header);
    ``text``: every cell is a string (a CSV)."""
    reading.table = table
    start = next((i for i, row in enumerate(table) if any(map(_not_blank, row))), None)
    if start is None:
        raise _fail(reading.file, "file_empty", "is empty: no header, no rows")
    header = table[start]
    names = [("" if _blank(h) else str(h).strip()) for h in header]
    reading.titles = [name or column_letter(j) for j, name in enumerate(names)]
    roles, rest = _columns(header)
    if "month" not in roles:
        raise _fail(reading.file, "no_month_column", "has no month column (a header 月 or month)")
    layout: Layout = "long" if "metric" in roles and "value" in roles else "wide"
    if layout == "long":
        for j in rest:
            reading.at_cell(
                start + 1,
                j,
                "unknown_column",
                f"{names[j]!r} is not a column of the long layout "
                "(month, metric, value, rep, channel)",
                name=names[j],
            )
    body = _body(table, start + 1, len(header), reading, text=text)
    if not body:
        reading.problems.raise_if_any()
        raise _fail(reading.file, "no_rows", "has a header but no rows")
    months = _row_months(table, body, roles["month"], reading)
    reps = _row_reps(table, body, roles.get("rep"))
    channels = _row_channels(table, body, roles.get("channel"), reading)
    if layout == "long":
        at_metric = roles["metric"]
        keys = _metric_keys([(i, at_metric, table[i][at_metric]) for i in body], channels, reading)
        _keep_values(body, roles["value"], months, keys, reps, reading)
    else:
        for j in (j for j in range(len(header)) if j not in roles.values()):
            name = (start, j, names[j])
            if "channel" not in roles:
                keys = _metric_keys([name], [None], reading) * len(body)
            else:  # read inside each row's channel, where the row has a value
                keys = [None] * len(body)
                filled = [k for k, i in enumerate(body) if not _blank(table[i][j])]
                found = _metric_keys(
                    [name] * len(filled), [channels[k] for k in filled], reading, once=True
                )
                for k, key in zip(filled, found, strict=True):
                    keys[k] = key
            _keep_values(body, j, months, keys, reps, reading)
    return layout


def _row_months(
    table: list[list[Any]], body: list[int], at: int, reading: _Reading
) -> list[str | None]:
    parsed = {raw: parse_month(raw) for raw in {table[i][at] for i in body}}
    months = [parsed[table[i][at]] for i in body]
    for i, month in zip(body, months, strict=True):
        if month is None:
            reading.at_cell(i + 1, at, "bad_month", "is not a month (write it as 2027-04)")
        elif month not in reading.month_cells:
            reading.month_cells[month] = (i + 1) * _COLUMN_SPAN + at
    return months


def _row_reps(table: list[list[Any]], body: list[int], at: int | None) -> list[str]:
    if at is None:
        return [""] * len(body)
    return ["" if table[i][at] is None else str(table[i][at]).strip() for i in body]


#: A row's channel that is not one of the plan's (reported): its metrics are not read.
_NO_CHANNEL = "\x00"


def _row_channels(
    table: list[list[Any]], body: list[int], at: int | None, reading: _Reading
) -> list[str | None]:
    if at is None:
        return [None] * len(body)
    out: list[str | None] = []
    for i in body:
        raw = table[i][at]
        found = None if _blank(raw) else reading.words.channels.get(normalise(str(raw)))
        if found is None and not _blank(raw):
            found = _NO_CHANNEL
            reading.at_cell(
                i + 1,
                at,
                "unknown_channel",
                "is not a channel of the plan",
                channels=", ".join(c.key for c in reading.plan.channels),
            )
        out.append(found)
    return out


def _metric_keys(
    names: list[tuple[int, int, Any]],
    channels: list[str | None],
    reading: _Reading,
    *,
    once: bool = False,
) -> list[str | None]:
    """Each name cell's (row index, column, text) metric key. An unknown name is reported
    at its first cell, once a name and channel (or once at all: ``once``)."""
    resolve = reading.words.resolve
    pairs = list(zip([raw for _, _, raw in names], channels, strict=True))
    known = {
        (raw, channel): None
        if channel == _NO_CHANNEL
        else resolve("" if raw is None else str(raw), channel)
        for raw, channel in set(pairs)
    }
    keys = [known[pair] for pair in pairs]
    if None not in known.values():
        return keys
    unknown: dict[tuple[str, str | None], list[Where]] = {}
    for (i, j, raw), (_, channel), key in zip(names, pairs, keys, strict=True):
        if key is None and channel != _NO_CHANNEL:
            name = "" if raw is None else str(raw)
            unknown.setdefault((name, channel), []).append((i + 1) * _COLUMN_SPAN + j)
    for (name, channel), found in unknown.items():
        reading.unknown(name, channel, found[:1] if once else found)
    return keys


def _keep_values(
    body: list[int],
    at: int,
    months: list[str | None],
    keys: list[str | None],
    reps: list[str],
    reading: _Reading,
) -> None:
    """Check the value cells of column ``at`` and keep the good ones (module docstring)."""
    table, groups, cells = reading.table, reading.groups, reading.cells
    kinds = {key: kind(key) for key in set(keys) if key is not None}
    for i, month, key, rep in zip(body, months, keys, reps, strict=True):
        if month is None or key is None:
            continue
        raw = table[i][at]
        what = kinds[key]
        if raw.__class__ is str and what != "rate" and raw.isdigit() and raw.isascii():
            number = float(raw)  # most cells: plain digits
        else:
            number = _checked(raw, (i + 1) * _COLUMN_SPAN + at, what, reading)
            if number is None:
                continue
        group = groups.get((month, rep))
        if group is None:
            group = groups[(month, rep)] = {}
        if key in group:
            first = cells[(month, key, rep)] // _COLUMN_SPAN
            label = reading.words.label(key, "en")
            reading.at_cell(
                i + 1,
                at,
                "duplicate",
                f"repeats {month} {label} (first in row {first})",
                month=month,
                first_row=first,
                **reading.words.named("metric", key),
            )
            continue
        group[key] = number
        cells[(month, key, rep)] = (i + 1) * _COLUMN_SPAN + at


def _checked(raw: Any, where: Where, what: Kind, reading: _Reading) -> float | None:
    """One value cell read and checked for its kind; None when empty or wrong (reported)."""
    try:
        parsed = parse_number(raw)
    except _Bad as bad:
        reading.at(where, bad.code, bad.args[0])
        return None
    if parsed is None:  # not reported
        return None
    number, percent = parsed
    problem: tuple[str, str] | None = None
    if what == "rate":
        number = number / 100 if percent else number
        if number > 1:
            problem = (
                "rate_above_one",
                "is a rate above 1: write it as a fraction (0.12) or with % (12%)",
            )
    elif percent:
        problem = ("not_a_number", "is a percentage where a count belongs")
    if problem is None and number < 0:
        problem = ("negative", "must be 0 or more")
    elif problem is None and what == "count" and not number.is_integer():
        problem = ("not_whole", "must be a whole number")
    if problem is not None:
        reading.at(where, *problem)
        return None
    return number


def _not_blank(value: Any) -> bool:
    return not _blank(value)


# --------------------------------------------------------------------------- plan checks


def check(
    actuals: Actuals,
    plan: KpiSet,
    as_of: str | None = None,
    *,
    reading: _Reading | None = None,
) -> None:
    """Check actuals against a plan and a review month (default: their last month).

    Months inside the horizon and not after ``as_of``; each stage at most the stage before
    it (per month and rep); new opportunities equal to the channels' sum where both are
    given; and every month up to ``as_of`` reports revenue, wins and opportunities.
    Raises :class:`ActualsError`. ``reading`` (when the actuals were just read) names
    each problem's cell.
    """
    own = reading is None
    if reading is None:
        reading = _Reading(plan, actuals.file, _Problems(actuals.file), vocabulary(plan))
        known = {*metrics(plan), *(key for key in reading.words.labels if kind(key) == "rate")}
        for month, metric, rep, value in actuals.rows:
            reading.groups.setdefault((month, rep), {})[metric] = value
        for metric in sorted({metric for _, metric, _, _ in actuals.rows} - known):
            reading.problems.add(
                metric,
                "unknown_metric",
                f"{metric!r} is not a metric of the plan",
                name=metric,
                **reading.words.named("suggestion", None),
            )
        reading.problems.raise_if_any()
    problems, words, cells = reading.problems, reading.words, reading.cells
    horizon = month_keys(plan.start_month, plan.months)
    inside = [month for month in actuals.months if month in horizon]
    last = as_of or (max(inside) if inside else plan.start_month)
    if last not in horizon:
        problems.add(
            "",
            "as_of_outside_plan",
            f"the review month {last} is outside the plan ({horizon[0]} … {horizon[-1]})",
            as_of=last,
            start=horizon[0],
            end=horizon[-1],
        )

    def report(month: str, metric: str, rep: str, code: str, message: str, /, **ctx: Any) -> None:
        where = cells.get((month, metric, rep)) or reading.month_cells.get(month)
        if where is not None:
            reading.at(where, code, message, month=month, **ctx)
        else:
            problems.add(month, code, message, month=month, **ctx)

    for month in sorted({month for month, _ in reading.groups}):
        if month in horizon and month <= last:
            continue
        outside = month not in horizon
        report(
            month,
            "",
            "",
            "month_outside_plan" if outside else "month_after_review",
            f"{month} is outside the plan ({horizon[0]} … {horizon[-1]})"
            if outside
            else f"{month} is after the review month {last}",
            start=horizon[0],
            end=horizon[-1],
            as_of=last,
        )
    chains = list(_chain(plan).values())
    lasts = [chain[-1] for chain in chains]
    for (month, rep), found in reading.groups.items():
        for chain in chains:
            before: str | None = None
            for metric in chain:
                if metric not in found:
                    continue
                if before is not None and found[metric] > found[before]:
                    report(
                        month,
                        metric,
                        rep,
                        "stage_above_previous",
                        f"{words.label(metric, 'en')} ({found[metric]:,.0f}) is more than "
                        f"{words.label(before, 'en')} ({found[before]:,.0f}) in {month}",
                        count=f"{found[metric]:,.0f}",
                        previous_count=f"{found[before]:,.0f}",
                        **words.named("stage", metric),
                        **words.named("previous", before),
                    )
                before = metric
        if found.get("revenue", 0.0) > 0 and found.get("wins") == 0:
            report(
                month,
                "revenue",
                rep,
                "revenue_without_wins",
                f"revenue ({found['revenue']:,.0f}) in {month} with no wins",
                revenue=f"{found['revenue']:,.0f}",
            )
        if "opportunities" in found and all(m in found for m in lasts):
            total = sum(found[m] for m in lasts)
            if total != found["opportunities"]:
                report(
                    month,
                    "opportunities",
                    rep,
                    "opportunities_mismatch",
                    f"new opportunities ({found['opportunities']:,.0f}) are not the sum of "
                    f"the channels' ({total:,.0f}) in {month}",
                    count=f"{found['opportunities']:,.0f}",
                    total=f"{total:,.0f}",
                )
    if last in horizon and not problems:
        for month in horizon[: horizon.index(last) + 1]:
            for metric in missing(actuals, plan, month):
                problems.add(
                    month,
                    "metric_missing",
                    f"{month} has no {words.label(metric, 'en')}: every month up to "
                    f"the review month {last} needs revenue, wins and opportunities",
                    month=month,
                    as_of=last,
                    **words.named("metric", metric),
                )
    if own:
        problems.raise_if_any()


def missing(actuals: Actuals, plan: KpiSet, month: str) -> list[str]:
    """What a month lacks of :data:`REQUIRED` (opportunities: the total, or every channel's
    last stage)."""
    have = actuals.totals.get(month, {})
    lasts = [f"{c.key}.{c.stages[-1].key}" for c in plan.channels]
    out = []
    for metric in REQUIRED:
        if metric == "opportunities" and all(m in have for m in lasts):
            continue
        if metric not in have:
            out.append(metric)
    return out


# --------------------------------------------------------------------------- reading


def read(
    source: Source,
    plan: KpiSet,
    *,
    file: str = "",
    as_of: str | None = None,
    sheet: str | None = None,
) -> Actuals:
    """Read and check an actuals file (CSV or XLSX) against ``plan``; see the module
    docstring. ``file`` names it in problems (a path's own name by default), ``as_of`` is
    the review month (default: the file's last), ``sheet`` an XLSX sheet (default the
    first). Raises :class:`ActualsError` with every problem found; keeps nothing then.
    """
    if not file and isinstance(source, str | os.PathLike):
        file = Path(source).name
    data = _load(source, file)
    if not data.strip(b"\xef\xbb\xbf \t\r\n"):
        raise _fail(file, "file_empty", "is empty: no header, no rows")
    reading = _Reading(plan, file, _Problems(file), vocabulary(plan))
    if is_xlsx(data, file):
        layout = _read_table(_xlsx_rows(data, file, sheet), reading, text=False)
    else:
        layout = _read_table(_csv_rows(data, file), reading, text=True)
    if not reading.groups:
        reading.problems.raise_if_any()
        raise _fail(file, "no_values", "has no values: fill in the counts of at least one month")
    actuals = Actuals.of_groups(reading.groups, file, layout)
    check(actuals, plan, as_of, reading=reading)
    reading.problems.raise_if_any()
    return actuals


# --------------------------------------------------------------------------- templates


def template(plan: KpiSet, lang: str, layout: Layout) -> bytes:
    """An empty actuals file for ``plan`` (CSV, UTF-8 with a BOM for Excel): headers in
    ``lang`` as the glossary names the counts, a row per month (wide) or per month and
    metric (long), values left blank to fill in."""
    columns = _TEMPLATE_COLUMNS["ja" if lang == "ja" else "en"]
    names = [glossary.metric_label(m, lang, plan) for m in metrics(plan)]
    months = month_keys(plan.start_month, plan.months)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    if layout == "long":
        writer.writerow([columns["month"], columns["metric"], columns["value"]])
        writer.writerows([month, name, ""] for month in months for name in names)
    else:
        writer.writerow([columns["month"], *names])
        writer.writerows([month, *([""] * len(names))] for month in months)
    return buffer.getvalue().encode("utf-8-sig")
