"""EventBridge Scheduler's schedule expressions: checked as Scheduler checks them, and when
they fire.

Three forms (docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html):

- ``cron(minutes hours day-of-month month day-of-week year)``: six fields. Every field takes
  ``,`` ``-`` ``*`` and ``/``; day-of-month also ``?``, ``L`` (the last day), ``LW`` (the last
  weekday) and ``W`` (``15W``: the weekday nearest the 15th); day-of-week also ``?``, ``L``
  (Saturday, the last day of the week; ``5L``: the last Thursday) and ``#`` (``3#2``: the
  second Tuesday). Months may be JAN-DEC, days SUN-SAT (1 is Sunday), in any case. Exactly
  one of day-of-month and day-of-week is ``?``.
- ``rate(value unit)``: a positive whole number of minutes, hours or days. The unit is
  singular for 1 and plural otherwise, as EventBridge documents for rate expressions
  (``rate(1 hour)``, ``rate(5 minutes)``): stricter than Scheduler may be, never looser.
- ``at(yyyy-mm-ddThh:mm:ss)``: once, at that time of the schedule's time zone.

Fire times follow Scheduler's daylight saving rules: a local time the clocks skip never
fires, one they repeat fires once (the first).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from ecsdrop.errors import ScheduleExpressionError

_FORM = re.compile(r"(cron|rate|at)\((.*)\)", re.S)
_NUMBER = re.compile(r"[0-9]+")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_SATURDAY = 7
_RATE_UNITS = {"minute": 60, "hour": 3600, "day": 86400}


# --------------------------------------------------------------------------- days


class _Days:
    """The days of a month that a day-of-month or day-of-week field picks."""

    def picks(self, day: date) -> bool:
        raise NotImplementedError


@dataclass(frozen=True)
class _DaysOfMonth(_Days):
    days: frozenset[int]

    def picks(self, day: date) -> bool:
        return day.day in self.days


@dataclass(frozen=True)
class _LastDayOfMonth(_Days):
    def picks(self, day: date) -> bool:
        return day.day == _month_length(day)


@dataclass(frozen=True)
class _NearestWeekday(_Days):
    """``15W``: the weekday nearest the 15th, never in another month; ``LW`` when day is 0."""

    day: int

    def picks(self, day: date) -> bool:
        length = _month_length(day)
        target = self.day or length
        if target > length:
            return False
        nearest = day.replace(day=target)
        if nearest.weekday() == 5:  # Saturday: the Friday before, or Monday the 3rd
            nearest += timedelta(days=-1 if target > 1 else 2)
        elif nearest.weekday() == 6:  # Sunday: the Monday after, or the Friday before
            nearest += timedelta(days=1 if target < length else -2)
        return day == nearest


@dataclass(frozen=True)
class _Weekdays(_Days):
    weekdays: frozenset[int]  # 1 = Sunday ... 7 = Saturday

    def picks(self, day: date) -> bool:
        return _weekday(day) in self.weekdays


@dataclass(frozen=True)
class _LastWeekdayOfMonth(_Days):
    """``5L``: the last Thursday of the month."""

    weekday: int

    def picks(self, day: date) -> bool:
        return _weekday(day) == self.weekday and day.day + 7 > _month_length(day)


@dataclass(frozen=True)
class _NthWeekdayOfMonth(_Days):
    """``3#2``: the second Tuesday of the month."""

    weekday: int
    nth: int

    def picks(self, day: date) -> bool:
        return _weekday(day) == self.weekday and (day.day - 1) // 7 + 1 == self.nth


def _weekday(day: date) -> int:
    """Cron's day of the week: 1 is Sunday, 7 Saturday."""
    return (day.weekday() + 1) % 7 + 1


def _month_length(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


# --------------------------------------------------------------------------- the expression


@dataclass(frozen=True)
class _Cron:
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: _Days
    months: tuple[int, ...]
    years: tuple[int, ...]

    def local_times(self, first: date) -> Iterator[datetime]:
        """Every local time it names from the day ``first`` on, in order (naive)."""
        for year in (y for y in self.years if y >= first.year):
            for month in self.months:
                if (year, month) < (first.year, first.month):
                    continue
                for number in range(1, calendar.monthrange(year, month)[1] + 1):
                    day = date(year, month, number)
                    if day < first or not self.days.picks(day):
                        continue
                    for hour in self.hours:
                        for minute in self.minutes:
                            yield datetime(year, month, number, hour, minute)


@dataclass(frozen=True)
class ScheduleExpression:
    """A schedule expression Scheduler accepts, and when it fires."""

    kind: str  # cron | rate | at
    text: str
    _rule: _Cron | timedelta | datetime  # a cron's fields, a rate's period, an at's local time

    def next_fire_times(
        self,
        after: datetime,
        timezone: str = "UTC",
        count: int = 1,
        *,
        start: datetime | None = None,
    ) -> list[datetime]:
        """The next ``count`` times strictly after ``after`` that it fires, in UTC.

        cron and at read their times in ``timezone``. A rate fires at ``start`` (the
        schedule's StartDate or creation; ``after`` when None) and every period from it, as
        Scheduler starts a rate schedule at once, whatever the zone. Fewer than ``count``
        when the expression runs out (an at that is past, a cron's last year).
        """
        if after.tzinfo is None or (start is not None and start.tzinfo is None):
            raise ValueError("after and start must be aware datetimes")
        times = self._fire_times(after, ZoneInfo(timezone), start or after)
        return [t for _, t in zip(range(count), times, strict=False)]

    def _fire_times(self, after: datetime, zone: ZoneInfo, start: datetime) -> Iterator[datetime]:
        rule = self._rule
        if isinstance(rule, timedelta):
            return _rate_times(rule, after.astimezone(UTC), start.astimezone(UTC))
        local = (
            (rule,)
            if isinstance(rule, datetime)
            else rule.local_times(after.astimezone(zone).date())
        )
        return (t for t in _existing_utc(local, zone) if t > after)


def _rate_times(period: timedelta, after: datetime, start: datetime) -> Iterator[datetime]:
    periods_passed = max(0, (after - start) // period)
    fire = start + periods_passed * period
    while True:
        if fire > after:
            yield fire
        fire += period


def _existing_utc(local_times: Iterable[datetime], zone: ZoneInfo) -> Iterator[datetime]:
    """The local times that exist in ``zone``, in UTC; a repeated one once (its first)."""
    for local in local_times:
        moment = local.replace(tzinfo=zone).astimezone(UTC)
        if moment.astimezone(zone).replace(tzinfo=None) == local:
            yield moment


def parse(expression: str) -> ScheduleExpression:
    """The expression, when EventBridge Scheduler accepts it."""
    form = _FORM.fullmatch(expression)
    if not form:
        raise ScheduleExpressionError(
            f"{expression!r} is not a schedule expression: give cron(minutes hours "
            "day-of-month month day-of-week year), rate(value unit) or "
            "at(yyyy-mm-ddThh:mm:ss)"
        )
    kind, body = form.group(1), form.group(2).strip()
    if kind == "cron":
        return ScheduleExpression(kind, expression, _parse_cron(body))
    if kind == "rate":
        return ScheduleExpression(kind, expression, _parse_rate(body))
    return ScheduleExpression(kind, expression, _parse_at(body))


def valid_timezone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone (UTC, Europe/Berlin...) that zoneinfo knows."""
    if name != "UTC" and name not in available_timezones():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


# --------------------------------------------------------------------------- rate and at


def _parse_rate(body: str) -> timedelta:
    text = f"rate({body})"
    parts = body.split()
    if len(parts) != 2:
        raise ScheduleExpressionError(
            f"{text} needs a value and a unit, as rate(5 minutes) or rate(1 hour)"
        )
    value, unit = parts
    if not _NUMBER.fullmatch(value) or int(value) < 1:
        raise ScheduleExpressionError(
            f"{text}: the value must be a positive whole number, not {value!r}", "rate value"
        )
    singular = unit.removesuffix("s")
    if singular not in _RATE_UNITS:
        units = ", ".join(f"{u}, {u}s" for u in _RATE_UNITS)
        raise ScheduleExpressionError(
            f"{text}: the unit must be one of {units}, not {unit!r}", "rate unit"
        )
    expected = singular if int(value) == 1 else f"{singular}s"
    if unit != expected:
        raise ScheduleExpressionError(
            f"{text}: a value of {value} takes the unit {expected!r}: rate({value} {expected})",
            "rate unit",
        )
    return timedelta(seconds=int(value) * _RATE_UNITS[singular])


def _parse_at(body: str) -> datetime:
    text = f"at({body})"
    try:
        moment = datetime.strptime(body, "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        raise ScheduleExpressionError(
            f"{text}: give a date and time as yyyy-mm-ddThh:mm:ss, as at(2027-01-31T18:30:00)",
            "at",
        ) from None
    if moment.isoformat() != body:  # strptime takes 2027-1-5T3:0:0 too
        raise ScheduleExpressionError(
            f"{text}: give a date and time as yyyy-mm-ddThh:mm:ss, two digits each", "at"
        )
    return moment


# --------------------------------------------------------------------------- cron


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()  # names of low, low + 1, ...


_MINUTES = _Field("minutes", 0, 59)
_HOURS = _Field("hours", 0, 23)
_DAY_OF_MONTH = _Field("day-of-month", 1, 31)
_MONTH = _Field("month", 1, 12, _MONTHS)
_DAY_OF_WEEK = _Field("day-of-week", 1, 7, _DAYS)
_YEAR = _Field("year", 1970, 2199)

_Wrong = Callable[[str], ScheduleExpressionError]


def _parse_cron(body: str) -> _Cron:
    text = f"cron({body})"
    fields = body.upper().split()
    if len(fields) != 6:
        raise ScheduleExpressionError(
            f"{text} has {len(fields)} fields; a cron expression has six: minutes hours "
            "day-of-month month day-of-week year, as cron(0 3 * * ? *)"
        )
    minutes, hours, day_of_month, month, day_of_week, year = fields
    if (day_of_month == "?") == (day_of_week == "?"):
        raise ScheduleExpressionError(
            f"{text}: exactly one of day-of-month ({day_of_month}) and day-of-week "
            f"({day_of_week}) must be ?, as in cron(0 3 * * ? *) or cron(0 3 ? * MON *)",
            "day-of-week" if day_of_week != "?" else "day-of-month",
        )
    return _Cron(
        minutes=_values(text, _MINUTES, minutes),
        hours=_values(text, _HOURS, hours),
        days=(
            _days_of_week(text, day_of_week)
            if day_of_month == "?"
            else _days_of_month(text, day_of_month)
        ),
        months=_values(text, _MONTH, month),
        years=_values(text, _YEAR, year),
    )


def _wrong_in(text: str, field: _Field, value: str) -> _Wrong:
    def wrong(why: str) -> ScheduleExpressionError:
        return ScheduleExpressionError(f"{text}: {field.name} {value!r}: {why}", field.name)

    return wrong


def _values(text: str, field: _Field, value: str) -> tuple[int, ...]:
    """The sorted values a field's list of ``*``, numbers, ranges and steps names."""
    wrong = _wrong_in(text, field, value)
    if value == "?":
        raise wrong("? is only for day-of-month or day-of-week")
    chosen: set[int] = set()
    for item in value.split(","):
        chosen.update(_item_values(item, field, wrong))
    return tuple(sorted(chosen))


def _item_values(item: str, field: _Field, wrong: _Wrong) -> range | list[int]:
    if not item:
        raise wrong("a list has an empty item")
    base, slash, step_text = item.partition("/")
    step = 1
    if slash:
        if not _NUMBER.fullmatch(step_text) or int(step_text) < 1:
            raise wrong(f"the step after / must be a positive whole number, not {step_text!r}")
        step = int(step_text)
    if base == "*":
        return range(field.low, field.high + 1, step)
    first_text, dash, last_text = base.partition("-")
    first = _value(first_text, field, wrong)
    if not dash:
        return range(first, field.high + 1, step) if slash else [first]
    last = _value(last_text, field, wrong)
    if last >= first:
        return range(first, last + 1, step)
    if field is _YEAR:
        raise wrong(f"the range {base} ends before it starts")
    # a range that wraps (FRI-MON, 22-2) goes on from the field's start
    wrapped = [*range(first, field.high + 1), *range(field.low, last + 1)]
    return wrapped[::step]


def _value(text: str, field: _Field, wrong: _Wrong) -> int:
    if text in field.names:
        return field.low + field.names.index(text)
    if not _NUMBER.fullmatch(text):
        allowed = f"{field.low}-{field.high}"
        if field.names:
            allowed += f" or {field.names[0]}-{field.names[-1]}"
        raise wrong(f"{text!r} is not a value of {field.name} ({allowed})")
    number = int(text)
    if not field.low <= number <= field.high:
        raise wrong(f"{number} is outside {field.low}-{field.high}")
    return number


def _days_of_month(text: str, value: str) -> _Days:
    """``L``, ``LW``, ``15W`` or a list of days."""
    wrong = _wrong_in(text, _DAY_OF_MONTH, value)
    if value == "L":
        return _LastDayOfMonth()
    if value == "LW":
        return _NearestWeekday(0)
    if value.endswith("W") and _NUMBER.fullmatch(value[:-1]):
        return _NearestWeekday(_value(value[:-1], _DAY_OF_MONTH, wrong))
    if "L" in value or "W" in value:
        raise wrong("L stands alone (the last day), W follows one day (15W) or L (LW)")
    return _DaysOfMonth(frozenset(_values(text, _DAY_OF_MONTH, value)))


def _days_of_week(text: str, value: str) -> _Days:
    """``L``, ``5L``, ``3#2`` or a list of days."""
    wrong = _wrong_in(text, _DAY_OF_WEEK, value)
    if value == "L":
        return _Weekdays(frozenset({_SATURDAY}))
    if value.endswith("L") and "," not in value and "-" not in value:
        return _LastWeekdayOfMonth(_value(value[:-1], _DAY_OF_WEEK, wrong))
    if "#" in value:
        day, _, nth = value.partition("#")
        weekday = _value(day, _DAY_OF_WEEK, wrong)
        if not _NUMBER.fullmatch(nth) or not 1 <= int(nth) <= 5:
            raise wrong("# takes the week of the month after it, 1-5, as 3#2")
        return _NthWeekdayOfMonth(weekday, int(nth))
    if "L" in value:  # no day's name has an L
        raise wrong("L stands alone or follows one day (5L: the last Thursday)")
    return _Weekdays(frozenset(_values(text, _DAY_OF_WEEK, value)))
