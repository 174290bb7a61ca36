"""``python -m simulator team``: the JSON keys, the chain's gap, strict JSON, and one-line
refusals that name the member and the field."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from simulator.cli import program as cli
from tests.conftest import ROOT, plan_dict

TEAM = str(ROOT / "sample_data" / "jp_team.json")


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def rolled() -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "simulator", "team", TEAM, "--trials", "5000", "--seed", "3",
         "--leads", "1500", "--is-rate", "0.38", "--fs-rate", "0.23", "--json"],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    return json.loads(done.stdout, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))


def test_json_has_the_documented_keys(rolled: dict[str, Any]) -> None:
    assert {"members", "team", "chain", "shared", "center_pin", "constraint"} <= set(rolled)
    assert (rolled["trials"], rolled["seed"]) == (5000, 3)
    member = rolled["members"][0]
    assert {"name", "pooled", "revenue", "contribution", "p_target", "target"} <= set(member)
    assert set(member["revenue"]) == {"mean", "p10", "p50", "p90"}
    assert "channels.calls.stages.connect.rate" in member["pooled"]
    assert {"revenue", "p_target"} <= set(rolled["team"])
    assert set(rolled["team"]["revenue"]) == {"mean", "p10", "p50", "p90"}
    chain = rolled["chain"]
    assert [d["department"] for d in chain["departments"]] == [
        "marketing",
        "inside_sales",
        "field_sales",
    ]
    assert {"gap_wins", "gap_revenue", "must_move"} <= set(chain)


def test_json_numbers_agree(rolled: dict[str, Any]) -> None:
    names = [m["name"] for m in rolled["members"]]
    assert names == ["佐藤", "鈴木", "高橋", "田中", "中村", "伊藤", "渡辺", "山本"]
    contribution = sum(m["contribution"] for m in rolled["members"])
    assert contribution + rolled["shared"]["contribution"] == pytest.approx(1.0)
    means = (
        sum(m["revenue"]["mean"] for m in rolled["members"]) + rolled["shared"]["revenue"]["mean"]
    )
    assert means == pytest.approx(rolled["team"]["revenue"]["mean"])
    # 渡辺's 3 wins in 5 is not planned at 60%.
    assert rolled["members"][6]["pooled"]["win_rate"] < 0.3
    chain = rolled["chain"]
    assert chain["chain_wins"] == pytest.approx(1500 * 0.38 * 0.23)
    assert chain["gap_wins"] == pytest.approx(chain["wins_needed"] - chain["chain_wins"])
    assert chain["gap_revenue"] == pytest.approx(chain["gap_wins"] * chain["deal_size"])
    assert not chain["closes"] and chain["must_move"] == "marketing"


def test_without_typed_targets_the_chain_has_no_gap(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(["team", TEAM, "--trials", "500", "--json"], capsys)
    assert (code, err) == (0, "")
    chain = json.loads(out)["chain"]
    assert chain["gap_wins"] is None and chain["closes"]


def test_text_output_names_members_and_the_center_pin(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(["team", TEAM, "--trials", "2000"], capsys)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].endswith("8 members, 2,000 trials")
    assert any(line.startswith("佐藤: P50 ") for line in lines)
    assert any(line.startswith("center pin: ") for line in lines)
    assert any(line.startswith("chain: ") for line in lines)


def write(tmp_path: Path, data: dict[str, Any]) -> str:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        (
            {"name": "新人", "rates": {"connect": {"successes": 9, "trials": 5}}},
            "error: team.members[1] (新人).rates.connect: successes must not exceed trials",
        ),
        (
            {"name": "新人", "calls_per_rep_per_day": -1},
            "error: team.members[1] (新人).calls_per_rep_per_day: must be 0 or more",
        ),
        (
            {"name": "新人", "start_month": "2027-13"},
            "error: team.members[1] (新人).start_month: must be a month written YYYY-MM, "
            "e.g. 2027-04",
        ),
    ],
)
def test_a_bad_member_exits_2_with_one_line_naming_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], member: dict[str, Any], expected: str
) -> None:
    data = plan_dict()
    data["team"]["members"] = [{"name": "先輩"}, member]
    code, out, err = run(["team", write(tmp_path, data)], capsys)
    assert (code, out) == (2, "")
    assert err.splitlines() == [expected]


@pytest.mark.parametrize(
    ("argv", "phrase"),
    [
        (["--is-rate", "0"], "argument --is-rate: must be above 0"),
        (["--fs-rate", "nan"], "argument --fs-rate: must be above 0"),
        (["--leads", "-1"], "argument --leads: must be between 0 and 1e12"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], phrase: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["team", TEAM, *argv])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and phrase in err


def test_too_many_trials_exit_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["team", TEAM, "--trials", "3000000"], capsys)
    assert (code, out) == (2, "")
    assert err.splitlines() == ["error: trials: --trials must be at most 2000000"]


def test_a_plan_without_members_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["team", write(tmp_path, plan_dict())], capsys)
    assert (code, out) == (2, "")
    assert err.splitlines() == ["error: team.members: the plan lists no members: add team.members"]


def test_json_never_holds_nan_even_for_a_single_trial(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = plan_dict()
    data["team"]["members"] = [{"name": "a", "start_month": "2027-09"}]
    code, out, err = run(["team", write(tmp_path, data), "--trials", "1", "--json"], capsys)
    assert (code, err) == (0, "")
    parsed = json.loads(out, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))

    def numbers(node: Any) -> list[float]:
        if isinstance(node, dict):
            return [x for v in node.values() for x in numbers(v)]
        if isinstance(node, list):
            return [x for v in node for x in numbers(v)]
        return [node] if isinstance(node, float) else []

    assert all(math.isfinite(x) for x in numbers(parsed))
