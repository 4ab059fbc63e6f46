"""Option values out of range are usage errors (exit 2) that say what the option takes,
reported by argparse before anything runs or any AWS call is made."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

Ecsdrop = Callable[..., Any]


@pytest.mark.parametrize("limit", ["0", "-3"])
def test_history_limit_below_1_is_a_usage_error_not_a_botocore_message(
    ecsdrop: Ecsdrop, limit: str
) -> None:
    # An endpoint nothing listens on: the run must end before it would be called.
    run = ecsdrop("history", "web", "--limit", limit, "--endpoint-url", "http://127.0.0.1:9")

    assert run.code == 2
    assert f"ecsdrop history: error: argument --limit: must be at least 1, not {limit}" in (
        run.stderr
    )
    assert "Parameter validation failed" not in run.stderr
