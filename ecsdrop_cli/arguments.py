"""Option types the commands share: a value out of range is a usage error (exit 2) that says
what the option takes, before anything runs."""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from ecsdrop.partitions import is_region
from ecsdrop.spec.installation import ACCOUNT_ID


def bounded(
    kind: type[int] | type[float],
    low: float,
    high: float | None = None,
    *,
    low_inclusive: bool = True,
    note: str = "",
) -> Callable[[str], int | float]:
    """An argparse ``type``: ``kind`` (int or float) from ``low`` up to ``high``."""
    noun = "a whole number" if kind is int else "a number"

    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {noun}") from None
        too_low = value < low if low_inclusive else value <= low
        if not math.isfinite(value) or too_low or (high is not None and value > high):
            wanted = _range(low, high, low_inclusive)
            raise argparse.ArgumentTypeError(f"must be {wanted}{note}, not {text}")
        return value

    return parse


def _range(low: float, high: float | None, low_inclusive: bool) -> str:
    if high is not None:
        return f"{low:g} to {high:g}" if low_inclusive else f"more than {low:g}, at most {high:g}"
    return f"at least {low:g}" if low_inclusive else f"more than {low:g}"


positive_int = bounded(int, 1)
port_number = bounded(int, 0, 65535, note=" (0 picks a free port)")
positive_number = bounded(float, 0, low_inclusive=False)
non_negative_number = bounded(float, 0)


def endpoint_url(text: str) -> str:
    """An http(s) URL with a host, as botocore takes for --endpoint-url."""
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an http:// or https:// URL (the local cloud: http://127.0.0.1:4566)"
        )
    return text


def account_id(text: str) -> str:
    if not ACCOUNT_ID.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not an AWS account id (12 digits)")
    return text


def region_name(text: str) -> str:
    if not is_region(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not an AWS region (such as us-east-1)")
    return text


_STACK_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,127}")


def stack_name(text: str) -> str:
    """A CloudFormation stack name: a letter, then letters, digits and hyphens (128 at most)."""
    if not _STACK_NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a CloudFormation stack name (a letter, then letters, digits and "
            "hyphens, at most 128)"
        )
    return text
