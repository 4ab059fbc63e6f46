"""When an EventBridge Scheduler expression fires: cron, rate and at, in a time zone.

The local cloud's own evaluator (localcloud knows nothing of ecsdrop, whose validating parser
is in the deployable layer): it reads what Scheduler accepts (six cron fields with , - * / ?
L W # and names; rate(n minute(s)|hour(s)|day(s)); at(yyyy-mm-ddThh:mm:ss)) and refuses what
it cannot read with a ValueError, the shape check CreateSchedule answers. DST as Scheduler
does it: a skipped local time never fires, a repeated one fires once.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

_SHAPE = re.compile(r"(cron|rate|at)\((.*)\)")
_MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
_RATE_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}

DayTest = Callable[[date], bool]


def next_fire_time(
    expression: str, zone: str, after: datetime, start: datetime | None = None
) -> datetime | None:
    """The first time strictly after ``after`` (aware) that ``expression`` fires, in UTC; None
    when it never fires again. A rate fires at ``start`` and every period from it."""
    kind, body = _split(expression)
    if kind == "rate":
        period = rate_period(body)
        first = start or after
        if first > after:
            return first.astimezone(UTC)
        return (first + ((after - first) // period + 1) * period).astimezone(UTC)
    tz = ZoneInfo(zone)
    if kind == "at":
        moment = datetime.strptime(body, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=tz)
        return moment.astimezone(UTC) if moment > after else None
    for local in _cron_times(body, after.astimezone(tz).date()):
        moment = local.replace(tzinfo=tz).astimezone(UTC)
        if moment.astimezone(tz).replace(tzinfo=None) == local and moment > after:
            return moment
    return None


def check_expression(expression: str) -> None:
    """ValueError when Scheduler could not read ``expression``."""
    kind, body = _split(expression)
    if kind == "rate":
        rate_period(body)
    elif kind == "at":
        datetime.strptime(body, "%Y-%m-%dT%H:%M:%S")
    else:
        next(_cron_times(body, date(1970, 1, 1)), None)


def is_one_time(expression: str) -> bool:
    return expression.startswith("at(")


def rate_period(body: str) -> timedelta:
    value, _, unit = body.partition(" ")
    seconds = _RATE_SECONDS.get(unit.strip().removesuffix("s"))
    if not value.isdigit() or int(value) < 1 or seconds is None:
        raise ValueError(f"rate({body}) is not rate(value minutes|hours|days)")
    return timedelta(seconds=int(value) * seconds)


def _split(expression: str) -> tuple[str, str]:
    shape = _SHAPE.fullmatch(expression.strip())
    if shape is None:
        raise ValueError(f"{expression!r} is not cron(...), rate(...) or at(...)")
    return shape.group(1), shape.group(2).strip()


# -- cron ------------------------------------------------------------------------------------


def _cron_times(body: str, first: date) -> Iterator[datetime]:
    """Local times of a cron body from the day ``first`` on: month by month, then day by day."""
    fields = body.upper().split()
    if len(fields) != 6 or (fields[2] == "?") == (fields[4] == "?"):
        raise ValueError(f"cron({body}) needs six fields and exactly one ? among the days")
    minutes = sorted(_numbers(fields[0], 0, 59))
    hours = sorted(_numbers(fields[1], 0, 23))
    months = sorted(_numbers(fields[3], 1, 12, _MONTH_NAMES))
    years = sorted(_numbers(fields[5], 1970, 2199))
    picks = _day_of_week(fields[4]) if fields[2] == "?" else _day_of_month(fields[2])
    for year in years:
        for month in months:
            if (year, month) < (first.year, first.month):
                continue
            for day_number in range(1, calendar.monthrange(year, month)[1] + 1):
                day = date(year, month, day_number)
                if day >= first and picks(day):
                    yield from (
                        datetime(year, month, day_number, h, m) for h in hours for m in minutes
                    )


def _numbers(text: str, low: int, high: int, names: list[str] | None = None) -> set[int]:
    found: set[int] = set()
    for part in text.split(","):
        span, _, step = part.partition("/")
        if span == "*":
            begin, end = low, high
        else:
            begin_text, dash, end_text = span.partition("-")
            begin = _number(begin_text, low, high, names)
            end = _number(end_text, low, high, names) if dash else (high if step else begin)
        every = int(step) if step else 1
        if every < 1:
            raise ValueError(f"step {step} in {text!r}")
        span_values = (
            list(range(begin, end + 1))
            if end >= begin
            else [
                *range(begin, high + 1),
                *range(low, end + 1),
            ]
        )
        found.update(span_values[::every])
    return found


def _number(text: str, low: int, high: int, names: list[str] | None) -> int:
    if names and text in names:
        return low + names.index(text)
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValueError(f"{text!r} is not in {low}-{high}")
    return int(text)


def _cron_weekday(day: date) -> int:
    return (day.weekday() + 1) % 7 + 1  # 1 = Sunday


def _last_day(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def _day_of_month(text: str) -> DayTest:
    if text == "L":
        return lambda day: day.day == _last_day(day)
    if text.endswith("W"):
        wanted = 0 if text == "LW" else _number(text[:-1], 1, 31, None)
        return lambda day: day == _nearest_weekday(day, wanted or _last_day(day))
    days = _numbers(text, 1, 31)
    return lambda day: day.day in days


def _nearest_weekday(day: date, wanted: int) -> date | None:
    """The weekday nearest the ``wanted``th of ``day``'s month, never in another month."""
    last = _last_day(day)
    if wanted > last:
        return None
    target = day.replace(day=wanted)
    if target.weekday() == 5:
        return target + timedelta(days=-1 if wanted > 1 else 2)
    if target.weekday() == 6:
        return target + timedelta(days=1 if wanted < last else -2)
    return target


def _day_of_week(text: str) -> DayTest:
    if text == "L":
        return lambda day: _cron_weekday(day) == 7
    if text.endswith("L"):
        weekday = _number(text[:-1], 1, 7, _DAY_NAMES)
        return lambda day: _cron_weekday(day) == weekday and day.day + 7 > _last_day(day)
    if "#" in text:
        name, _, nth = text.partition("#")
        weekday, week = _number(name, 1, 7, _DAY_NAMES), _number(nth, 1, 5, None)
        return lambda day: _cron_weekday(day) == weekday and (day.day + 6) // 7 == week
    weekdays = _numbers(text, 1, 7, _DAY_NAMES)
    return lambda day: _cron_weekday(day) in weekdays
