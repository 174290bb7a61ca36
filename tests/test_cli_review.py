"""``python -m simulator review PLAN ACTUALS``: the documented JSON, text, and exit 2 with
one line naming the file, row and column."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from simulator import cli
from tests.conftest import ROOT

PLAN = str(ROOT / "sample_data" / "jp_smb_saas.json")
ACTUALS = str(ROOT / "sample_data" / "actuals_jp_smb_saas.csv")


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def reviewed() -> dict[str, Any]:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(["review", PLAN, ACTUALS, "--trials", "5000", "--seed", "3", "--json"])
    assert code == 0
    return json.loads(out.getvalue())


def test_review_json_has_the_documented_keys(reviewed: dict[str, Any]) -> None:
    assert reviewed["as_of"] == "2027-09"  # the file's last month
    to_date = reviewed["to_date"]
    assert to_date["actual_revenue"] == 81_070_000
    assert to_date["gap"] == to_date["actual_revenue"] - round(to_date["plan_p50_revenue"])
    attribution = reviewed["attribution"]
    assert all(set(part) == {"factor", "amount"} for part in attribution)
    assert sum(part["amount"] for part in attribution) == to_date["gap"]  # to the yen
    assert reviewed["bottleneck"] in {part["factor"] for part in attribution}
    updated = {u["path"]: u for u in reviewed["updated"]}
    assert {"win_rate", "deal_size", "team.calls_per_rep_per_day"} <= set(updated)
    for row in updated.values():
        assert {"path", "prior_mean", "posterior_mean", "p10", "p90"} <= set(row)
        assert row["p10"] <= row["posterior_mean"] <= row["p90"] or row["path"] == "deal_size"
    forecast = reviewed["forecast"]
    assert 0 <= forecast["p_target"] <= 1 and forecast["p_target_std_error"] > 0
    assert forecast["revenue"]["p10"] <= forecast["revenue"]["p50"] <= forecast["revenue"]["p90"]
    assert (forecast["trials"], forecast["seed"]) == (5000, 3)
    assert isinstance(reviewed["center_pin"], str)


def test_review_as_of_and_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    quarter = tmp_path / "q1.csv"
    lines = Path(ACTUALS).read_text(encoding="utf-8").splitlines()
    quarter.write_text("\n".join(lines[:37]) + "\n", encoding="utf-8")  # April to June
    code, out, err = run(
        ["review", PLAN, str(quarter), "--as-of", "2027-07", "--trials", "2000", "--json"],
        capsys,
    )
    assert code == 2 and "2027-07 has no Revenue" in err  # July is due and missing
    code, out, err = run(["review", PLAN, str(quarter), "--trials", "2000", "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["as_of"] == "2027-06" and data["months_locked"] == 3
    code, out, err = run(["review", PLAN, ACTUALS, "--trials", "2000"], capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].endswith("review through 2027-09 (6 months)")
    assert lines[1].startswith("revenue to date 81,070,000 against P50")
    assert any(line.startswith("bottleneck: ") for line in lines)
    assert any(line.startswith("re-forecast: P(target) ") for line in lines)


def test_actuals_after_the_review_month_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["review", PLAN, ACTUALS, "--as-of", "2027-05"], capsys)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1
    assert "actuals_jp_smb_saas.csv: A26: row 26, column “month”" in err
    assert "2027-06 is after the review month 2027-05" in err


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ("month,metric,value\n2027-04,calls,1.5\n", "C2: row 2, column “value”: must be a whole"),
        ("月,架電数,接触率\n2027-04,100,12\n", "C2: row 2, column “接触率”: is a rate above 1"),
        ("", "is empty"),
    ],
)
def test_a_bad_file_exits_2_with_one_line_naming_it(
    content: str, named: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "実績.csv"
    path.write_bytes(content.encode("cp932"))
    code, out, err = run(["review", PLAN, str(path), "--json"], capsys)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith(f"error: {path}: ")
    assert named in err


@pytest.mark.parametrize(
    "argv",
    [
        ["review", PLAN, ACTUALS, "--as-of", "2027/09"],
        ["review", PLAN, ACTUALS, "--as-of", "2030-01"],
        ["review", PLAN, "nope.csv"],
        ["review", PLAN, ACTUALS, "--trials", "0"],
        ["review", PLAN],
    ],
)
def test_bad_arguments_exit_2_on_one_line(argv: list[str], capsys) -> None:
    try:
        code = cli.main(argv)
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
