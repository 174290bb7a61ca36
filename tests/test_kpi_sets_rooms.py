"""Workshop rooms in the KPI set store, on SQLite and PostgreSQL (``store`` in conftest.py):
codes, closing times, limits, replaced guesses, the reveal, and the migration that adds them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from simulator.kpi_sets import Store, StoreError, rooms, schema
from simulator.kpi_sets.rooms import RoomError
from tests.conftest import make_plan

PLAN = make_plan(simulation={"trials": 2_000, "seed": 5})
START = datetime(2027, 4, 1, 10, 0, tzinfo=UTC)


def count(store: Store, table) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar())


def refused(code: str, call, *args, **kwargs) -> RoomError:
    with pytest.raises(RoomError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value
    return caught.value


def guess(store: Store, code: str, who: str, **values) -> rooms.Submission:
    values = {"pin": "win_rate", "p_target": 0.5, "now": START + timedelta(minutes=1)} | values
    return rooms.submit(store, code, who, **values)


def test_a_room_keeps_its_plan_code_and_closing_time(store: Store) -> None:
    room = rooms.open_room(store, PLAN, minutes=20, max_participants=3, now=START)
    assert rooms.CODE.match(room.code) and len(room.code) == rooms.CODE_LENGTH
    assert room.label == PLAN.name and room.plan == PLAN
    assert (room.created_at, room.closes_at) == (START, START + timedelta(minutes=20))
    assert room.max_participants == 3 and not room.revealed
    assert room.is_open(START + timedelta(minutes=19, seconds=59))
    assert not room.is_open(START + timedelta(minutes=20))
    assert rooms.room(store, room.code) == room


def test_codes_are_random_distinct_and_read_as_people_type_them(store: Store) -> None:
    codes = {rooms.open_room(store, PLAN, now=START).code for _ in range(30)}
    assert len(codes) == 30
    code = next(iter(codes))
    typed = "-".join([code[:4], code[4:8], code[8:]]).lower().replace("0", "o")
    assert rooms.normal_code(typed) == code
    assert rooms.room(store, f" {typed} ").code == code
    for bad in ("", "short", "x" * 41, "UUUUUUUUUUUU", None, 123):
        assert rooms.normal_code(bad) is None
    refused("room.not_found", rooms.room, store, "0" * 12)
    refused("room.not_found", rooms.room, store, "<script>")


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"minutes": 4}, "room.minutes"),
        ({"minutes": 241}, "room.minutes"),
        ({"minutes": 30.5}, "room.minutes"),
        ({"max_participants": 1}, "room.participants"),
        ({"max_participants": 201}, "room.participants"),
    ],
)
def test_a_room_is_opened_only_within_its_bounds(store: Store, values, code: str) -> None:
    refused(code, rooms.open_room, store, PLAN, now=START, **values)
    assert count(store, schema.rooms_table) == 0


def test_a_label_with_a_hidden_character_is_refused(store: Store) -> None:
    with pytest.raises(StoreError) as caught:
        rooms.open_room(store, PLAN, label="FY27\u202e上期", now=START)
    assert caught.value.code == "name_character"


def test_a_guess_is_kept_as_typed_and_sending_again_replaces_it(store: Store) -> None:
    room = rooms.open_room(store, PLAN, now=START)
    first = guess(
        store, room.code, "p1", name="  <b>佐藤</b>  ", proposal="[x](javascript:1) 受注率を上げる"
    )
    assert first.name == "<b>佐藤</b>"  # spaces trimmed, nothing else touched
    assert first.proposal == "[x](javascript:1) 受注率を上げる"
    again = guess(
        store,
        room.code,
        "p1",
        pin="team.reps",
        p_target=0.8,
        now=START + timedelta(minutes=5),
    )
    assert (again.pin, again.p_target, again.proposal) == ("team.reps", 0.8, "")
    assert again.created_at == first.created_at < again.updated_at
    assert [s.participant for s in rooms.submissions(store, room.code)] == ["p1"]


def test_a_full_room_takes_no_one_new_but_lets_a_participant_change_their_guess(
    store: Store,
) -> None:
    room = rooms.open_room(store, PLAN, max_participants=2, now=START)
    guess(store, room.code, "p1")
    guess(store, room.code, "p2")
    error = refused("room.full", guess, store, room.code, "p3")
    assert error.ctx["most"] == 2
    guess(store, room.code, "p2", p_target=0.1)
    assert [s.p_target for s in rooms.submissions(store, room.code)] == [0.5, 0.1]


def test_a_closed_room_refuses_guesses_and_writes_nothing(store: Store) -> None:
    # Opened two hours ago for thirty minutes: closed now, by the real clock too.
    past = datetime.now(UTC) - timedelta(hours=2)
    room = rooms.open_room(store, PLAN, minutes=30, now=past)
    assert not room.is_open()
    refused("room.closed", rooms.submit, store, room.code, "p1", pin="win_rate", p_target=0.4)
    refused("room.closed", guess, store, room.code, "p1", now=past + timedelta(minutes=30))
    guess(store, room.code, "p1", now=past + timedelta(minutes=29))  # just in time
    assert count(store, schema.submissions_table) == 1


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"pin": "channels.nowhere.volume_per_month"}, "room.pin_unknown"),
        ({"pin": "<img src=x>"}, "room.pin_unknown"),
        ({"p_target": 1.01}, "room.p_target"),
        ({"p_target": -0.01}, "room.p_target"),
        ({"p_target": float("nan")}, "room.p_target"),
        ({"name": "名" * (rooms.MAX_NAME + 1)}, "room.name_long"),
        ({"proposal": "x" * (rooms.MAX_PROPOSAL + 1)}, "room.proposal_long"),
        ({"name": "a\u200bb"}, "name_character"),
        ({"proposal": "a\x00b"}, "text_nul"),
    ],
)
def test_a_guess_outside_its_limits_is_refused_whole(store: Store, values, code: str) -> None:
    room = rooms.open_room(store, PLAN, now=START)
    with pytest.raises(StoreError) as caught:
        guess(store, room.code, "p1", **values)
    assert caught.value.code == code
    assert count(store, schema.submissions_table) == 0


def test_text_at_its_limits_is_kept(store: Store) -> None:
    room = rooms.open_room(store, PLAN, now=START)
    sent = guess(
        store,
        room.code,
        "p" * rooms.MAX_TOKEN,
        name="名" * rooms.MAX_NAME,
        proposal="案" * rooms.MAX_PROPOSAL,
        p_target=1.0,
    )
    assert len(sent.name) == rooms.MAX_NAME and len(sent.proposal) == rooms.MAX_PROPOSAL
    refused("room.participant", guess, store, room.code, "")
    refused("room.participant", guess, store, room.code, "p" * (rooms.MAX_TOKEN + 1))


def test_the_reveal_ends_the_guessing_and_closing_early_keeps_earlier_guesses(
    store: Store,
) -> None:
    room = rooms.open_room(store, PLAN, now=START)
    guess(store, room.code, "p1")
    shown = rooms.reveal(store, room.code, now=START + timedelta(minutes=2))
    assert shown.revealed and shown.closes_at == START + timedelta(minutes=2)
    refused("room.closed", guess, store, room.code, "p2", now=START + timedelta(minutes=3))
    assert rooms.reveal(store, room.code, now=START + timedelta(minutes=9)) == shown

    other = rooms.open_room(store, PLAN, now=START)
    closed = rooms.close(store, other.code, now=START + timedelta(minutes=1))
    assert closed.closes_at == START + timedelta(minutes=1) and not closed.revealed
    # Closing again later never reopens it.
    assert rooms.close(store, other.code, now=START + timedelta(hours=1)).closes_at == (
        closed.closes_at
    )


def test_the_guesses_are_counted_binned_and_scored() -> None:
    at = START
    found = [
        rooms.Submission(f"p{i}", "", pin, p, "", at, at)
        for i, (pin, p) in enumerate(
            [("win_rate", 0.05), ("win_rate", 0.45), ("team.reps", 0.5), ("win_rate", 1.0)]
        )
    ]
    summary = rooms.guesses(found, "win_rate", 0.45)
    assert summary.count == 4
    assert summary.pins == {"win_rate": 3, "team.reps": 1}
    assert summary.p_bins == (1, 0, 0, 0, 1, 1, 0, 0, 0, 1)
    assert summary.p_median == pytest.approx(0.475)
    assert summary.pin_hits == 3
    assert summary.p_mean_error == pytest.approx((0.4 + 0 + 0.05 + 0.55) / 4)
    empty = rooms.guesses([])
    assert empty.count == 0
    assert (empty.p_median, empty.pin_hits, empty.p_mean_error) == (None, None, None)


def test_a_version_2_database_gains_the_room_tables_and_keeps_its_sets(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 2)
    old = Store(store_url)
    old.create("before", PLAN)
    assert old.schema_version() == 2
    old.close()
    monkeypatch.undo()
    new = Store(store_url)
    try:
        assert new.schema_version() == schema.SCHEMA_VERSION == 3
        assert [i.name for i in new.list_sets()] == ["before"]
        room = rooms.open_room(new, new.revision("before").plan, now=START)
        guess(new, room.code, "p1")
        assert len(rooms.submissions(new, room.code)) == 1
    finally:
        new.close()


def test_only_the_facilitators_key_opens_the_rooms_screen(store: Store) -> None:
    room = rooms.open_room(store, PLAN, now=START)
    other = rooms.open_room(store, PLAN, now=START)
    assert len(room.host_key) >= 20 and room.host_key != other.host_key
    assert rooms.is_host(store, room.code, room.host_key)
    assert rooms.is_host(store, room.code.lower(), room.host_key)  # as typed
    for key in (other.host_key, room.host_key[:-1] + "x", "", None, 5, "k" * 1000):
        assert not rooms.is_host(store, room.code, key)
    assert not rooms.is_host(store, "0" * rooms.CODE_LENGTH, room.host_key)
    assert rooms.room(store, room.code).host_key == ""  # the store keeps only its hash
    with store.database.read() as conn:
        stored = conn.execute(select(schema.rooms_table.c.host_key_hash)).scalars().all()
    assert room.host_key not in stored and all(len(h) == 64 for h in stored)
