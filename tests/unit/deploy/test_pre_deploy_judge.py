"""The judge of a pre-deploy task Step Functions' ecs:runTask.sync called failed: the
container's own exit decides, siblings stopped with the task do not."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest

from ecsdrop.aws.ecs import Ecs
from ecsdrop.aws.logs import Logs
from ecsdrop.deploy.pre_deploy import judge
from ecsdrop.deploy.results import CaughtError, PreDeployRun, PreDeployTask
from ecsdrop.errors import PreDeployTaskFailed, SpecError
from ecsdrop.spec import load_spec

ARN = "arn:aws:ecs:us-east-1:123456789012:task/ecsdrop/0123456789abcdef"
# the judge reads no log for a container without awslogs, and calls ECS only for a task
# that did not stop by itself: these cases need neither
NO_AWS = cast(Ecs, None), cast(Logs, None)


def failed_task(*containers: dict[str, Any], **task: Any) -> PreDeployTask:
    # Step Functions writes the stopped task's description, PascalCase, as the Cause
    cause = {"TaskArn": ARN, "Containers": list(containers), **task}
    return PreDeployTask(
        number=1,
        of=2,
        container="api",
        command=("./migrate",),
        timeout_seconds=900,
        cluster="ecsdrop",
        task_definition="arn:aws:ecs:us-east-1:123456789012:task-definition/web:3",
        platform_version="LATEST",
        group="ecsdrop-pre-deploy:run:1",
        network_configuration={},
        overrides={},
        failure=CaughtError(error="States.TaskFailed", cause=json.dumps(cause)),
    )


@pytest.mark.parametrize("sibling", [137, 143, 0])
def test_exit_0_with_siblings_stopped_with_the_task_is_a_success(sibling: int) -> None:
    task = failed_task({"Name": "api", "ExitCode": 0}, {"Name": "proxy", "ExitCode": sibling})

    assert judge(task, *NO_AWS) == PreDeployRun(task_arn=ARN, exit_code=0)


def test_a_non_zero_exit_fails_naming_the_task_its_code_and_that_nothing_changed() -> None:
    task = failed_task({"Name": "api", "ExitCode": 3}, {"Name": "proxy", "ExitCode": 137})

    with pytest.raises(PreDeployTaskFailed) as failed:
        judge(task, *NO_AWS)

    message = str(failed.value)
    assert message.startswith("pre-deploy task 1 of 2 (./migrate in container api) exited 3")
    assert "the service was not changed" in message
    assert ARN in message


def test_exit_0_while_a_sibling_crashed_is_a_failure() -> None:
    task = failed_task({"Name": "api", "ExitCode": 0}, {"Name": "proxy", "ExitCode": 1})

    with pytest.raises(PreDeployTaskFailed, match=r"exited 0, but its task failed: \{'proxy': 1\}"):
        judge(task, *NO_AWS)


def test_a_container_that_never_ran_fails_with_ecss_stop_code_and_reason() -> None:
    task = failed_task(
        {"Name": "api", "Reason": "CannotPullContainerError: pull access denied"},
        StopCode="TaskFailedToStart",
        StoppedReason="Task failed to start",
    )

    with pytest.raises(PreDeployTaskFailed) as failed:
        judge(task, *NO_AWS)

    assert "did not run: TaskFailedToStart: CannotPullContainerError: pull access denied" in str(
        failed.value
    )


def test_a_pre_deploy_task_must_name_a_container_of_the_task_definition() -> None:
    spec = """
version: 1
service:
  name: web
  preDeploy:
    - {container: ap, command: [./migrate]}
taskDefinition:
  containerDefinitions:
    - {name: api, image: nginx:1.27}
"""
    with pytest.raises(SpecError) as rejected:
        load_spec(spec, "specs/web.yaml")

    assert "service.preDeploy[0].container" in str(rejected.value)
    assert "there is no container named 'ap' (the task definition has: api)" in str(rejected.value)


@pytest.mark.parametrize(
    ("task", "place"),
    [
        ("{container: api, command: ./migrate}", "service.preDeploy[0].command"),
        ("{container: api, command: [./migrate], timeoutSeconds: 5}", "timeoutSeconds"),
        ("{command: [./migrate]}", "service.preDeploy[0]"),
    ],
)
def test_a_malformed_pre_deploy_task_is_rejected_at_its_place(task: str, place: str) -> None:
    spec = f"""
version: 1
service:
  name: web
  preDeploy:
    - {task}
taskDefinition:
  containerDefinitions:
    - {{name: api, image: nginx:1.27}}
"""
    with pytest.raises(SpecError) as rejected:
        load_spec(spec, "specs/web.yaml")

    assert place in str(rejected.value)
