"""The event each function's first invocation gets in the cold-start probe.

Functions started by EventBridge get the real events of events/. The workflow's steps get
what the state machine passes them (statemachines/deploy.asl.json) for the S3 upload of
events/s3-object-created.json: LoadSpec the event itself, the later steps the document
LoadSpec makes of examples/scorekeep.yaml (ecsdrop's own `load`, run here with the example
file standing in for the S3 object the event names).
"""

from __future__ import annotations

import copy
import json
from typing import Any, cast

from bench.settings import ROOT
from ecsdrop.aws.bucket import SpecBucket, SpecObject
from ecsdrop.contract import JsonModel
from ecsdrop.deploy.load import load
from ecsdrop.deploy.results import (
    LoadBalancerResult,
    LockResult,
    NetworkResult,
    SecurityGroups,
    ServiceResult,
    TaskDefinitionResult,
)
from ecsdrop.deploy.state import WorkflowState
from ecsdrop.spec import Guardrails, Installation

EVENTS = ROOT / "events"
SPEC = ROOT / "examples" / "scorekeep.yaml"
ACCOUNT = "123456789012"
REGION = "us-east-1"
EXECUTION = {
    "id": f"arn:aws:states:{REGION}:{ACCOUNT}:execution:ecsdrop-deploy:bench-cold-start",
    "name": "bench-cold-start",
    "startTime": "2026-11-28T12:00:00.000Z",
}
TASK_TOKEN = "AQCEAAAAKgAAAAMAAAAAAAAAAbench-cold-start-token"  # noqa: S105 -- not a secret


def real_event(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return loaded


class _ExampleFile:
    """The object the S3 event names, read from examples/ (LoadSpec's document is made here,
    before any probe runs, only to be the later steps' input)."""

    def read(self, key: str, version_id: str | None, max_bytes: int) -> SpecObject:
        body = SPEC.read_bytes()[: max_bytes + 1]
        return SpecObject(key, version_id, body, "2026-11-28T12:00:00+00:00", None)


def workflow_document(environment: dict[str, str]) -> dict[str, Any]:
    """LoadSpec's output for events/s3-object-created.json, with the lock acquired."""
    installation = Installation(
        account_id=ACCOUNT,
        region=REGION,
        default_cluster=environment["DEFAULT_CLUSTER"],
        execution_role_arn=environment["DEFAULT_EXECUTION_ROLE_ARN"],
    )
    state = load(
        real_event("s3-object-created.json"),
        EXECUTION,
        cast(SpecBucket, _ExampleFile()),
        Guardrails.from_environment(environment),
        installation,
    )
    if not isinstance(state, WorkflowState):
        raise ValueError(f"{SPEC} does not load: {state}")
    lock = LockResult(acquired=True, noop=False, reason=None, previous=None)
    return {**state.to_json(), "lock": lock.to_json()}


def step_outputs(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """What the TaskDefinition, Network, LoadBalancer and Service steps return for this
    deployment (their functions' shapes; ids as AWS spells them), for the ECS deployment of
    events/ecs-deployment-completed.json."""
    deployment = document["deployment"]
    cluster, name = deployment["cluster"], deployment["service"]
    ecs = f"arn:aws:ecs:{REGION}:{ACCOUNT}"
    elb = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}"
    task_definition = f"{ecs}:task-definition/{name}:1"
    public, private = (
        ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
        [
            "subnet-0a1b2c3d4e5f60003",
            "subnet-0a1b2c3d4e5f60004",
        ],
    )
    groups = SecurityGroups(tasks="sg-0a1b2c3d4e5f60002", load_balancer="sg-0a1b2c3d4e5f60001")
    completed = real_event("ecs-deployment-completed.json")["detail"]["deploymentId"]
    results: dict[str, JsonModel] = {
        "taskDefinition": TaskDefinitionResult(
            task_definition_arn=task_definition,
            registered=True,
            previous_task_definition_arn=None,
            images={},
            log_group_digest=None,
        ),
        "network": NetworkResult(
            mode="managed",
            vpc_id="vpc-0a1b2c3d4e5f60001",
            vpc_cidr="10.0.0.0/16",
            availability_zones=(f"{REGION}a", f"{REGION}b"),
            public_subnet_ids=tuple(public),
            private_subnet_ids=tuple(private),
            nat_gateway_ids=("nat-0a1b2c3d4e5f60001",),
            security_groups=groups,
            task_subnet_ids=tuple(private),
            task_security_group_ids=(groups.tasks,),
            assign_public_ip="DISABLED",
            plan_digest="0" * 64,
        ),
        "loadBalancer": LoadBalancerResult(
            type="application",
            target_group_arn=f"{elb}:targetgroup/{name}/0123456789abcdef",
            load_balancer_arn=f"{elb}:loadbalancer/app/{name}/0123456789abcdef",
            plan_digest="0" * 64,
        ),
        "service": ServiceResult(
            service_arn=f"{ecs}:service/{cluster}/{name}",
            cluster=cluster,
            service_name=name,
            created=True,
            task_definition_arn=task_definition,
            ecs_deployment_id=completed,
            settled=False,
            deadline=4_102_444_800,
            wait_seconds=300,
        ),
    }
    return {step: result.to_json() for step, result in results.items()}


def after(document: dict[str, Any], *steps: str) -> dict[str, Any]:
    """The workflow's document once ``steps`` have run (their outputs under ``steps``)."""
    outputs = step_outputs(document)
    done = copy.deepcopy(document)
    done["steps"] = {name: outputs[name] for name in steps}
    return done


def first_events(environment: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Logical id → the event of its first invocation."""
    document = workflow_document(environment)
    deployed = after(document, "taskDefinition", "network", "loadBalancer", "service")
    failed = {**deployed, "error": {"Error": "States.TaskFailed", "Cause": "{}"}}
    return {
        "LoadSpecFunction": {"input": real_event("s3-object-created.json"), "execution": EXECUTION},
        "LockFunction": {k: v for k, v in document.items() if k != "lock"},
        "TaskDefinitionFunction": document,
        "NetworkFunction": after(document, "taskDefinition"),
        "LoadBalancerFunction": after(document, "taskDefinition", "network"),
        "PreDeployFunction": after(document, "taskDefinition", "network", "loadBalancer"),
        "ServiceFunction": after(document, "taskDefinition", "network", "loadBalancer"),
        "AwaitRolloutFunction": {
            "token": TASK_TOKEN,
            "service": deployed["steps"]["service"],
            "deployment": deployed["deployment"],
        },
        "CheckRolloutFunction": deployed,
        "FinishFunction": {"outcome": "SUCCEEDED", "state": deployed},
        "RollbackFunction": failed,
        "PlanFunction": {"spec": SPEC.read_text(encoding="utf-8"), "filename": SPEC.name},
        "EcrTriggerFunction": real_event("ecr-image-push.json"),
        "RolloutEventsFunction": real_event("ecs-deployment-completed.json"),
        "RolloutStagesFunction": real_event("ecs-lifecycle-hook-production-traffic-shift.json"),
        "ScheduledRunsFunction": real_event("ecs-task-state-change-scheduled-run-failed.json"),
        "NotifierFunction": real_event("deployment-state-change-succeeded.json"),
    }
