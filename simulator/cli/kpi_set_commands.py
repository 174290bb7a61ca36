"""The ``kpi-sets`` commands: the KPI set store from the command line.

Each takes the parsed arguments and the store ``--db`` names (:func:`with_store` opens
and closes it) and returns what ``--json`` prints; :mod:`simulator.cli.text` prints it
otherwise.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from simulator import kpi_sets as kpi_store
from simulator.cli.errors import BadArgument, write_file
from simulator.cli.text import one_line
from simulator.kpi_sets.limits import EXPORT_FORMATS
from simulator.plan import KpiSet, load_plan

R = TypeVar("R")
Row = dict[str, Any]


def with_store(
    command: Callable[[argparse.Namespace, kpi_store.Store], R],
) -> Callable[[argparse.Namespace], R]:
    """``command`` run on the store ``--db`` names; a database failure becomes a StoreError."""

    def run(args: argparse.Namespace) -> R:
        store = _open(args.db)
        try:
            return command(args, store)
        except SQLAlchemyError as exc:
            raise _database_error(exc) from None
        finally:
            store.close()

    return run


def _open(url: str | None) -> kpi_store.Store:
    try:
        return kpi_store.Store(url)
    except SQLAlchemyError as exc:
        raise _database_error(exc) from None
    except kpi_store.StoreError as exc:
        prefix = f"{kpi_store.ENV_URL}: "
        if url and str(exc).startswith(prefix):  # the URL came from --db, not the environment
            message = "--db: " + str(exc).removeprefix(prefix)
            raise kpi_store.StoreError(exc.code, message, **exc.ctx) from None
        raise


def _database_error(exc: SQLAlchemyError) -> kpi_store.StoreError:
    reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    return kpi_store.StoreError("database", f"database: {reason}")


def list_sets(args: argparse.Namespace, store: kpi_store.Store) -> list[Row]:
    return [
        {
            "name": info.name,
            "revision": info.head,
            "author": info.author,
            "updated_at": info.updated_at.isoformat(),
            "archived": info.archived,
            "tags": list(info.tags),
            "p_target": info.summary.get("p_target"),
            "p50": info.summary.get("p50"),
        }
        for info in store.list_sets(args.search or "", include_archived=args.archived)
    ]


def show(args: argparse.Namespace, store: kpi_store.Store) -> Row:
    revision = store.revision(args.name, args.revision)
    return {
        "name": revision.name,
        "revision": revision.number,
        "parent": revision.parent,
        "author": revision.author,
        "comment": revision.comment,
        "created_at": revision.created_at.isoformat(),
        "summary": revision.summary,
        "plan": revision.plan.model_dump(mode="json"),
        "targets": revision.targets,
    }


def history(args: argparse.Namespace, store: kpi_store.Store) -> list[Row]:
    return [
        {
            "revision": revision.number,
            "parent": revision.parent,
            "author": revision.author,
            "comment": revision.comment,
            "created_at": revision.created_at.isoformat(),
            "p_target": revision.summary.get("p_target"),
        }
        for revision in store.history(args.name)
    ]


def save(args: argparse.Namespace, store: kpi_store.Store) -> Row:
    plan = load_plan(args.plan)
    if args.base_revision is None:
        revision = _create(store, args.name, plan, author=args.author, comment=args.comment)
    else:
        revision = store.save(
            args.name,
            plan,
            base_revision=args.base_revision,
            author=args.author,
            comment=args.comment,
        )
    return {"name": revision.name, "revision": revision.number}


def _create(store: kpi_store.Store, name: str, plan: KpiSet, **details: str) -> kpi_store.Revision:
    """A new set; a taken name is a conflict whose message says how to save over it."""
    try:
        return store.create(name, plan, **details)
    except kpi_store.NameTaken as exc:
        name = name.strip()
        head = store.info(name).head
        raise kpi_store.Conflict(
            exc.code,
            f"a KPI set named {name!r} already exists (at revision {head}); to save a new "
            f"revision of it pass --base-revision {head}, or choose another --name",
            **exc.ctx,
        ) from None


def export(args: argparse.Namespace, store: kpi_store.Store) -> Row:
    output = Path(args.output)
    fmt = args.format or output.suffix.lower().lstrip(".")
    if fmt not in EXPORT_FORMATS:
        raise BadArgument(f"--format: give one of {', '.join(EXPORT_FORMATS)}")
    if args.encoding is not None and fmt != "csv":
        raise BadArgument("--encoding: only for --format csv")
    lang, zone = getattr(args, "lang", None), getattr(args, "timezone", None)
    if (lang is not None or zone is not None) and fmt == "json":
        raise BadArgument("--lang, --timezone: only for --format csv or xlsx")
    if zone is not None and lang is None:
        raise BadArgument("--timezone: only with --lang")
    revision = store.revision(args.name, args.revision)
    data = _exported(store, revision, fmt, args.encoding, lang, zone)
    write_file(output, data)
    lost = getattr(data, "unencodable", ())
    if lost:  # written, but say what was lost and how to keep it
        named = ", ".join(
            f"{c} U+{ord(c):04X}" if c.isprintable() else f"U+{ord(c):04X}" for c in lost
        )
        print(
            one_line(
                f"warning: {output}: these characters became ? (CP932 cannot spell them): "
                f"{named}; use --encoding utf-8-sig to keep them"
            ),
            file=sys.stderr,
        )
    return {
        "name": revision.name,
        "revision": revision.number,
        "format": fmt,
        "output": str(output),
        "bytes": len(data),
    }


def _exported(
    store: kpi_store.Store,
    revision: kpi_store.Revision,
    fmt: str,
    encoding: str | None,
    lang: str | None = None,
    zone: str | None = None,
) -> bytes:
    if fmt == "json":
        return kpi_store.export_json(revision)
    info = store.info(revision.name)
    if fmt == "csv":
        return kpi_store.export_csv(
            info, revision, encoding=encoding or "utf-8-sig", lang=lang, zone=zone
        )
    return kpi_store.export_xlsx(info, revision, lang=lang, zone=zone)


def import_files(args: argparse.Namespace, store: kpi_store.Store) -> list[Row]:
    kpi_store.check_file_count(len(args.paths))
    files, unreadable = _read(args.paths)
    try:
        plans = kpi_store.read_plans(files)
    except kpi_store.ImportProblem as exc:
        order = {path: i for i, path in reversed(list(enumerate(args.paths)))}
        problems = sorted(unreadable + exc.problems, key=lambda p: order.get(p.file, 0))
        raise kpi_store.ImportProblem(problems) from None
    if unreadable:
        raise kpi_store.ImportProblem(unreadable)
    revisions = store.import_plans(plans, author=args.author, comment=args.comment)
    return [{"name": revision.name, "revision": revision.number} for revision in revisions]


def _read(
    paths: Sequence[str],
) -> tuple[list[tuple[str, bytes]], list[kpi_store.FileProblem]]:
    """The files' contents, and a problem for each file that cannot be read."""
    files: list[tuple[str, bytes]] = []
    unreadable: list[kpi_store.FileProblem] = []
    for path in paths:
        try:
            with open(path, "rb") as handle:  # enough to tell that a file is too large
                files.append((path, handle.read(kpi_store.MAX_IMPORT_BYTES + 1)))
        except OSError as exc:
            unreadable.append(
                kpi_store.FileProblem(
                    "", "file_unreadable", f"cannot read ({exc.strerror or exc})", file=path
                )
            )
    return files, unreadable
