"""Compact source-id -> new-id maps for the rows that other rows point to."""

from array import array
from bisect import bisect_left


class IdMap:
    """Maps the source primary keys of one model to the primary keys they got here.

    Rows arrive in strictly increasing source-id order (a rule of the format, checked by the
    restore), so two arrays and a binary search do the job in 16 bytes per row, where a dict
    of ints would take about ten times that.
    """

    __slots__ = ("_new", "_old")

    def __init__(self) -> None:
        self._old = array("q")
        self._new = array("q")

    def add(self, old: int, new: int) -> None:
        if self._old and old <= self._old[-1]:
            raise ValueError("source ids must be added in strictly increasing order")
        self._old.append(old)
        self._new.append(new)

    def get(self, old: int) -> int | None:
        index = bisect_left(self._old, old)
        if index < len(self._old) and self._old[index] == old:
            return self._new[index]
        return None

    def __len__(self) -> int:
        return len(self._old)
