"""Kazakhstan's 12-digit identity numbers: IIN (individuals) and BIN (legal entities).

One validator, used by forms, the API, intake and the demo generator. Messages say what is wrong.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

WEIGHTS_FIRST = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
WEIGHTS_SECOND = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
CENTURY = {1: 1800, 2: 1800, 3: 1900, 4: 1900, 5: 2000, 6: 2000}
BIN_ENTITY_KINDS = {"4": "resident legal entity", "5": "non-resident legal entity", "6": "joint entrepreneurship"}


class IdentityNumberError(ValueError):
    """An IIN or BIN that is not valid; str(error) says why."""


def check_digit(first_eleven: str) -> int | None:
    """The 12th digit for these 11, or None when no check digit exists (the number cannot be issued)."""
    digits = [int(c) for c in first_eleven]
    for weights in (WEIGHTS_FIRST, WEIGHTS_SECOND):
        remainder = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if remainder != 10:
            return remainder
    return None


def _digits(value: str, label: str) -> str:
    value = (value or "").strip()
    if not value.isascii() or not value.isdigit():
        raise IdentityNumberError(_("%(label)s must contain digits only") % {"label": label})
    if len(value) != 12:
        raise IdentityNumberError(_("%(label)s must be 12 digits, got %(n)s") % {"label": label, "n": len(value)})
    return value


def _check(value: str, label: str) -> str:
    expected = check_digit(value[:11])
    if expected is None:
        raise IdentityNumberError(_("%(label)s has no valid check digit for its first 11 digits") % {"label": label})
    if expected != int(value[11]):
        raise IdentityNumberError(_("%(label)s check digit does not match") % {"label": label})
    return value


@dataclass(frozen=True)
class Iin:
    value: str
    birth_date: dt.date
    sex: str  # "M" or "F"


def parse_iin(value: str) -> Iin:
    """Validate an individual identification number and return what it encodes."""
    raw = _digits(value, _("IIN"))
    century_digit = int(raw[6])
    if century_digit not in CENTURY:
        raise IdentityNumberError(
            _("IIN digit 7 must be 1-6 (century and sex), got %(digit)s") % {"digit": century_digit})
    year = CENTURY[century_digit] + int(raw[0:2])
    month, day = int(raw[2:4]), int(raw[4:6])
    if not 1 <= month <= 12:
        raise IdentityNumberError(_("IIN month %(month)s is not a date") % {"month": month})
    try:
        birth = dt.date(year, month, day)
    except ValueError:
        problem = _("IIN day %(day)s is not a date in %(year)s-%(month)02d")
        raise IdentityNumberError(problem % {"day": day, "year": year, "month": month}) from None
    return Iin(value=_check(raw, _("IIN")), birth_date=birth, sex="M" if century_digit % 2 else "F")


def validate_iin(value: str) -> str:
    return parse_iin(value).value


def validate_bin(value: str) -> str:
    """Validate a business identification number (registration year/month, entity kind, check digit)."""
    raw = _digits(value, _("BIN"))
    month = int(raw[2:4])
    if not 1 <= month <= 12:
        raise IdentityNumberError(_("BIN month %(month)s is not a date") % {"month": month})
    if raw[4] not in BIN_ENTITY_KINDS:
        raise IdentityNumberError(
            _("BIN digit 5 must be 4, 5 or 6 (kind of entity), got %(digit)s") % {"digit": raw[4]})
    return _check(raw, _("BIN"))


def validate_identity_number(value: str) -> str:
    """An IIN or a BIN: an individual's number has 1-6 in digit 7, a BIN has 4-6 in digit 5."""
    try:
        return validate_iin(value)
    except IdentityNumberError as iin_error:
        try:
            return validate_bin(value)
        except IdentityNumberError:
            raise iin_error from None


def make_iin(*, birth_date: dt.date, sex: str, serial: int) -> str:
    """The first valid IIN for this person at or after `serial` (used by the demo generator)."""
    century_digit = {1800: 1, 1900: 3, 2000: 5}[birth_date.year // 100 * 100] + (0 if sex == "M" else 1)
    for candidate in range(serial, serial + 10_000):
        first = f"{birth_date:%y%m%d}{century_digit}{candidate % 10_000:04d}"
        digit = check_digit(first)
        if digit is not None:
            return f"{first}{digit}"
    raise ValueError("no valid IIN in this range")


def make_bin(*, registered: dt.date, serial: int) -> str:
    for candidate in range(serial, serial + 100_000):
        first = f"{registered:%y%m}40{candidate % 100_000:05d}"
        digit = check_digit(first)
        if digit is not None:
            return f"{first}{digit}"
    raise ValueError("no valid BIN in this range")


def mask(value: str) -> str:
    """9001******23: enough to tell numbers apart, not enough to identify anyone."""
    value = value or ""
    if len(value) <= 6:
        return "*" * len(value)
    return f"{value[:4]}{'*' * (len(value) - 6)}{value[-2:]}"
