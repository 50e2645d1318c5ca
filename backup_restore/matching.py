"""Merge mode: which existing row each row of a batch matches, in work linear in the file.

By natural key (unique per shop, e.g. a client's document number): each existing row matches
at most one row of the file; a second row with the same key is a ``DuplicateRow``.

By content (detail rows without a natural key): rows with equal values are interchangeable, so
the i-th row of the file with some content takes the i-th existing row with that content (by
id), each at most once. A batch asks the database, per content, only for the rows it can take
plus one (``RowNumber()`` over the rows of each content, past those earlier batches took), so a
file of n identical rows costs O(n), not O(n²). What is remembered between batches is, per
content that still has rows left to take, a 16-byte digest and a count.
"""

from __future__ import annotations

import hashlib
from collections import Counter, deque
from collections.abc import Sequence
from functools import reduce
from operator import or_

from django.db import models
from django.db.models import Case, F, Q, Value, When, Window
from django.db.models.functions import RowNumber

from django.utils.translation import gettext_lazy as _

from .errors import DuplicateRow

MATCH_CHUNK = 100  # distinct keys per query


class Claims:
    """Existing rows already matched by a row of this section: a bitmap in pages of
    ``PAGE_IDS`` ids, allocated as claims land.

    Dense claims cost one bit per id; sparse ones at most one page each. Memory follows the
    claims this file makes, never the size of the id space (another shop's row with id 8e9
    costs nothing here).
    """

    PAGE_IDS = 1024

    def __init__(self) -> None:
        self._pages: dict[int, bytearray] = {}

    def take(self, pk: int) -> bool:
        page, offset = divmod(pk, self.PAGE_IDS)
        bits = self._pages.get(page)
        if bits is None:
            bits = self._pages[page] = bytearray(self.PAGE_IDS // 8)
        byte, bit = divmod(offset, 8)
        if bits[byte] >> bit & 1:
            return False
        bits[byte] |= 1 << bit
        return True


class Matcher:
    """Matches the batches of one section against the rows of ``scope`` (the shop's rows that
    existed before the section began) on the fields ``attnames``."""

    def __init__(
        self, scope: models.QuerySet, attnames: Sequence[str], *, label: str, natural_key: Sequence[str] | None
    ) -> None:
        self.scope = scope
        self.attnames = list(attnames)
        self.label = label
        self.natural_key = natural_key
        self._claims = Claims()
        self._taken: dict[bytes, int] = {}

    def match(self, keys: list[tuple], lines: list[int]) -> list[int | None]:
        """The existing row each key matches, or None (a row to create)."""
        if self.natural_key:
            found = self._fetch(Counter(keys), {})
            return [self._claim_once(found.get(key), line) for key, line in zip(keys, lines)]
        return self._match_content(keys)

    def _claim_once(self, pks: deque | None, line: int) -> int | None:
        if not pks:
            return None
        if not self._claims.take(pks[0]):
            raise DuplicateRow(
                _("Row at line %(line)s of %(section)s has the same %(key)s as an earlier row of the file."),
                params={"line": line, "section": self.label, "key": ", ".join(self.natural_key)},
                line=line,
                section=self.label,
                field=", ".join(self.natural_key),
            )
        return pks[0]

    def _match_content(self, keys: list[tuple]) -> list[int | None]:
        counts = Counter(keys)
        skipped = {key: self._taken.get(_digest(key), 0) for key in counts}
        found = self._fetch(counts, skipped)
        fetched = {key: len(pks) for key, pks in found.items()}
        matched = [self._take(found.get(key)) for key in keys]
        for key, wanted in counts.items():
            left = fetched.get(key, 0) > wanted  # the "plus one": more rows of this content remain
            if left:
                self._taken[_digest(key)] = skipped[key] + fetched[key] - len(found[key])
            else:
                self._taken.pop(_digest(key), None)
        return matched

    def _take(self, pks: deque | None) -> int | None:
        """The first candidate no earlier row of this section has claimed."""
        while pks:
            pk = pks.popleft()
            if self._claims.take(pk):
                return pk
        return None

    def _fetch(self, counts: Counter, skipped: dict[tuple, int]) -> dict[tuple, deque]:
        """Per key, the ids of its rows in id order: all of them (natural keys: one), or by
        content the ``counts[key] + 1`` after the ``skipped[key]`` earlier batches took."""
        found: dict[tuple, deque] = {}
        distinct = list(counts)
        for start in range(0, len(distinct), MATCH_CHUNK):
            chunk = distinct[start : start + MATCH_CHUNK]
            rows = self.scope.filter(reduce(or_, map(self._q, chunk)))
            if not self.natural_key:
                rows = self._window(rows, chunk, counts, skipped)
            for pk, *key in rows.values_list("pk", *self.attnames).order_by("pk"):
                found.setdefault(tuple(key), deque()).append(pk)
        return found

    def _window(self, rows: models.QuerySet, chunk: list[tuple], counts: Counter, skipped: dict) -> models.QuerySet:
        return rows.annotate(
            _n=Window(RowNumber(), partition_by=[F(a) for a in self.attnames], order_by=F("pk").asc()),
            _skip=self._per_key(chunk, {key: skipped[key] for key in chunk}),
            _upto=self._per_key(chunk, {key: skipped[key] + counts[key] + 1 for key in chunk}),
        ).filter(_n__gt=F("_skip"), _n__lte=F("_upto"))

    def _per_key(self, chunk: list[tuple], values: dict[tuple, int]) -> Value | Case:
        """``values[key]`` for the rows of each key: one constant when all agree (the usual case:
        each content once in the batch, none taken before), else a ``CASE``."""
        if len(set(values.values())) == 1:
            return Value(values[chunk[0]], output_field=models.IntegerField())
        whens = [When(self._q(key), then=Value(values[key])) for key in chunk]
        return Case(*whens, default=Value(0), output_field=models.IntegerField())

    def _q(self, key: tuple) -> Q:
        return Q(**dict(zip(self.attnames, key)))


def _digest(key: tuple) -> bytes:
    return hashlib.blake2b(repr(key).encode(), digest_size=16).digest()
