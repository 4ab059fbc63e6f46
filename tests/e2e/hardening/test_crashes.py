"""Crashes: a step's function killed mid-step is retried, and the retry repeats nothing.

Each case shortens one function's Timeout and holds back the answer to one of its AWS
calls for longer than that: the call is made, the function is killed before it sees the
answer (``Sandbox.Timedout``), and the state machine retries the step. The worst moment is
right after a create call and before the step recorded what it made; every case crashes
there. The run must end as a run without a crash does, with the same resources, and a run
that fails afterwards must still undo everything, the resource made just before the crash
included.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.e2e.hardening.harness import (
    Harness,
    Run,
    nothing_left,
    running_harness,
    scorekeep,
)

pytestmark = pytest.mark.slow

TIMEOUT = 6  # seconds: the crashing function's Timeout while its case runs
HELD = TIMEOUT + 3  # how long the chosen call's answer is held back


@dataclass(frozen=True)
class Crash:
    step: str  # the state whose function is killed
    function: str  # its logical id in template.yaml
    call: str  # the call whose answer comes too late
    fault: dict[str, Any] = field(default_factory=dict)  # narrows which of those calls
    lost_event: bool = False  # drop ECS's verdict, so the polling fallback runs
    pre_deploy: bool = False  # the spec runs a pre-deploy task, so the step is entered

    def spec(self, name: str, cluster: str) -> dict[str, Any]:
        spec = scorekeep(name, cluster=cluster)
        if self.pre_deploy:
            spec["service"]["preDeploy"] = [{"container": "scorekeep-api", "command": ["./m"]}]
        return spec


CRASHES = [
    Crash("LoadSpec", "LoadSpecFunction", "s3:GetObject"),
    Crash("AcquireLock", "LockFunction", "dynamodb:PutItem", {"body": "*LOCK*"}),
    Crash("RegisterTaskDefinition", "TaskDefinitionFunction", "ecs:RegisterTaskDefinition"),
    Crash("BuildNetwork", "NetworkFunction", "ec2:CreateNatGateway"),
    Crash("BuildLoadBalancer", "LoadBalancerFunction", "elasticloadbalancing:CreateLoadBalancer"),
    # A first deployment's cluster is made before its pre-deploy tasks run.
    Crash("PreparePreDeploy", "PreDeployFunction", "ecs:CreateCluster", pre_deploy=True),
    Crash("DeployService", "ServiceFunction", "ecs:CreateService"),
    Crash("WaitForRollout", "AwaitRolloutFunction", "dynamodb:PutItem", {"body": "*TOKEN*"}),
    # The Lock step's ownership check and DeployService describe the service first.
    Crash("CheckRollout", "CheckRolloutFunction", "ecs:DescribeServices", {"after": 2}, True),
    # The Lock step writes the IN_PROGRESS status object first.
    Crash("Record", "FinishFunction", "s3:PutObject", {"after": 1}),
]
# Crashes right after a create, then a failed rollout: the undo must find that resource.
CRASHES_THEN_FAILURE = [
    c
    for c in CRASHES
    if c.step
    in (
        "RegisterTaskDefinition",
        "BuildNetwork",
        "BuildLoadBalancer",
        "PreparePreDeploy",
        "DeployService",
    )
]
ROLLBACK_CRASH = Crash("RollBack", "RollbackFunction", "ec2:DeleteSubnet")


@pytest.fixture(scope="module")
def harness() -> Iterator[Harness]:
    with running_harness() as harness:
        yield harness


@pytest.fixture(scope="module")
def clean(harness: Harness) -> dict[str, Any]:
    """What a run without a crash leaves: the inventory the crashed runs must match."""
    run = harness.deploy(scorekeep("crash-clean", cluster="crash-clean-c"))
    assert run.state == "SUCCEEDED", run.report
    return inventory(harness, run, "crash-clean-c")


@pytest.fixture(autouse=True)
def settled(harness: Harness) -> Iterator[None]:
    harness.settle()
    yield
    harness.cloud.clear_faults()


def inventory(h: Harness, run: Run, cluster: str) -> dict[str, Any]:
    """How many of each resource the run's service has, and how it was reported."""
    name = run.service
    left = h.leftovers(name, cluster)
    ecs = h.client("ecs")
    counted = {kind: len(ids) for kind, ids in left.pop("network").items()}
    counted |= {kind: len(ids) for kind, ids in left.items()}
    counted["revisions"] = len(ecs.list_task_definitions(familyPrefix=name)["taskDefinitionArns"])
    listeners = h.client("elbv2").describe_listeners(LoadBalancerArn=left["load balancers"][0])[
        "Listeners"
    ]
    counted["listeners"] = len(listeners)
    counted["history"] = len(h.store.history(name))
    counted["events"] = run.event_states
    counted["outcome"] = run.state
    return counted


def crash(h: Harness, case: Crash) -> None:
    """Shorten the function's Timeout and hold back the call's answer for longer."""
    set_timeout(h, case.function, TIMEOUT)
    h.arm({"api": case.call, "delay": HELD, "times": 1, **case.fault})
    if case.lost_event:
        h.cloud.add_fault(
            {"event": "drop", "source": "aws.ecs", "detail-type": "ECS Deployment State Change"}
        )


def set_timeout(h: Harness, function: str, seconds: int) -> int:
    aws_lambda = h.client("lambda")
    name = h.cloud.resources[function]
    before = int(aws_lambda.get_function_configuration(FunctionName=name)["Timeout"])
    aws_lambda.update_function_configuration(FunctionName=name, Timeout=seconds)
    return before


@pytest.fixture
def restore_timeouts(harness: Harness) -> Iterator[None]:
    aws_lambda = harness.client("lambda")
    before = {
        case.function: aws_lambda.get_function_configuration(
            FunctionName=harness.cloud.resources[case.function]
        )["Timeout"]
        for case in [*CRASHES, ROLLBACK_CRASH]
    }
    yield
    for function, seconds in before.items():
        set_timeout(harness, function, int(seconds))


def timed_out_and_retried(h: Harness, run: Run, step: str) -> bool:
    history = h.client("stepfunctions").get_execution_history(
        executionArn=run.execution_arn, maxResults=1000
    )["events"]
    entered = [
        e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e
    ]
    failures = [
        e.get("lambdaFunctionFailedEventDetails", e.get("taskFailedEventDetails", {})).get("error")
        for e in history
        if e["type"] in ("LambdaFunctionFailed", "TaskFailed")
    ]
    return step in entered and "Sandbox.Timedout" in failures


@pytest.mark.usefixtures("restore_timeouts")
@pytest.mark.parametrize("case", CRASHES, ids=lambda c: c.step)
def test_a_step_killed_mid_call_is_retried_and_repeats_nothing(
    harness: Harness, clean: dict[str, Any], case: Crash
) -> None:
    name = f"crash-{case.step.lower()}"
    cluster = f"{name}-c"
    crash(harness, case)
    run = harness.deploy(case.spec(name, cluster))
    assert run.state == "SUCCEEDED", run.report
    assert timed_out_and_retried(harness, run, case.step), f"{case.function} was not killed"
    assert inventory(harness, run, cluster) == clean
    assert run.lock_holder is None


@pytest.mark.usefixtures("restore_timeouts")
@pytest.mark.parametrize("case", CRASHES_THEN_FAILURE, ids=lambda c: c.step)
def test_what_a_killed_step_made_is_undone_when_the_run_fails_later(
    harness: Harness, case: Crash
) -> None:
    name = f"crash-fail-{case.step.lower()}"
    cluster = f"{name}-c"
    harness.cloud.add_fault({"rollout": name, "times": 1})
    crash(harness, case)
    run = harness.deploy(case.spec(name, cluster))
    assert run.state == "ROLLED_BACK", run.report
    assert timed_out_and_retried(harness, run, case.step), f"{case.function} was not killed"
    left = harness.leftovers(name, cluster)
    assert nothing_left(left), left


@pytest.mark.usefixtures("restore_timeouts")
def test_a_rollback_killed_mid_way_is_retried_and_finishes_the_undo(harness: Harness) -> None:
    name, cluster = "crash-rollback", "crash-rollback-c"
    harness.cloud.add_fault({"rollout": name, "times": 1})
    crash(harness, ROLLBACK_CRASH)
    run = harness.deploy(scorekeep(name, cluster=cluster))
    assert run.state == "ROLLED_BACK", run.report
    assert timed_out_and_retried(harness, run, "RollBack")
    assert any("already gone" in line for line in run.report["rolledBack"])
    left = harness.leftovers(name, cluster)
    assert nothing_left(left), left


def test_the_crash_cases_cover_every_step_function(harness: Harness) -> None:
    """Every Lambda step of the state machine has a crash case (Finish runs as Record)."""
    definition = harness.client("stepfunctions").describe_state_machine(
        stateMachineArn=harness.stack.state_machine_arn
    )["definition"]
    states = json.loads(definition)["States"]
    functions = {resource_function(state) for state in states.values() if state["Type"] == "Task"}
    crashed = {harness.cloud.resources[c.function] for c in [*CRASHES, ROLLBACK_CRASH]}
    assert functions - crashed == set()


def resource_function(state: dict[str, Any]) -> str:
    resource = state["Resource"]
    if resource.endswith(".waitForTaskToken"):
        resource = state["Parameters"]["FunctionName"]
    return str(resource.rsplit(":", 1)[-1])
