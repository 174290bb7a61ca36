"""Workshop rooms: a plan a room guesses about, and each participant's guess.

A facilitator opens a room for a plan (:func:`open_room`): it gets a random code nobody can
guess (12 characters of Crockford's base 32, 60 bits), a closing time and a size. The plan
is kept in the room as it was (a snapshot), so the answer does not move if the KPI set is
saved again during the workshop. Participants send one guess each (:func:`submit`): the
lever they think is the center pin, the probability of reaching the target, an optional
name and one proposed scenario; sending again replaces their guess. A closed room, a full
room, a lever the plan does not have, or text over its limit are refused with a
:class:`RoomError`, and nothing is written. The facilitator reveals the answer
(:func:`reveal`) or closes the room early (:func:`close`).

Times come from ``now`` when given (tests open a room that has already closed), else the
clock. Every write is one transaction; on PostgreSQL the room's row is locked while a guess
is counted, so two participants cannot both take the last place.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from simulator import levers
from simulator.kpi_sets import schema
from simulator.kpi_sets.errors import StoreError
from simulator.kpi_sets.schema import rooms_table, submissions_table
from simulator.kpi_sets.store import Store, check_plain, storable_text
from simulator.plan import KpiSet, parse_plan

#: Crockford's base 32: no I, L, O or U, so a code read aloud or typed is not mistaken.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12
CODE = re.compile(rf"^[{ALPHABET}]{{{CODE_LENGTH}}}$")

#: How long a room takes guesses, in minutes, and the default.
MIN_MINUTES, MAX_MINUTES, DEFAULT_MINUTES = 5, 240, 30
#: How many participants a room takes.
MIN_PARTICIPANTS, MAX_PARTICIPANTS, DEFAULT_PARTICIPANTS = 2, 200, 50
MAX_NAME = 40
MAX_PROPOSAL = 280
MAX_TOKEN = schema.MAX_PARTICIPANT


class RoomError(StoreError):
    """A room's refusal: codes ``room.<what>``, translated like every store error."""


@dataclass(frozen=True)
class Room:
    code: str
    label: str
    plan: KpiSet
    max_participants: int
    created_at: datetime
    closes_at: datetime
    revealed_at: datetime | None
    #: The facilitator's key, given only by :func:`open_room` (the store keeps its hash):
    #: with it the host link opens the room's screen again, after a reload or elsewhere.
    host_key: str = dataclasses.field(default="", compare=False, repr=False)

    def is_open(self, now: datetime | None = None) -> bool:
        return (now or schema.now()) < self.closes_at

    @property
    def revealed(self) -> bool:
        return self.revealed_at is not None


@dataclass(frozen=True)
class Submission:
    participant: str
    name: str
    pin: str  # a lever path of the room's plan
    p_target: float  # 0–1
    proposal: str
    created_at: datetime
    updated_at: datetime


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def is_host(store: Store, code: str, key: object) -> bool:
    """Whether ``key`` is the facilitator's key of room ``code``."""
    if not isinstance(key, str) or not 20 <= len(key) <= 64:
        return False
    with store.database.read() as conn:
        try:
            row = _row(conn, code)
        except RoomError:
            return False
    return hmac.compare_digest(row.host_key_hash, _key_hash(key))


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normal_code(text: object) -> str | None:
    """A code as typed (spaces, dashes, lower case, O for 0, I or L for 1) in its stored
    form, or None when it cannot be one."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    code = re.sub(r"[\s-]", "", text).upper().translate(str.maketrans("OIL", "011"))
    return code if CODE.match(code) else None


def _refuse(what: str, message: str, **values: object) -> RoomError:
    return RoomError(f"room.{what}", message, **values)


def _room(row: object) -> Room:
    return Room(
        code=row.code,
        label=row.label,
        plan=parse_plan(row.plan),
        max_participants=int(row.max_participants),
        created_at=schema.utc(row.created_at),
        closes_at=schema.utc(row.closes_at),
        revealed_at=None if row.revealed_at is None else schema.utc(row.revealed_at),
    )


def open_room(
    store: Store,
    plan: KpiSet,
    *,
    label: str | None = None,
    minutes: int = DEFAULT_MINUTES,
    max_participants: int = DEFAULT_PARTICIPANTS,
    now: datetime | None = None,
) -> Room:
    """A new room for ``plan``, taking guesses for ``minutes`` from ``now``."""
    if not isinstance(minutes, int) or not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise _refuse(
            "minutes",
            f"a room is open for {MIN_MINUTES} to {MAX_MINUTES} minutes",
            low=MIN_MINUTES,
            high=MAX_MINUTES,
        )
    if (
        not isinstance(max_participants, int)
        or not MIN_PARTICIPANTS <= max_participants <= MAX_PARTICIPANTS
    ):
        raise _refuse(
            "participants",
            f"a room takes {MIN_PARTICIPANTS} to {MAX_PARTICIPANTS} participants",
            low=MIN_PARTICIPANTS,
            high=MAX_PARTICIPANTS,
        )
    label = check_plain(" ".join((label or plan.name).split())[: schema.MAX_NAME], "label")
    started = now or schema.now()
    plan_json = plan.to_json()
    host_key = secrets.token_urlsafe(24)

    def run(conn: Connection) -> str:
        while True:  # 60 bits: a clash is all but impossible, but never a shared room
            code = new_code()
            taken = conn.execute(select(rooms_table.c.id).where(rooms_table.c.code == code))
            if taken.first() is None:
                break
        conn.execute(
            insert(rooms_table).values(
                code=code,
                label=label,
                plan=plan_json,
                max_participants=max_participants,
                created_at=started,
                closes_at=started + timedelta(minutes=minutes),
                revealed_at=None,
                host_key_hash=_key_hash(host_key),
            )
        )
        return code

    return dataclasses.replace(room(store, store.database.write(run)), host_key=host_key)


def _row(conn: Connection, code: str, *, lock: bool = False) -> object:
    normal = normal_code(code)
    query = select(rooms_table).where(rooms_table.c.code == (normal or ""))
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise _refuse("not_found", "no room has this code")
    return row


def room(store: Store, code: str) -> Room:
    """The room with ``code``; ``room.not_found`` when there is none."""
    with store.database.read() as conn:
        return _room(_row(conn, code))


def _check_guess(
    plan: KpiSet, pin: str, p_target: float, name: str, proposal: str
) -> tuple[str, str]:
    if levers.find(plan, pin) is None:
        raise _refuse("pin_unknown", "not a lever of the room's plan", pin=pin)
    if not isinstance(p_target, (int, float)) or not 0.0 <= float(p_target) <= 1.0:
        raise _refuse("p_target", "a probability is between 0% and 100%")
    name = " ".join(str(name).split())
    if len(name) > MAX_NAME:
        raise _refuse("name_long", f"a name has at most {MAX_NAME} characters", most=MAX_NAME)
    proposal = str(proposal).strip()
    if len(proposal) > MAX_PROPOSAL:
        raise _refuse(
            "proposal_long",
            f"a proposal has at most {MAX_PROPOSAL} characters",
            most=MAX_PROPOSAL,
        )
    return check_plain(name, "name"), storable_text(proposal, "proposal")


def submit(
    store: Store,
    code: str,
    participant: str,
    *,
    pin: str,
    p_target: float,
    name: str = "",
    proposal: str = "",
    now: datetime | None = None,
) -> Submission:
    """``participant``'s guess in the room (replacing an earlier one of theirs)."""
    if not isinstance(participant, str) or not 0 < len(participant) <= MAX_TOKEN:
        raise _refuse("participant", "a participant is a browser's token")

    def run(conn: Connection) -> None:
        row = _row(conn, code, lock=True)  # counted under the room's lock
        found = _room(row)
        moment = now or schema.now()
        if not found.is_open(moment):
            raise _refuse("closed", "the room has closed; it takes no more guesses")
        clean_name, clean_proposal = _check_guess(found.plan, pin, p_target, name, proposal)
        values = {
            "name": clean_name,
            "pin": pin,
            "p_target": float(p_target),
            "proposal": clean_proposal,
            "updated_at": moment,
        }
        mine = submissions_table.c.participant == participant
        of_room = submissions_table.c.room_id == row.id
        if conn.execute(update(submissions_table).where(of_room, mine).values(**values)).rowcount:
            return
        count = conn.execute(select(func.count()).select_from(submissions_table).where(of_room))
        if int(count.scalar()) >= found.max_participants:
            raise _refuse("full", "the room is full", most=found.max_participants)
        conn.execute(
            insert(submissions_table).values(
                room_id=row.id, participant=participant, created_at=moment, **values
            )
        )

    store.database.write(run)
    return next(s for s in submissions(store, code) if s.participant == participant)


def submissions(store: Store, code: str) -> list[Submission]:
    """Every guess in the room, in the order they first arrived."""
    with store.database.read() as conn:
        row = _row(conn, code)
        rows = conn.execute(
            select(submissions_table)
            .where(submissions_table.c.room_id == row.id)
            .order_by(submissions_table.c.created_at, submissions_table.c.id)
        ).all()
    return [
        Submission(
            participant=r.participant,
            name=r.name,
            pin=r.pin,
            p_target=float(r.p_target),
            proposal=r.proposal,
            created_at=schema.utc(r.created_at),
            updated_at=schema.utc(r.updated_at),
        )
        for r in rows
    ]


def _set(store: Store, code: str, **values: object) -> Room:
    def run(conn: Connection) -> None:
        row = _row(conn, code, lock=True)
        conn.execute(update(rooms_table).where(rooms_table.c.id == row.id).values(**values))

    store.database.write(run)
    return room(store, code)


def reveal(store: Store, code: str, *, now: datetime | None = None) -> Room:
    """Show the answer: the room stays open only until its closing time, no longer."""
    found = room(store, code)
    if found.revealed:
        return found
    moment = now or schema.now()
    closes = min(found.closes_at, moment)  # no guess after the answer is out
    return _set(store, code, revealed_at=moment, closes_at=closes)


def close(store: Store, code: str, *, now: datetime | None = None) -> Room:
    """Stop taking guesses now (a room already closed keeps its closing time)."""
    found = room(store, code)
    moment = now or schema.now()
    return _set(store, code, closes_at=min(found.closes_at, moment))


# ----------------------------------------------------------------------------- the guesses

#: The P(target) guesses are shown in bins of this width (0–10%, 10–20%, … 90–100%).
GUESS_BIN = 0.1


@dataclass(frozen=True)
class Guesses:
    """What a room guessed, and, once the answer is known, how close it came."""

    count: int
    pins: dict[str, int]  # lever path -> how many chose it, most chosen first
    p_bins: tuple[int, ...]  # how many guessed P(target) in each GUESS_BIN-wide bin
    p_median: float | None
    pin_hits: int | None  # how many named the simulated center pin
    p_mean_error: float | None  # mean absolute distance from the simulated P(target)


def guesses(
    found: list[Submission], answer_pin: str | None = None, answer_p: float | None = None
) -> Guesses:
    """The room's guesses summed up; with the answer, how many hit it and how far off."""
    pins: dict[str, int] = {}
    for one in found:
        pins[one.pin] = pins.get(one.pin, 0) + 1
    bins = [0] * round(1 / GUESS_BIN)
    for one in found:  # 100% falls in the last bin
        bins[min(int(one.p_target / GUESS_BIN + 1e-9), len(bins) - 1)] += 1
    values = sorted(one.p_target for one in found)
    median = None
    if values:
        middle = len(values) // 2
        median = values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2
    return Guesses(
        count=len(found),
        pins=dict(sorted(pins.items(), key=lambda item: (-item[1], item[0]))),
        p_bins=tuple(bins),
        p_median=median,
        pin_hits=None if answer_pin is None else sum(one.pin == answer_pin for one in found),
        p_mean_error=(
            None
            if answer_p is None or not found
            else sum(abs(one.p_target - answer_p) for one in found) / len(found)
        ),
    )
