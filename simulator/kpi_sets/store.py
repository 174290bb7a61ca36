"""The KPI set store: named plans with an immutable history of revisions.

A KPI set has a name, an author, a description and tags; every save adds a revision that
holds the plan (the KPI set file format), its seed and trials, the monthly KPI targets
and the summary derived from simulating it, a comment and the revision it was based on.
Revisions are never changed or deleted: restoring an old one adds a new one.

**Concurrent edits.** A save names the revision it was based on. The set's head moves
from that revision to the next with one compare-and-set ``UPDATE``; if someone saved in
between, nothing is written and :class:`StaleRevision` says who saved what, so the
caller can save a copy or reload. Nothing is ever overwritten.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from simulator import compare, finite
from simulator.kpi_sets import schema
from simulator.kpi_sets.database import Database, default_url
from simulator.kpi_sets.errors import NameTaken, NotFound, StaleRevision, StoreError
from simulator.kpi_sets.records import Derived, KpiSetInfo, Revision, derive
from simulator.kpi_sets.schema import MAX_AUTHOR, MAX_NAME, revisions_table, sets_table
from simulator.plan import KpiSet, hidden_character, parse_plan

MAX_TAGS = 20
MAX_TAG = 40
MAX_SEARCH = 1000


def _check_name(name: str, field_name: str = "name") -> str:
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        raise StoreError("name_empty", f"{field_name}: must not be empty", field=field_name)
    if len(name) > MAX_NAME:
        raise StoreError(
            "name_long", f"{field_name}: at most {MAX_NAME} characters", field=field_name
        )
    return check_plain(name, field_name)


def check_plain(text: str, field_name: str) -> str:
    """``text``, refused if it hides a control or invisible formatting character: a name
    or an author is shown as is, and ``invoice\u202egpj.exe`` would read "invoiceexe.jpg"."""
    hidden = hidden_character(text)
    if hidden is not None:
        raise StoreError(
            "name_character",
            f"{field_name}: {hidden} is not allowed (no control, direction or zero-width "
            "characters)",
            field=field_name,
            character=hidden,
        )
    return text


def storable_text(text: str, field_name: str) -> str:
    """Free text (a description, a comment, a tag) as every database stores it: PostgreSQL
    cannot hold NUL, so no database does."""
    if "\x00" in text:
        raise StoreError(
            "text_nul",
            f"{field_name}: U+0000 NULL is not allowed",
            field=field_name,
            character="U+0000 NULL",
        )
    return text


def _fold(*parts: str) -> str:
    """Text as a search compares it: NFKC (full-width Ｓ is S) and case-folded."""
    return unicodedata.normalize("NFKC", "\n".join(parts)).casefold()


def _check_tags(tags: Sequence[str]) -> list[str]:
    tags = (" ".join(tag.split()) for tag in tags if tag)  # no line breaks inside a tag
    clean = list(dict.fromkeys(storable_text(tag, "tags") for tag in tags if tag))
    if len(clean) > MAX_TAGS or any(len(tag) > MAX_TAG for tag in clean):
        raise StoreError(
            "tags", f"tags: at most {MAX_TAGS}, each up to {MAX_TAG} characters", field="tags"
        )
    return clean


def stored_author(author: str) -> str:
    """The author as stored: no surrounding spaces, at most MAX_AUTHOR characters (the
    column's length, which PostgreSQL enforces and SQLite does not), plain text."""
    return check_plain(author.strip()[:MAX_AUTHOR], "author")


def named_plan(plan: KpiSet, name: str) -> KpiSet:
    """The plan under the set's name, validated again (a copy may have skipped validation)."""
    data = plan.model_dump(mode="json")
    data["name"] = name
    return parse_plan(data)


def _no_revision(name: str, number: int | None, head: int) -> NotFound:
    return NotFound(
        "revision_not_found",
        f"KPI set {name!r} has no revision {number} (it has 1 to {head})",
        name=name,
        number=number,
        head=head,
    )


class Store:
    """KPI sets in one database. Thread-safe: each operation is its own transaction."""

    def __init__(self, url: str | None = None) -> None:
        self.database = Database(url or default_url())
        self.engine, self.url = self.database.engine, self.database.url
        self.sqlite = self.database.sqlite
        try:
            # A read: opening never queues behind a writer. Migrating takes the write lock,
            # and only a database that lacks migrations needs it.
            with self.database.read() as conn:
                found = schema.current(conn)
            if found < schema.SCHEMA_VERSION:
                self.database.write(schema.migrate)
        except Exception:
            self.database.close()
            raise

    def close(self) -> None:
        self.database.close()

    def schema_version(self) -> int:
        with self.database.read() as conn:
            return schema.version(conn)

    # ------------------------------------------------------------------ reading

    def set_row(self, conn: Connection, name: str) -> Any:
        """The set's row, inside a transaction of this store's database (for the tables
        kept beside the sets: reviews, rooms)."""
        row = conn.execute(select(sets_table).where(sets_table.c.name == name)).first()
        if row is None:
            raise NotFound("not_found", f"no KPI set named {name!r}", name=name)
        return row

    @staticmethod
    def _revision(name: str, row: Any) -> Revision:
        return Revision(
            name=name,
            number=row.number,
            parent=row.parent,
            plan_json=row.plan,
            seed=int(row.seed),
            trials=row.trials,
            targets=json.loads(row.targets),
            summary=json.loads(row.summary),
            comment=row.comment,
            author=row.author,
            created_at=schema.utc(row.created_at),
        )

    def _revisions(
        self, conn: Connection, set_row: Any, numbers: Sequence[int] | None = None
    ) -> list[Revision]:
        query = select(revisions_table).where(revisions_table.c.set_id == set_row.id)
        if numbers is not None:
            query = query.where(revisions_table.c.number.in_(list(numbers)))
        rows = conn.execute(query.order_by(revisions_table.c.number.desc())).all()
        return [self._revision(set_row.name, row) for row in rows]

    def names(self, *, include_archived: bool = False) -> list[str]:
        """Set names, most recently saved first (cheap: for choosers)."""
        query = select(sets_table.c.name)
        if not include_archived:
            query = query.where(sets_table.c.archived.is_(False))
        with self.database.read() as conn:
            rows = conn.execute(
                query.order_by(sets_table.c.updated_at.desc(), sets_table.c.id.desc())
            )
            return [row.name for row in rows]

    def list_sets(self, search: str = "", *, include_archived: bool = False) -> list[KpiSetInfo]:
        """KPI sets, most recently saved first; ``search`` matches name, description, tags,
        author or the newest comment, ignoring case."""
        s, r = sets_table, revisions_table
        query = select(
            s, r.c.summary, r.c.comment.label("head_comment"), r.c.author.label("head_author")
        ).join(r, (r.c.set_id == s.c.id) & (r.c.number == s.c.head))
        if not include_archived:
            query = query.where(s.c.archived.is_(False))
        if len(search) > MAX_SEARCH:  # also beyond what SQLite's LIKE takes
            raise StoreError(
                "search_long", f"search: at most {MAX_SEARCH:,} characters", limit=MAX_SEARCH
            )
        if search.strip():
            folded = _fold(search.strip())
            escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(s.c.search.like(f"%{escaped}%", escape="\\"))
        with self.database.read() as conn:
            rows = conn.execute(query.order_by(s.c.updated_at.desc(), s.c.id.desc())).all()
        return [
            self._info(row, json.loads(row.summary), row.head_comment, row.head_author)
            for row in rows
        ]

    @staticmethod
    def _info(row: Any, summary: dict[str, float], comment: str, author: str) -> KpiSetInfo:
        return KpiSetInfo(
            name=row.name,
            author=row.author,
            description=row.description,
            tags=tuple(tag for tag in row.tags.split("\n") if tag),
            head=row.head,
            archived=bool(row.archived),
            created_at=schema.utc(row.created_at),
            updated_at=schema.utc(row.updated_at),
            summary=summary,
            head_comment=comment,
            head_author=author,
        )

    def info(self, name: str) -> KpiSetInfo:
        with self.database.read() as conn:
            row = self.set_row(conn, name)
            head = self._revisions(conn, row, [row.head])[0]
        return self._info(row, head.summary, head.comment, head.author)

    def revision(self, name: str, number: int | None = None) -> Revision:
        """One revision of a set; its newest when ``number`` is None."""
        with self.database.read() as conn:
            row = self.set_row(conn, name)
            found = self._revisions(conn, row, [row.head if number is None else number])
        if not found:
            raise _no_revision(name, number, row.head)
        return found[0]

    def revision_numbers(self, name: str) -> list[int]:
        """A set's revision numbers, newest first (cheap: for choosers)."""
        with self.database.read() as conn:
            row = self.set_row(conn, name)
            rows = conn.execute(
                select(revisions_table.c.number)
                .where(revisions_table.c.set_id == row.id)
                .order_by(revisions_table.c.number.desc())
            )
            return [number for (number,) in rows]

    def history(self, name: str) -> list[Revision]:
        """Every revision of a set, newest first."""
        with self.database.read() as conn:
            return self._revisions(conn, self.set_row(conn, name))

    def count_revisions(self) -> int:
        with self.database.read() as conn:
            return int(conn.execute(select(func.count()).select_from(revisions_table)).scalar())

    # ------------------------------------------------------------------ writing

    def _insert_revision(
        self,
        conn: Connection,
        set_id: int,
        number: int,
        parent: int | None,
        plan: KpiSet,
        derived: Derived,
        comment: str,
        author: str,
        now: datetime,
    ) -> None:
        conn.execute(
            insert(revisions_table).values(
                set_id=set_id,
                number=number,
                parent=parent,
                plan=plan.to_json(),
                seed=plan.simulation.seed,
                trials=plan.simulation.trials,
                # JSON without NaN or infinities: a value that is not finite is kept as null.
                targets=finite.dumps(derived.targets, ensure_ascii=False),
                summary=finite.dumps(derived.summary),
                comment=comment,
                author=author,
                created_at=now,
            )
        )

    def _insert_set(
        self,
        conn: Connection,
        name: str,
        plan: KpiSet,
        derived: Derived,
        *,
        author: str,
        description: str,
        tags: Sequence[str],
        comment: str,
    ) -> None:
        now = schema.now()
        if conn.execute(select(sets_table.c.id).where(sets_table.c.name == name)).first():
            raise NameTaken(name)
        try:
            with conn.begin_nested():
                set_id = conn.execute(
                    insert(sets_table).values(
                        name=name,
                        author=author,
                        description=description,
                        tags="\n".join(tags),
                        search=_fold(name, description, *tags, author, comment),
                        head=1,
                        archived=False,
                        created_at=now,
                        updated_at=now,
                    )
                ).inserted_primary_key[0]
        except IntegrityError:  # created by someone else since the check above
            raise NameTaken(name) from None
        self._insert_revision(conn, set_id, 1, None, plan, derived, comment, author, now)

    def create(
        self,
        name: str,
        plan: KpiSet,
        *,
        author: str = "",
        description: str | None = None,
        tags: Sequence[str] = (),
        comment: str = "",
        derived: Derived | None = None,
    ) -> Revision:
        """A new KPI set whose revision 1 is ``plan``; :class:`NameTaken` if the name is used."""
        name = _check_name(name)
        author = stored_author(author)
        tags = _check_tags(tags)
        comment = storable_text(comment, "comment")
        plan = named_plan(plan, name)
        description = storable_text(
            plan.description if description is None else description, "description"
        )
        derived = derived or derive(plan)
        self.database.write(
            lambda conn: self._insert_set(
                conn,
                name,
                plan,
                derived,
                author=author,
                description=description,
                tags=tags,
                comment=comment,
            )
        )
        return self.revision(name, 1)

    def advance(
        self,
        conn: Connection,
        name: str,
        base_revision: int,
        plan: KpiSet,
        parent: int,
        derived: Derived,
        comment: str,
        author: str,
    ) -> int:
        """Add revision ``base_revision + 1`` inside a transaction of this store's database,
        refused as stale when the head has moved (for saves that also write beside the set,
        such as a review); returns its number."""
        row = self.set_row(conn, name)
        if row.archived:
            raise StoreError(
                "archived", f"KPI set {name!r} is archived; restore it first", name=name
            )
        if not 1 <= base_revision <= row.head:
            raise _no_revision(name, base_revision, row.head)
        now = schema.now()
        moved = conn.execute(
            update(sets_table)
            .where(sets_table.c.id == row.id, sets_table.c.head == base_revision)
            .values(
                head=base_revision + 1,
                updated_at=now,
                search=_fold(row.name, row.description, row.tags, row.author, comment, author),
            )
        )
        if moved.rowcount != 1:
            raise self._stale(conn, name, base_revision)
        self._insert_revision(
            conn, row.id, base_revision + 1, parent, plan, derived, comment, author, now
        )
        return base_revision + 1

    @staticmethod
    def _refresh_search(conn: Connection, set_id: int) -> None:
        s, r = sets_table, revisions_table
        row = conn.execute(
            select(s.c.name, s.c.description, s.c.tags, s.c.author, r.c.comment, r.c.author)
            .join(r, (r.c.set_id == s.c.id) & (r.c.number == s.c.head))
            .where(s.c.id == set_id)
        ).one()
        conn.execute(update(s).where(s.c.id == set_id).values(search=_fold(*row)))

    def _stale(self, conn: Connection, name: str, base: int) -> StaleRevision:
        row = self.set_row(conn, name)
        newer = self._revisions(conn, row, list(range(max(1, base), row.head + 1)))
        head, based_on = newer[0], next((r for r in newer if r.number == base), None)
        changes = compare.diff(based_on.plan, head.plan) if based_on else []
        return StaleRevision(name, base, head, [r for r in newer if r.number > base], changes)

    def save(
        self,
        name: str,
        plan: KpiSet,
        *,
        base_revision: int,
        author: str = "",
        comment: str = "",
        derived: Derived | None = None,
    ) -> Revision:
        """A new revision of ``name`` based on ``base_revision``.

        Raises :class:`StaleRevision` (and writes nothing) when the set is no longer at
        ``base_revision``.
        """
        author, comment = stored_author(author), storable_text(comment, "comment")
        plan = named_plan(plan, name)
        derived = derived or derive(plan)
        number = self.database.write(
            lambda conn: self.advance(
                conn, name, base_revision, plan, base_revision, derived, comment, author
            )
        )
        return self.revision(name, number)

    def restore(
        self, name: str, number: int, *, base_revision: int, author: str = "", comment: str = ""
    ) -> Revision:
        """Revision ``number``'s plan as a new revision (its parent is ``number``)."""
        author, comment = stored_author(author), storable_text(comment, "comment")
        old = self.revision(name, number)
        derived = Derived(old.summary, old.targets)
        new = self.database.write(
            lambda conn: self.advance(
                conn, name, base_revision, old.plan, number, derived, comment, author
            )
        )
        return self.revision(name, new)

    def duplicate(
        self, name: str, new_name: str, *, revision: int | None = None, author: str = ""
    ) -> Revision:
        """A new set starting from a revision of ``name`` (its newest by default)."""
        source, info = self.revision(name, revision), self.info(name)
        return self.create(
            new_name,
            source.plan,
            author=author or info.author,
            description=info.description,
            tags=info.tags,
            comment=f"{name} r{source.number}",
            derived=Derived(source.summary, source.targets),
        )

    def rename(self, name: str, new_name: str) -> KpiSetInfo:
        new_name = _check_name(new_name, "new_name")

        def run(conn: Connection) -> None:
            row = self.set_row(conn, name)
            if (
                new_name != name
                and conn.execute(
                    select(sets_table.c.id).where(sets_table.c.name == new_name)
                ).first()
            ):
                raise NameTaken(new_name)
            conn.execute(update(sets_table).where(sets_table.c.id == row.id).values(name=new_name))
            self._refresh_search(conn, row.id)

        try:
            self.database.write(run)
        except IntegrityError:
            raise NameTaken(new_name) from None
        return self.info(new_name)

    def update_details(
        self, name: str, *, description: str | None = None, tags: Sequence[str] | None = None
    ) -> KpiSetInfo:
        values: dict[str, Any] = {}
        if description is not None:
            values["description"] = storable_text(description, "description")
        if tags is not None:
            values["tags"] = "\n".join(_check_tags(tags))

        def run(conn: Connection) -> None:
            row = self.set_row(conn, name)
            if values:
                conn.execute(update(sets_table).where(sets_table.c.id == row.id).values(**values))
                self._refresh_search(conn, row.id)

        self.database.write(run)
        return self.info(name)

    def archive(self, name: str, archived: bool = True) -> KpiSetInfo:
        """Hide a set from the library (``archived=False`` brings it back); nothing is deleted."""

        def run(conn: Connection) -> None:
            row = self.set_row(conn, name)
            conn.execute(
                update(sets_table).where(sets_table.c.id == row.id).values(archived=archived)
            )

        self.database.write(run)
        return self.info(name)

    def import_plans(
        self, plans: Sequence[KpiSet], *, author: str = "", comment: str = ""
    ) -> list[Revision]:
        """New sets from plans, all or nothing: one taken or repeated name writes none."""
        names = [_check_name(plan.name) for plan in plans]
        author, comment = stored_author(author), storable_text(comment, "comment")
        for plan in plans:
            storable_text(plan.description, "description")
        for i, name in enumerate(names):
            if name in names[:i]:
                raise StoreError(
                    "name_repeated", f"{name!r} appears twice in this import", name=name
                )
        plans = [named_plan(plan, name) for plan, name in zip(plans, names, strict=True)]
        derived = [derive(plan) for plan in plans]

        def run(conn: Connection) -> None:
            for name, plan, one in zip(names, plans, derived, strict=True):
                self._insert_set(
                    conn,
                    name,
                    plan,
                    one,
                    author=author,
                    description=plan.description,
                    tags=(),
                    comment=comment,
                )

        self.database.write(run)
        return [self.revision(name, 1) for name in names]
