"""The fault matrix: every AWS call ecsdrop makes, failing twice and failing for good,
through the real template, state machine and handlers on the local cloud.

The calls and what each failure must lead to are tests/support/fault_matrix.py's table,
whose completeness against the code tests/unit/test_fault_matrix_is_complete.py checks.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.hardening.harness import Harness, running_harness
from tests.e2e.hardening.scenarios import (
    SharedNetwork,
    check_normal,
    check_permanent,
    note_async_errors,
    prepare,
    trigger,
)
from tests.support.fault_matrix import (
    Permanent,
    Row,
    Scenario,
    permanent_cases,
    permanent_fault,
    transient_calls,
    transient_faults,
)

pytestmark = pytest.mark.slow

TRANSIENT_SCENARIOS = [s for s in Scenario if transient_calls(s)]
PERMANENT_CASES = permanent_cases()


@pytest.fixture(scope="module")
def harness() -> Iterator[Harness]:
    with running_harness() as harness:
        yield harness


@pytest.fixture(scope="module")
def shared(harness: Harness) -> SharedNetwork:
    return SharedNetwork.create(harness.cloud)


@pytest.fixture(autouse=True)
def quiet_between_cases(harness: Harness) -> Iterator[None]:
    """Each case starts when the last one's stragglers (late ECS events, the notifier) are
    done, and leaves no fault behind."""
    harness.settle()
    yield
    harness.cloud.clear_faults()


def case_id(row: Row, case: Permanent) -> str:
    """``ecs:UpdateService@update-rollback-after1``: the call, the run, the calls let pass."""
    return f"{row.call}@{case.scenario}" + (f"-after{case.after}" if case.after else "")


def service_name(prefix: str, call: str, index: int = 0) -> str:
    action = call.split(":", 1)[1].lower()
    return f"{prefix}{index or ''}-{action}"[:40].rstrip("-")


@pytest.mark.parametrize("scenario", TRANSIENT_SCENARIOS, ids=str)
def test_every_call_throttled_then_failing_with_5xx_still_ends_as_without_faults(
    harness: Harness, shared: SharedNetwork, scenario: Scenario
) -> None:
    """Each call of the run is throttled once and answered with a 5xx once before it
    succeeds (all at once, in one run): the run ends as it does without faults."""
    calls = transient_calls(scenario)
    prepared = prepare(harness, shared, scenario, f"t-{scenario}")
    faults = [fault for call in calls for fault in transient_faults(call)]
    harness.arm(*faults, caller=prepared.caller)
    run = trigger(harness, prepared)
    check_normal(harness, shared, prepared, run)
    assert run is not None
    struck = {f["api"] for f in run.unstruck_faults}
    assert not struck, f"never called in this run: {sorted(struck)}"


@pytest.mark.parametrize(
    ("row", "case"),
    PERMANENT_CASES,
    ids=[case_id(row, case) for row, case in PERMANENT_CASES],
)
def test_a_call_failing_for_good_ends_the_run_as_the_matrix_says(
    harness: Harness, shared: SharedNetwork, row: Row, case: Permanent
) -> None:
    index = PERMANENT_CASES.index((row, case))
    prepared = prepare(harness, shared, case.scenario, service_name("p", row.call, index))
    note_async_errors(harness, prepared, case, row.call)
    harness.arm(permanent_fault(row.call, case.after), caller=prepared.caller)
    run = trigger(harness, prepared)
    check_permanent(harness, shared, prepared, run, case=case, call=row.call)
