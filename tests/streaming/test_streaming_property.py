"""Round-trip guarantee: whatever JSON-able rows the writer accepts, every container reads them back.

The writer may refuse a row (``UnrestorableRow``), never write a file the reader refuses.  Small
limits make the refusal paths as likely as the happy one.
"""

from __future__ import annotations

import io
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streaming import Limits, Row, iter_records, write_backup
from streaming.errors import UnrestorableRow
from tests.streaming.samples import sample_header

CONTAINERS = ["ndjson.zst", "ndjson", "json"]
LIMITS = Limits(max_line_bytes=2000, max_line_items=60, max_number_digits=30)

text = st.text(alphabet=st.sampled_from("0123456789[]{},:\"\\ ñ🚗\n\tabcxyz"), max_size=80) | st.text(max_size=20)
digits = st.integers(min_value=0, max_value=10**40).map(str)  # long runs of digits inside strings
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | text
    | digits
)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=8) | st.dictionaries(text, inner, max_size=6), max_leaves=60
)
rows = st.lists(st.tuples(st.integers(min_value=1, max_value=2**40), values, values), max_size=8)


def read_rows(data: bytes) -> list[list[Any]]:
    return [event.values for event in iter_records(io.BytesIO(data), limits=LIMITS) if type(event) is Row]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=rows)
def test_every_written_file_reads_back_the_same_values(rows: list[tuple[Any, ...]]) -> None:
    expected = [orjson.loads(orjson.dumps(list(row))) for row in rows]
    for container in CONTAINERS:
        sections = [("app.m", ["id", "a", "b"], rows)]
        try:
            data = b"".join(write_backup(sample_header(), sections, container=container, limits=LIMITS))
        except UnrestorableRow as error:
            assert error.section == "app.m" and error.field in ("id", "a", "b")
            continue
        assert read_rows(data) == expected
