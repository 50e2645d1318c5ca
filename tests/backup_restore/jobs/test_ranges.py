"""``Range`` headers of the download (RFC 9110 §14.1.2): one range served, the rest ignored or 416."""

import pytest

from backup_restore.api.ranges import byte_range, if_range_matches
from backup_restore.errors import RangeNotSatisfiable


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None), ("", None), ("bytes=0-9", (0, 9)), ("bytes=5-", (5, 99)), ("bytes=-10", (90, 99)),
        ("bytes=-500", (0, 99)), ("bytes=90-500", (90, 99)), ("bytes=99-99", (99, 99)), (" bytes = 1 - 2 ", (1, 2)),
        ("bytes=0-1,5-9", None), ("bytes=9-2", None), ("items=0-9", None), ("bytes=a-b", None), ("bytes=-", None),
        ("bytes=1-2-3", None), ("bytes=0x1-2", None),
    ],
)  # fmt: skip
def test_served_and_ignored_ranges(header, expected):
    assert byte_range(header, 100) == expected


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=100-200", "bytes=-0", "bytes=1000-"])
def test_ranges_past_the_end_are_not_satisfiable(header):
    with pytest.raises(RangeNotSatisfiable):
        byte_range(header, 100)


def test_if_range_needs_the_current_etag():
    assert if_range_matches(None, '"abc"') and if_range_matches('"abc"', '"abc"')
    assert not if_range_matches('"old"', '"abc"') and not if_range_matches("Tue, 01 Dec 2026 10:00:00 GMT", '"abc"')
