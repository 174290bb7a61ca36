"""Bad input on the command line: exit 2 and one line, never a traceback, NaN or a blow-up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from simulator import cli
from simulator import kpi_sets as kpi_store
from simulator.plan import MAX_DEAL_SIZE, MAX_VOLUME
from tests.conftest import ROOT, make_plan, plan_dict

SMALL = {"trials": 2000, "seed": 7}
INBOUND = {"key": "inbound", "volume_per_month": 30, "stages": [{"key": "opp", "rate": 0.3}]}


def _plan_text(**changes: Any) -> str:
    return json.dumps(
        plan_dict(channels=[plan_dict()["channels"][0], INBOUND], simulation=SMALL) | changes
    )


def _file(tmp_path: Path, text: str, name: str = "plan.json") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """The one line a refused command prints (exit 2, nothing on stdout)."""
    code, out, err = _run(capsys, *argv)
    assert (code, out) == (2, ""), err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    return err.strip()


def _every_plan_command(plan: str, db: str) -> list[list[str]]:
    return [
        ["simulate", plan],
        ["simulate", plan, "--json"],
        ["center-pin", plan],
        ["reverse", plan, "--lever", "win_rate"],
        ["kpi-sets", "save", plan, "--name", "x", "--db", db],
    ]


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/cli.db"


# ----------------------------------------------------------------------------- plan files


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ('{"schema_version": 1, "name": ' + "[" * 1000 + "]" * 1000 + "}", "nested more than"),
        ("[" * 100_000 + "]" * 100_000, "nested more than"),
        (_plan_text().replace('"months": 6', '"months": ' + "6" * 5000), "too many digits"),
        (
            _plan_text(win_rate={"successes": 10**30, "trials": 10**30}),
            "win_rate.successes: must be at most 1000000000",
        ),
        (
            _plan_text(channels=[INBOUND | {"volume_per_month": 1e308}]),
            f"channels[0].volume_per_month: must be at most {MAX_VOLUME}",
        ),
        (_plan_text(deal_size=1e308), f"deal_size: must be at most {MAX_DEAL_SIZE}"),
        (
            _plan_text().replace('"months": 6', '"months": 6, "months": 7'),
            "months: appears twice",
        ),
    ],
    ids=["nested_1000", "nested_100000", "digits_5000", "counts_1e30", "volume", "deal", "twice"],
)
def test_every_plan_command_refuses_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db: str, text: str, phrase: str
) -> None:
    plan = _file(tmp_path, text)
    for argv in _every_plan_command(plan, db):
        assert phrase in _refused(capsys, *argv), argv


def test_a_deal_size_of_1e308_no_longer_prints_nan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _refused(capsys, "simulate", _file(tmp_path, _plan_text(deal_size=1e308)))
    assert "nan" not in line.lower()


def test_a_plan_over_budget_is_refused_naming_what_to_lower(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db: str
) -> None:
    many = {"trials": 2_000_000, "seed": 1}
    plan = _file(tmp_path, _plan_text(months=36, simulation=many))
    # simulate streams its trials and holds only the first 100,000 (docs/design.md §4): a
    # plan is over budget for it when those alone are, as with one channel more.
    wide = [plan_dict()["channels"][0], INBOUND, INBOUND | {"key": "webinar"}]
    streamed = _file(tmp_path, _plan_text(months=36, channels=wide, simulation=many), "wide.json")
    for argv in (["simulate", streamed], ["reverse", plan, "--lever", "win_rate"]):
        assert "simulation.trials: " in _refused(capsys, *argv)
        assert "lower the trials to" in _refused(capsys, *argv)
    assert "lower the trials to" in _refused(
        capsys,
        "simulate",
        _file(tmp_path, _plan_text(months=36, channels=wide), "small.json"),
        "--trials",
        "2000000",
    )
    code, _, err = _run(capsys, "kpi-sets", "import", plan, "--db", db)
    assert code == 2 and "lower the trials" in err


# ----------------------------------------------------------------------------- JSON output


def _strict(text: str) -> Any:
    def refuse(word: str) -> None:
        raise AssertionError(f"{word} in JSON output")

    return json.loads(text, parse_constant=refuse)


def test_json_output_has_null_where_a_number_is_not_finite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = _file(tmp_path, _plan_text(simulation={"trials": 1, "seed": 1}))
    code, out, err = _run(capsys, "simulate", plan, "--json")
    assert (code, err) == (0, "")
    result = _strict(out)
    assert result["revenue"]["std_error"] is None  # one trial has no standard error


def test_json_output_is_strict_json_for_every_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db: str
) -> None:
    plan = _file(tmp_path, _plan_text(win_rate=0.0))  # nothing is ever won
    for argv in (
        ["simulate", plan],
        ["center-pin", plan],
        ["kpi-sets", "save", plan, "--name", "zero", "--db", db],
        ["kpi-sets", "show", "zero", "--db", db],
    ):
        code, out, _ = _run(capsys, *argv, "--json")
        assert code == 0
        _strict(out)


def test_text_output_of_a_plan_that_wins_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = _file(tmp_path, _plan_text(win_rate=0.0))
    for argv in (["simulate", plan], ["center-pin", plan]):
        code, out, err = _run(capsys, *argv)
        assert (code, err) == (0, "")
        assert "nan" not in out.lower() and "inf" not in out.lower(), out
    assert out.splitlines()[-1].startswith("center pin: ")


# ----------------------------------------------------------------------------- other arguments


def test_schema_to_a_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "no" / "such" / "schema.json"
    line = _refused(capsys, "schema", "--output", str(target))
    assert line == f"error: {target}: cannot write (No such file or directory)"
    assert _refused(capsys, "schema", "--output", str(tmp_path)).endswith("(Is a directory)")


@pytest.mark.parametrize(
    ("url", "line"),
    [
        (
            "mysql://user@localhost/centerpin",
            "error: --db: KPI sets are kept in SQLite (sqlite:///path) or PostgreSQL "
            "(postgresql+psycopg://...), not mysql",
        ),
        ("oracle://user@host/db", "not oracle"),
        ("mssql+pyodbc://user@host/db", "not mssql"),
        (
            "postgresql+psycopg2://user@localhost/centerpin",
            "error: --db: no driver for postgresql+psycopg2 is installed",
        ),
        ("postgresql+nosuchdriver://user@localhost/c", "no driver for postgresql+nosuchdriver"),
    ],
)
def test_unsupported_databases_and_missing_drivers(
    capsys: pytest.CaptureFixture[str], url: str, line: str
) -> None:
    assert line in _refused(capsys, "kpi-sets", "list", "--db", url)


def test_an_unsupported_database_from_the_environment_is_named_as_such(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(kpi_store.ENV_URL, "mysql://user@localhost/centerpin")
    assert _refused(capsys, "kpi-sets", "list").startswith(f"error: {kpi_store.ENV_URL}: ")


def test_a_search_longer_than_any_text_is_refused(
    capsys: pytest.CaptureFixture[str], db: str
) -> None:
    line = _refused(capsys, "kpi-sets", "list", "--search", "s" * 100_000, "--db", db)
    assert line == "error: search: at most 1,000 characters"


def test_names_and_authors_with_hidden_characters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db: str
) -> None:
    plan = _file(tmp_path, _plan_text())
    save = ("kpi-sets", "save", plan, "--db", db)
    line = _refused(capsys, *save, "--name", "invoice\u202egpj.exe")
    assert line.startswith("error: name: U+202E RIGHT-TO-LEFT OVERRIDE is not allowed")
    assert "U+200B" in _refused(capsys, *save, "--name", "a\u200bb")
    assert "author: U+2066" in _refused(capsys, *save, "--name", "ok", "--author", "x\u2066")
    assert _run(capsys, "kpi-sets", "list", "--db", db, "--json")[1] == "[]\n"


def test_cp932_export_names_what_it_could_not_spell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db: str
) -> None:
    store = kpi_store.Store(db)
    store.create("emoji", make_plan(description="売上 😀 ①", simulation=SMALL))
    store.close()
    output = tmp_path / "emoji.csv"
    code, out, err = _run(
        capsys,
        "kpi-sets",
        "export",
        "emoji",
        "--output",
        str(output),
        "--encoding",
        "cp932",
        "--db",
        db,
    )
    assert code == 0 and out.startswith("emoji r1 -> ")
    assert err == (
        f"warning: {output}: these characters became ? (CP932 cannot spell them): "
        "😀 U+1F600; use --encoding utf-8-sig to keep them\n"
    )
    assert "?" in output.read_bytes().decode("cp932")
    code, _, err = _run(capsys, "kpi-sets", "export", "emoji", "--output", str(output), "--db", db)
    assert (code, err) == (0, "")  # UTF-8 keeps them all


# ----------------------------------------------------------------------------- end to end


def test_no_traceback_from_a_separate_process(tmp_path: Path) -> None:
    nested = _file(tmp_path, "[" * 5000 + "]" * 5000)
    runs = [
        ["simulate", nested, "--json"],
        ["kpi-sets", "list", "--db", "mysql://user@localhost/c"],
        ["schema", "--output", str(tmp_path / "missing" / "schema.json")],
    ]
    env = {**os.environ, "PYTHONUTF8": "1"}
    for argv in runs:
        done = subprocess.run(
            [sys.executable, "-m", "simulator", *argv],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1, done.stderr
