"""Nesting depth of parsed JSON values."""

from __future__ import annotations

from typing import Any


def nesting_depth(value: Any) -> int:
    """Deepest nesting of lists/dicts in ``value``; a scalar is 0, ``[1]`` is 1, ``[{"a": []}]`` is 3."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in item)
    return deepest
