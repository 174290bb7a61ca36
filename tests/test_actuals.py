"""Actuals files as teams really keep them: encodings, separators, numbers, layouts, XLSX.

Every refusal names its cell (``C5``), row and column, all problems of a file come at once,
and nothing is returned from a file with any problem.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from simulator import actuals, analytic
from simulator.actuals import ActualsError
from simulator.plan import KpiSet, load_plan
from tests.conftest import ROOT, make_plan

SAMPLE = ROOT / "sample_data" / "actuals_jp_smb_saas.csv"
PLAN = load_plan(ROOT / "sample_data" / "jp_smb_saas.json")

WIDE_JA = "月,担当者,架電数,接触数,商談数,受注数,受注金額\n"


def problems(data: bytes | str | Path, plan: KpiSet = PLAN, **options) -> list:
    with pytest.raises(ActualsError) as caught:
        actuals.read(data, plan, file=options.pop("file", "actuals.csv"), **options)
    return caught.value.problems


def only(data: bytes | str | Path, plan: KpiSet = PLAN, **options):
    found = problems(data, plan, **options)
    assert len(found) == 1, [str(p) for p in found]
    return found[0]


def test_the_sample_file_reads_as_the_plans_counts() -> None:
    read = actuals.read(SAMPLE, PLAN)
    assert read.file == "actuals_jp_smb_saas.csv" and read.layout == "long"
    assert read.months == ("2027-04", "2027-05", "2027-06", "2027-07", "2027-08", "2027-09")
    september = read.totals["2027-09"]
    assert september["calls"] == 6097 and september["calls.connect"] == 843
    assert september["opportunities"] == 88 and september["revenue"] == 17_650_000
    assert sum(read.value(m, "revenue") for m in read.months) == 81_070_000
    assert len(read.rows) == 72 and read.reps == ()


# --------------------------------------------------------------------------- real-world files


def test_cp932_with_characters_shift_jis_lacks() -> None:
    # 髙 and ① exist in Windows' CP932, not in plain Shift_JIS; ￥ is CP932's yen sign.
    text = (
        WIDE_JA + '2027-04,髙橋①,"12,000",１２００,300,0,0\n'
        '2027-04,佐藤,100,20,5,1,"￥1,200,000"\n'
        '2027-04,山﨑,100,20,5,1,"\\300,000"\n'  # CP932 writes ¥ as a backslash (0x5C)
    )
    read = actuals.read(text.encode("cp932"), PLAN, file="実績.csv")
    assert read.layout == "wide" and read.reps == ("佐藤", "山﨑", "髙橋①")
    april = read.totals["2027-04"]
    assert april["calls"] == 12_200 and april["calls.connect"] == 1_240
    assert april["opportunities"] == 310 and april["revenue"] == 1_500_000


def test_utf8_with_a_bom_and_utf16() -> None:
    text = "月,架電数,接触数,商談数,受注数,受注金額\n2027-04,100,20,5,1,500000\n"
    for data in (text.encode("utf-8-sig"), text.encode("utf-16")):
        read = actuals.read(data, PLAN, file="bom.csv")
        assert read.totals["2027-04"]["calls"] == 100  # the BOM is not part of "月"


def test_semicolons_thousands_and_full_width_digits() -> None:
    text = (
        " 月 ; 架電数 ;接触数（架電）; 商談数 ;受注数;受注金額\n"
        "2027/4;12,000;１，２００;３００;25;¥30,000,000\n"
    )
    read = actuals.read(text.encode(), PLAN, file="semi.csv")
    april = read.totals["2027-04"]
    assert april == {
        "calls": 12_000,
        "calls.connect": 1_200,
        "opportunities": 300,
        "wins": 25,
        "revenue": 30_000_000,
    }


def test_tab_separated_english_headers_and_a_percentage_rate() -> None:
    text = "Month\tCalls\tConnect rate\tOpportunities\tWins\tRevenue\n2027-04\t100\t12%\t5\t1\t9\n"
    read = actuals.read(text.encode(), PLAN, file="tabs.tsv")
    assert read.totals["2027-04"]["calls"] == 100
    assert ("2027-04", "channels.calls.stages.connect.rate", "", 0.12) in read.rows
    assert "channels.calls.stages.connect.rate" not in read.totals["2027-04"]  # rates: not used


def test_a_rate_column_above_one() -> None:
    text = WIDE_JA.replace("接触数", "接触率") + "2027-04,,100,12,5,0,0\n"
    problem = only(text.encode())
    assert problem.code == "rate_above_one" and problem.path == "D2"
    assert problem.ctx["row"] == 2 and problem.ctx["column"] == "接触率"
    assert "0.12" in problem.message and "12%" in problem.message


def test_a_stage_above_its_previous_stage() -> None:
    problem = only((WIDE_JA + "2027-04,,100,200,5,0,0\n").encode())
    assert problem.code == "stage_above_previous" and problem.path == "D2"
    assert problem.ctx["stage_ja"] == "接触数（架電）" and problem.ctx["previous_ja"] == "架電数"
    assert "200" in problem.message and "100" in problem.message


def test_a_stage_is_checked_per_rep() -> None:
    text = WIDE_JA + "2027-04,A,100,90,5,0,0\n2027-04,B,100,110,5,0,0\n"
    assert only(text.encode()).path == "D3"  # B's connects exceed B's calls; the sum is fine


def test_a_month_outside_the_plan_and_after_the_review() -> None:
    text = WIDE_JA + "2026-04,,100,20,5,0,0\n2027-04,,100,20,5,0,0\n2027-06,,1,1,1,0,0\n"
    found = problems(text.encode(), as_of="2027-05")
    assert [(p.code, p.path) for p in found] == [
        ("month_outside_plan", "A2"),
        ("month_after_review", "A4"),
    ]
    assert found[0].ctx["start"] == "2027-04" and found[0].ctx["end"] == "2028-03"


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n \r\n", "\ufeff\n".encode()])
def test_an_empty_file(data: bytes) -> None:
    assert only(data).code == "file_empty"


def test_a_header_without_rows_and_a_template_not_filled_in() -> None:
    assert only(WIDE_JA.encode()).code == "no_rows"
    assert only(actuals.template(PLAN, "ja", "long")).code == "no_values"


def test_a_50_mb_file_is_refused_before_it_is_read(tmp_path, monkeypatch) -> None:
    big = tmp_path / "big.csv"
    with big.open("wb") as handle:
        handle.truncate(50_000_000)  # sparse: 50 MB on paper, nothing to read
    opened = []
    monkeypatch.setattr(Path, "open", lambda *a, **k: opened.append(a) or io.BytesIO())
    started = time.perf_counter()
    problem = only(big, file="big.csv")
    assert problem.code == "file_too_large" and problem.file == "big.csv"
    assert opened == [] and time.perf_counter() - started < 0.5
    assert problem.ctx["max_mb"] == actuals.MAX_BYTES // 1_000_000
    # Bytes already in memory (an upload) are refused by their length, unread.
    assert only(b"x" * (actuals.MAX_BYTES + 1)).code == "file_too_large"


def test_every_problem_of_a_file_at_once_each_with_its_cell() -> None:
    text = (
        "month,metric,value\n"
        "2027-04,conects,5\n"  # a typo: the closest name is offered
        "2027-04,商談化率,0.1\n"  # three channels have one: name it in full
        "2027-04,calls,1.5\n"
        "2027-04,calls,-3\n"
        "2027-04,calls.connect,abc\n"
        "2027-13,calls,3\n"
        "2027-04,wins,2\n"
        "2027-04,wins,3\n"
        "2027-04,calls,12,000\n"  # unquoted: one cell too many
        "2027-04,受注金額,12%\n"
    )
    found = problems(text.encode())
    assert [(p.code, p.path) for p in found] == [
        ("unknown_metric", "B2"),
        ("metric_ambiguous", "B3"),
        ("not_whole", "C4"),
        ("negative", "C5"),
        ("not_a_number", "C6"),
        ("bad_month", "A7"),
        ("duplicate", "C9"),
        ("extra_cells", "D10"),
        ("not_a_number", "C11"),
    ]
    typo, ambiguous = found[0], found[1]
    assert typo.ctx["suggestion_ja"] == "接触数（架電）" and "Connects (calls)" in typo.message
    assert "商談化率（接触→商談）" in ambiguous.ctx["options_ja"]
    assert found[6].ctx["first_row"] == 8
    assert all(p.file == "actuals.csv" and f"row {p.ctx['row']}" in p.message for p in found)


def test_opportunities_must_add_up_and_required_counts_must_be_there() -> None:
    text = (
        "month,metric,value\n2027-04,calls.opportunity,5\n2027-04,inbound.opportunity,2\n"
        "2027-04,email.opportunity,1\n2027-04,opportunities,9\n"
        "2027-04,wins,1\n2027-04,revenue,100\n"
    )
    problem = only(text.encode())
    assert problem.code == "opportunities_mismatch" and problem.path == "C5"
    missing = problems(b"month,metric,value\n2027-04,calls,5\n2027-05,revenue,3\n")
    assert {(p.path, p.code, p.ctx["metric"]) for p in missing} == {
        ("2027-04", "metric_missing", "Revenue"),
        ("2027-04", "metric_missing", "Wins"),
        ("2027-04", "metric_missing", "Opportunities (all channels)"),
        ("2027-05", "metric_missing", "Wins"),
        ("2027-05", "metric_missing", "Opportunities (all channels)"),
    }


def test_a_channel_column_reads_names_inside_its_channel() -> None:
    text = (
        "月,チャネル,件数,商談数,受注数,受注金額\n2027-04,架電,100,5,,\n"
        "2027-04,インバウンド,40,12,,\n2027-04,メール,1000,1,,\n2027-04,,,18,3,900\n"
    )
    read = actuals.read(text.encode(), PLAN, file="c.csv")
    # 商談数 in a channel's row is that channel's; in the row without one, the total.
    assert read.totals["2027-04"] == {
        "calls": 100,
        "calls.opportunity": 5,
        "inbound": 40,
        "inbound.opportunity": 12,
        "email": 1000,
        "email.opportunity": 1,
        "opportunities": 18,
        "wins": 3,
        "revenue": 900,
    }
    problem = only("月,チャネル,件数\n2027-04,ファックス,3\n".encode())
    assert problem.code == "unknown_channel" and problem.path == "B2"


# --------------------------------------------------------------------------- numbers, months


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12000", (12000.0, False)),
        ("12,000", (12000.0, False)),
        ("１２０００", (12000.0, False)),
        ("¥1,200,000", (1_200_000.0, False)),
        ("￥1,200,000", (1_200_000.0, False)),
        ("1,200,000円", (1_200_000.0, False)),
        (" 12.5% ", (12.5, True)),
        ("１２％", (12.0, True)),
        ("△5", (-5.0, False)),
        ("(5)", (-5.0, False)),
        ("", None),
        (None, None),
        (7, (7.0, False)),
    ],
)
def test_numbers_as_people_write_them(raw, expected) -> None:
    assert actuals.parse_number(raw) == expected


@pytest.mark.parametrize("raw", ["1,5", "12,00", "abc", "１２a", "nan", "inf", True])
def test_what_is_not_a_number(raw) -> None:
    with pytest.raises(actuals._Bad):
        actuals.parse_number(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "2027-04",
        "2027/4",
        "2027/04/01",
        "2027年4月",
        "２０２７年４月",
        "202704",
        "2027-04-01 00:00",
    ],
)
def test_months_as_people_write_them(raw) -> None:
    assert actuals.parse_month(raw) == "2027-04"
    assert actuals.parse_month(dt.datetime(2027, 4, 1)) == "2027-04"


@pytest.mark.parametrize("raw", ["2027-13", "27-04", "April", "", None])
def test_what_is_not_a_month(raw) -> None:
    assert actuals.parse_month(raw) is None


# --------------------------------------------------------------------------- XLSX


def workbook(rows: list[list], title: str = "実績", *, second: str | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    if second:
        book.create_sheet(second).append(["メモ"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_cached_value(data: bytes, cell: str, value: str) -> bytes:
    """The workbook with ``cell``'s formula given a cached value, as Excel saves it."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(
                    rf'(<c r="{cell}"[^>]*><f>[^<]*</f>)<v\s*/>'.encode(),
                    rf"\1<v>{value}</v>".encode(),
                    content,
                )
            target.writestr(info, content)
    return out.getvalue()


XLSX_ROWS = [
    ["月", "架電数", "接触数", "商談数", "受注数", "受注金額"],
    [dt.datetime(2027, 4, 1), 1000, 100, "=C2*0.1", 2, 1_000_000],
]


def test_xlsx_formulas_are_read_as_cached_values_never_evaluated() -> None:
    data = workbook(XLSX_ROWS)
    problem = only(data, file="実績.xlsx")
    assert problem.code == "formula_without_value" and problem.path == "D2"
    read = actuals.read(with_cached_value(data, "D2", "7"), PLAN, file="実績.xlsx")
    assert read.totals["2027-04"]["opportunities"] == 7  # the cached 7, not C2 × 0.1 = 10


def test_xlsx_first_sheet_or_a_named_one() -> None:
    rows = [["month", "metric", "value"], ["2027-04", "revenue", 0], ["2027-04", "wins", 0]]
    rows.append(["2027-04", "opportunities", 4])
    book = Workbook()
    book.active.title = "表紙"
    book.active.append(["説明"])
    sheet = book.create_sheet("実績")
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    assert only(data, file="a.xlsx").code == "no_month_column"  # the first sheet is the cover
    assert actuals.read(data, PLAN, file="a.xlsx", sheet="実績").totals["2027-04"] == {
        "revenue": 0,
        "wins": 0,
        "opportunities": 4,
    }
    missing = only(data, file="a.xlsx", sheet="実積")
    assert missing.code == "sheet_missing" and missing.ctx["sheets"] == "表紙, 実績"


def test_an_xlsx_that_would_expand_too_far_is_refused_unread() -> None:
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb,
        bomb.open("xl/worksheets/sheet1.xml", "w") as member,
    ):
        for _ in range(120):
            member.write(b"\0" * 1_000_000)
    assert len(buffer.getvalue()) < 1_000_000
    started = time.perf_counter()
    problem = only(buffer.getvalue(), file="bomb.xlsx")
    assert problem.code == "xlsx_too_large" and time.perf_counter() - started < 0.5
    assert only(b"PK\x03\x04 not a zip", file="x.xlsx").code == "xlsx_invalid"


# --------------------------------------------------------------------------- templates


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("layout", actuals.LAYOUTS)
def test_templates_read_back_once_filled_in(lang: str, layout: str) -> None:
    plan = PLAN
    expect = analytic.expected(plan)
    counts = {"opportunities": expect.opportunities, "wins": expect.wins, "revenue": expect.revenue}
    for channel in plan.channels:
        counts[channel.key] = expect.volumes[channel.key]
        for stage in channel.stages:
            counts[f"{channel.key}.{stage.key}"] = expect.stages[channel.key][stage.key]
    text = actuals.template(plan, lang, layout).decode("utf-8-sig")
    header = text.splitlines()[0]
    assert header.startswith("月," if lang == "ja" else "month,")
    assert ("架電数" in text) == (lang == "ja") and ("Calls" in text) == (lang == "en")
    # Fill in the first three months: per-channel opportunities whole, the total their sum.
    names = {name: key for key, name in zip(actuals.metrics(plan), _names(plan, lang), strict=True)}
    rounded: dict[tuple[int, str], float] = {}
    for m in range(3):
        for key in actuals.metrics(plan):
            rounded[(m, key)] = round(float(counts[key][m]))
        rounded[(m, "opportunities")] = sum(
            rounded[(m, f"{c.key}.{c.stages[-1].key}")] for c in plan.channels
        )
        if rounded[(m, "wins")] == 0:  # revenue needs wins
            rounded[(m, "revenue")] = 0
    months = [f"2027-{m:02d}" for m in range(4, 7)]
    lines = text.splitlines()
    filled = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        if cells[0] not in months:
            filled.append(line)
            continue
        m = months.index(cells[0])
        if layout == "long":
            cells[2] = str(int(rounded[(m, names[cells[1]])]))
        else:
            keys = [names[n] for n in lines[0].split(",")[1:]]
            cells[1:] = [str(int(rounded[(m, key)])) for key in keys]
        filled.append(",".join(cells))
    read = actuals.read("\n".join(filled).encode(), plan, file="t.csv")
    assert read.months == tuple(months)
    for m, month in enumerate(months):
        for key in actuals.metrics(plan):
            assert read.totals[month][key] == rounded[(m, key)]


def _names(plan: KpiSet, lang: str) -> list[str]:
    from simulator import glossary

    return [glossary.metric_label(key, lang, plan) for key in actuals.metrics(plan)]


def test_a_stored_snapshot_rebuilds_the_same_actuals() -> None:
    read = actuals.read(SAMPLE, PLAN)
    again = actuals.Actuals.from_rows(read.to_rows(), read.file)
    assert again.totals == read.totals and again.rows == read.rows
    actuals.check(again, PLAN)  # still good against the plan
    later = make_plan(start_month="2027-07")  # a plan that starts after these months
    with pytest.raises(ActualsError) as caught:
        actuals.check(again, later)
    # Its one channel has neither inbound nor email, and it starts in July.
    assert {(p.code, p.path) for p in caught.value.problems} == {
        ("unknown_metric", metric)
        for metric in ("email", "email.open", "email.opportunity", "email.reply")
    } | {("unknown_metric", "inbound"), ("unknown_metric", "inbound.opportunity")}
    narrower = actuals.Actuals.from_rows(
        [row for row in read.rows if not row[1].startswith(("inbound", "email", "opp"))]
    )
    with pytest.raises(ActualsError) as caught:
        actuals.check(narrower, later)
    assert {(p.code, p.path) for p in caught.value.problems} == {
        ("month_outside_plan", month) for month in ("2027-04", "2027-05", "2027-06")
    }


def test_revenue_needs_wins_in_its_month() -> None:
    problem = only((WIDE_JA + "2027-04,,100,20,5,0,500000\n").encode())
    assert problem.code == "revenue_without_wins" and problem.path == "G2"
