"""Check and convert every value of a backup row before it reaches the database.

``bulk_create`` skips model validation and the databases disagree on what they accept
(SQLite stores 100 characters in a ``max_length=20`` column and NUL characters PostgreSQL
rejects, Decimals round differently), so each value is checked here against its field, with
the same rules on every database: what both can store *and read back*. Integer ranges are
PostgreSQL's, the stricter ones; datetimes must fall in years 1-9999 once in UTC (PostgreSQL
stores later ones, which Python then cannot read); decimals are checked from their digits
before any arithmetic; a field's own validators (email, URL, slug...) run as Django defines
them. A message quotes at most ``shorten()`` of the value.
"""

import ipaddress
import re
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core import validators as django_validators
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from streaming.errors import shorten


class ValueProblem(Exception):
    """A value does not fit its field; the message says why, the caller says where.

    Made from a translatable clause and its ``params``: translated (the active language), then formatted.
    """

    def __init__(self, message: Any, **params: Any) -> None:
        super().__init__(str(message) % params if params else str(message))


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
            raise ValueProblem(_("is empty (null), but this field needs a value"))
        value = convert(value)
        if allowed is not None and value not in allowed and not (blank_ok and value == ""):
            raise ValueProblem(_("%(value)s is not one of the allowed choices"), value=shorten(value))
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
            return _validated(_text(field.max_length), field)
    return _fallback(field)


def _integer(low: int, high: int) -> Converter:
    def convert(value: Any) -> int:
        if type(value) is not int:
            raise ValueProblem(_("%(value)s is not a whole number"), value=shorten(value))
        if not low <= value <= high:
            raise ValueProblem(_("%(value)s is out of range (%(low)s to %(high)s)"), value=shorten(value), low=low, high=high)
        return value

    return convert


def _boolean(value: Any) -> bool:
    if type(value) is not bool:
        raise ValueProblem(_("%(value)s is not true or false"), value=shorten(value))
    return value


def _float(value: Any) -> float:
    if type(value) not in (int, float):
        raise ValueProblem(_("%(value)s is not a number"), value=shorten(value))
    return float(value)


def _decimal(max_digits: int, places: int) -> Converter:
    max_whole = max_digits - places
    max_text = max_digits + 32  # sign, point, exponent and some zeros: more is never a fitting number

    def convert(value: Any) -> Decimal:
        if type(value) not in (str, int):
            raise ValueProblem(_("%(value)s is not a decimal number written as text"), value=shorten(value))
        if type(value) is str and len(value) > max_text:
            raise ValueProblem(_("%(value)s is too long for a number of at most %(max_digits)s digits"), value=shorten(value), max_digits=max_digits)
        try:
            number = Decimal(value)
        except (InvalidOperation, ValueError):
            raise ValueProblem(_("%(value)s is not a decimal number"), value=shorten(value)) from None
        if not number.is_finite():
            raise ValueProblem(_("%(value)s is not a finite number"), value=shorten(value))
        decimals, whole = _places(number)
        if decimals > places:
            raise ValueProblem(_("%(value)s has %(decimals)s decimal places; at most %(places)s fit (it would be rounded)"), value=shorten(value), decimals=decimals, places=places)
        if whole > max_whole:
            raise ValueProblem(_("%(value)s is too large: at most %(max_whole)s digits before the decimal point fit"), value=shorten(value), max_whole=max_whole)
        return number if number else Decimal(0)  # a zero like -0E-1000000 overflows PostgreSQL's numeric

    return convert


def _places(number: Decimal) -> tuple[int, int]:
    """(decimal places, digits before the point) of a finite Decimal, read off its digits
    without arithmetic, so that an exponent like ``1E+999999999`` costs nothing and never
    overflows a context."""
    _, digits, exponent = number.as_tuple()
    significant = len(digits)
    while significant and not digits[significant - 1]:
        significant -= 1
    if not significant:
        return 0, 0
    exponent += len(digits) - significant
    return max(-exponent, 0), max(significant + exponent, 0)


def _parse(kind: type, not_text: Any, not_valid: Any) -> Converter:
    def convert(value: Any):
        if type(value) is not str:
            raise ValueProblem(not_text, value=shorten(value))
        try:
            return kind.fromisoformat(value)
        except ValueError:
            raise ValueProblem(not_valid, value=shorten(value)) from None

    return convert


_parse_datetime = _parse(
    datetime,
    _("%(value)s is not a date and time written as text"),
    _("%(value)s is not a valid date and time"),
)
_date_or_datetime = _parse(date, _("%(value)s is not a date written as text"), _("%(value)s is not a valid date"))
_time = _parse(time, _("%(value)s is not a time written as text"), _("%(value)s is not a valid time"))


_LARGEST_OFFSET = timedelta(hours=15, minutes=59, seconds=59)


def _datetime(value: Any) -> datetime:
    moment = _parse_datetime(value)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueProblem(_("%(value)s has no time zone offset; the moment it names is ambiguous"), value=shorten(value))
    offset = moment.utcoffset()
    if abs(offset) > _LARGEST_OFFSET or offset.microseconds:
        raise ValueProblem(_("%(value)s has a time zone offset PostgreSQL cannot store (whole seconds, at most ±15:59:59)"), value=shorten(value))
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise ValueProblem(_("%(value)s falls outside the years 1 to 9999 once in UTC"), value=shorten(value)) from None
    return moment


def _date(value: Any) -> date:
    if type(value) is str and len(value) != 10:
        raise ValueProblem(_("%(value)s is not a date (YYYY-MM-DD)"), value=shorten(value))
    return _date_or_datetime(value)


def _uuid(value: Any) -> uuid.UUID:
    if type(value) is not str:
        raise ValueProblem(_("%(value)s is not a UUID written as text"), value=shorten(value))
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ValueProblem(_("%(value)s is not a valid UUID"), value=shorten(value)) from None


_CANONICAL_IPV4 = re.compile(r"(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)")
"""An IPv4 address as ``ipaddress`` writes it (no leading zeros): already valid and canonical."""


def _ip_address(value: Any) -> str:
    if type(value) is str and _CANONICAL_IPV4.fullmatch(value):  # the audit log's addresses: skip the parse
        return value
    if type(value) is not str:
        raise ValueProblem(_("%(value)s is not an IP address written as text"), value=shorten(value))
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ValueProblem(_("%(value)s is not a valid IP address"), value=shorten(value)) from None


def _text(max_length: int | None) -> Converter:
    def convert(value: Any) -> str:
        if type(value) is not str:
            raise ValueProblem(_("%(value)s is not text"), value=shorten(value))
        if max_length is not None and len(value) > max_length:
            raise ValueProblem(_("has %(length)s characters; at most %(max_length)s fit"), length=len(value), max_length=max_length)
        if "\x00" in value:
            raise ValueProblem(_("contains a NUL character, which databases cannot store in text"))
        return value

    return convert


def _json(value: Any) -> Any:
    if _has_nul(value):
        raise ValueProblem(_("contains a NUL character, which databases cannot store in JSON"))
    return value


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any("\x00" in key or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


# Rules the converters above already enforce, with their own clearer messages.
_BUILT_IN_RULES = (
    django_validators.MaxLengthValidator,
    django_validators.ProhibitNullCharactersValidator,
    django_validators.MinValueValidator,
    django_validators.MaxValueValidator,
)


def _validated(convert: Converter, field: models.Field) -> Converter:
    """``convert``, then the field's own validators (email, URL, slug, a model's regex...)."""
    extra = [v for v in field.validators if not isinstance(v, _BUILT_IN_RULES)]
    if not extra:
        return convert

    def checked(value: Any) -> Any:
        value = convert(value)
        if value == "" and field.blank:
            return value
        for validator in extra:
            try:
                validator(value)
            except ValidationError as exc:
                raise ValueProblem(_("%(value)s is not valid here: %(reasons)s"), value=shorten(value), reasons=' '.join(exc.messages)) from None
        return value

    return checked


def _fallback(field: models.Field) -> Converter:
    """Fields the ERP does not use yet: Django's own conversion and validators."""

    def convert(value: Any) -> Any:
        try:
            value = field.to_python(value)
            field.run_validators(value)
        except Exception as exc:
            raise ValueProblem(shorten(str(exc))) from None
        return value

    return convert
