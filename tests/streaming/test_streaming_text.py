"""Invalid UTF-8 and surrogate escapes: a JSON document gets the verdict of its NDJSON lines (issue 12).

ijson (yajl2_c) lets some invalid UTF-8 through to Python, which raised a bare ``UnicodeDecodeError``,
and it read a lone surrogate escape as ``?``; orjson refuses both.  Each case runs through both
containers and must end with the same code at the same line, or be accepted by both.
"""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streaming import BackupError, ErrorCode, Limits, Row, iter_records, verify
from streaming.textscan import TextScreen
from tests.streaming.samples import build_backup, fails
from tests.streaming.test_streaming_hostile import document_with_row, ndjson_with_row


def verdicts(row: bytes, **limits: int) -> tuple[str, str]:
    """``code line`` (or ``accepted``) of ``row`` as line 3 of an NDJSON file and of a JSON document."""
    return outcome(ndjson_with_row(row), **limits), outcome(document_with_row(row), **limits)


def outcome(data: bytes, **limits: int) -> str:
    try:
        verify(io.BytesIO(data), limits=Limits(**limits))
    except BackupError as error:
        return f"{error.code} {error.line}"
    return "accepted"


@pytest.mark.parametrize(
    ("row", "code"),
    [
        (b'[1,"a\xc0\xafb"]', ErrorCode.INVALID_UTF8),  # overlong "/": yajl lets it through
        (b'[1,"a\xed\xa0\x80b"]', ErrorCode.INVALID_UTF8),  # an encoded surrogate
        (b'[1,"\xf4\x90\x80\x80"]', ErrorCode.INVALID_UTF8),  # past U+10FFFF
        (b'[1,"\xe0\x80\x80"]', ErrorCode.INVALID_UTF8),
        (b'[1,"\xff"]', ErrorCode.INVALID_UTF8),
        (b"[1,\xff]", ErrorCode.INVALID_UTF8),  # outside a string: orjson checks the whole line first
        (b'{"\xc0\xaf":1}', ErrorCode.INVALID_UTF8),  # in a key
        (b'[1,"a\\ud800b"]', ErrorCode.INVALID_JSON),  # ijson read it as "a?b"
        (b'[1,"\\udc00"]', ErrorCode.INVALID_JSON),  # a lone low one
        (b'[1,"\\ud83dx"]', ErrorCode.INVALID_JSON),
        (b'[1,"\\ud83d\\u0041"]', ErrorCode.INVALID_JSON),  # ijson made one character of it
        (b'[1,"\\uD83D\\uD83D"]', ErrorCode.INVALID_JSON),
        (b'[1,"\\\\\\ud800"]', ErrorCode.INVALID_JSON),  # an escaped backslash, then the escape
        (b'{"\\udfff":1}', ErrorCode.INVALID_JSON),
        (b'[1,"\\ud800\xff"]', ErrorCode.INVALID_UTF8),  # invalid UTF-8 outranks invalid JSON in a line
        (b'[1,"\\ud800",' + b"1" * 30 + b"]", ErrorCode.NUMBER_TOO_LONG),  # and a number outranks both
        (b'[1,"\\uzzzz"]', ErrorCode.INVALID_JSON),
    ],
)
def test_both_containers_refuse_alike(row: bytes, code: ErrorCode) -> None:
    assert verdicts(row) == (f"{code} 3", f"{code} 3")
    for read_size in (1, 2, 3, 5, 7):  # every piece boundary the escape or character can straddle
        assert outcome(document_with_row(row), read_size=read_size) == f"{code} 3"


def test_the_document_error_carries_the_record_and_message() -> None:
    error = fails(document_with_row(b'[1,"\\ud800"]'), ErrorCode.INVALID_JSON, 3)
    assert error.message == "Line 3 is not valid JSON."
    error = fails(document_with_row(b'[1,"\xc0\xaf"]'), ErrorCode.INVALID_UTF8, 3)
    assert error.message == "Line 3 is not valid UTF-8 text."


@pytest.mark.parametrize("escape", [b"\\ud800", b"\\udc00", b"\\ud83d\\u0041", b"\xed\xa0\x80", b"\xc0\xaf"])
@pytest.mark.parametrize("pad", range(13))
def test_a_lone_escape_split_at_every_offset(escape: bytes, pad: int) -> None:
    """Pieces of 13 bytes: the padding moves the escape across every offset of a piece boundary."""
    row = b'[1,"' + b"x" * pad + escape + b'y"]'
    code = "invalid_json" if escape.startswith(b"\\") else "invalid_utf8"
    assert outcome(document_with_row(row), read_size=13) == f"{code} 3"


@pytest.mark.parametrize("pad", range(13))
def test_valid_pairs_and_escaped_backslashes_are_accepted_at_every_offset(pad: int) -> None:
    texts = ["😀 \U0010ffff", "\\ud800", "\\\\udc00", "\\", "é\\"]
    data = build_backup("json", [("app.model", ["id", "t"], [(i, "x" * pad + t) for i, t in enumerate(texts)])])
    escaped = data.replace("😀".encode(), b"\\ud83d\\ude00").replace("\U0010ffff".encode(), b"\\uDBFF\\uDFFF")
    assert escaped != data
    events = iter_records(io.BytesIO(escaped), limits=Limits(read_size=13))
    rows = [event.values for event in events if type(event) is Row]
    assert [row[1] for row in rows] == ["x" * pad + t for t in texts]


def test_both_containers_accept_escaped_backslash_before_u() -> None:
    assert verdicts(b'[1,"\\\\ud800"]') == ("truncated 4", "truncated 4")  # valid row: the end is missing


def test_valid_pair_in_a_row_is_read_the_same() -> None:
    assert verdicts(b'[1,"\\ud83d\\ude00"]') == ("truncated 4", "truncated 4")


def test_the_screen_holds_back_only_what_may_still_change() -> None:
    screen = TextScreen()
    assert screen.cut(b'["a\\ud83d') == (b'["a', -1, -1)
    assert screen.cut(b"\\ude00\xc3") == (b"\\ud83d\\ude00", -1, -1)
    assert screen.cut(b'\xa9"]') == (b'\xc3\xa9"]', -1, -1)
    assert screen.cut(b'["\\\\') == (b'["\\\\', -1, -1)
    assert screen.cut(b'ud800\\') == (b"ud800", -1, -1)
    assert screen.cut(b'udc00"') == (b'\\udc00"', -1, 0)
    assert screen.rest() == b""


def test_truncated_documents_never_escape_as_other_errors() -> None:
    row = b'[1,"\xc3\xa9\\ud83d\\ude00 \\\\ \\u0041"]'
    data = document_with_row(row)
    for end in range(len(data) - len(row) - 4, len(data)):
        for read_size in (3, 64):
            assert outcome(data[:end], read_size=read_size) != "accepted"


VALID = [b"a", b"\xc3\xa9", b"\\\\", b"\\n", b"\\ud83d\\ude00", b"\\u0041", b"\xf0\x9f\x9a\x97", b"1" * 25]
BAD = [b"", b"\\ud800", b"\\udc00", b"\\u", b"\\ud83d", b"\xc0\xaf", b"\xed\xa0\x80", b"\xff", b"\xc3", b"\\"]
valid_text = st.lists(st.sampled_from(VALID), max_size=8).map(b"".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=valid_text, bad=st.sampled_from(BAD), after=valid_text, read_size=st.sampled_from([1, 2, 5, 11, 4096]))
def test_property_one_defect_gets_the_same_verdict(before: bytes, bad: bytes, after: bytes, read_size: int) -> None:
    """Valid text around at most one defect.  (Several defects in one record may still differ: after
    ijson fails, the document path does not look further into the record, orjson checks the whole line.)"""
    ndjson, document = verdicts(b'[1,"' + before + bad + after + b'"]', read_size=read_size)
    assert ndjson == document
