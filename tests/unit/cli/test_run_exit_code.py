"""`ecsdrop run`'s exit code, read from the STOPPED tasks as DescribeTasks gives them (the
shapes follow the ECS API reference's Task and Container): the chosen container's code, the
first non-zero one of several tasks, 1 for a task whose container never ran."""

from __future__ import annotations

from typing import Any

from ecsdrop_cli.run_commands import exit_code

ARN = "arn:aws:ecs:us-east-1:123456789012:task/ecsdrop/{}"


def stopped(task_id: str, containers: list[dict[str, Any]], **task: Any) -> dict[str, Any]:
    return {
        "taskArn": ARN.format(task_id),
        "lastStatus": "STOPPED",
        "desiredStatus": "STOPPED",
        "stopCode": "EssentialContainerExited",
        "stoppedReason": "Essential container in task exited",
        "containers": containers,
        **task,
    }


def test_the_chosen_containers_code_is_the_runs_even_when_another_exited_otherwise() -> None:
    task = stopped(
        "t1",
        [
            {"name": "web", "lastStatus": "STOPPED", "exitCode": 137},
            {"name": "api", "lastStatus": "STOPPED", "exitCode": 3},
        ],
    )

    code, lines = exit_code([task], "api")

    assert code == 3
    assert lines == ["task t1: api exited 3 (Essential container in task exited)"]


def test_of_several_tasks_the_first_non_zero_code_wins() -> None:
    tasks = [
        stopped("t1", [{"name": "api", "exitCode": 0}]),
        stopped("t2", [{"name": "api", "exitCode": 2}]),
        stopped("t3", [{"name": "api", "exitCode": 5}]),
    ]

    assert exit_code(tasks, "api")[0] == 2
    assert exit_code(tasks[:1], "api")[0] == 0


def test_a_task_that_failed_to_start_is_1_with_ecs_reason() -> None:
    reason = "CannotPullContainerError: pull image manifest has been retried 1 time(s)"
    task = stopped(
        "t1",
        [{"name": "api", "lastStatus": "STOPPED", "reason": reason}],
        stopCode="TaskFailedToStart",
        stoppedReason="Task failed to start",
    )

    code, lines = exit_code([task], "api")

    assert code == 1
    assert lines == [f"task t1: api did not run to an exit code: TaskFailedToStart: {reason}"]
