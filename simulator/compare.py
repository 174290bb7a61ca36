"""What differs between plans: their inputs flattened to readable paths, side by side.

Paths follow the lever names (docs/design.md §4): channels and stages by their keys, an
uncertain value by its parts (``win_rate.low``, ``...rate.successes``), so a difference
reads as "channels.calls.stages.connect.rate.low: 0.08 → 0.1".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from simulator.plan import KpiSet

#: Inputs that are not part of a plan's model (its identity, not its numbers).
IDENTITY = frozenset({"schema_version", "name", "description"})


@dataclass(frozen=True)
class Change:
    path: str
    before: Any  # None when the input is new
    after: Any  # None when the input is gone


def _text(items: Sequence[Any]) -> str:
    if all(isinstance(item, Mapping) and set(item) == {"month", "change"} for item in items):
        return ", ".join(f"{item['month']} {int(item['change']):+d}" for item in items) or "—"
    return ", ".join(f"{item:g}" if isinstance(item, float) else str(item) for item in items)


def flatten(plan: KpiSet | Mapping[str, Any], *, identity: bool = False) -> dict[str, Any]:
    """The plan's inputs as ``{path: value}`` with scalar values, in the file's order."""
    data = plan.model_dump(mode="json") if isinstance(plan, KpiSet) else dict(plan)
    out: dict[str, Any] = {}

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                walk(f"{prefix}.{key}" if prefix else str(key), value)
        elif (
            isinstance(node, list)
            and node
            and all(isinstance(item, Mapping) and "key" in item for item in node)
        ):
            for item in node:
                walk(f"{prefix}.{item['key']}", {k: v for k, v in item.items() if k != "key"})
        elif isinstance(node, list):
            out[prefix] = _text(node)
        else:
            out[prefix] = node

    walk("", data)
    if not identity:
        for key in IDENTITY:
            out.pop(key, None)
    return out


def diff(before: KpiSet | Mapping[str, Any], after: KpiSet | Mapping[str, Any]) -> list[Change]:
    """Every input whose value differs, in the order of ``after`` then what it dropped."""
    a, b = flatten(before), flatten(after)
    changes = [
        Change(path, a.get(path), value) for path, value in b.items() if a.get(path) != value
    ]
    changes += [Change(path, value, None) for path, value in a.items() if path not in b]
    return changes


def side_by_side(plans: Sequence[KpiSet]) -> tuple[list[str], list[list[Any]], list[bool]]:
    """Inputs of several plans as rows: (paths, values per plan, whether the row differs)."""
    flat = [flatten(plan) for plan in plans]
    paths: list[str] = []
    for one in flat:
        paths += [path for path in one if path not in paths]
    values = [[one.get(path) for one in flat] for path in paths]
    differs = [len({repr(v) for v in row}) > 1 for row in values]
    return paths, values, differs
