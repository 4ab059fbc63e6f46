"""What each step of the workflow writes into its state (``$.steps.*``, ``$.lock``,
``$.rollback``, ``$.teardown``, ``$.report``): one model per result, returned by the
step's function and read back by the steps after it.

The state machine reads some of these fields itself (``$.steps.network.natPending``,
``$.steps.service.settled``, ``$.lock.noop``, ``$.rollback.outcome``…); a test checks that
every path it reads is a field of a model the step writing there returns
(tests/unit/deploy/test_workflow_contract.py).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, TypeVar

from ecsdrop.contract import JsonModel, flattened, json_field
from ecsdrop.errors import ContractError

R = TypeVar("R", bound=JsonModel)


@dataclass(frozen=True)
class CaughtError(JsonModel):
    """What Step Functions puts at a Catch's ResultPath (or a step gives to a Fail state)."""

    error: str = json_field("Error")
    cause: str | None = json_field("Cause", default=None)


@dataclass(frozen=True)
class Ignored(JsonModel):
    """LoadSpec's result for an event that deploys nothing (the workflow ends at once)."""

    ignored: str


@dataclass(frozen=True)
class AdmissionTurn(JsonModel):
    action: str
    at: float
    wait_seconds: int  # the workflow's Wait before the step runs again


@dataclass(frozen=True)
class AdmissionWait(JsonModel):
    """A step whose ECS write's turn is too far off: it ends early holding the turn, the
    workflow waits for it and runs the step again (ecsdrop.aws.admission)."""

    admission: AdmissionTurn


@dataclass(frozen=True)
class LockResult(JsonModel):
    acquired: bool
    noop: bool
    reason: str | None
    previous: dict[str, Any] | None  # the service's record before this run
    refused: CaughtError | None = None  # the Fail state's error when the run may not go on


@dataclass(frozen=True)
class TaskDefinitionResult(JsonModel):
    task_definition_arn: str
    registered: bool  # by this run (rollback deregisters it)
    previous_task_definition_arn: str | None
    images: dict[str, str]  # container → image as deployed (pinned to its digest)
    log_group_digest: str | None


@dataclass(frozen=True)
class SecurityGroups(JsonModel):
    tasks: str
    load_balancer: str | None


@dataclass(frozen=True)
class NetworkResult(JsonModel):
    mode: str  # managed | existing
    vpc_id: str
    vpc_cidr: str
    availability_zones: tuple[str, ...]
    public_subnet_ids: tuple[str, ...]
    private_subnet_ids: tuple[str, ...]
    nat_gateway_ids: tuple[str, ...]
    security_groups: SecurityGroups
    task_subnet_ids: tuple[str, ...]
    task_security_group_ids: tuple[str, ...]
    assign_public_ip: str  # ENABLED | DISABLED
    plan_digest: str
    internet_gateway_id: str | None = None
    nat_pending: tuple[str, ...] | None = None  # NAT gateways not available yet
    nat_checks: int | None = None  # looks at them so far


@dataclass(frozen=True)
class LoadBalancerResult(JsonModel):
    type: str  # application | network | shared | none
    target_group_arn: str | None = None
    load_balancer_arn: str | None = None
    dns_name: str | None = None
    listener_arns: tuple[str, ...] | None = None
    listener_arn: str | None = None  # a shared load balancer's listener
    rule_arn: str | None = None  # ... and this service's rule on it
    plan_digest: str | None = None
    # a progressive strategy's: the second target group, the rules ECS shifts traffic on
    alternate_target_group_arn: str | None = None
    production_rule_arn: str | None = None
    test_listener_arn: str | None = None
    test_rule_arn: str | None = None


@dataclass(frozen=True)
class PreDeployTask(JsonModel):
    """One of the spec's pre-deploy tasks as the workflow runs it: the RunTask parameters
    its ``ecs:runTask.sync`` state passes (PascalCase, as Step Functions takes them), and
    what the failure's judge needs to explain it."""

    number: int  # 1-based, in the spec's order
    of: int  # how many the spec has
    container: str
    command: tuple[str, ...]
    timeout_seconds: int
    cluster: str
    task_definition: str
    platform_version: str
    group: str  # this run's, to find the task again (ListTasks has no group filter)
    network_configuration: dict[str, Any]
    overrides: dict[str, Any]
    log_group: str | None = None  # where awslogs writes the container's lines
    log_stream_prefix: str | None = None
    failure: CaughtError | None = None  # what RunPreDeployTask's Catch adds for the judge


@dataclass(frozen=True)
class PreDeployPlan(JsonModel):
    """PreparePreDeploy's result: the cluster exists, and the tasks to run in order."""

    tasks: tuple[PreDeployTask, ...]


@dataclass(frozen=True)
class PreDeployRun(JsonModel):
    """A pre-deploy task that ended well although Step Functions called it failed: the
    container exited 0 and the others were stopped with it (ECS's 137 or 143)."""

    task_arn: str
    exit_code: int


@dataclass(frozen=True)
class ServiceResult(JsonModel):
    service_arn: str
    cluster: str
    service_name: str
    created: bool
    task_definition_arn: str
    ecs_deployment_id: str | None
    settled: bool  # nothing to wait for (the rollout is over, or there was none)
    deadline: int  # epoch seconds: the rollout fails if not settled by then
    wait_seconds: int  # until the next look, when no ECS event comes first
    via: str | None = None  # how the rollout was seen to settle: poll (the events' is $.rollout)


@dataclass(frozen=True)
class ScheduleResult(JsonModel):
    """A scheduled job's DeploySchedule: its schedule runs the new task definition."""

    schedule_arn: str
    schedule_name: str
    group: str
    cluster: str
    created: bool  # by this run (rollback deletes it; else rollback restores the previous)
    task_definition_arn: str
    expression: str
    timezone: str
    state: str  # ENABLED | DISABLED


@dataclass(frozen=True)
class ScheduledRunReport(JsonModel):
    """The ScheduledRuns function's answer to an "ECS Task State Change" event."""

    announced: bool  # a RUN_FAILED event was published
    reason: str  # why (not): "exited 3", "exited 0", "not a scheduled job's run"…
    service: str | None = None
    task_arn: str | None = None
    exit_code: int | None = None


@dataclass(frozen=True)
class AwaitingRollout(JsonModel):
    """AwaitRollout's own answer (the workflow's result is what the task token sends)."""

    waiting: bool


@dataclass(frozen=True)
class RollbackResult(JsonModel):
    outcome: str  # ROLLED_BACK | ROLLBACK_FAILED
    undone: tuple[str, ...]
    left: tuple[str, ...]


@dataclass(frozen=True)
class TeardownResult(JsonModel):
    outcome: str  # DELETED | RETAINED | DELETE_FAILED
    deleted: tuple[str, ...] | None = None
    left: tuple[str, ...] | None = None
    retained: tuple[str, ...] | None = None  # what still runs when the spec retains it


@dataclass(frozen=True)
class Report(JsonModel):
    """Finish's result: the outcome, and the "Deployment State Change" detail whose other
    fields docs/events.md describes."""

    state: str
    unreported: tuple[str, ...] | None = None  # bookkeeping that failed (logged)
    detail: dict[str, Any] = flattened()  # noqa: RUF009 -- a field(), as dataclasses wants


@dataclass(frozen=True)
class Steps(JsonModel):
    """``$.steps``: each deploy step's result, once it has run."""

    task_definition: TaskDefinitionResult | AdmissionWait | None = None
    network: NetworkResult | None = None
    load_balancer: LoadBalancerResult | None = None
    pre_deploy: PreDeployPlan | None = None
    service: ServiceResult | AdmissionWait | None = None
    schedule: ScheduleResult | None = None

    def maybe(self, model: type[R]) -> R | None:
        """The result of the step that writes ``model``, or None when it has not run (or
        ended early, waiting for its turn)."""
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, model):
                return value
        return None

    def done(self, model: type[R]) -> R:
        """The result of the step that writes ``model``, which has run (ContractError when
        the workflow has not run it: a state machine out of step with its functions)."""
        result = self.maybe(model)
        if result is None:
            raise ContractError(f"no {model.__name__} in the workflow's steps yet")
        return result
