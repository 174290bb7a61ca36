"""Numbers JSON can carry: NaN and infinities become null.

JSON has no NaN or Infinity (Python's ``json`` writes them as bare words no other reader
accepts). What Centerpin prints as JSON or stores as a summary passes through
:func:`finite` and is written with ``allow_nan=False``, so such a value reads as "not
known" instead of breaking the reader.
"""

from __future__ import annotations

import json
import math
from typing import Any


def finite(data: Any) -> Any:
    """``data`` with every float that is NaN or infinite, in any dict, list or tuple, as None."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {key: finite(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [finite(value) for value in data]
    return data


def dumps(data: Any, **options: Any) -> str:
    """``data`` as JSON text, NaN and infinities as null (``options`` go to ``json.dumps``)."""
    return json.dumps(finite(data), allow_nan=False, **options)
