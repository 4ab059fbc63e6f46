"""What the benchmark counts: calls by kind, polling during a rollout, state transitions."""

from __future__ import annotations

from dataclasses import dataclass

from bench import calls as api
from bench.history import cost_usd, state_transitions, task_retries
from bench.stats import median_counts, ratio, varying_keys


@dataclass(frozen=True)
class Call:
    at: float
    name: str
    caller: str = "testing"
    throttled: bool = False


POLLER = [
    Call(1.0, "ecs:DescribeServices"),
    Call(2.0, "ecs:RegisterTaskDefinition"),
    Call(3.0, "ecs:UpdateService"),
    Call(4.0, "ecs:DescribeServices"),
    Call(5.0, "ecs:ListTasks"),
    Call(5.5, "ecs:DescribeTasks"),
    Call(6.0, "dynamodb:GetItem"),
    Call(7.0, "ecs:DescribeServices"),
]


def test_reads_of_ecs_ec2_and_elbv2_after_the_rollout_started_are_polling() -> None:
    assert api.polling_calls(POLLER, until=6.5) == 3
    assert api.polling_calls(POLLER, until=10.0) == 4


def test_a_deployer_that_waits_on_the_event_makes_no_polling_call() -> None:
    waiter = [Call(1.0, "ecs:DescribeServices"), Call(2.0, "ecs:UpdateService")]
    waiter += [Call(3.0, "dynamodb:PutItem"), Call(9.0, "states:SendTaskSuccess")]
    assert api.polling_calls(waiter, until=10.0) == 0


def test_reads_after_ecs_resumed_the_workflow_are_the_rollbacks_not_polling() -> None:
    calls = [Call(1.0, "ecs:UpdateService"), Call(4.0, "ecs:DescribeServices")]
    calls += [Call(6.0, "states:SendTaskFailure"), Call(7.0, "ecs:DescribeServices")]
    calls.append(Call(8.0, "ecs:UpdateService"))  # the rollback restoring the settings
    assert api.polling_calls(calls, until=10.0) == 1
    assert api.rollout_ended_at(calls, started=1.0) == 6.0


def test_no_rollout_started_means_no_polling() -> None:
    assert api.polling_calls([Call(1.0, "ecs:DescribeServices")], until=5.0) == 0


def test_a_throttled_update_does_not_start_the_rollout() -> None:
    calls = [
        Call(1.0, "ecs:UpdateService", throttled=True),
        Call(2.0, "ecs:DescribeServices"),
        Call(3.0, "ecs:UpdateService"),
    ]
    assert api.rollout_started_at(calls) == 3.0
    assert api.throttled_calls(calls) == 1


def test_calls_are_told_apart_by_caller_and_time() -> None:
    calls = [Call(1.0, "s3:PutObject", "DRIVER"), Call(2.0, "ecs:UpdateService", "testing")]
    calls.append(Call(9.0, "ecs:UpdateService", "testing"))
    assert api.made_except_by(calls, frozenset({"DRIVER"}), 0.0, 5.0) == [calls[1]]
    assert api.made_by(calls, frozenset({"DRIVER"}), 0.0, 5.0) == [calls[0]]


def test_counts_by_action_category_and_deploy_calls() -> None:
    counts = api.by_action(POLLER)
    assert counts["ecs:DescribeServices"] == 3
    assert api.deploy_api_calls(counts) == 7
    assert api.deploy_api_calls({"elasticloadbalancing:CreateRule": 2, "ec2:CreateVpc": 1}) == 3
    categories = api.by_category({**counts, "lambda:Invoke": 2, "ecr:DescribeImages": 1})
    assert categories == {"deploy": 7, "bookkeeping": 1, "orchestration": 2, "other": 1}


def _history(*types: str) -> list[dict[str, str]]:
    return [{"type": kind} for kind in types]


def test_transitions_are_states_entered_plus_task_retries() -> None:
    events = _history(
        "ExecutionStarted",
        "TaskStateEntered",
        "LambdaFunctionScheduled",
        "LambdaFunctionFailed",
        "LambdaFunctionScheduled",
        "LambdaFunctionSucceeded",
        "TaskStateExited",
        "ChoiceStateEntered",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskSucceeded",
        "SucceedStateEntered",
        "ExecutionSucceeded",
    )
    assert task_retries(events) == 1
    assert state_transitions(events) == 5
    assert cost_usd(5) == 0.000125


def test_medians_of_counts_and_what_varied() -> None:
    runs = [{"a": 1, "b": 2}, {"a": 1, "b": 4}, {"a": 1}]
    assert median_counts(runs) == {"a": 1, "b": 2}
    assert varying_keys(runs) == ["b"]
    assert ratio(4, 12) == 0.333
    assert ratio(1, 0) is None
