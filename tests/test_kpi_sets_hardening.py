"""The store under locks, read-only files and hostile text; exports and imports that hold up.

Tests taking ``store`` or ``store_url`` run on SQLite and on PostgreSQL (see conftest.py).
"""

from __future__ import annotations

import csv
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO, StringIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from simulator import cli, engine
from simulator import kpi_sets as kpi_store
from simulator.kpi_sets import Store, StoreError, database, schema
from simulator.kpi_sets.store import MAX_SEARCH
from tests.conftest import ROOT, make_plan, plan_dict

SMALL = {"trials": 2000, "seed": 7}


def small_plan(**overrides: Any) -> Any:
    return make_plan(**{"simulation": SMALL, **overrides})


@pytest.fixture(scope="module")
def derived() -> kpi_store.Derived:
    return kpi_store.derive(small_plan())


# ----------------------------------------------------------------------------- locks

_HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("held", flush=True)
time.sleep(120)
"""


@contextmanager
def write_lock_held(path: Path) -> Iterator[None]:
    """Another process holds ``BEGIN IMMEDIATE`` on the SQLite file until the block ends."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


@pytest.fixture
def sqlite_store(tmp_path: Path, derived: kpi_store.Derived) -> Iterator[tuple[Path, str]]:
    """A SQLite store file holding one set, and its URL."""
    path = tmp_path / "centerpin.db"
    url = f"sqlite:///{path}"
    store = Store(url)
    store.create("FY27", small_plan(), author="ann", derived=derived)
    store.close()
    yield path, url


def test_reads_answer_at_once_while_another_process_holds_the_write_lock(
    sqlite_store: tuple[Path, str],
) -> None:
    path, url = sqlite_store
    with write_lock_held(path):
        started = time.perf_counter()
        store = Store(url)  # opening reads the schema version: no lock
        assert [info.name for info in store.list_sets()] == ["FY27"]
        assert store.revision("FY27").number == 1
        assert kpi_store.export_json(store.revision("FY27"))
        store.close()
        assert time.perf_counter() - started < 2


def test_kpi_sets_list_from_the_command_line_while_locked(
    sqlite_store: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    path, url = sqlite_store
    with write_lock_held(path):
        started = time.perf_counter()
        code = cli.main(["kpi-sets", "list", "--db", url, "--json"])
        seconds = time.perf_counter() - started
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert [row["name"] for row in json.loads(out)] == ["FY27"]
    assert seconds < 2  # an answer, not a wait (benchmarks: "lock" times a new process)


def test_a_write_that_waits_gives_up_with_a_message(
    sqlite_store: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, derived: kpi_store.Derived
) -> None:
    monkeypatch.setattr(database, "LOCK_WAIT_S", 1)
    path, url = sqlite_store
    store = Store(url)
    with write_lock_held(path):
        started = time.perf_counter()
        with pytest.raises(StoreError) as caught:
            store.save("FY27", small_plan(), base_revision=1, derived=derived)
        waited = time.perf_counter() - started
    assert caught.value.code == "busy"
    assert str(caught.value).startswith("the KPI set database is busy: another program has held")
    assert 0.5 < waited < 3
    assert store.info("FY27").head == 1  # nothing was written
    store.close()


def test_the_write_wait_is_ten_seconds_at_most() -> None:
    assert database.LOCK_WAIT_S == 10


def test_opening_a_current_database_never_writes(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    Store(store_url).close()  # creates and migrates

    def no_write(self: Any, work: Any) -> None:
        raise AssertionError("opening a migrated database took the write lock")

    monkeypatch.setattr(database.Database, "write", no_write)
    store = Store(store_url)
    assert store.schema_version() == schema.SCHEMA_VERSION
    assert store.list_sets() == []
    store.close()


def test_a_new_database_is_migrated_once(store_url: str) -> None:
    first, second = Store(store_url), Store(store_url)
    with first.engine.connect() as conn:
        versions = conn.execute(select(schema.schema_table.c.version)).scalars().all()
    # every migration applied exactly once, though two stores opened the new database
    assert sorted(versions) == list(range(1, schema.SCHEMA_VERSION + 1))
    first.close()
    second.close()


# ----------------------------------------------------------------------------- read-only


def test_a_read_only_file_is_listed_and_exported_but_not_written(
    sqlite_store: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, derived: kpi_store.Derived
) -> None:
    path, url = sqlite_store
    monkeypatch.setattr(database, "_read_only", lambda _path: True)
    store = Store(url)
    assert store.database.read_only
    assert [info.name for info in store.list_sets()] == ["FY27"]
    revision = store.revision("FY27")
    assert kpi_store.export_csv(store.info("FY27"), revision)
    with pytest.raises(StoreError) as caught:
        store.save("FY27", small_plan(), base_revision=1, derived=derived)
    assert caught.value.code == "read_only"
    assert "can be listed and exported" in str(caught.value)
    store.close()
    assert not Path(f"{path}-wal").exists() or os.path.getsize(f"{path}-wal") == 0


def _as_another_user() -> list[str] | None:
    """A command prefix that runs a process as a user who cannot write our files."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]


def test_a_read_only_folder_from_the_command_line(sqlite_store: tuple[Path, str]) -> None:
    prefix = _as_another_user()
    if prefix is None:
        pytest.skip("running as root without setpriv: cannot take write permission away")
    base = Path(tempfile.mkdtemp(prefix="centerpin-ro-"))  # pytest's tmp_path is ours alone
    folder, out = base / "store", base / "out"
    folder.mkdir()
    out.mkdir()
    path = folder / "centerpin.db"
    shutil.copy(sqlite_store[0], path)
    url = f"sqlite:///{path}"
    path.chmod(0o444)
    folder.chmod(0o555)
    out.chmod(0o777)
    base.chmod(0o755)
    env = {**os.environ, "PYTHONUTF8": "1", "HOME": str(out)}

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*prefix, sys.executable, "-m", "simulator", "kpi-sets", *argv, "--db", url],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    try:
        listed = run("list", "--json")
        assert listed.returncode == 0, listed.stderr
        assert [row["name"] for row in json.loads(listed.stdout)] == ["FY27"]
        exported = run("export", "FY27", "--output", str(out / "fy27.csv"))
        assert exported.returncode == 0, exported.stderr
        assert (out / "fy27.csv").stat().st_size > 0
        saved = run("save", str(ROOT / "sample_data" / "jp_smb_saas.json"), "--name", "new")
        assert saved.returncode == 2
        assert saved.stderr.startswith("error: the KPI set database ")
        assert "read-only" in saved.stderr and saved.stderr.count("\n") == 1
        assert sorted(p.name for p in folder.iterdir()) == ["centerpin.db"]
    finally:
        folder.chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)


# ----------------------------------------------------------------------------- names


HIDDEN = [
    ("\x00", "U+0000"),
    ("\x07", "U+0007"),
    ("\x1b", "U+001B"),
    ("\x7f", "U+007F"),
    ("\u202e", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("\u202a", "U+202A LEFT-TO-RIGHT EMBEDDING"),
    ("\u2066", "U+2066 LEFT-TO-RIGHT ISOLATE"),
    ("\u2069", "U+2069 POP DIRECTIONAL ISOLATE"),
    ("\u200e", "U+200E LEFT-TO-RIGHT MARK"),
    ("\u200f", "U+200F RIGHT-TO-LEFT MARK"),
    ("\u200b", "U+200B ZERO WIDTH SPACE"),
    ("\u200c", "U+200C ZERO WIDTH NON-JOINER"),
    ("\u200d", "U+200D ZERO WIDTH JOINER"),
    ("\u2060", "U+2060 WORD JOINER"),
    ("\ufeff", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
]


@pytest.mark.parametrize(("character", "named"), HIDDEN, ids=[n for _, n in HIDDEN])
def test_names_and_authors_refuse_hidden_characters(
    store: Store, derived: kpi_store.Derived, character: str, named: str
) -> None:
    name = f"invoice{character}gpj.exe"

    def refused(call: Any, field: str) -> None:
        with pytest.raises(StoreError) as caught:
            call()
        assert caught.value.code == "name_character"
        assert str(caught.value).startswith(f"{field}: {named}")
        assert caught.value.ctx == {"field": field, "character": caught.value.ctx["character"]}

    refused(lambda: store.create(name, small_plan(), derived=derived), "name")
    refused(lambda: store.create("ok", small_plan(), author=f"a{character}b"), "author")
    store.create("ok", small_plan(), derived=derived)
    refused(lambda: store.rename("ok", name), "new_name")
    refused(
        lambda: store.save(
            "ok", small_plan(), base_revision=1, author=character + "x", derived=derived
        ),
        "author",
    )
    refused(lambda: store.restore("ok", 1, base_revision=1, author=f"x{character}"), "author")
    refused(lambda: store.import_plans([small_plan(name=name)]), "name")
    assert [info.name for info in store.list_sets()] == ["ok"]
    assert store.info("ok").head == 1


def test_nul_in_free_text_is_refused_before_the_database(
    store: Store, derived: kpi_store.Derived
) -> None:
    for call, field in (
        (
            lambda: store.create("a", small_plan(description="x\x00y"), derived=derived),
            "description",
        ),
        (lambda: store.create("a", small_plan(), comment="\x00", derived=derived), "comment"),
        (lambda: store.create("a", small_plan(), tags=["t\x00"], derived=derived), "tags"),
    ):
        with pytest.raises(StoreError) as caught:
            call()
        assert (caught.value.code, str(caught.value)) == (
            "text_nul",
            f"{field}: U+0000 NULL is not allowed",
        )
    store.create("a", small_plan(), derived=derived)
    with pytest.raises(StoreError):
        store.save("a", small_plan(), base_revision=1, comment="\x00", derived=derived)
    with pytest.raises(StoreError):
        store.update_details("a", description="\x00")
    assert store.info("a").head == 1


def test_plain_names_in_any_script_are_kept(store: Store, derived: kpi_store.Derived) -> None:
    for name in ("営業 Q2 計画", "Équipe Nord", "فريق المبيعات", "👩‍💻"[0] + " plan", "a\u00a0b"):
        assert store.create(name, small_plan(), author="田中", derived=derived).name == name


def test_an_imported_file_with_a_hidden_character_in_its_name_is_named() -> None:
    data = json.dumps(plan_dict(name="a\u202eb", simulation=SMALL)).encode()
    with pytest.raises(kpi_store.ImportProblem) as caught:
        kpi_store.read_plans([("x.json", data)])
    [problem] = caught.value.problems
    assert (problem.file, problem.path, problem.code) == ("x.json", "name", "name_character")
    assert str(problem).startswith("x.json: name: U+202E RIGHT-TO-LEFT OVERRIDE is not allowed")


# ----------------------------------------------------------------------------- summaries


def test_a_summary_is_never_stored_with_nan_or_infinity(store: Store) -> None:
    derived = kpi_store.derive(small_plan())
    bad = kpi_store.Derived(derived.summary | {"mean": math.nan, "p90": math.inf}, derived.targets)
    store.create("nan", small_plan(), derived=bad)
    with store.engine.connect() as conn:
        (text,) = conn.execute(select(schema.revisions_table.c.summary)).one()
    assert "NaN" not in text and "Infinity" not in text
    summary = store.revision("nan").summary
    assert (summary["mean"], summary["p90"]) == (None, None)
    assert summary["p50"] == derived.summary["p50"]


def test_search_is_bounded(store: Store) -> None:
    assert store.list_sets("s" * MAX_SEARCH) == []
    with pytest.raises(StoreError) as caught:
        store.list_sets("s" * (MAX_SEARCH + 1))
    assert caught.value.code == "search_long"


# ----------------------------------------------------------------------------- exports


def test_cp932_names_the_characters_it_cannot_spell(store: Store) -> None:
    revision = store.create("絵文字 😀", small_plan(description="① ≒ 〜 — 🎯 😀"))
    data = kpi_store.export_csv(store.info(revision.name), revision, encoding="cp932")
    assert isinstance(data, kpi_store.Exported)
    assert data.unencodable == ("😀", "🎯")  # 〜 and — have CP932 forms; ① ≒ are in CP932
    assert kpi_store.cp932_loss("abc 営業") == ()
    utf8 = kpi_store.export_csv(store.info(revision.name), revision)
    assert getattr(utf8, "unencodable", ()) == ()
    assert "😀" in utf8.decode("utf-8-sig")


@pytest.mark.parametrize("start", ["＝", "＋", "－", "＠", "\u2212"])
def test_full_width_formula_starts_are_neutralised(store: Store, start: str) -> None:
    text = f"{start}HYPERLINK(1)"
    assert kpi_store.excel_safe_text(text) == "'" + text
    revision = store.create(text, small_plan(description=text), comment=text)
    info = store.info(text)
    for encoding in ("utf-8-sig", "cp932"):
        data = kpi_store.export_csv(info, revision, encoding=encoding)
        for row in csv.reader(StringIO(data.decode(encoding), newline="")):
            for value in row:
                assert not value.startswith(kpi_store.exchange.FORMULA_STARTS), row
                assert not value.startswith(("＝", "＋", "－", "＠", "=", "+", "-", "@")), row
    book = openpyxl.load_workbook(BytesIO(kpi_store.export_xlsx(info, revision)))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    mine = [cell for cell in cells if cell.value == text]
    assert len(mine) >= 3
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in mine)


# ----------------------------------------------------------------------------- imports


def test_duplicate_keys_are_refused_with_the_key_named() -> None:
    text = json.dumps(plan_dict(simulation=SMALL))
    text = text.replace('"months": 6', '"months": 6, "months": 60')
    text = text.replace('"key": "connect"', '"key": "connect", "key": "x"')
    with pytest.raises(kpi_store.ImportProblem) as caught:
        kpi_store.read_plans([("twice.json", text.encode())])
    found = [(p.file, p.path, p.code, p.ctx) for p in caught.value.problems]
    assert found == [
        ("twice.json", "months", "duplicate_key", {"key": "months"}),
        ("twice.json", "channels[0].stages[0].key", "duplicate_key", {"key": "key"}),
    ]


def test_an_import_over_budget_is_refused_without_simulating(
    monkeypatch: pytest.MonkeyPatch, store: Store
) -> None:
    def no_run(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the import simulated a plan it should have refused")

    monkeypatch.setattr(engine, "simulate", no_run)
    big = plan_dict(months=36, simulation={"trials": 2_000_000, "seed": 1})
    with pytest.raises(kpi_store.ImportProblem) as caught:
        kpi_store.import_files(store, [("big.json", json.dumps(big).encode())])
    [problem] = caught.value.problems
    assert (problem.file, problem.path, problem.code) == (
        "big.json",
        "simulation.trials",
        "work_too_large",
    )
    assert store.list_sets() == []
