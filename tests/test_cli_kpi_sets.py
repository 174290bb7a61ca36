"""``python -m simulator kpi-sets ...``: the store from the command line (docs/design.md §4)."""

from __future__ import annotations

import csv
import getpass
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import update

from simulator import cli
from simulator import kpi_sets as kpi_store
from simulator.kpi_sets.schema import sets_table
from tests.conftest import ROOT, make_plan, plan_dict

SMALL = {"trials": 2000, "seed": 7}


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/cli.db"


def write_plan(path: Path, **overrides: Any) -> str:
    document = plan_dict(**{"simulation": SMALL, **overrides})
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(path)


def run(capsys: pytest.CaptureFixture[str], db: str, *args: str) -> tuple[int, str, str]:
    code = cli.main(["kpi-sets", *args, "--db", db])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], db: str, *args: str) -> Any:
    code, out, err = run(capsys, db, *args, "--json")
    assert (code, err) == (0, ""), err
    return json.loads(out)


def open_store(db: str) -> kpi_store.Store:
    return kpi_store.Store(db)


# ----------------------------------------------------------------------------- save


def test_save_creates_then_advances_and_refuses_a_stale_base(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db: str
) -> None:
    first = write_plan(tmp_path / "a.json")
    assert run(capsys, db, "save", first, "--name", "FY27", "--author", "ann") == (0, "1\n", "")

    second = write_plan(tmp_path / "b.json", team={**plan_dict()["team"], "reps": 6})
    code, out, err = run(
        capsys, db, "save", second, "--name", "FY27", "--base-revision", "1", "--author", "bob"
    )
    assert (code, out, err) == (0, "2\n", "")

    # Carol started from revision 1 too: her save must not shadow Bob's.
    third = write_plan(tmp_path / "c.json", win_rate=0.3)
    code, out, err = run(
        capsys, db, "save", third, "--name", "FY27", "--base-revision", "1", "--author", "carol"
    )
    assert (code, out) == (cli.EXIT_CONFLICT, "")
    assert len(err.splitlines()) == 1
    assert "at revision 2, not 1" in err
    assert "saved since by bob" in err
    assert "changed: team.reps." in err
    assert "--base-revision 2" in err

    opened = open_store(db)
    history = opened.history("FY27")
    assert [(r.number, r.parent, r.author) for r in history] == [(2, 1, "bob"), (1, None, "ann")]
    assert history[0].plan.team.reps == 6
    assert history[0].plan.win_rate == 0.25
    opened.close()


def test_save_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str], db: str) -> None:
    plan = write_plan(tmp_path / "a.json")
    assert run_json(capsys, db, "save", plan, "--name", "x") == {"name": "x", "revision": 1}
    out = run_json(capsys, db, "save", plan, "--name", "x", "--base-revision", "1")
    assert out == {"name": "x", "revision": 2}


def test_save_to_a_taken_name_without_base_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db: str
) -> None:
    plan = write_plan(tmp_path / "a.json")
    assert run(capsys, db, "save", plan, "--name", "x")[0] == 0
    assert run(capsys, db, "save", plan, "--name", "x", "--base-revision", "1")[0] == 0
    code, out, err = run(capsys, db, "save", plan, "--name", "x", "--comment", "again")
    assert (code, out) == (3, "")
    assert err.splitlines() == [
        "conflict: a KPI set named 'x' already exists (at revision 2); to save a new "
        "revision of it pass --base-revision 2, or choose another --name"
    ]
    opened = open_store(db)
    assert opened.count_revisions() == 2
    opened.close()


def test_save_bad_base_revision_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db: str
) -> None:
    plan = write_plan(tmp_path / "a.json")
    assert run(capsys, db, "save", plan, "--name", "x")[0] == 0
    code, out, err = run(capsys, db, "save", plan, "--name", "x", "--base-revision", "5")
    assert (code, out, err) == (2, "", "error: KPI set 'x' has no revision 5 (it has 1 to 1)\n")
    with pytest.raises(SystemExit) as exited:  # argparse's own errors exit 2 as well
        run(capsys, db, "save", plan, "--name", "x", "--base-revision", "0")
    assert exited.value.code == 2
    assert capsys.readouterr().err.endswith("error: argument --base-revision: must be at least 1\n")
    opened = open_store(db)
    assert opened.count_revisions() == 1
    opened.close()


def test_save_a_bad_plan_exits_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db: str
) -> None:
    plan = write_plan(tmp_path / "a.json", win_rate=1.5)
    code, out, err = run(capsys, db, "save", plan, "--name", "x")
    assert (code, out, err) == (2, "", "error: win_rate: must be between 0 and 1\n")
    opened = open_store(db)
    assert opened.list_sets() == []
    opened.close()


# ----------------------------------------------------------------------------- read


@pytest.fixture
def two_revisions(tmp_path: Path, capsys: pytest.CaptureFixture[str], db: str) -> str:
    # 4 reps: 16 wins a month of 500,000 on average, 48M in six months against 50M.
    target = {"revenue": 50_000_000, "confidence": 0.8}
    plan = write_plan(tmp_path / "a.json", target=target)
    assert run(capsys, db, "save", plan, "--name", "FY27", "--author", "ann")[0] == 0
    team = {**plan_dict()["team"], "reps": 8}
    bigger = write_plan(tmp_path / "b.json", target=target, team=team)
    args = ["save", bigger, "--name", "FY27", "--base-revision", "1", "--comment", "8 reps"]
    assert run(capsys, db, *args, "--author", "bob")[0] == 0
    return "FY27"


def test_show_json(capsys: pytest.CaptureFixture[str], db: str, two_revisions: str) -> None:
    out = run_json(capsys, db, "show", two_revisions)
    assert list(out) == [
        "name", "revision", "parent", "author", "comment", "created_at", "summary", "plan",
        "targets",
    ]  # fmt: skip
    assert (out["name"], out["revision"], out["parent"]) == ("FY27", 2, 1)
    assert (out["author"], out["comment"]) == ("bob", "8 reps")
    assert out["plan"]["team"]["reps"] == 8
    assert out["plan"]["name"] == "FY27"
    opened = open_store(db)
    head = opened.revision("FY27")
    assert out["plan"] == head.plan.model_dump(mode="json")
    assert out["summary"] == head.summary
    assert out["targets"] == head.targets
    assert out["created_at"] == head.created_at.isoformat()
    opened.close()
    assert out["targets"]["months"] == [f"2027-{m:02d}" for m in range(4, 10)]

    first = run_json(capsys, db, "show", two_revisions, "--revision", "1")
    assert (first["revision"], first["parent"], first["plan"]["team"]["reps"]) == (1, None, 4)
    # Twice the reps, fixed rates: the median revenue roughly doubles.
    assert out["summary"]["p50"] / first["summary"]["p50"] == pytest.approx(2, rel=0.1)


def test_show_text(capsys: pytest.CaptureFixture[str], db: str, two_revisions: str) -> None:
    code, out, err = run(capsys, db, "show", two_revisions)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "FY27  r2 (from r1)"
    assert lines[1].startswith("saved ") and lines[1].endswith(" by bob")
    assert lines[2] == "comment: 8 reps"
    assert lines[3].startswith("target   50,000,000 JPY at 80.0%: P(target) ")


def test_show_missing_exits_2(capsys: pytest.CaptureFixture[str], db: str) -> None:
    assert run(capsys, db, "show", "nope") == (2, "", "error: no KPI set named 'nope'\n")


def test_history_json(capsys: pytest.CaptureFixture[str], db: str, two_revisions: str) -> None:
    out = run_json(capsys, db, "history", two_revisions)
    assert [list(row) for row in out] == [
        ["revision", "parent", "author", "comment", "created_at", "p_target"]
    ] * 2
    assert [(r["revision"], r["parent"], r["author"], r["comment"]) for r in out] == [
        (2, 1, "bob", "8 reps"),
        (1, None, "ann", ""),
    ]
    opened = open_store(db)
    assert [r["p_target"] for r in out] == [r.summary["p_target"] for r in opened.history("FY27")]
    opened.close()
    assert 0.1 < out[1]["p_target"] < 0.6  # 48M expected against 50M
    assert out[0]["p_target"] > 0.99  # twice the reps


def test_list_json_search_and_archived(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db: str, two_revisions: str
) -> None:
    other = write_plan(tmp_path / "o.json")
    assert run(capsys, db, "save", other, "--name", "営業 Q2", "--author", "佐藤")[0] == 0

    out = run_json(capsys, db, "list")
    assert [row["name"] for row in out] == ["営業 Q2", "FY27"]  # most recently saved first
    assert list(out[0]) == [
        "name", "revision", "author", "updated_at", "archived", "tags", "p_target", "p50",
    ]  # fmt: skip
    fy27 = out[1]
    assert (fy27["revision"], fy27["author"], fy27["archived"], fy27["tags"]) == (
        2,
        "ann",
        False,
        [],
    )
    opened = open_store(db)
    head = opened.revision("FY27")
    assert (fy27["p_target"], fy27["p50"]) == (head.summary["p_target"], head.summary["p50"])

    assert [row["name"] for row in run_json(capsys, db, "list", "--search", "fy2")] == ["FY27"]
    assert run_json(capsys, db, "list", "--search", "nothing like it") == []

    opened.archive("FY27")
    opened.close()
    assert [row["name"] for row in run_json(capsys, db, "list")] == ["営業 Q2"]
    archived = run_json(capsys, db, "list", "--archived")
    assert [(row["name"], row["archived"]) for row in archived] == [
        ("営業 Q2", False),
        ("FY27", True),
    ]


def test_list_text_neutralises_control_characters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db: str
) -> None:
    # Saving such a name is refused now; a database written before may still hold one.
    plan = write_plan(tmp_path / "a.json")
    assert run(capsys, db, "save", plan, "--name", "ab")[0] == 0
    opened = open_store(db)
    with opened.engine.begin() as conn:
        conn.execute(update(sets_table).values(name="a\x1b[2Jb"))
    opened.close()
    code, out, err = run(capsys, db, "list")
    assert (code, err) == (0, "")
    assert "\x1b" not in out
    assert out.startswith("a [2Jb  r1  P(target) ")


def test_list_on_an_empty_store(capsys: pytest.CaptureFixture[str], db: str) -> None:
    assert run_json(capsys, db, "list") == []
    assert run(capsys, db, "list") == (0, "", "")


def test_list_subprocess_reads_the_url_from_the_environment(tmp_path: Path, db: str) -> None:
    opened = open_store(db)
    opened.create("from env", make_plan(simulation=SMALL))
    opened.close()
    env = {**os.environ, kpi_store.ENV_URL: db, "PYTHONUTF8": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "simulator", "kpi-sets", "list", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    [row] = json.loads(result.stdout)
    assert (row["name"], row["revision"], row["archived"]) == ("from env", 1, False)


# ----------------------------------------------------------------------------- export / import


def test_export_import_round_trip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db: str, two_revisions: str
) -> None:
    exported = tmp_path / "fy27.json"
    out = run_json(capsys, db, "export", "FY27", "--format", "json", "--output", str(exported))
    assert out == {
        "name": "FY27",
        "revision": 2,
        "format": "json",
        "output": str(exported),
        "bytes": exported.stat().st_size,
    }
    old = tmp_path / "fy27_r1.json"
    code, out_text, err = run(capsys, db, "export", "FY27", "--revision", "1", "--output", str(old))
    assert (code, err) == (0, "")
    assert out_text.startswith(f"FY27 r1 -> {old} (")

    other_db = f"sqlite:///{tmp_path}/other.db"
    first = json.loads(old.read_text(encoding="utf-8"))
    first["name"] = "FY27 r1"
    old.write_text(json.dumps(first, ensure_ascii=False), encoding="utf-8")
    code, out_text, err = run(capsys, other_db, "import", str(exported), str(old))
    assert (code, out_text, err) == (0, "FY27 r1\nFY27 r1 r1\n", "")

    source, copy = open_store(db), open_store(other_db)
    assert copy.revision("FY27").plan.model_dump() == source.revision("FY27").plan.model_dump()
    assert copy.revision("FY27 r1").plan.team.reps == source.revision("FY27", 1).plan.team.reps
    assert copy.revision("FY27").summary == source.revision("FY27").summary
    source.close()
    copy.close()

    again = run(capsys, other_db, "import", str(exported), "--json")
    assert again[0] == cli.EXIT_CONFLICT
    assert again[2] == "conflict: a KPI set named 'FY27' already exists\n"


def test_export_csv_and_xlsx(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db: str, two_revisions: str
) -> None:
    csv_path, xlsx_path = tmp_path / "fy27.csv", tmp_path / "fy27.xlsx"
    assert (
        run(capsys, db, "export", "FY27", "--output", str(csv_path), "--encoding", "cp932")[0] == 0
    )
    assert run(capsys, db, "export", "FY27", "--output", str(xlsx_path))[0] == 0  # from suffix

    opened = open_store(db)
    info, head = opened.info("FY27"), opened.revision("FY27")
    opened.close()
    assert csv_path.read_bytes() == kpi_store.export_csv(info, head, encoding="cp932")
    rows = list(csv.reader(StringIO(csv_path.read_bytes().decode("cp932"), newline="")))
    assert rows[0] == ["section", "field", "month", "value", "at_confidence"]
    assert ["kpi_set", "revision", "", "2", ""] in rows

    book = openpyxl.load_workbook(xlsx_path)
    assert book.sheetnames == ["KPI set", "Inputs", "Monthly targets"]
    values = {r[0]: r[1] for r in book["KPI set"].iter_rows(min_row=2, values_only=True)}
    assert (values["name"], values["revision"], values["author"]) == ("FY27", 2, "bob")


def test_export_for_a_reader_in_a_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db: str, two_revisions: str
) -> None:
    csv_path, xlsx_path = tmp_path / "fy27_ja.csv", tmp_path / "fy27_en.xlsx"
    assert run(capsys, db, "export", "FY27", "--output", str(csv_path), "--lang", "ja")[0] == 0
    zone = ["--timezone", "America/New_York"]
    code = run(capsys, db, "export", "FY27", "--output", str(xlsx_path), "--lang", "en", *zone)[0]
    assert code == 0

    opened = open_store(db)
    info, head = opened.info("FY27"), opened.revision("FY27")
    opened.close()
    assert csv_path.read_bytes() == kpi_store.export_csv(info, head, lang="ja")
    rows = list(csv.reader(StringIO(csv_path.read_bytes().decode("utf-8-sig"), newline="")))
    assert rows[0][:2] == ["区分", "項目"]
    assert ["KPIセット", "リビジョン", "", "2", ""] in rows

    book = openpyxl.load_workbook(xlsx_path)
    assert book.sheetnames == ["KPI set", "Inputs", "Monthly targets"]
    values = {r[0]: r[1] for r in book["KPI set"].iter_rows(min_row=2, values_only=True)}
    assert (values["KPI set name"], values["Revision"], values["Author"]) == ("FY27", 2, "bob")
    assert values["Saved"].endswith(("EST", "EDT"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--format", "json", "--lang", "ja"],
            "error: --lang, --timezone: only for --format csv or xlsx",
        ),
        (["--format", "csv", "--timezone", "Asia/Tokyo"], "error: --timezone: only with --lang"),
        (["--format", "xlsx", "--encoding", "cp932"], "error: --encoding: only for --format csv"),
        ([], "error: --format: give one of json, csv, xlsx"),  # the suffix .out says nothing
        (
            ["--format", "json", "--revision", "9"],
            "error: KPI set 'FY27' has no revision 9 (it has 1 to 2)",
        ),
    ],
)
def test_export_bad_arguments_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    db: str,
    two_revisions: str,
    args: list[str],
    message: str,
) -> None:
    output = tmp_path / "fy27.out"
    assert run(capsys, db, "export", "FY27", "--output", str(output), *args) == (
        2,
        "",
        message + "\n",
    )
    assert not output.exists()


def test_import_bad_files_lists_every_problem_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db: str
) -> None:
    good = write_plan(tmp_path / "good.json", name="good")
    version = write_plan(tmp_path / "v2.json", name="v2", schema_version=2)
    typo = tmp_path / "typo.json"
    document = plan_dict(name="typo", simulation=SMALL)
    document["tean"] = {}
    typo.write_text(json.dumps(document), encoding="utf-8")
    array = tmp_path / "array.json"
    array.write_text("[]", encoding="utf-8")
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (kpi_store.MAX_IMPORT_BYTES + 1))
    missing = tmp_path / "missing.json"

    paths = [good, version, str(typo), str(missing), str(array), str(big)]
    code, out, err = run(capsys, db, "import", *map(str, paths))
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"error: {version}: schema_version: must be 1; this file has version 2, which this "
        "version of Centerpin cannot read",
        f"error: {typo}: tean: is not a known field",
        f"error: {missing}: cannot read (No such file or directory)",
        f"error: {array}: must be a JSON object ({{...}}), as KPI set files are",
        f"error: {big}: is larger than 1,000,000 bytes",
    ]
    opened = open_store(db)
    assert opened.list_sets(include_archived=True) == []
    opened.close()


def test_import_too_many_files_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db: str
) -> None:
    plan = write_plan(tmp_path / "a.json")
    code, out, err = run(capsys, db, "import", *[plan] * (kpi_store.MAX_IMPORT_FILES + 1))
    assert (code, out) == (2, "")
    assert err == "error: 51 files: at most 50 at a time\n"


def test_bad_database_url_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["kpi-sets", "list", "--db", "not a url"])
    assert (code, capsys.readouterr().err) == (2, "error: --db: not a database URL\n")


def test_the_author_defaults_to_the_login_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(getpass, "getuser", lambda: "yamada")
    plan = write_plan(tmp_path / "plan.json")
    code, _, _ = run(capsys, db, "save", plan, "--name", "login")
    assert code == 0
    code, _, _ = run(
        capsys, db, "save", plan, "--name", "login", "--base-revision", "1", "--author", "鈴木"
    )
    assert code == 0
    authors = [revision.author for revision in open_store(db).history("login")]
    assert authors == ["鈴木", "yamada"]
