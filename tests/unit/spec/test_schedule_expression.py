"""EventBridge Scheduler's expressions: the forms AWS documents pass, each mistake is named by
the part it is in, and each expression fires when Scheduler would fire it."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from ecsdrop.errors import EcsdropError, ScheduleExpressionError
from ecsdrop.spec.schedule_expression import parse, valid_timezone

ACCEPTED = [
    "cron(0 3 * * ? *)",
    "cron(0/15 * * * ? *)",
    "cron(0 18 ? * MON-FRI *)",
    "cron(0 10 ? * 6L 2026)",
    "cron(15 10 L * ? *)",
    "cron(0 0 LW * ? *)",
    "cron(0 8 1W * ? *)",
    "cron(0 9 ? * 2#1 *)",
    "cron(0,30 8-17 ? * mon-fri 2026-2030)",
    "cron(5 0 1 JAN,JUL ? *)",
    "cron(0 12 ? * WED *)",
    "rate(1 minute)",
    "rate(1 hour)",
    "rate(5 minutes)",
    "rate(7 days)",
    "at(2027-01-01T00:00:00)",
]


@pytest.mark.parametrize("expression", ACCEPTED)
def test_the_documented_forms_are_accepted(expression: str) -> None:
    parsed = parse(expression)

    assert parsed.kind == expression.split("(", 1)[0]
    assert parsed.text == expression


REFUSED = [
    ("cron(0 3 * * * *)", "day-of-week", "exactly one of day-of-month (*) and day-of-week (*)"),
    ("cron(0 3 ? * ? *)", "day-of-month", "must be ?"),
    ("cron(60 3 * * ? *)", "minutes", "minutes '60': 60 is outside 0-59"),
    ("cron(0 24 * * ? *)", "hours", "24 is outside 0-23"),
    ("cron(0 3 32 * ? *)", "day-of-month", "32 is outside 1-31"),
    ("cron(0 3 * 13 ? *)", "month", "13 is outside 1-12"),
    ("cron(0 3 ? * 8 *)", "day-of-week", "8 is outside 1-7"),
    ("cron(0 3 * * ? 1969)", "year", "1969 is outside 1970-2199"),
    ("cron(0 3 * * ? 2200)", "year", "2200 is outside 1970-2199"),
    ("cron(0 3 ? * 2#6 *)", "day-of-week", "# takes the week of the month after it, 1-5"),
    ("cron(0 3 * FOO ? *)", "month", "'FOO' is not a value of month (1-12 or JAN-DEC)"),
    ("cron(0 3 ? * FUNDAY *)", "day-of-week", "is not a value of day-of-week (1-7 or SUN-SAT)"),
    ("cron(*/0 3 * * ? *)", "minutes", "the step after / must be a positive whole number"),
    ("cron(0 ? * * ? *)", "hours", "? is only for day-of-month or day-of-week"),
    ("cron(0 3 2L * ? *)", "day-of-month", "L stands alone"),
    ("cron(0 3 1,L * ? *)", "day-of-month", "L stands alone"),
    ("cron(0 3 W * ? *)", "day-of-month", "W follows one day"),
    ("cron(5W 3 * * ? *)", "minutes", "'5W' is not a value of minutes (0-59)"),
    ("cron(0 3 ? * MON-FRIL *)", "day-of-week", "L stands alone or follows one day"),
    ("cron(0 3 * * ? 2030-2026)", "year", "ends before it starts"),
    ("cron(0 3 1,,2 * ? *)", "day-of-month", "empty item"),
    ("cron(0 3 * * ?)", None, "has 5 fields; a cron expression has six"),
    ("rate(0 hours)", "rate value", "the value must be a positive whole number"),
    ("rate(1.5 hours)", "rate value", "positive whole number"),
    ("rate(5 weeks)", "rate unit", "minute, minutes, hour, hours, day, days, not 'weeks'"),
    ("rate(1 hours)", "rate unit", "a value of 1 takes the unit 'hour': rate(1 hour)"),
    ("rate(5 minute)", "rate unit", "takes the unit 'minutes': rate(5 minutes)"),
    ("rate(5)", None, "needs a value and a unit"),
    ("at(2027-1-1T00:00:00)", "at", "two digits each"),
    ("at(2027-02-30T00:00:00)", "at", "yyyy-mm-ddThh:mm:ss"),
    ("at(tomorrow)", "at", "yyyy-mm-ddThh:mm:ss"),
    ("every day at 3", None, "is not a schedule expression"),
    ("cron 0 3 * * ? *", None, "is not a schedule expression"),
]


@pytest.mark.parametrize(("expression", "part", "message"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_wrong_expression_is_refused_naming_its_part(
    expression: str, part: str | None, message: str
) -> None:
    with pytest.raises(ScheduleExpressionError) as raised:
        parse(expression)

    assert raised.value.field == part
    assert message in str(raised.value)
    assert str(raised.value).startswith(expression) or raised.value.field is None


def test_the_error_is_a_value_error_and_one_of_ecsdrops() -> None:
    assert issubclass(ScheduleExpressionError, ValueError)
    assert issubclass(ScheduleExpressionError, EcsdropError)


def test_time_zones_are_the_iana_ones() -> None:
    assert valid_timezone("UTC")
    assert valid_timezone("Europe/Berlin")
    assert valid_timezone("America/Argentina/Buenos_Aires")
    assert not valid_timezone("Europe/Gotham")
    assert not valid_timezone("../../etc/passwd")
    assert not valid_timezone("")


# --------------------------------------------------------------------------- fire times


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def fires(
    expression: str, after: datetime, timezone: str = "UTC", count: int = 1
) -> list[datetime]:
    return parse(expression).next_fire_times(after, timezone, count)


def test_a_daily_cron_in_berlin_fires_at_two_utc_in_winter_and_one_in_summer() -> None:
    assert fires("cron(0 3 * * ? *)", utc(2026, 1, 10, 12), "Europe/Berlin", 2) == [
        utc(2026, 1, 11, 2),
        utc(2026, 1, 12, 2),
    ]
    assert fires("cron(0 3 * * ? *)", utc(2026, 7, 1), "Europe/Berlin") == [utc(2026, 7, 1, 1)]


def test_the_next_time_is_strictly_after() -> None:
    assert fires("cron(0 3 * * ? *)", utc(2026, 1, 10, 3)) == [utc(2026, 1, 11, 3)]
    assert fires("cron(0/15 * * * ? *)", utc(2026, 1, 10, 3, 7, 30), count=3) == [
        utc(2026, 1, 10, 3, 15),
        utc(2026, 1, 10, 3, 30),
        utc(2026, 1, 10, 3, 45),
    ]


def test_weekdays_only_skip_the_weekend() -> None:
    # 2026-01-09 is a Friday
    assert fires("cron(0 18 ? * MON-FRI *)", utc(2026, 1, 9, 19), count=2) == [
        utc(2026, 1, 12, 18),
        utc(2026, 1, 13, 18),
    ]


def test_l_in_day_of_month_is_the_last_day_and_february_has_29_in_a_leap_year() -> None:
    assert fires("cron(15 10 L * ? *)", utc(2028, 2, 1), count=2) == [
        utc(2028, 2, 29, 10, 15),
        utc(2028, 3, 31, 10, 15),
    ]
    assert fires("cron(15 10 L * ? *)", utc(2027, 2, 1)) == [utc(2027, 2, 28, 10, 15)]


def test_nl_in_day_of_week_is_the_last_such_day_of_the_month() -> None:
    assert fires("cron(0 10 ? * 6L 2026)", utc(2026, 1, 1), count=2) == [
        utc(2026, 1, 30, 10),
        utc(2026, 2, 27, 10),
    ]


def test_l_alone_in_day_of_week_is_saturday() -> None:
    assert fires("cron(0 10 ? * L *)", utc(2026, 1, 1), count=2) == [
        utc(2026, 1, 3, 10),
        utc(2026, 1, 10, 10),
    ]


def test_hash_picks_the_nth_weekday_of_the_month() -> None:
    # 2#1: the first Monday; 3#2: the second Tuesday
    assert fires("cron(0 9 ? * 2#1 *)", utc(2026, 1, 1), count=2) == [
        utc(2026, 1, 5, 9),
        utc(2026, 2, 2, 9),
    ]
    assert fires("cron(0 9 ? * 3#2 *)", utc(2026, 1, 1)) == [utc(2026, 1, 13, 9)]


def test_w_picks_the_nearest_weekday_without_leaving_the_month() -> None:
    # 2026-02-01 is a Sunday (→ Monday the 2nd), 2026-08-01 a Saturday (→ Monday the 3rd,
    # not Friday in July), 2026-04-01 a Wednesday (itself)
    assert fires("cron(0 8 1W * ? *)", utc(2026, 1, 15), count=3) == [
        utc(2026, 2, 2, 8),
        utc(2026, 3, 2, 8),
        utc(2026, 4, 1, 8),
    ]
    assert fires("cron(0 8 1W * ? *)", utc(2026, 7, 15)) == [utc(2026, 8, 3, 8)]
    # 2026-01-31 is a Saturday: the last weekday is Friday the 30th
    assert fires("cron(0 0 LW * ? *)", utc(2026, 1, 1)) == [utc(2026, 1, 30)]


def test_a_time_the_clocks_skip_never_fires_and_one_they_repeat_fires_once() -> None:
    # Berlin: 2026-03-29 02:00 jumps to 03:00; 2026-10-25 03:00 falls back to 02:00
    assert fires("cron(30 2 * * ? *)", utc(2026, 3, 28), "Europe/Berlin", 2) == [
        utc(2026, 3, 28, 1, 30),
        utc(2026, 3, 30, 0, 30),
    ]
    assert fires("cron(30 2 * * ? *)", utc(2026, 10, 24, 12), "Europe/Berlin", 2) == [
        utc(2026, 10, 25, 0, 30),
        utc(2026, 10, 26, 1, 30),
    ]


def test_an_expression_with_no_future_time_fires_never_and_quickly() -> None:
    begun = time.monotonic()

    assert fires("cron(0 0 1 1 ? 2001)", utc(2026, 1, 1)) == []
    assert fires("cron(0 0 30 2 ? *)", utc(2026, 1, 1)) == []

    assert time.monotonic() - begun < 1


def test_a_rate_fires_from_its_start_every_period() -> None:
    start = utc(2026, 1, 1, 0, 0, 0)
    expression = parse("rate(1 hour)")

    assert expression.next_fire_times(utc(2026, 1, 1, 5, 30), count=2, start=start) == [
        utc(2026, 1, 1, 6),
        utc(2026, 1, 1, 7),
    ]
    assert expression.next_fire_times(utc(2025, 12, 31, 23), start=start) == [start]
    assert parse("rate(5 minutes)").next_fire_times(utc(2026, 1, 1, 0, 2), count=1) == [
        utc(2026, 1, 1, 0, 7)
    ]


def test_an_at_fires_once_in_its_time_zone_and_never_once_past() -> None:
    expression = parse("at(2027-01-01T00:00:00)")

    assert expression.next_fire_times(utc(2026, 6, 1), "Europe/Berlin", count=3) == [
        utc(2026, 12, 31, 23)
    ]
    assert expression.next_fire_times(utc(2027, 1, 1, 0, 0, 1)) == []


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse("rate(1 hour)").next_fire_times(datetime(2026, 1, 1))
