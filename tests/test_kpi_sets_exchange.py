"""KPI set files: JSON round trips, CSV/XLSX exports a spreadsheet cannot run, safe imports."""

from __future__ import annotations

import csv
import json
import re
import tempfile
import zipfile
from io import BytesIO, StringIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import compare, glossary
from simulator import kpi_sets as kpi_store
from simulator.kpi_sets import exchange
from simulator.plan import hidden_character, load_plan
from tests.conftest import SAMPLES, make_plan, plan_dict

SMALL = {"trials": 2000, "seed": 7}

# Text a spreadsheet would run or a page would render, and text CP932 cannot spell.
HOSTILE_NAMES = [
    "<script>alert(1)</script>",
    '=HYPERLINK("http://x","y")',
    "+1",
    "-2",
    "@SUM(A1)",
    "🎯営業",
]
FORMULA_NAMES = [name for name in HOSTILE_NAMES if name[0] in "=+-@"]


def small_plan(**overrides: Any) -> Any:
    return make_plan(**{"simulation": SMALL, **overrides})


def small_bytes(**overrides: Any) -> bytes:
    document = plan_dict(**{"simulation": SMALL, **overrides})
    return json.dumps(document, ensure_ascii=False).encode()


def csv_rows(data: bytes, encoding: str = "utf-8-sig") -> list[list[str]]:
    return list(csv.reader(StringIO(data.decode(encoding), newline="")))


def cell(rows: list[list[str]], section: str, field: str, month: str = "") -> list[str]:
    found = [r for r in rows if r[0] == section and r[1] == field and r[2] == month]
    assert len(found) == 1, (section, field, month)
    return found[0]


def worksheets(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(BytesIO(data)) as archive:
        return {
            name: archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") and name.endswith(".xml")
        }


# ----------------------------------------------------------------------------- excel_safe_text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+81 3", "'+81 3"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rCR", "'\rCR"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("", ""),
        (-2, -2),
        (-2.5, -2.5),
        (None, None),
        (True, True),
    ],
)
def test_excel_safe_text(value: Any, expected: Any) -> None:
    assert kpi_store.excel_safe_text(value) == expected
    assert type(kpi_store.excel_safe_text(value)) is type(expected)


# ----------------------------------------------------------------------------- JSON round trip


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_sample_plans_round_trip_through_json(
    path: Path, tmp_path: Path, store: kpi_store.Store
) -> None:
    original = load_plan(path)
    first = store  # exported from each database, imported into a fresh SQLite file
    revision = first.create(original.name, original)
    data = kpi_store.export_json(revision)
    assert json.loads(data.decode("utf-8")) == original.model_dump(mode="json")

    second = kpi_store.Store(f"sqlite:///{tmp_path}/second.db")
    [imported] = kpi_store.import_files(second, [(path.name, data)], author="ann", comment="import")
    assert imported.plan.model_dump() == original.model_dump()
    assert (imported.name, imported.number, imported.parent) == (original.name, 1, None)
    assert (imported.author, imported.comment) == ("ann", "import")
    # Same plan, same seed: the import derives the same numbers as the first store did.
    assert imported.summary == revision.summary
    assert imported.targets == revision.targets
    second.close()


def test_export_json_uses_the_current_name(store: kpi_store.Store) -> None:
    store.create("old", small_plan())
    store.rename("old", "new")
    document = json.loads(kpi_store.export_json(store.revision("new")))
    assert document["name"] == "new"
    assert document["schema_version"] == 1


# ----------------------------------------------------------------------------- hostile names


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_survive_storage_exactly(store: kpi_store.Store, name: str) -> None:
    store.create(name, small_plan(), comment=name)
    revision = store.revision(name)
    assert revision.name == revision.plan.name == store.info(name).name == name
    assert revision.comment == name
    assert [info.name for info in store.list_sets()] == [name]
    assert json.loads(kpi_store.export_json(revision))["name"] == name


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_are_neutralised_in_csv(store: kpi_store.Store, name: str) -> None:
    revision = store.create(name, small_plan(), comment=name)
    rows = csv_rows(kpi_store.export_csv(store.info(name), revision))
    expected = "'" + name if name in FORMULA_NAMES else name
    assert cell(rows, "kpi_set", "name")[3] == expected
    assert cell(rows, "kpi_set", "comment")[3] == expected
    assert cell(rows, "input", "name")[3] == expected
    for row in rows:  # nothing else in the file could start a formula either
        for value in row:
            assert not value.startswith(exchange.FORMULA_STARTS), row


def test_tab_and_cr_starts_survive_in_text_fields_and_are_neutralised(
    store: kpi_store.Store,
) -> None:
    # Set names are stripped by the store ("\tTab" is saved as "Tab"); description and
    # comment keep every character, so a leading tab or CR reaches the exports.
    revision = store.create(
        "\tTab", small_plan(description="\rCR"), comment="\tTab", tags=["-minus"]
    )
    assert revision.name == "Tab"
    assert (revision.comment, revision.plan.description) == ("\tTab", "\rCR")
    info = store.info("Tab")
    rows = csv_rows(kpi_store.export_csv(info, revision))
    assert cell(rows, "kpi_set", "comment")[3] == "'\tTab"
    assert cell(rows, "input", "description")[3] == "'\rCR"
    assert cell(rows, "kpi_set", "tags")[3] == "'-minus"

    book = openpyxl.load_workbook(BytesIO(kpi_store.export_xlsx(info, revision)))
    details = {r[0].value: r[1] for r in book["KPI set"].iter_rows(min_row=2)}
    inputs = {r[0].value: r[1] for r in book["Inputs"].iter_rows(min_row=2)}
    assert (details["comment"].value, details["comment"].data_type) == ("\tTab", "s")
    # XML reads a raw carriage return as a line feed; either way the cell is text.
    assert inputs["description"].value in ("\rCR", "\nCR")
    assert inputs["description"].data_type == "s"
    assert (details["tags"].value, details["tags"].data_type) == ("-minus", "s")


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_are_text_cells_in_xlsx(store: kpi_store.Store, name: str) -> None:
    revision = store.create(name, small_plan(), comment=name)
    data = kpi_store.export_xlsx(store.info(name), revision)
    sheets = worksheets(data)
    assert len(sheets) == 3
    for xml in sheets.values():
        assert "<f" not in xml
    book = openpyxl.load_workbook(BytesIO(data))
    details = {r[0].value: r[1] for r in book["KPI set"].iter_rows(min_row=2)}
    inputs = {r[0].value: r[1] for r in book["Inputs"].iter_rows(min_row=2)}
    for found in (details["name"], details["comment"], inputs["name"]):
        assert found.value == name  # the exact text, no apostrophe added
        assert found.data_type == "s"
        assert found.quotePrefix is True


def test_the_xlsx_check_would_see_a_formula(tmp_path: Path) -> None:
    # openpyxl's default turns "=..." into a formula: the check above is not vacuous.
    book = openpyxl.Workbook()
    book.active["A1"] = '=HYPERLINK("http://x","y")'
    buffer = BytesIO()
    book.save(buffer)
    assert any("<f>" in xml for xml in worksheets(buffer.getvalue()).values())


# ----------------------------------------------------------------------------- CSV content


@pytest.fixture
def saved(store: kpi_store.Store) -> tuple[kpi_store.KpiSetInfo, kpi_store.Revision]:
    plan = small_plan(description="1〜2件/日")
    revision = store.create(
        "FY2027 計画", plan, author="佐藤", comment="first", tags=["営業", "Q1"]
    )
    return store.info("FY2027 計画"), revision


def test_csv_has_every_section_with_the_stored_numbers(
    saved: tuple[kpi_store.KpiSetInfo, kpi_store.Revision],
) -> None:
    info, revision = saved
    data = kpi_store.export_csv(info, revision)
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    rows = csv_rows(data)
    assert rows[0] == ["section", "field", "month", "value", "at_confidence"]
    assert all(len(row) == 5 for row in rows)

    assert cell(rows, "kpi_set", "name")[3] == "FY2027 計画"
    assert cell(rows, "kpi_set", "revision")[3] == "1"
    assert cell(rows, "kpi_set", "author")[3] == "佐藤"
    assert cell(rows, "kpi_set", "comment")[3] == "first"
    assert cell(rows, "kpi_set", "saved_at")[3] == revision.created_at.isoformat()
    assert cell(rows, "kpi_set", "tags")[3] == "営業, Q1"

    flat = compare.flatten(revision.plan, identity=True)
    inputs = [row for row in rows if row[0] == "input"]
    assert [row[1] for row in inputs] == list(flat)
    assert cell(rows, "input", "target.revenue")[3] == "10000000.0"
    assert cell(rows, "input", "team.reps")[3] == "4"
    assert cell(rows, "input", "year_end_closure")[3] == "false"
    assert cell(rows, "input", "team.hires")[3] == "—"

    summary = [row for row in rows if row[0] == "summary"]
    assert [row[1] for row in summary] == list(exchange.SUMMARY_FIELDS)
    for row in summary:
        assert float(row[3]) == revision.summary[row[1]]
    assert float(cell(rows, "summary", "target")[3]) == 10_000_000
    assert float(cell(rows, "summary", "confidence")[3]) == 0.8

    frame = revision.targets_frame()
    monthly = [row for row in rows if row[0] == "monthly_target"]
    metrics = ["calls.volume", "calls.connect", "calls.opportunity", "opportunities", "wins"]
    assert list(dict.fromkeys(row[1] for row in monthly)) == [*metrics, "revenue"]
    assert len(monthly) == 6 * 6  # six metrics, six months
    assert [row[2] for row in monthly[:6]] == [f"2027-{m:02d}" for m in range(4, 10)]
    for row in monthly:
        assert float(row[3]) == frame.loc[row[2], (row[1], "p50")]
        assert float(row[4]) == frame.loc[row[2], (row[1], "confidence")]
    # 4 reps x 40 calls x 20 days = 3,200 calls a month (Poisson): the P50 is near it.
    assert float(cell(rows, "monthly_target", "calls.volume", "2027-04")[3]) == pytest.approx(
        3200, abs=60
    )


def test_csv_in_cp932(saved: tuple[kpi_store.KpiSetInfo, kpi_store.Revision]) -> None:
    info, revision = saved
    data = kpi_store.export_csv(info, revision, encoding="cp932")
    assert not data.startswith(b"\xef\xbb\xbf")
    rows = csv_rows(data, "cp932")
    cp932_forms = str.maketrans({"〜": "～", "—": "―"})  # CP932's wave dash and dash
    assert rows == [
        [value.translate(cp932_forms) for value in row]
        for row in csv_rows(kpi_store.export_csv(info, revision))
    ]
    assert cell(rows, "kpi_set", "author")[3] == "佐藤"
    assert cell(rows, "input", "description")[3] == "1～2件/日"


def test_csv_in_cp932_replaces_what_it_cannot_spell(store: kpi_store.Store) -> None:
    revision = store.create("🎯営業", small_plan())
    rows = csv_rows(kpi_store.export_csv(store.info("🎯営業"), revision, encoding="cp932"), "cp932")
    assert cell(rows, "kpi_set", "name")[3] == "?営業"


def test_csv_refuses_other_encodings(
    saved: tuple[kpi_store.KpiSetInfo, kpi_store.Revision],
) -> None:
    with pytest.raises(ValueError, match="encoding"):
        kpi_store.export_csv(*saved, encoding="latin-1")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- XLSX content


def test_xlsx_sheets_hold_the_stored_numbers(
    saved: tuple[kpi_store.KpiSetInfo, kpi_store.Revision],
) -> None:
    info, revision = saved
    data = kpi_store.export_xlsx(info, revision)
    assert all("<f" not in xml for xml in worksheets(data).values())
    book = openpyxl.load_workbook(BytesIO(data))
    assert book.sheetnames == ["KPI set", "Inputs", "Monthly targets"]

    details = book["KPI set"]
    assert [c.value for c in details[1]] == ["field", "value"]
    assert all(c.font.b for c in details[1])
    assert details.freeze_panes == "A2"
    values = {r[0].value: r[1].value for r in details.iter_rows(min_row=2)}
    assert values["name"] == "FY2027 計画"
    assert values["revision"] == 1
    assert values["tags"] == "営業, Q1"
    for key in exchange.SUMMARY_FIELDS:
        assert values[key] == revision.summary[key]
    assert details.column_dimensions["A"].width >= len("at_confidence")

    inputs = book["Inputs"]
    pairs = {r[0].value: r[1].value for r in inputs.iter_rows(min_row=2)}
    flat = compare.flatten(revision.plan, identity=True)
    assert list(pairs) == list(flat)
    assert pairs["target.revenue"] == 10_000_000
    assert pairs["year_end_closure"] is False
    assert pairs["team.working_days_per_month"] == 20
    assert pairs["description"] == "1〜2件/日"

    monthly = book["Monthly targets"]
    header = [c.value for c in monthly[1]]
    assert header[:5] == [
        "month",
        "calls.volume P50",
        "calls.volume at confidence",
        "calls.connect P50",
        "calls.connect at confidence",
    ]
    assert header[-2:] == ["revenue P50", "revenue at confidence"]
    assert monthly.freeze_panes == "B2"
    frame = revision.targets_frame()
    table = list(monthly.iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in table] == list(frame.index)
    for row in table:
        for j, title in enumerate(header[1:], start=1):
            metric, which = title.rsplit(" P50", 1)[0], "p50"
            if title.endswith(" at confidence"):
                metric, which = title.removesuffix(" at confidence"), "confidence"
            assert row[j] == frame.loc[row[0], (metric, which)]


def test_xlsx_keeps_big_whole_numbers_and_drops_control_characters(
    store: kpi_store.Store,
) -> None:
    seed = 2**62 + 1  # more digits than Excel keeps: written as text
    revision = store.create(
        "bell", small_plan(description="a\x07b", simulation={"trials": 2000, "seed": seed})
    )
    book = openpyxl.load_workbook(BytesIO(kpi_store.export_xlsx(store.info("bell"), revision)))
    inputs = {r[0].value: r[1] for r in book["Inputs"].iter_rows(min_row=2)}
    assert (inputs["simulation.seed"].value, inputs["simulation.seed"].data_type) == (
        str(seed),
        "s",
    )
    assert inputs["simulation.trials"].value == 2000
    assert inputs["description"].value == "a\ufffdb"


# ----------------------------------------------------------------------------- import


def test_import_of_ten_with_one_invalid_writes_nothing(store: kpi_store.Store) -> None:
    files = [(f"plan_{i:02d}.json", small_bytes(name=f"plan {i}")) for i in range(10)]
    files[6] = ("plan_06.json", small_bytes(name="plan 6", win_rate=1.5))
    with pytest.raises(kpi_store.ImportProblem) as raised:
        kpi_store.import_files(store, files)
    assert [(p.file, p.path, p.code) for p in raised.value.problems] == [
        ("plan_06.json", "win_rate", "rate_bounds")
    ]
    assert str(raised.value) == "plan_06.json: win_rate: must be between 0 and 1"
    assert store.list_sets(include_archived=True) == []
    assert store.count_revisions() == 0

    files[6] = ("plan_06.json", small_bytes(name="plan 6"))
    revisions = kpi_store.import_files(store, files, author="ann")
    assert [r.name for r in revisions] == [f"plan {i}" for i in range(10)]
    assert {r.number for r in revisions} == {1}
    assert len(store.list_sets()) == 10


@pytest.mark.parametrize(
    ("change", "path", "code"),
    [
        ({"schema_version": 2}, "schema_version", "schema_version"),
        ({"schema_version": "1"}, "schema_version", "schema_version"),
        ({"tean": {}}, "tean", "extra_forbidden"),
        ({"foo": 1}, "foo", "extra_forbidden"),
        ({"months": 0}, "months", "greater_than_equal"),
    ],
)
def test_read_plans_names_the_field(change: dict[str, Any], path: str, code: str) -> None:
    with pytest.raises(kpi_store.ImportProblem) as raised:
        kpi_store.read_plans([("bad.json", small_bytes(**change))])
    [problem] = raised.value.problems
    assert (problem.file, problem.path, problem.code) == ("bad.json", path, code)
    assert str(problem).startswith(f"bad.json: {path}: ")


def test_read_plans_reports_nested_unknown_keys_with_their_path() -> None:
    document = plan_dict(simulation=SMALL)
    document["team"]["foo"] = 1
    document["channels"][0]["stages"][1]["rate"] = {"low": 0.1, "hihg": 0.2}
    with pytest.raises(kpi_store.ImportProblem) as raised:
        kpi_store.read_plans([("x.json", json.dumps(document).encode())])
    found = {(p.path, p.code) for p in raised.value.problems}
    assert ("team.foo", "extra_forbidden") in found
    assert ("channels[0].stages[1].rate.hihg", "extra_forbidden") in found


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"not json", "json_invalid"),
        (b'{"schema_version": 1,', "json_invalid"),
        (b"[" * 200_000, "json_invalid"),  # deeper than the parser recurses
        (b"[1, 2]", "not_json_object"),
        (b'"text"', "not_json_object"),
        (b"null", "not_json_object"),
        (b"\xff\xfe{\x00}\x00", "not_utf8"),
        ('{"name": "caf\xe9"}'.encode("latin-1"), "not_utf8"),
    ],
)
def test_read_plans_rejects_what_is_not_a_json_object(data: bytes, code: str) -> None:
    with pytest.raises(kpi_store.ImportProblem) as raised:
        kpi_store.read_plans([("f.json", data)])
    assert [(p.file, p.path, p.code) for p in raised.value.problems] == [("f.json", "", code)]


def test_read_plans_size_limit_is_inclusive() -> None:
    body = small_bytes()
    exact = body + b" " * (kpi_store.MAX_IMPORT_BYTES - len(body))
    assert len(exact) == kpi_store.MAX_IMPORT_BYTES
    assert [p.name for p in kpi_store.read_plans([("ok.json", exact)])] == ["test plan"]
    with pytest.raises(kpi_store.ImportProblem) as raised:
        kpi_store.read_plans([("big.json", exact + b" ")])
    [problem] = raised.value.problems
    assert (problem.file, problem.code) == ("big.json", "file_too_large")
    assert problem.ctx == {"max_bytes": kpi_store.MAX_IMPORT_BYTES}


def test_read_plans_accepts_a_bom() -> None:
    [plan] = kpi_store.read_plans([("bom.json", "\ufeff".encode() + small_bytes(name="名前"))])
    assert plan.name == "名前"


def test_read_plans_file_count_limit() -> None:
    files = [(f"{i}.json", small_bytes(name=f"p{i}")) for i in range(kpi_store.MAX_IMPORT_FILES)]
    assert len(kpi_store.read_plans(files)) == kpi_store.MAX_IMPORT_FILES
    with pytest.raises(kpi_store.ImportProblem) as raised:
        kpi_store.read_plans([*files, ("one more.json", small_bytes(name="extra"))])
    [problem] = raised.value.problems
    assert problem.code == "too_many_files"
    assert problem.ctx == {
        "count": kpi_store.MAX_IMPORT_FILES + 1,
        "max_files": kpi_store.MAX_IMPORT_FILES,
    }


def test_read_plans_collects_every_problem_of_every_file() -> None:
    files = [
        ("a.json", small_bytes(name="same")),
        ("b.json", b"{"),
        ("c.json", small_bytes(name="same ")),  # the store strips names: the same name
        ("d.json", small_bytes(schema_version=2)),
        ("e.json", small_bytes(name="   ")),
        ("f.json", small_bytes(win_rate=-1, deal_size="big")),
    ]
    with pytest.raises(kpi_store.ImportProblem) as raised:
        kpi_store.read_plans(files)
    assert [(p.file, p.path, p.code) for p in raised.value.problems] == [
        ("b.json", "", "json_invalid"),
        ("c.json", "name", "name_repeated"),
        ("d.json", "schema_version", "schema_version"),
        ("e.json", "name", "name_empty"),
        ("f.json", "win_rate", "rate_bounds"),
        ("f.json", "deal_size", "positive_shape"),
    ]
    repeated = raised.value.problems[1]
    assert repeated.ctx == {"name": "same", "other_file": "a.json"}
    assert "a.json" in repeated.message


def test_import_files_refuses_a_taken_name_and_writes_nothing(store: kpi_store.Store) -> None:
    store.create("taken", small_plan())
    files = [("new.json", small_bytes(name="new")), ("taken.json", small_bytes(name="taken"))]
    with pytest.raises(kpi_store.NameTaken):
        kpi_store.import_files(store, files)
    assert [info.name for info in store.list_sets()] == ["taken"]
    assert store.count_revisions() == 1


def test_import_files_records_author_and_comment(store: kpi_store.Store) -> None:
    [revision] = kpi_store.import_files(
        store, [("x.json", small_bytes(name="x"))], author="  ann ", comment="from Excel"
    )
    assert (revision.author, revision.comment, revision.parent) == ("ann", "from Excel", None)
    assert revision.plan.model_dump() == small_plan(name="x").model_dump()
    assert kpi_store.import_files(store, []) == []


# ----------------------------------------------------------------------------- properties

_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cn", "Co")), max_size=40)
_DERIVED = kpi_store.derive(make_plan(simulation=SMALL))


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


@settings(max_examples=40, deadline=None)
@given(
    # Names are plain text: control and invisible formatting characters are refused.
    name=_TEXT.filter(lambda text: text.strip() and hidden_character(text) is None),
    comment=_TEXT,
    prefix=st.sampled_from(["", *exchange.FORMULA_STARTS]),
    reps=st.integers(min_value=0, max_value=500),
    hire=st.integers(min_value=-3, max_value=3).filter(bool),
)
def test_any_text_round_trips_and_never_exports_as_a_formula(
    name: str, comment: str, prefix: str, reps: int, hire: int
) -> None:
    name = (prefix + name).strip() or "x"
    team = plan_dict()["team"] | {"reps": reps + 3, "hires": [{"month": "2027-05", "change": hire}]}
    plan = make_plan(name=name, team=team, simulation=SMALL)
    with tempfile.TemporaryDirectory() as folder:
        kpi = kpi_store.Store(f"sqlite:///{folder}/p.db")
        revision = kpi.create(name, plan, comment=prefix + comment, derived=_DERIVED)
        info = kpi.info(name)
        kpi.close()

    # JSON: the same plan comes back.
    [back] = kpi_store.read_plans([("plan.json", kpi_store.export_json(revision))])
    assert back.model_dump() == revision.plan.model_dump()

    # CSV: a cell that starts like a formula is a number or starts with an apostrophe.
    rows = list(csv.reader(StringIO(kpi_store.export_csv(info, revision).decode("utf-8-sig"))))
    for row in rows:
        for cell in row:
            assert not cell.startswith(exchange.FORMULA_STARTS) or _is_number(cell), (cell, row)
    assert ["kpi_set", "name", "", kpi_store.excel_safe_text(revision.name), ""] in rows

    # XLSX: no formula anywhere, and the name is the text itself.
    data = kpi_store.export_xlsx(info, revision)
    with zipfile.ZipFile(BytesIO(data)) as book:
        for part in book.namelist():
            if part.startswith("xl/worksheets/"):
                assert b"<f>" not in book.read(part) and b"<f " not in book.read(part)
    cells = [c.value for c in openpyxl.load_workbook(BytesIO(data))["KPI set"]["B"]]
    assert revision.name.replace("\r", "\n") in cells


# ----------------------------------------------------------------------------- for a reader

RAW_PATH = re.compile(r"[a-z_]+\.[a-z_]+|\b(p_target|at_confidence|kpi_set|monthly_target)\b")


def _readable_rows(saved: Any, lang: str, **options: Any) -> list[list[str]]:
    return csv_rows(kpi_store.export_csv(*saved, lang=lang, **options))


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_readable_csv_names_everything_in_the_language(saved: Any, lang: str) -> None:
    revision = saved[1]
    rows = _readable_rows(saved, lang)
    words = exchange.WORDS[lang]
    assert rows[0] == [
        words["section"],
        words["field"],
        words["month"],
        words["value"],
        words["at_confidence"],
    ]
    sections = {row[0] for row in rows[1:]}
    assert sections == {words[k] for k in ("kpi_set", "input", "summary", "monthly_target")}
    for row in rows:  # no key, dotted path or field name of the file format
        assert not RAW_PATH.search(row[1]), row
    fields = [row[1] for row in rows if row[0] == words["input"]]
    plan = revision.plan
    assert fields == [
        glossary.input_label(path, lang, plan) for path in compare.flatten(plan, identity=True)
    ]
    metrics = list(dict.fromkeys(row[1] for row in rows if row[0] == words["monthly_target"]))
    assert metrics == [
        glossary.metric_label(m, lang, plan)
        for m in ("calls.volume", "calls.connect", "calls.opportunity", "opportunities", "wins")
    ] + [glossary.metric_label("revenue", lang, plan)]


def test_readable_csv_rounds_as_shown_and_writes_shares_as_percentages(saved: Any) -> None:
    revision = saved[1]
    rows = _readable_rows(saved, "ja")

    def value(section: str, field: str, month: str = "") -> str:
        words = exchange.WORDS["ja"]
        return cell(rows, words[section], field, month)[3]

    p = revision.summary["p_target"]
    assert value("summary", "目標達成確率") == f"{p * 100:.1f}%"
    assert value("summary", "達成確率の目標") == "80.0%"
    assert value("summary", "受注金額 P50（中央値）") == str(round(revision.summary["p50"]))
    assert value("input", "目標受注金額") == "10000000"  # not 10000000.0, not 1e+07
    assert value("input", "受注率") == "25.0%"  # a plan's own rate, exactly as entered
    assert value("input", "接触率（架電→接触）") == "10.0%"
    assert value("input", "担当者数（期首）") == "4"
    assert value("input", "年末年始休業") == "なし"
    assert value("input", "架電数の算出元") == "担当者数から計算"
    frame = revision.targets_frame()
    calls = value("monthly_target", "架電数", "2027-04")
    assert calls == str(round(frame.loc["2027-04", ("calls.volume", "p50")]))
    for row in rows:
        for text in row:
            assert not re.search(r"\d[eE][+-]?\d", text), row


def test_readable_times_are_in_the_users_zone_with_the_zone_named(saved: Any) -> None:
    revision = saved[1]
    jst = revision.created_at.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%Y-%m-%d %H:%M")
    assert cell(_readable_rows(saved, "ja"), "KPIセット", "保存日時")[3] == f"{jst} JST"
    ny = revision.created_at.astimezone(ZoneInfo("America/New_York"))
    saved_at = cell(_readable_rows(saved, "en", zone="America/New_York"), "KPI set", "Saved")[3]
    assert saved_at == f"{ny:%Y-%m-%d %H:%M} {ny:%Z}"
    assert saved_at.endswith(("EST", "EDT"))


def test_readable_csv_in_cp932_keeps_its_japanese(saved: Any) -> None:
    data = kpi_store.export_csv(*saved, encoding="cp932", lang="ja")
    rows = csv_rows(data, "cp932")
    assert rows[0][0] == "区分"
    assert cell(rows, "入力", "説明")[3] == "1～2件/日"


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_readable_exports_neutralise_formulas_too(store: kpi_store.Store, name: str) -> None:
    revision = store.create(name, small_plan(), comment=name)
    info = store.info(name)
    rows = csv_rows(kpi_store.export_csv(info, revision, lang="ja"))
    expected = "'" + name if name in FORMULA_NAMES else name
    assert cell(rows, "KPIセット", "KPIセット名")[3] == expected
    for row in rows:
        for value in row:
            assert not value.startswith(exchange.FORMULA_STARTS), row
    data = kpi_store.export_xlsx(info, revision, lang="en")
    assert all("<f" not in xml for xml in worksheets(data).values())
    sheet = openpyxl.load_workbook(BytesIO(data))["KPI set"]
    details = {r[0].value: r[1] for r in sheet.iter_rows(min_row=2)}
    assert details["KPI set name"].value == name and details["KPI set name"].data_type == "s"


@pytest.mark.parametrize(
    ("lang", "sheets"),
    [
        ("ja", ["KPIセット", "入力", "月次KPI目標"]),
        ("en", ["KPI set", "Inputs", "Monthly targets"]),
    ],
)
def test_readable_xlsx_sheets_headers_and_percentage_cells(
    saved: Any, lang: str, sheets: list[str]
) -> None:
    info, revision = saved
    data = kpi_store.export_xlsx(info, revision, lang=lang)
    assert all("<f" not in xml for xml in worksheets(data).values())
    book = openpyxl.load_workbook(BytesIO(data))
    assert book.sheetnames == sheets
    words = exchange.WORDS[lang]

    details = book[sheets[0]]
    assert [c.value for c in details[1]] == [words["field"], words["value_plain"]]
    cells = {r[0].value: r[1] for r in details.iter_rows(min_row=2)}
    p_target = cells[words["p_target"]]
    assert p_target.value == revision.summary["p_target"]  # the number, shown as a percentage
    assert p_target.number_format == "0.0%"
    confidence = cells[glossary.input_label("target.confidence", lang)]
    assert (confidence.value, confidence.number_format) == (0.8, "0.0%")
    target = cells[glossary.input_label("target.revenue", lang)]
    assert (target.value, target.number_format) == (10_000_000, "#,##0")
    assert cells[words["saved_at"]].value.endswith(" JST")

    inputs = book[sheets[1]]
    assert [c.value for c in inputs[1]] == [words["field"], words["value_plain"], words["unit"]]
    rows = {r[0].value: r for r in inputs.iter_rows(min_row=2)}
    win = rows[glossary.input_label("win_rate", lang)]
    assert (win[1].value, win[1].number_format, win[2].value) == (0.25, "0.0##%", None)
    reps = rows[glossary.input_label("team.reps", lang)]
    assert (reps[1].value, reps[2].value) == (4, "人" if lang == "ja" else "reps")
    for row in inputs.iter_rows(min_row=2, values_only=True):
        assert not RAW_PATH.search(str(row[0])), row

    monthly = book[sheets[2]]
    header = [c.value for c in monthly[1]]
    connects = glossary.metric_label("calls.connect", lang, revision.plan)
    at_confidence = "確率目標時" if lang == "ja" else "at confidence"
    joiner = "" if lang == "ja" else " "
    assert header[0] == words["month"]
    assert f"{connects}{joiner}P50" in header and f"{connects}{joiner}{at_confidence}" in header
    frame = revision.targets_frame()
    for row in monthly.iter_rows(min_row=2):
        calls = row[1]
        assert calls.value == round(frame.loc[row[0].value, ("calls.volume", "p50")])
        assert calls.number_format == "#,##0"


def test_readable_exports_refuse_other_languages(saved: Any) -> None:
    with pytest.raises(ValueError, match="lang"):
        kpi_store.export_csv(*saved, lang="fr")
    with pytest.raises(ValueError, match="lang"):
        kpi_store.export_xlsx(*saved, lang="fr")


def test_export_words_have_the_same_keys_in_both_languages() -> None:
    assert set(exchange.WORDS["ja"]) == set(exchange.WORDS["en"])
    assert set(exchange.WORDS) == set(exchange.EXPORT_LANGS)
