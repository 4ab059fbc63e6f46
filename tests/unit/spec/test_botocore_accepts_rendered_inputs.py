"""What render produces is what botocore accepts: checked by botocore's own validator
against the ECS service model, not by anything of ours."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ParamValidationError
from botocore.model import ServiceModel
from botocore.validate import validate_parameters

from ecsdrop.spec import Installation, Spec, load_spec
from ecsdrop.spec.render import (
    ALTERNATE_TARGET_GROUP,
    LOAD_BALANCER_ROLE,
    PRODUCTION_LISTENER_RULE,
    TEST_LISTENER_RULE,
    Resources,
    RunRequest,
    create_service_input,
    is_progressive,
    render,
    run_task_input,
    schedule_input,
    update_service_input,
)

ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def ecs_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("ecs")


def botocore_validates(model: ServiceModel, operation: str, params: dict[str, Any]) -> None:
    """Raises ParamValidationError listing every report botocore makes."""
    validate_parameters(params, model.operation_model(operation).input_shape)


def well_formed_resources(spec: Spec) -> Resources:
    """The ids the workflow binds a service to, shaped as AWS makes them."""
    subnets = ("subnet-0a1b2c3d4e5f60011", "subnet-0a1b2c3d4e5f60012")
    target_group = (
        f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:targetgroup/"
        f"ecsdrop-{spec.name}/0123456789abcdef"
    )
    return Resources(
        task_definition_arn=(
            f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/{spec.task_definition['family']}:1"
        ),
        subnet_ids=subnets,
        security_group_ids=("sg-0a1b2c3d4e5f60001", *spec.network["securityGroupIds"]),
        target_group_arn=target_group if spec.has_load_balancer else None,
        extra=progressive_binding(spec),
    )


def progressive_binding(spec: Spec) -> dict[str, str]:
    """A blue/green, linear or canary service's second target group, rules and role."""
    if not spec.has_load_balancer or not is_progressive(spec):
        return {}
    elb = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}"
    rule = f"{elb}:listener-rule/app/ecsdrop-{spec.name}/0123456789abcdef/0123456789abcdef"
    return {
        ALTERNATE_TARGET_GROUP: f"{elb}:targetgroup/ecsdrop-{spec.name}-alt/0123456789abcdef",
        PRODUCTION_LISTENER_RULE: f"{rule}/1111111111111111",
        TEST_LISTENER_RULE: f"{rule}/2222222222222222",
        LOAD_BALANCER_ROLE: f"arn:aws:iam::{ACCOUNT}:role/ecsdrop-EcsLoadBalancerRole-0123",
    }


def load_example(path: Path) -> Spec:
    return load_spec(path.read_bytes(), path.name)


def test_register_task_definition_input_of_every_example_passes_botocore(
    example_file: Path, ecs_model: ServiceModel, installation: Installation
) -> None:
    params = render(load_example(example_file), installation)["registerTaskDefinition"]

    botocore_validates(ecs_model, "RegisterTaskDefinition", params)


def test_create_service_input_of_every_example_passes_botocore(
    example_file: Path, ecs_model: ServiceModel
) -> None:
    spec = load_example(example_file)

    botocore_validates(
        ecs_model, "CreateService", create_service_input(spec, well_formed_resources(spec))
    )


def test_update_service_input_of_every_example_passes_botocore(
    example_file: Path, ecs_model: ServiceModel
) -> None:
    spec = load_example(example_file)

    botocore_validates(
        ecs_model, "UpdateService", update_service_input(spec, well_formed_resources(spec))
    )


def test_botocore_is_really_checking(
    ecs_model: ServiceModel, installation: Installation, repo_root: Path
) -> None:
    """The same check refuses a field ECS does not know and a string where it wants a number."""
    spec = load_example(repo_root / "examples" / "scorekeep.yaml")
    params = render(spec, installation)["registerTaskDefinition"]
    params["containerDefinitions"][0]["cpu"] = "256"
    params["containerDefinitions"][0]["colour"] = "blue"

    with pytest.raises(ParamValidationError) as raised:
        botocore_validates(ecs_model, "RegisterTaskDefinition", params)

    assert "containerDefinitions[0].cpu" in str(raised.value)
    assert "colour" in str(raised.value)


def test_run_task_input_of_every_example_passes_botocore(
    example_file: Path, ecs_model: ServiceModel
) -> None:
    spec = load_example(example_file)
    container = spec.task_definition["containerDefinitions"][-1]["name"]
    request = RunRequest(
        container=container,
        command=("./migrate", "--all"),
        environment={"DRY_RUN": "1"},
        count=2,
        started_by="ecsdrop-run/someone",
    )

    botocore_validates(
        ecs_model, "RunTask", run_task_input(spec, well_formed_resources(spec), request)
    )


def test_a_canary_service_binds_both_target_groups_and_passes_botocore(
    ecs_model: ServiceModel, repo_root: Path
) -> None:
    spec = load_example(repo_root / "examples" / "scorekeep-canary.yaml")
    resources = well_formed_resources(spec)

    create = create_service_input(spec, resources)

    botocore_validates(ecs_model, "CreateService", create)
    configuration = create["deploymentConfiguration"]
    assert configuration["strategy"] == "CANARY"
    assert configuration["canaryConfiguration"] == {
        "canaryPercent": 10.0,
        "canaryBakeTimeInMinutes": 10,
    }
    assert configuration["bakeTimeInMinutes"] == 15
    assert configuration["alarms"] == {
        "alarmNames": ["scorekeep-5xx"],
        "enable": True,
        "rollback": True,
    }
    assert configuration["lifecycleHooks"] == [
        {
            "targetType": "AWS_LAMBDA",
            "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
            "timeoutConfiguration": {"timeoutInMinutes": 15, "action": "ROLLBACK"},
            "hookTargetArn": (
                "arn:aws:lambda:us-east-1:123456789012:function:ecsdrop-hook-scorekeep-smoke"
            ),
            "roleArn": resources.extra[LOAD_BALANCER_ROLE],
            "hookDetails": {"path": "/api/health"},
        },
        {
            "targetType": "PAUSE",
            "lifecycleStages": ["POST_PRODUCTION_TRAFFIC_SHIFT"],
            "timeoutConfiguration": {"timeoutInMinutes": 120, "action": "ROLLBACK"},
        },
    ]
    (binding,) = create["loadBalancers"]
    assert binding["advancedConfiguration"] == {
        "alternateTargetGroupArn": resources.extra[ALTERNATE_TARGET_GROUP],
        "productionListenerRule": resources.extra[PRODUCTION_LISTENER_RULE],
        "testListenerRule": resources.extra[TEST_LISTENER_RULE],
        "roleArn": resources.extra[LOAD_BALANCER_ROLE],
    }


def test_a_rolling_service_sends_what_it_sent_before_strategies_came(repo_root: Path) -> None:
    spec = load_example(repo_root / "examples" / "scorekeep.yaml")

    create = create_service_input(spec, well_formed_resources(spec))

    assert set(create["deploymentConfiguration"]) == {
        "deploymentCircuitBreaker",
        "maximumPercent",
        "minimumHealthyPercent",
    }
    assert "advancedConfiguration" not in create["loadBalancers"][0]


def test_the_schedule_input_of_a_scheduled_job_passes_botocore(repo_root: Path) -> None:
    spec = load_example(repo_root / "examples" / "scorekeep-nightly.yaml")
    installation = Installation(
        scheduler_role_arn=f"arn:aws:iam::{ACCOUNT}:role/ecsdrop-SchedulerRole-0123456789AB",
        schedule_group="ecsdrop-ecsdrop",
    )
    scheduler = botocore.session.get_session().get_service_model("scheduler")

    request = schedule_input(spec, well_formed_resources(spec), installation)

    for operation in ("CreateSchedule", "UpdateSchedule"):
        botocore_validates(scheduler, operation, request)
    target = request["Target"]
    assert target["Arn"] == f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/ecsdrop"
    assert target["RoleArn"] == installation.scheduler_role_arn
    assert request["FlexibleTimeWindow"] == {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15}
    assert target["EcsParameters"]["Group"] == "ecsdrop-schedule:scorekeep-nightly"
