"""Every Lambda task of the state machine retries the same errors the same way.

The Retry policy is written out in each Task state (ASL has no way to share it); this test is
its one source: a copy that drifts (a missing error, another backoff, an entry out of order)
fails here, and a state that differs on purpose is listed below with its reason.
"""

from __future__ import annotations

from typing import Any

from tests.support.state_machine import all_states, definition, invokes_lambda, lambda_tasks

Retrier = dict[str, Any]

# Lambda's own failures and throttling, before the function ran or around it.
LAMBDA_SERVICE_ERRORS: Retrier = {
    "ErrorEquals": [
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException",
        "Lambda.Unknown",
    ],
    "IntervalSeconds": 2,
    "MaxAttempts": 4,
    "BackoffRate": 2.0,
    "JitterStrategy": "FULL",
}
# AWS throttled a call of the step or failed on its side beyond botocore's retries
# (ecsdrop.aws.errors classifies it).
TRANSIENT_AWS_ERRORS: Retrier = {
    "ErrorEquals": ["TransientAwsError"],
    "IntervalSeconds": 5,
    "MaxAttempts": 5,
    "BackoffRate": 2.0,
    "MaxDelaySeconds": 60,
    "JitterStrategy": "FULL",
}
# The function ran out of time (Sandbox.Timedout) or the task did (States.Timeout).
TIMEOUTS: Retrier = {
    "ErrorEquals": ["Sandbox.Timedout", "States.Timeout"],
    "IntervalSeconds": 2,
    "MaxAttempts": 2,
    "BackoffRate": 2.0,
}
STANDARD = [LAMBDA_SERVICE_ERRORS, TRANSIENT_AWS_ERRORS, TIMEOUTS]

# Another deployment of the service holds the lock: wait for it, bounded (30 tries, up to a
# minute apart).
LOCK_HELD: Retrier = {
    "ErrorEquals": ["LockHeldError"],
    "IntervalSeconds": 10,
    "MaxAttempts": 30,
    "BackoffRate": 1.5,
    "MaxDelaySeconds": 60,
    "JitterStrategy": "FULL",
}

# The Lambda tasks whose Retry differs from STANDARD on purpose, and why.
INTENDED_EXCEPTIONS: dict[str, list[Retrier]] = {
    # one deployment per service: a run waits while another holds the lock
    "AcquireLock": [LOCK_HELD, *STANDARD],
    # a deleted spec's outcome is not known while a run of its service holds the lock:
    # the deletion waits for it (ecsdrop.deploy.load)
    "LoadSpec": [LOCK_HELD, *STANDARD],
    # States.Timeout is the end of a wait on the task token, not a failure: its Catch sends
    # the run to CheckRollout, which looks and waits again; only the function's own
    # timeout is retried
    "WaitForRollout": [
        LAMBDA_SERVICE_ERRORS,
        TRANSIENT_AWS_ERRORS,
        {**TIMEOUTS, "ErrorEquals": ["Sandbox.Timedout"]},
    ],
}


def test_every_lambda_task_retries_lambda_errors_transient_aws_errors_and_timeouts_alike() -> None:
    tasks = lambda_tasks(definition())
    assert len(tasks) > len(INTENDED_EXCEPTIONS)
    drifted = {
        name: state.get("Retry")
        for name, state in tasks.items()
        if state.get("Retry") != INTENDED_EXCEPTIONS.get(name, STANDARD)
    }
    assert drifted == {}


def test_each_intended_exception_is_a_lambda_task_whose_retry_differs_from_the_standard() -> None:
    tasks = lambda_tasks(definition())
    assert sorted(set(INTENDED_EXCEPTIONS) - set(tasks)) == []
    assert [name for name, retry in INTENDED_EXCEPTIONS.items() if retry == STANDARD] == []


def test_every_task_is_a_lambda_task_or_another_service_integration() -> None:
    """A Lambda task written some other way would escape the policy check unseen."""
    other = {
        name: state["Resource"]
        for name, state in all_states(definition())
        if state["Type"] == "Task"
        and not invokes_lambda(state)
        and not (
            state["Resource"].startswith("arn:${Partition}:states:::")
            and ":::lambda:" not in state["Resource"]
        )
    }
    assert other == {}


def test_lambda_tasks_are_recognised_by_function_substitution_or_the_invoke_integration() -> None:
    def task(resource: str) -> dict[str, Any]:
        return {"Type": "Task", "Resource": resource}

    assert invokes_lambda(task("${NetworkFunctionArn}"))
    assert invokes_lambda(task("arn:${Partition}:states:::lambda:invoke"))
    assert invokes_lambda(task("arn:${Partition}:states:::lambda:invoke.waitForTaskToken"))
    assert not invokes_lambda(task("arn:${Partition}:states:::dynamodb:putItem"))
    assert not invokes_lambda(task("${StateTableName}"))
    assert not invokes_lambda({"Type": "Pass", "Resource": "${NetworkFunctionArn}"})
