"""EventBridge Scheduler's expressions: the forms AWS documents pass, each mistake is named
by the field it is in."""

from __future__ import annotations

import pytest

from ecsdrop.errors import ScheduleExpressionError
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
    ("cron(60 3 * * ? *)", "minutes", "60 is outside 0-59"),
    ("cron(0 24 * * ? *)", "hours", "24 is outside 0-23"),
    ("cron(0 3 32 * ? *)", "day-of-month", "32 is outside 1-31"),
    ("cron(0 3 * 13 ? *)", "month", "13 is outside 1-12"),
    ("cron(0 3 ? * 8 *)", "day-of-week", "8 is outside 1-7"),
    ("cron(0 3 * * ? 1969)", "year", "1969 is outside 1970-2199"),
    ("cron(0 3 ? * 2#6 *)", "day-of-week", "# takes the week of the month after it, 1-5"),
    ("cron(0 3 * FOO ? *)", "month", "'FOO' is not a value of month (1-12 or JAN-DEC)"),
    ("cron(*/0 3 * * ? *)", "minutes", "the step after / must be a positive whole number"),
    ("cron(0 ? * * ? *)", "hours", "? is only for day-of-month or day-of-week"),
    ("cron(0 3 2L * ? *)", "day-of-month", "L stands alone"),
    ("cron(0 3 * * ? 2030-2026)", "year", "ends before it starts"),
    ("cron(0 3 1,,2 * ? *)", "day-of-month", "empty item"),
    ("cron(0 3 * * ?)", None, "has 5 fields"),
    ("rate(0 hours)", "rate value", "positive whole number"),
    ("rate(1.5 hours)", "rate value", "positive whole number"),
    ("rate(5 weeks)", "rate unit", "minute, minutes, hour, hours, day, days"),
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

    assert raised.value.part == part
    assert message in str(raised.value)


def test_time_zones_are_the_iana_ones() -> None:
    assert valid_timezone("UTC")
    assert valid_timezone("Europe/Berlin")
    assert valid_timezone("America/Argentina/Buenos_Aires")
    assert not valid_timezone("Europe/Gotham")
    assert not valid_timezone("../../etc/passwd")
    assert not valid_timezone("")
