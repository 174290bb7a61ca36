"""KPI sets in and out of files: JSON (the file format), CSV and XLSX exports, safe imports.

**Exports.** JSON is the KPI set file format of docs/design.md §3 and imports back exactly.
CSV and XLSX are for people: the inputs, the summary and the monthly KPI targets of one
revision. Without ``lang`` they name everything by its key (``calls.connect``,
``p_target``), for scripts; with ``lang="ja"`` or ``"en"`` they are written for a reader in
that language: headers, sheet names, sections and every input and metric named by the KPI
glossary (接触数（架電）, 受注率 P10), numbers rounded as the pages show them, shares as
percentages (Excel percentage cells in XLSX), the saving time in the reader's time zone
(Japan's by default) with the zone named. Both are written so that a spreadsheet never
runs anything from them: in CSV every text cell that a spreadsheet would read as a formula
(it starts with ``= + - @``, a tab or a carriage return) gets a leading apostrophe
(:func:`excel_safe_text`); in XLSX every text is a text cell (no ``<f>`` element is ever
written) with Excel's quote prefix, so it stays text even when someone edits it.

**Imports.** :func:`read_plans` validates a batch of files all or nothing: it reads every
file and reports every problem of every file at once (:class:`ImportProblem`), each with
the file, the field path and a stable code the UI translates.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO, StringIO
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from simulator import budget, compare, glossary
from simulator.kpi_sets.errors import FileProblem, ImportProblem, StoreError
from simulator.kpi_sets.limits import (
    CSV_ENCODINGS,
    EXPORT_LANGS,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_FILES,
)
from simulator.kpi_sets.records import KpiSetInfo, Revision
from simulator.kpi_sets.store import Store, check_plain
from simulator.plan import KpiSet, PlanError, parse_plan, read_json

if TYPE_CHECKING:  # openpyxl is imported when a workbook is written: the app starts faster
    from openpyxl.worksheet.worksheet import Worksheet

#: What a spreadsheet reads as the start of a formula: also the full-width forms (Excel in
#: Japanese takes ＝1+1 as =1+1) and − (U+2212), which CP932 writes as －.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠", "\u2212")

CsvEncoding = Literal["utf-8-sig", "cp932"]
CSV_HEADER = ("section", "field", "month", "value", "at_confidence")
SUMMARY_FIELDS = ("p_target", "p10", "p50", "p90", "mean", "target", "confidence", "at_confidence")

# Characters whose usual Unicode form CP932 (Windows Japanese) spells with another code
# point: 〜 ‖ − ¢ £ ¬ —. Mapped before encoding so Japanese text keeps them.
_CP932_FORMS = str.maketrans(
    {
        "\u301c": "\uff5e",
        "\u2016": "\u2225",
        "\u2212": "\uff0d",
        "\u00a2": "\uffe0",
        "\u00a3": "\uffe1",
        "\u00ac": "\uffe2",
        "\u2014": "\u2015",
    }
)
#: The zone a readable export's times are in when none is given (or it is unknown).
DEFAULT_ZONE = "Asia/Tokyo"

# Excel keeps about 15 significant digits: larger whole numbers (e.g. seeds) go in as text.
_EXACT_IN_EXCEL = 10**15


# ----------------------------------------------------------------------------- export


class Exported(bytes):
    """An export's bytes; :attr:`unencodable` lists the characters its encoding could not
    spell, each once in order of appearance (CP932 writes them as ``?``)."""

    unencodable: tuple[str, ...] = ()


def cp932_loss(text: str) -> tuple[str, ...]:
    """The characters of ``text`` that CP932 cannot spell, each once, in order."""
    lost = []
    for character in set(text):
        try:
            character.encode("cp932")
        except UnicodeEncodeError:
            lost.append(character)
    return tuple(sorted(lost, key=text.index))


def excel_safe_text(value: Any) -> Any:
    """``value`` with a leading ``'`` if it is text a spreadsheet would read as a formula.

    Anything else (numbers, including negative ones, None, other text) is returned as is.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_json(revision: Revision) -> bytes:
    """The revision's plan in the KPI set file format (UTF-8), under the set's current name."""
    return revision.plan.to_json().encode("utf-8")


def _number(value: Any) -> Any:
    """A finite number as a plain ``int``/``float``; NaN, infinities and None as None."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    number = float(value)
    return number if math.isfinite(number) else None


def _metadata(info: KpiSetInfo, revision: Revision) -> list[tuple[str, Any]]:
    return [
        ("name", revision.name),
        ("revision", revision.number),
        ("author", revision.author),
        ("comment", revision.comment),
        ("saved_at", revision.created_at.isoformat()),
        ("tags", ", ".join(info.tags)),
    ]


def _summary(revision: Revision) -> list[tuple[str, Any]]:
    return [(key, _number(revision.summary.get(key))) for key in SUMMARY_FIELDS]


def _monthly(revision: Revision) -> tuple[list[str], list[str], dict[str, Any]]:
    """(months, metrics, {(metric, "p50" | "confidence"): values}) of the revision's targets."""
    frame = revision.targets_frame()
    metrics = list(dict.fromkeys(metric for metric, _ in frame.columns))
    columns = {key: [_number(v) for v in frame[key]] for key in frame.columns}
    return [str(month) for month in frame.index], metrics, columns


def _csv_cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"  # as the file format spells them
    if value is None:
        return ""
    return excel_safe_text(value)


# ----------------------------------------------------------------------------- readable exports

Lang = Literal["ja", "en"]

#: The words a readable export needs besides the glossary's: headers, sections, sheets.
WORDS: dict[str, dict[str, str]] = {
    "ja": {
        "section": "区分",
        "field": "項目",
        "month": "月",
        "value": "値（P50）",
        "value_plain": "値",
        "at_confidence": "確率目標時",
        "at_confidence_column": "確率目標時",
        "unit": "単位",
        "kpi_set": "KPIセット",
        "input": "入力",
        "summary": "結果",
        "monthly_target": "月次KPI目標",
        "sheet_kpi_set": "KPIセット",
        "sheet_inputs": "入力",
        "sheet_monthly": "月次KPI目標",
        "name": "KPIセット名",
        "revision": "リビジョン",
        "author": "作成者",
        "comment": "コメント",
        "saved_at": "保存日時",
        "tags": "タグ",
        "p_target": "目標達成確率",
        "p10": "{revenue} P10",
        "p50": "{revenue} P50（中央値）",
        "p90": "{revenue} P90",
        "mean": "{revenue}（平均）",
        "at_confidence_revenue": "確率目標時の{revenue}",
        "p50_column": "P50",
        "yes": "あり",
        "no": "なし",
        "team": "担当者数から計算",
    },
    "en": {
        "section": "Section",
        "field": "Item",
        "month": "Month",
        "value": "Value (P50)",
        "value_plain": "Value",
        "at_confidence": "At confidence",
        "at_confidence_column": "at confidence",
        "unit": "Unit",
        "kpi_set": "KPI set",
        "input": "Input",
        "summary": "Outcome",
        "monthly_target": "Monthly KPI target",
        "sheet_kpi_set": "KPI set",
        "sheet_inputs": "Inputs",
        "sheet_monthly": "Monthly targets",
        "name": "KPI set name",
        "revision": "Revision",
        "author": "Author",
        "comment": "Comment",
        "saved_at": "Saved",
        "tags": "Tags",
        "p_target": "P(target)",
        "p10": "{revenue} P10",
        "p50": "{revenue} P50 (median)",
        "p90": "{revenue} P90",
        "mean": "{revenue} (mean)",
        "at_confidence_revenue": "{revenue} at confidence",
        "p50_column": "P50",
        "yes": "yes",
        "no": "no",
        "team": "from the team's reps",
    },
}


def _check_lang(lang: str | None) -> Lang | None:
    if lang is None or lang in EXPORT_LANGS:
        return lang  # type: ignore[return-value]
    raise ValueError(f"lang must be one of {', '.join(EXPORT_LANGS)} or None, not {lang!r}")


def local_time(moment: datetime, zone: str | None = None) -> str:
    """A moment in ``zone`` (Japan's by default), the zone named: ``2027-04-01 10:00 JST``.
    A naive moment is read as UTC (the store keeps UTC)."""
    try:
        where = ZoneInfo(zone or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        where = ZoneInfo(DEFAULT_ZONE)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(where)
    name = local.strftime("%Z")
    if not name or name[0] in "+-":  # "+09" names nothing: say where
        name = where.key
    return f"{local:%Y-%m-%d %H:%M} {name}"


def _count(value: Any) -> Any:
    """A count rounded as the pages show it: whole from 10 up, one decimal below."""
    number = _number(value)
    if not isinstance(number, float):
        return number
    return round(number) if abs(round(number, 1)) >= 10 or number.is_integer() else round(number, 1)


def _share_text(value: float, exact: bool = False) -> str:
    """A share as text a spreadsheet reads as a percentage: ``45.5%`` (one decimal, as
    shown), or for an input exactly as entered (``3.45%``, one decimal at least)."""
    if not exact:
        return f"{value * 100:.1f}%"
    text = np.format_float_positional(value * 100, precision=6, unique=True, trim="-")
    return (text if "." in text else text + ".0") + "%"


@dataclass(frozen=True)
class _Cell:
    """A value of a readable export: the number (or text) and how a reader sees it."""

    value: Any
    share: bool = False  # a fraction shown as a percentage
    exact: bool = False  # an input: as many decimals as it has
    money: bool = False

    def csv(self) -> Any:
        value = self.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            return value
        if self.share:
            return _share_text(float(value), self.exact)
        if isinstance(value, float) and math.isfinite(value):  # 250000000, not 250000000.0
            return np.format_float_positional(value, unique=True, trim="-")
        return value

    def number_format(self) -> str:
        if self.share:
            return _INPUT_SHARE if self.exact else _SHARE
        if isinstance(self.value, bool) or not isinstance(self.value, int | float):
            return ""
        if self.money or float(self.value).is_integer():
            return _MONEY
        return "" if self.exact else _ONE_DECIMAL


#: Glossary units that name a kind of value (text, a code) rather than a unit.
_NOT_UNITS = frozenset(
    {"番号", "number", "整数", "integer", "文字列", "text", "国コード", "country code",
     "通貨コード", "currency code", "年月", "year-month", "あり／なし", "yes / no"}
)  # fmt: skip


class _Reader:
    """Names and values of one revision for a reader in ``lang``."""

    def __init__(self, info: KpiSetInfo, revision: Revision, lang: Lang, zone: str | None):
        self.info, self.revision, self.lang, self.zone = info, revision, lang, zone
        self.plan = revision.plan
        self.words = WORDS[lang]
        self.revenue = glossary.metric_label("revenue", lang, self.plan)

    def word(self, key: str) -> str:
        return self.words[key].format(revenue=self.revenue)

    def metadata(self) -> list[tuple[str, _Cell]]:
        revision = self.revision
        return [
            (self.word("name"), _Cell(revision.name)),
            (self.word("revision"), _Cell(revision.number)),
            (self.word("author"), _Cell(revision.author)),
            (self.word("comment"), _Cell(revision.comment)),
            (self.word("saved_at"), _Cell(local_time(revision.created_at, self.zone))),
            (self.word("tags"), _Cell(", ".join(self.info.tags))),
        ]

    def summary(self) -> list[tuple[str, _Cell]]:
        names = {
            "p_target": self.word("p_target"),
            "p10": self.word("p10"),
            "p50": self.word("p50"),
            "p90": self.word("p90"),
            "mean": self.word("mean"),
            "target": glossary.input_label("target.revenue", self.lang, self.plan),
            "confidence": glossary.input_label("target.confidence", self.lang, self.plan),
            "at_confidence": self.word("at_confidence_revenue"),
        }
        rows = []
        for key, value in _summary(self.revision):
            if key in ("p_target", "confidence"):
                rows.append((names[key], _Cell(value, share=True)))
            else:
                money = None if value is None else round(value)
                rows.append((names[key], _Cell(money, money=True)))
        return rows

    def inputs(self) -> list[tuple[str, _Cell, str]]:
        """(name, value, unit) of every input of the plan."""
        rows = []
        for path, value in compare.flatten(self.plan, identity=True).items():
            label = glossary.input_label(path, self.lang, self.plan)
            unit = glossary.unit(path, self.lang, self.plan)
            if unit in _NOT_UNITS:  # what kind of value it is, not a unit to read it in
                unit = ""
            entry = glossary.entry_for(path, self.plan)
            last = path.rsplit(".", 1)[-1]
            if isinstance(value, bool):
                cell = _Cell(self.word("yes" if value else "no"))
            elif last == "volume_from":
                cell = _Cell(self.word("team") if value == "team" else value)
            elif unit == "%" and last not in ("successes", "trials"):
                cell, unit = _Cell(value, share=True, exact=True), ""
            else:
                cell = _Cell(value, exact=True, money=bool(entry and entry.money))
            rows.append((label, cell, unit))
        return rows

    def monthly(self) -> tuple[list[str], list[tuple[str, str]], dict[Any, list[_Cell]]]:
        """(months, [(metric, header)], {(metric, which): cells}) rounded as shown."""
        months, metrics, columns = _monthly(self.revision)
        headers = []
        cells: dict[Any, list[_Cell]] = {}
        for metric in metrics:
            label = glossary.metric_label(metric, self.lang, self.plan)
            money = metric in ("revenue", "cumulative_revenue")
            for which in ("p50", "confidence"):
                word = self.word("p50_column" if which == "p50" else "at_confidence_column")
                joined = (
                    f"{label}{word}"
                    if self.lang == "ja" and label.endswith("）")
                    else (f"{label} {word}")
                )
                headers.append((metric, which, joined))
                cells[(metric, which)] = [
                    _Cell(None if v is None else round(v), money=True)
                    if money
                    else _Cell(_count(v))
                    for v in columns[(metric, which)]
                ]
        return months, headers, cells


def _readable_csv_rows(reader: _Reader) -> list[tuple[Any, ...]]:
    word = reader.word
    rows: list[tuple[Any, ...]] = [
        (word("section"), word("field"), word("month"), word("value"), word("at_confidence"))
    ]
    rows += [(word("kpi_set"), name, "", cell.csv(), "") for name, cell in reader.metadata()]
    rows += [(word("input"), name, "", cell.csv(), "") for name, cell, _ in reader.inputs()]
    rows += [(word("summary"), name, "", cell.csv(), "") for name, cell in reader.summary()]
    months, headers, cells = reader.monthly()
    for metric in dict.fromkeys(m for m, _, _ in headers):
        label = glossary.metric_label(metric, reader.lang, reader.plan)
        p50, at_confidence = cells[(metric, "p50")], cells[(metric, "confidence")]
        rows += [
            (word("monthly_target"), label, month, p50[i].csv(), at_confidence[i].csv())
            for i, month in enumerate(months)
        ]
    return rows


def export_csv(
    info: KpiSetInfo,
    revision: Revision,
    *,
    encoding: CsvEncoding = "utf-8-sig",
    lang: str | None = None,
    zone: str | None = None,
) -> bytes:
    """One long table of a revision: ``section,field,month,value,at_confidence``.

    Sections: ``kpi_set`` (name, revision, author, comment, saved_at, tags), ``input``
    (every input path of the plan), ``summary`` (P(target), P10/P50/P90, mean, target,
    confidence, revenue at the confidence) and ``monthly_target`` (field = metric such as
    ``calls.connect``, month = YYYY-MM, value = P50, at_confidence = the value reached at
    the plan's confidence). Text cells pass through :func:`excel_safe_text`; numbers stay
    numbers.

    ``encoding`` is ``"utf-8-sig"`` (UTF-8 with the BOM Excel needs to detect it) or
    ``"cp932"`` (Windows Japanese). CP932 cannot spell every character: 〜 − ‖ ¢ £ ¬ — are
    written as their CP932 forms, and anything else it lacks (emoji, for one) as ``?``; the
    bytes are then an :class:`Exported` whose ``unencodable`` names those characters, so
    the caller can say which were lost and offer UTF-8.

    With ``lang`` (``"ja"`` or ``"en"``) the same table is written for a reader: header,
    sections and fields in that language (the glossary's names), counts and money rounded
    as the pages show them, shares as ``45.5%`` (a plan's own rates exactly, ``3.45%``),
    the saving time in ``zone`` (default Asia/Tokyo) with the zone named.
    """
    if encoding not in CSV_ENCODINGS:
        raise ValueError(f"encoding must be one of {', '.join(CSV_ENCODINGS)}, not {encoding!r}")
    if (lang := _check_lang(lang)) is not None:
        return _csv_bytes(_readable_csv_rows(_Reader(info, revision, lang, zone)), encoding)
    rows: list[tuple[Any, ...]] = [CSV_HEADER]
    rows += [("kpi_set", key, "", value, "") for key, value in _metadata(info, revision)]
    inputs = compare.flatten(revision.plan, identity=True)
    rows += [("input", path, "", value, "") for path, value in inputs.items()]
    rows += [("summary", key, "", value, "") for key, value in _summary(revision)]
    months, metrics, columns = _monthly(revision)
    for metric in metrics:
        p50, at_confidence = columns[(metric, "p50")], columns[(metric, "confidence")]
        rows += [
            ("monthly_target", metric, month, p50[i], at_confidence[i])
            for i, month in enumerate(months)
        ]
    return _csv_bytes(rows, encoding)


def _csv_bytes(rows: Sequence[Sequence[Any]], encoding: CsvEncoding) -> bytes:
    buffer = StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([_csv_cell(cell) for cell in row] for row in rows)
    text = buffer.getvalue()
    if encoding == "cp932":
        text = text.translate(_CP932_FORMS)
        data = Exported(text.encode("cp932", errors="replace"))
        data.unencodable = cp932_loss(text)
        return data
    return text.encode("utf-8-sig")


def _xlsx_value(value: Any) -> Any:
    """The value an XLSX cell can hold: numbers and booleans as such, the rest as text."""
    if value is None or isinstance(value, bool | float):
        return _number(value)
    if isinstance(value, int):
        return value if abs(value) < _EXACT_IN_EXCEL else str(value)
    # Control characters other than tab, LF and CR cannot be stored in XLSX's XML.
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value)) or None


def _put(sheet: Worksheet, row: int, column: int, value: Any, number_format: str = "") -> None:
    """Write one cell; text is always a text cell (never a formula or an error value)."""
    cell = sheet.cell(row=row, column=column)
    value = _xlsx_value(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl reads "=..." as a formula and "#N/A" as an error
        cell.quotePrefix = True  # Excel keeps it as text even when the cell is edited
    elif number_format and value is not None:
        cell.number_format = number_format


def _text_width(value: Any) -> int:
    text = f"{value:,.2f}" if isinstance(value, float) else str(value if value is not None else "")
    longest = max(text.splitlines() or [""], key=len)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in longest)  # CJK: two columns


def _table(
    sheet: Worksheet,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    formats: Sequence[Sequence[str]] | None = None,
    *,
    freeze: str = "A2",
) -> None:
    """A header row in bold, frozen, then the rows; columns as wide as their text (capped)."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    for j, title in enumerate(header, start=1):
        _put(sheet, 1, j, title)
        sheet.cell(row=1, column=j).font = bold
    for i, row in enumerate(rows, start=2):
        for j, value in enumerate(row, start=1):
            number_format = formats[i - 2][j - 1] if formats else ""
            _put(sheet, i, j, value, number_format)
    for j in range(1, len(header) + 1):
        width = max(_text_width(r[j - 1]) for r in [header, *rows])
        sheet.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 10), 60)
    sheet.freeze_panes = freeze


_MONEY = "#,##0"
_ONE_DECIMAL = "#,##0.0"
_SHARE = "0.0%"
_INPUT_SHARE = "0.0##%"  # a plan's own rate: as many decimals as it was entered with
_SUMMARY_FORMATS = {"p_target": _SHARE, "confidence": _SHARE}


def export_xlsx(
    info: KpiSetInfo, revision: Revision, *, lang: str | None = None, zone: str | None = None
) -> bytes:
    """A workbook of a revision: sheets "KPI set" (details and summary as field/value rows),
    "Inputs" (path, value) and "Monthly targets" (a row per month; per metric its P50 and
    its value at the plan's confidence).

    No cell holds a formula: every text is a text cell with Excel's quote prefix. Control
    characters XLSX cannot store (other than tab, LF, CR) are written as U+FFFD, whole
    numbers beyond Excel's 15 digits as text; a carriage return reads back as a line feed
    (XML's end-of-line handling).

    With ``lang`` (``"ja"`` or ``"en"``) the workbook is written for a reader: sheet names
    and headers in that language, inputs and metrics named by the glossary with their
    units, counts and money rounded as the pages show them, shares as percentage cells
    (``0.0%``; a plan's own rates ``0.0##%``, exact), the saving time in ``zone``.
    """
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.properties.creator = "Centerpin"
    if (lang := _check_lang(lang)) is not None:
        _readable_workbook(workbook, _Reader(info, revision, lang, zone))
        buffer = BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    details = workbook.active
    details.title = "KPI set"
    metadata, summary = _metadata(info, revision), _summary(revision)
    formats = [("", "")] * len(metadata)
    formats += [("", _SUMMARY_FORMATS.get(key, _MONEY)) for key, _ in summary]
    _table(details, ("field", "value"), [*metadata, *summary], formats)

    inputs = workbook.create_sheet("Inputs")
    flat = compare.flatten(revision.plan, identity=True)
    _table(inputs, ("path", "value"), list(flat.items()))

    monthly = workbook.create_sheet("Monthly targets")
    months, metrics, columns = _monthly(revision)
    header = ["month"]
    for metric in metrics:
        header += [f"{metric} P50", f"{metric} at confidence"]
    table = [
        [month]
        + [columns[(metric, which)][i] for metric in metrics for which in ("p50", "confidence")]
        for i, month in enumerate(months)
    ]
    number_formats = [[""] + [_MONEY] * (2 * len(metrics))] * len(months)
    _table(monthly, header, table, number_formats, freeze="B2")

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _readable_workbook(workbook: Any, reader: _Reader) -> None:
    word = reader.word
    details = workbook.active
    details.title = word("sheet_kpi_set")
    rows = [*reader.metadata(), *reader.summary()]
    _table(
        details,
        (word("field"), word("value_plain")),
        [(name, cell.value) for name, cell in rows],
        [("", cell.number_format()) for _, cell in rows],
    )

    inputs = workbook.create_sheet(word("sheet_inputs"))
    found = reader.inputs()
    _table(
        inputs,
        (word("field"), word("value_plain"), word("unit")),
        [(name, cell.value, unit) for name, cell, unit in found],
        [("", cell.number_format(), "") for _, cell, _ in found],
    )

    monthly = workbook.create_sheet(word("sheet_monthly"))
    months, headers, cells = reader.monthly()
    table = [
        [month] + [cells[(metric, which)][i].value for metric, which, _ in headers]
        for i, month in enumerate(months)
    ]
    formats = [
        [""] + [cells[(metric, which)][i].number_format() for metric, which, _ in headers]
        for i in range(len(months))
    ]
    _table(monthly, [word("month"), *(h for _, _, h in headers)], table, formats, freeze="B2")


# ----------------------------------------------------------------------------- import


def _read_one(file: str, data: bytes) -> tuple[KpiSet | None, list[FileProblem]]:
    def problem(code: str, message: str, path: str = "", **ctx: Any) -> list[FileProblem]:
        return [FileProblem(path, code, message, ctx, file)]

    if len(data) > MAX_IMPORT_BYTES:
        return None, problem(
            "file_too_large",
            f"is larger than {MAX_IMPORT_BYTES:,} bytes",
            max_bytes=MAX_IMPORT_BYTES,
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, problem(
            "not_utf8", f"is not UTF-8 text (byte {exc.start})", position=exc.start
        )
    try:
        document = read_json(text)
        if not isinstance(document, dict):
            return None, problem(
                "not_json_object", "must be a JSON object ({...}), as KPI set files are"
            )
        plan = parse_plan(document)
        budget.check(plan)  # what simulating it on import would cost
    except PlanError as exc:
        return None, [
            FileProblem(issue.path, issue.code, issue.message, dict(issue.ctx), file)
            for issue in exc.issues
        ]
    if not plan.name.strip():
        return None, problem("name_empty", "must not be empty", "name")
    try:
        check_plain(plan.name, "name")
    except StoreError as exc:
        return None, problem(exc.code, str(exc).removeprefix("name: "), "name", **exc.ctx)
    return plan, []


def check_file_count(count: int) -> None:
    """:class:`ImportProblem` (``too_many_files``) if ``count`` files are too many at once."""
    if count > MAX_IMPORT_FILES:
        raise ImportProblem(
            [
                FileProblem(
                    "",
                    "too_many_files",
                    f"{count} files: at most {MAX_IMPORT_FILES} at a time",
                    {"count": count, "max_files": MAX_IMPORT_FILES},
                )
            ]
        )


def read_plans(files: Sequence[tuple[str, bytes]]) -> list[KpiSet]:
    """Validate a batch of ``(file name, content)``: every plan, or :class:`ImportProblem`.

    Every file is checked (size, UTF-8 with or without BOM, a JSON object, the KPI set
    format) and every problem of every file is reported at once; names must also differ
    within the batch (``name_repeated``). More than :data:`MAX_IMPORT_FILES` files are
    refused before any is read (``too_many_files``).
    """
    check_file_count(len(files))
    plans: list[KpiSet] = []
    problems: list[FileProblem] = []
    first_file: dict[str, str] = {}  # name -> the file that first used it
    for file, data in files:
        plan, found = _read_one(file, data)
        problems += found
        if plan is None:
            continue
        name = plan.name.strip()
        if name in first_file:
            problems.append(
                FileProblem(
                    "name",
                    "name_repeated",
                    f"{name!r} is also the name in {first_file[name]}",
                    {"name": name, "other_file": first_file[name]},
                    file,
                )
            )
        else:
            first_file[name] = file
        plans.append(plan)
    if problems:
        raise ImportProblem(problems)
    return plans


def import_files(
    store: Store,
    files: Sequence[tuple[str, bytes]],
    *,
    author: str = "",
    comment: str = "",
) -> list[Revision]:
    """New KPI sets from files, all or nothing: :class:`ImportProblem` for bad files,
    :class:`NameTaken` when a set of that name exists (nothing is written either way).
    """
    plans = read_plans(files)
    return store.import_plans(plans, author=author, comment=comment)
