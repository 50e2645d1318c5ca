"""Check and convert every value of a backup row before it reaches the database.

``bulk_create`` skips model validation and the databases disagree on what they accept
(SQLite stores 100 characters in a ``max_length=20`` column and NUL characters PostgreSQL
rejects, Decimals round differently), so each value is checked here against its field, with
the same rules on every database. Integer ranges are PostgreSQL's, the stricter ones.
"""

import ipaddress
import uuid
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models


class ValueProblem(Exception):
    """A value does not fit its field; the message says why, the caller says where."""


Converter = Callable[[Any], Any]

_INT_RANGES = {
    "SmallIntegerField": (-(2**15), 2**15 - 1),
    "PositiveSmallIntegerField": (0, 2**15 - 1),
    "IntegerField": (-(2**31), 2**31 - 1),
    "PositiveIntegerField": (0, 2**31 - 1),
    "BigIntegerField": (-(2**63), 2**63 - 1),
    "PositiveBigIntegerField": (0, 2**63 - 1),
    "SmallAutoField": (1, 2**15 - 1),
    "AutoField": (1, 2**31 - 1),
    "BigAutoField": (1, 2**63 - 1),
}


def value_converter(field: models.Field) -> Converter:
    """A function that returns the database-ready value or raises ``ValueProblem``."""
    convert = _base_converter(field)
    nullable = field.null
    allowed = {choice for choice, _ in field.flatchoices} if field.choices else None
    blank_ok = field.blank

    def checked(value: Any) -> Any:
        if value is None:
            if nullable:
                return None
            raise ValueProblem("is empty (null), but this field needs a value")
        value = convert(value)
        if allowed is not None and value not in allowed and not (blank_ok and value == ""):
            raise ValueProblem(f"{value!r} is not one of the allowed choices")
        return value

    return checked


def _base_converter(field: models.Field) -> Converter:
    internal = field.get_internal_type()
    if internal in _INT_RANGES:
        return _integer(*_INT_RANGES[internal])
    if isinstance(field, models.FileField):
        return _text(field.max_length)
    match field:
        case models.BooleanField():
            return _boolean
        case models.DecimalField():
            return _decimal(field.max_digits, field.decimal_places)
        case models.FloatField():
            return _float
        case models.DateTimeField():
            return _datetime
        case models.DateField():
            return _date
        case models.TimeField():
            return _time
        case models.UUIDField():
            return _uuid
        case models.GenericIPAddressField():
            return _ip_address
        case models.JSONField():
            return _json
        case models.CharField() | models.TextField():
            return _text(field.max_length)
    return _fallback(field)


def _integer(low: int, high: int) -> Converter:
    def convert(value: Any) -> int:
        if type(value) is not int:
            raise ValueProblem(f"{value!r} is not a whole number")
        if not low <= value <= high:
            raise ValueProblem(f"{value} is out of range ({low} to {high})")
        return value

    return convert


def _boolean(value: Any) -> bool:
    if type(value) is not bool:
        raise ValueProblem(f"{value!r} is not true or false")
    return value


def _float(value: Any) -> float:
    if type(value) not in (int, float):
        raise ValueProblem(f"{value!r} is not a number")
    return float(value)


def _decimal(max_digits: int, places: int) -> Converter:
    max_whole = max_digits - places

    def convert(value: Any) -> Decimal:
        if type(value) not in (str, int):
            raise ValueProblem(f"{value!r} is not a decimal number written as text")
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise ValueProblem(f"{value!r} is not a decimal number") from None
        if not number.is_finite():
            raise ValueProblem(f"{value!r} is not a finite number")
        _, digits, exponent = number.normalize().as_tuple()
        decimals = max(-exponent, 0)
        whole = max(len(digits) + exponent, 0) if digits != (0,) else 0
        if decimals > places:
            raise ValueProblem(f"{value} has {decimals} decimal places; at most {places} fit (it would be rounded)")
        if whole > max_whole:
            raise ValueProblem(f"{value} is too large: at most {max_whole} digits before the decimal point fit")
        return number

    return convert


def _parse(kind: type, label: str) -> Converter:
    def convert(value: Any):
        if type(value) is not str:
            raise ValueProblem(f"{value!r} is not a {label} written as text")
        try:
            return kind.fromisoformat(value)
        except ValueError:
            raise ValueProblem(f"{value!r} is not a valid {label}") from None

    return convert


_parse_datetime = _parse(datetime, "date and time")
_date_or_datetime = _parse(date, "date")
_time = _parse(time, "time")


def _datetime(value: Any) -> datetime:
    moment = _parse_datetime(value)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueProblem(f"{value!r} has no time zone offset; the moment it names is ambiguous")
    return moment


def _date(value: Any) -> date:
    if type(value) is str and len(value) != 10:
        raise ValueProblem(f"{value!r} is not a date (YYYY-MM-DD)")
    return _date_or_datetime(value)


def _uuid(value: Any) -> uuid.UUID:
    if type(value) is not str:
        raise ValueProblem(f"{value!r} is not a UUID written as text")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ValueProblem(f"{value!r} is not a valid UUID") from None


def _ip_address(value: Any) -> str:
    if type(value) is not str:
        raise ValueProblem(f"{value!r} is not an IP address written as text")
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ValueProblem(f"{value!r} is not a valid IP address") from None


def _text(max_length: int | None) -> Converter:
    def convert(value: Any) -> str:
        if type(value) is not str:
            raise ValueProblem(f"{value!r} is not text")
        if max_length is not None and len(value) > max_length:
            raise ValueProblem(f"has {len(value)} characters; at most {max_length} fit")
        if "\x00" in value:
            raise ValueProblem("contains a NUL character, which databases cannot store in text")
        return value

    return convert


def _json(value: Any) -> Any:
    if _has_nul(value):
        raise ValueProblem("contains a NUL character, which databases cannot store in JSON")
    return value


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any("\x00" in key or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _fallback(field: models.Field) -> Converter:
    """Fields the ERP does not use yet: Django's own conversion and validators."""

    def convert(value: Any) -> Any:
        try:
            value = field.to_python(value)
            field.run_validators(value)
        except Exception as exc:
            raise ValueProblem(str(exc)) from None
        return value

    return convert
