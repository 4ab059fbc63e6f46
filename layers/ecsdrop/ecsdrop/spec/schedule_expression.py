"""EventBridge Scheduler's schedule expressions, checked as Scheduler checks them.

Three forms (docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html):

- ``cron(minutes hours day-of-month month day-of-week year)``: six fields. Every field takes
  ``,`` ``-`` ``*`` and ``/``; day-of-month also ``?``, ``L`` (the last day) and ``W`` (the
  nearest weekday, ``15W``); day-of-week also ``?``, ``L`` (``5L``: the last Thursday) and
  ``#`` (``3#2``: the second Tuesday). Months may be JAN-DEC, days SUN-SAT (1 is Sunday).
  Exactly one of day-of-month and day-of-week is ``?``.
- ``rate(value unit)``: a positive whole number of minutes, hours or days.
- ``at(yyyy-mm-ddThh:mm:ss)``: once, at that time of the schedule's time zone.

``parse`` raises ``ScheduleExpressionError`` naming the part that is wrong and what it takes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from ecsdrop.errors import ScheduleExpressionError

_FORM = re.compile(r"^(cron|rate|at)\((.*)\)\Z", re.S)
_NUMBER = re.compile(r"^[0-9]+\Z")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_RATE_UNITS = ("minute", "minutes", "hour", "hours", "day", "days")


_Wrong = Callable[[str], ScheduleExpressionError]


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()  # names for low, low + 1, ...


_CRON_FIELDS = (
    _Field("minutes", 0, 59),
    _Field("hours", 0, 23),
    _Field("day-of-month", 1, 31),
    _Field("month", 1, 12, _MONTHS),
    _Field("day-of-week", 1, 7, _DAYS),
    _Field("year", 1970, 2199),
)


@dataclass(frozen=True)
class ScheduleExpression:
    kind: str  # cron | rate | at
    text: str


def parse(expression: str) -> ScheduleExpression:
    """The expression, when EventBridge Scheduler accepts it."""
    form = _FORM.match(expression)
    if not form:
        raise ScheduleExpressionError(
            f"{expression!r} is not a schedule expression: give cron(minutes hours "
            "day-of-month month day-of-week year), rate(value unit) or "
            "at(yyyy-mm-ddThh:mm:ss)"
        )
    kind, body = form.group(1), form.group(2).strip()
    {"cron": _cron, "rate": _rate, "at": _at}[kind](body)
    return ScheduleExpression(kind, expression)


def valid_timezone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone (UTC, Europe/Berlin...)."""
    if name not in available_timezones() and name != "UTC":
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


# --------------------------------------------------------------------------- rate and at


def _rate(body: str) -> None:
    parts = body.split()
    if len(parts) != 2:
        raise ScheduleExpressionError(
            f"rate({body}) needs a value and a unit, as rate(5 minutes) or rate(1 hour)"
        )
    value, unit = parts
    if not _NUMBER.match(value) or int(value) < 1:
        raise ScheduleExpressionError(
            f"rate({body}): the value must be a positive whole number, not {value!r}",
            "rate value",
        )
    if unit not in _RATE_UNITS:
        raise ScheduleExpressionError(
            f"rate({body}): the unit must be one of {', '.join(_RATE_UNITS)}, not {unit!r}",
            "rate unit",
        )


def _at(body: str) -> None:
    try:
        parsed = datetime.strptime(body, "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        raise ScheduleExpressionError(
            f"at({body}): give a date and time as yyyy-mm-ddThh:mm:ss, as at(2027-01-31T18:30:00)",
            "at",
        ) from None
    if parsed.isoformat() != body:  # strptime takes 2027-1-5T3:0:0 too
        raise ScheduleExpressionError(
            f"at({body}): give a date and time as yyyy-mm-ddThh:mm:ss, two digits each",
            "at",
        )


# --------------------------------------------------------------------------- cron


def _cron(body: str) -> None:
    fields = body.split()
    text = f"cron({body})"
    if len(fields) != len(_CRON_FIELDS):
        raise ScheduleExpressionError(
            f"{text} has {len(fields)} fields; a cron expression has six: minutes hours "
            "day-of-month month day-of-week year, as cron(0 3 * * ? *)"
        )
    for field, value in zip(_CRON_FIELDS, fields, strict=True):
        _check_field(text, field, value.upper())
    day_of_month, day_of_week = fields[2], fields[4]
    if (day_of_month == "?") == (day_of_week == "?"):
        raise ScheduleExpressionError(
            f"{text}: exactly one of day-of-month ({day_of_month}) and day-of-week "
            f"({day_of_week}) must be ?, as in cron(0 3 * * ? *) or cron(0 3 ? * MON *)",
            "day-of-week" if day_of_week != "?" else "day-of-month",
        )


def _check_field(text: str, field: _Field, value: str) -> None:
    def wrong(why: str) -> ScheduleExpressionError:
        return ScheduleExpressionError(f"{text}: {field.name} {value!r}: {why}", field.name)

    if value == "?":
        if field.name not in ("day-of-month", "day-of-week"):
            raise wrong("? is only for day-of-month or day-of-week")
        return
    if field.name == "day-of-month" and _day_of_month_special(value, wrong):
        return
    if field.name == "day-of-week" and _day_of_week_special(value, field, wrong):
        return
    for item in value.split(","):
        _check_item(item, field, wrong)


def _check_item(item: str, field: _Field, wrong: _Wrong) -> None:
    if not item:
        raise wrong("a list has an empty item")
    base, slash, step = item.partition("/")
    if slash and (not _NUMBER.match(step) or int(step) < 1):
        raise wrong(f"the step after / must be a positive whole number, not {step!r}")
    if base == "*":
        return
    low, dash, high = base.partition("-")
    first = _value(low, field, wrong)
    if dash:
        last = _value(high, field, wrong)
        if field.name == "year" and last < first:
            raise wrong(f"the range {base} ends before it starts")


def _value(text: str, field: _Field, wrong: _Wrong) -> int:
    if text in field.names:
        return field.low + field.names.index(text)
    if not _NUMBER.match(text):
        allowed = f"{field.low}-{field.high}"
        if field.names:
            allowed += f" or {field.names[0]}-{field.names[-1]}"
        raise wrong(f"{text!r} is not a value of {field.name} ({allowed})")
    number = int(text)
    if not field.low <= number <= field.high:
        raise wrong(f"{number} is outside {field.low}-{field.high}")
    return number


def _day_of_month_special(value: str, wrong: _Wrong) -> bool:
    """``L``, ``LW`` and ``nW``: True when ``value`` is one of them (and valid)."""
    if value in ("L", "LW"):
        return True
    if value.endswith("W"):
        day = value[:-1]
        if not _NUMBER.match(day) or not 1 <= int(day) <= 31:
            raise wrong("W takes one day of the month before it, as 15W")
        return True
    if "L" in value or "W" in value:
        raise wrong("L stands alone (the last day) and W follows one day (15W)")
    return False


def _day_of_week_special(value: str, field: _Field, wrong: _Wrong) -> bool:
    """``L``, ``nL`` and ``n#k``: True when ``value`` is one of them (and valid)."""
    if value == "L":
        return True
    if value.endswith("L"):
        _value(value[:-1], field, wrong)
        return True
    if "#" in value:
        day, _, nth = value.partition("#")
        _value(day, field, wrong)
        if not _NUMBER.match(nth) or not 1 <= int(nth) <= 5:
            raise wrong("# takes the week of the month after it, 1-5, as 3#2")
        return True
    if "L" in value:  # no day's name has an L
        raise wrong("L stands alone or follows one day (5L: the last Thursday)")
    return False
