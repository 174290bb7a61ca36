"""``python -m simulator``: output contract of DESIGN.md §4 and one-line errors with exit 2."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from simulator import cli
from simulator.cli.errors import report
from simulator.plan import json_schema, load_plan
from simulator.reverse import Unsolvable
from simulator.uncertain import Unfittable
from tests.conftest import ROOT, plan_dict

SMB = "sample_data/jp_smb_saas.json"
SUMMARY_KEYS = {"mean", "p10", "p50", "p90"}


def _bad_files(directory: Path) -> dict[str, Path]:
    invalid_json = directory / "invalid.json"
    invalid_json.write_text('{"schema_version": 1,', encoding="utf-8")
    invalid_plan = directory / "invalid_plan.json"
    document = json.loads((ROOT / SMB).read_text(encoding="utf-8"))
    document["channels"][2]["stages"][1]["rate"]["high"] = 1.5
    invalid_plan.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return {"missing": directory / "nope.json", "json": invalid_json, "plan": invalid_plan}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess]:
    """Every subprocess this module needs, started at once (each pays ~2 s of imports)."""
    bad = _bad_files(tmp_path_factory.mktemp("cli"))
    simulate_json = ["simulate", SMB, "--trials", "2000", "--seed", "1", "--json"]
    commands = {
        "json": simulate_json,
        "missing": ["simulate", str(bad["missing"])],
        "invalid_json": ["simulate", str(bad["json"]), "--json"],
        "invalid_plan": ["simulate", str(bad["plan"])],
        "trials_0": ["simulate", SMB, "--trials", "0"],
        "trials_abc": ["simulate", SMB, "--trials", "abc", "--json"],
    }
    env = {**os.environ, "PYTHONUTF8": "1"}
    started = {
        name: subprocess.Popen(
            [sys.executable, "-m", "simulator", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        for name, args in commands.items()
    }
    done = {}
    for name, process in started.items():
        stdout, stderr = process.communicate(timeout=120)
        done[name] = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    return done


@pytest.fixture(scope="module")
def simulated(runs: dict[str, subprocess.CompletedProcess]) -> dict[str, Any]:
    result = runs["json"]
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --------------------------------------------------------------------------- simulate --json


def _assert_summary(summary: dict[str, Any], extra: set[str] = frozenset()) -> None:
    assert set(summary) == SUMMARY_KEYS | extra
    assert all(isinstance(v, float | int) and math.isfinite(v) for v in summary.values())
    assert summary["p10"] <= summary["p50"] <= summary["p90"]


def test_simulate_json_has_exactly_the_documented_keys(simulated: dict[str, Any]) -> None:
    assert list(simulated) == [
        "trials", "seed", "revenue", "target", "opportunities", "wins", "carry_over_wins",
        "monthly",
    ]  # fmt: skip
    _assert_summary(simulated["revenue"], {"std_error"})
    assert set(simulated["target"]) == {"revenue", "p_target", "p_target_std_error"}
    for key in ("opportunities", "wins", "carry_over_wins"):
        _assert_summary(simulated[key])
    for month in simulated["monthly"]:
        assert set(month) == {"month", "revenue", "opportunities", "wins"}
        for key in ("revenue", "opportunities", "wins"):
            _assert_summary(month[key])


def test_simulate_json_echoes_flags_and_plan(simulated: dict[str, Any]) -> None:
    plan = load_plan(ROOT / SMB)
    assert simulated["trials"] == 2000
    assert simulated["seed"] == 1
    assert simulated["target"]["revenue"] == plan.target.revenue == 250_000_000


def test_simulate_json_monthly_covers_the_horizon(simulated: dict[str, Any]) -> None:
    months = [m["month"] for m in simulated["monthly"]]
    assert len(months) == load_plan(ROOT / SMB).months == 12
    assert all(re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", m) for m in months)
    assert months[0] == "2027-04" and months[8] == "2027-12" and months[-1] == "2028-03"


def test_simulate_json_numbers_are_consistent(simulated: dict[str, Any]) -> None:
    monthly = simulated["monthly"]
    for key in ("revenue", "opportunities", "wins"):
        total = sum(m[key]["mean"] for m in monthly)
        assert total == pytest.approx(simulated[key]["mean"], rel=1e-9)
    revenue, target = simulated["revenue"], simulated["target"]
    assert revenue["std_error"] > 0
    assert revenue["std_error"] < 0.05 * revenue["mean"]
    p = target["p_target"]
    assert 0 < p < 1
    assert p * 2000 == pytest.approx(round(p * 2000))  # a share of 2000 trials
    assert target["p_target_std_error"] == pytest.approx(math.sqrt(p * (1 - p) / 2000))
    assert simulated["opportunities"]["mean"] > simulated["wins"]["mean"] > 0
    assert simulated["carry_over_wins"]["mean"] > 0  # sales cycles reach past the horizon


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        ("missing", r"error: .*nope\.json: no such file"),
        ("invalid_json", r"error: not valid JSON: .*: line 1 column 22 \(char 21\)"),
        ("invalid_plan", r"error: channels\[2\]\.stages\[1\]\.rate\.high: must be between 0 and 1"),
        ("trials_0", r".*error: argument --trials: must be at least 1"),
        ("trials_abc", r".*error: argument --trials: must be a whole number, not 'abc'"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    runs: dict[str, subprocess.CompletedProcess], name: str, pattern: str
) -> None:
    result = runs[name]
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert re.fullmatch(pattern, lines[0]), lines[0]


# --------------------------------------------------------------------------- in process


def test_same_seed_gives_identical_output(
    runs: dict[str, subprocess.CompletedProcess],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The same command again, in this process: byte-identical JSON to the subprocess's.
    monkeypatch.chdir(ROOT)
    code = cli.main(["simulate", SMB, "--trials", "2000", "--seed", "1", "--json"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert runs["json"].stderr == ""
    assert out == runs["json"].stdout


def test_main_text_output_mentions_p_target(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["simulate", str(ROOT / SMB), "--trials", "500", "--seed", "2"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert len(lines) == 3
    assert lines[0] == "FY2027 SMB SaaS インサイドセールス計画: 500 trials, seed 2"
    assert re.match(r"revenue  P10 [\d,]+  P50 [\d,]+  P90 [\d,]+  mean [\d,]+ JPY$", lines[1])
    assert re.match(r"target   250,000,000 JPY: P\(target\) \d+\.\d% ± \d+\.\d%$", lines[2])
    with pytest.raises(json.JSONDecodeError):
        json.loads(out)


def test_main_uses_the_plan_trials_and_seed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan_dict(simulation={"trials": 300, "seed": 11})), "utf-8")
    assert cli.main(["simulate", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["trials"], out["seed"]) == (300, 11)
    assert len(out["monthly"]) == 6
    # Fixed rates: 4 reps x 40 calls x 20 days x 0.1 x 0.2 = 64 opportunities a month.
    assert out["opportunities"]["mean"] == pytest.approx(6 * 64, rel=0.02)


def test_main_different_seeds_differ(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(ROOT / SMB)
    outputs = []
    for seed in ("1", "2"):
        assert cli.main(["simulate", path, "--trials", "300", "--seed", seed, "--json"]) == 0
        outputs.append(json.loads(capsys.readouterr().out))
    assert outputs[0]["revenue"]["mean"] != outputs[1]["revenue"]["mean"]


def test_main_missing_file_returns_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.json"
    assert cli.main(["simulate", str(missing), "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"error: {missing}: no such file\n"


def test_main_too_many_trials_returns_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["simulate", str(ROOT / SMB), "--trials", "2000001"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "error: trials: --trials must be at most 2000000\n"


@pytest.mark.parametrize(
    "argv",
    [
        ["simulate", SMB, "--trials", "-5"],
        ["simulate", SMB, "--trials", "1.5"],
        ["simulate", SMB, "--seed", "x"],
        ["simulate", SMB, "--seed", str(2**63)],
        ["simulate"],
        ["frobnicate", SMB],
        [],
    ],
)
def test_main_argument_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(argv)
    assert caught.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1 and "error:" in err


def test_main_schema_prints_and_writes_the_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == json_schema()
    target = tmp_path / "schema.json"
    assert cli.main(["schema", "--output", str(target)]) == 0
    assert capsys.readouterr().out == ""
    assert json.loads(target.read_text(encoding="utf-8")) == json_schema()
    committed = (ROOT / "schema" / "kpi_set.v1.json").read_text(encoding="utf-8")
    assert target.read_text(encoding="utf-8") == committed  # `make schema` is a no-op


# --------------------------------------------------------------------------- reverse, center-pin


@pytest.fixture
def small_plan(tmp_path: Path) -> str:
    """4 reps at fixed rates: 48M expected in six months against a 10M target."""
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan_dict(simulation={"trials": 2000, "seed": 3})), "utf-8")
    return str(path)


def test_reverse_json_and_text(small_plan: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["reverse", small_plan, "--lever", "win_rate", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == ["lever", "value", "p_target", "plan"]
    assert out["lever"] == "win_rate"
    assert 0 < out["value"] < 0.25  # the target is far below the plan: a lower rate will do
    assert out["plan"]["win_rate"] == pytest.approx(out["value"])
    assert out["p_target"] == pytest.approx(0.8, abs=0.05)

    assert cli.main(["reverse", small_plan, "--lever", "win_rate"]) == 0
    out_text, err = capsys.readouterr()
    assert err == ""
    assert re.fullmatch(
        r"win_rate: 0\.25 -> 0\.\d+ \(median\); P\(target\) 100\.0% -> \d+\.\d%\n", out_text
    )


def test_reverse_refusals_exit_2_or_4(small_plan: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["reverse", small_plan, "--lever", "nope"]) == cli.EXIT_BAD_INPUT
    assert capsys.readouterr() == ("", "error: --lever: 'nope' is not a lever of this plan\n")
    code = cli.main(["reverse", small_plan, "--lever", "win_rate", "--target", "1e15", "--json"])
    assert code == cli.EXIT_NO_SOLUTION == 4
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("not reachable: win_rate: ") and len(err.splitlines()) == 1


def test_center_pin_json_and_text(small_plan: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["center-pin", small_plan, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == ["levers", "center_pin", "reason"]
    assert out["center_pin"] == out["levers"][0]["lever"]
    assert cli.main(["center-pin", small_plan]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "test plan: P(target) 100.0%"
    assert lines[1].split() == ["lever", "step", "revenue", "P(target)", "required"]
    assert lines[-1].startswith(f"center pin: {out['center_pin']}")


def test_schema_with_json_prints_it_even_when_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "schema.json"
    assert cli.main(["schema", "--output", str(target), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == json_schema()
    assert json.loads(target.read_text(encoding="utf-8")) == json_schema()


def test_every_coded_error_has_an_exit_code_and_lines() -> None:
    assert report(Unfittable("no_fit", "low: no\x1bfit", field="low")) == (
        cli.EXIT_BAD_INPUT,
        ["error: low: no fit"],
    )
    assert report(Unsolvable("reps_cap", "team.reps: even 10 reps do not reach it")) == (
        cli.EXIT_NO_SOLUTION,
        ["not reachable: team.reps: even 10 reps do not reach it"],
    )
