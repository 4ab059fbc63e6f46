"""One-off tasks that fail reach chat: a pre-deploy task's exit code and log lines with the
rolled-back deployment; a scheduled job's failed run from ECS's "ECS Task State Change"
event, once; a run that exits 0 is not announced."""

from __future__ import annotations

from typing import Any

from ecsdrop.notify.states import STYLES
from tests.e2e.chat.conftest import ChatPipeline
from tests.e2e.pipeline.conftest import scorekeep, wait_until
from tests.e2e.pipeline.test_scheduled_jobs import GROUP, nightly


def fire(chat: ChatPipeline, job: str) -> str:
    """The job's schedule fires now, as when its time comes (the local scheduler starts the
    task as its target role); the task's ARN."""
    run = chat.cloud.fire_schedule(job, group=GROUP)
    assert run is not None and run["outcome"] == "started", run
    return str(run["task_arns"][0])


def run_failures(chat: ChatPipeline, job: str) -> list[dict[str, Any]]:
    return [
        m
        for m in chat.received("/slack")
        if job in str(m) and "scheduled run failed" in str(m["blocks"][0])
    ]


def test_a_failing_scheduled_run_is_announced_once_with_its_exit_code_and_log(
    chat: ChatPipeline,
) -> None:
    deployed = chat.submit(nightly("chat-job", **{"[games]": "[team]"}), "chat-job")
    assert deployed["status"] == "SUCCEEDED", deployed
    chat.cloud.add_fault(
        {"task": "chat-job", "exit": 3, "logs": ["rolling up", "db timeout"], "times": 1},
        # EventBridge delivers at least once: every task event of the run comes three times
        {
            "event": "duplicate",
            "source": "aws.ecs",
            "detail-type": "ECS Task State Change",
            "copies": 3,
        },
    )

    task = fire(chat, "chat-job")

    assert wait_until(lambda: bool(run_failures(chat, "chat-job")), 60)
    chat.cloud.clear_faults()
    assert not wait_until(lambda: len(run_failures(chat, "chat-job")) > 1, 5)
    (message,) = run_failures(chat, "chat-job")
    text = str(message)
    assert f"{STYLES['RUN_FAILED'].emoji} chat-job: scheduled run failed" in text
    assert "container rollup exited 3" in text
    assert "db timeout" in text  # the container's last log lines
    assert task.rsplit("/", 1)[-1] in text
    handled = "\n".join(chat.cloud.lambda_logs("ScheduledRunsFunction"))
    assert "announced already" in handled  # the copies came, and were not posted again


def test_a_scheduled_run_that_exits_0_is_not_announced(chat: ChatPipeline) -> None:
    deployed = chat.submit(nightly("chat-job-ok", **{"[games]": "[team]"}), "chat-job-ok")
    assert deployed["status"] == "SUCCEEDED", deployed
    reports = sum(
        line.startswith("REPORT ") for line in chat.cloud.lambda_logs("ScheduledRunsFunction")
    )

    fire(chat, "chat-job-ok")

    def handled() -> bool:
        lines = chat.cloud.lambda_logs("ScheduledRunsFunction")
        return sum(line.startswith("REPORT ") for line in lines) > reports

    assert wait_until(handled, 60)
    assert run_failures(chat, "chat-job-ok") == []
    logged = "\n".join(chat.cloud.lambda_logs("ScheduledRunsFunction"))
    assert '"reason": "exited 0"' in logged or '"reason":"exited 0"' in logged


def test_a_failing_pre_deploy_task_reaches_chat_with_its_exit_code_and_log(
    chat: ChatPipeline,
) -> None:
    ok = chat.submit(scorekeep("chat-migrate"), "chat-migrate")
    assert ok["status"] == "SUCCEEDED", ok
    chat.cloud.add_fault(
        {"task": "chat-migrate", "command": "./migrate*", "exit": 1, "logs": ["relation exists"]}
    )
    spec = scorekeep(
        "chat-migrate",
        **{
            "  desiredCount: 2\n": "  desiredCount: 2\n  preDeploy:\n"
            "    - {container: scorekeep-api, command: [./migrate, --up]}\n"
        },
    )

    failed = chat.submit(spec, "chat-migrate")

    assert failed["status"] == "ROLLED_BACK", failed

    def rolled_back() -> list[dict[str, Any]]:
        return [
            m
            for m in chat.received("/slack")
            if "chat-migrate" in str(m) and "rolled back" in str(m["blocks"][0])
        ]

    assert wait_until(lambda: bool(rolled_back()), 30)
    text = str(rolled_back()[0])
    assert "pre-deploy task 1 of 1 (./migrate --up in container scorekeep-api) exited 1" in text
    assert "relation exists" in text
