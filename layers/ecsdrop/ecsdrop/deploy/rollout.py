"""Wait for steady state: ECS's own events resume the workflow; polling is the fallback.

The workflow parks on a task token stored under the ECS deployment id. The "ECS Deployment
State Change" event for that deployment resumes it. Either may arrive first: each side
writes its half and then looks for the other's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

from ecsdrop.aws.ecs import Ecs
from ecsdrop.aws.store import StateStore
from ecsdrop.aws.tokens import TaskTokens
from ecsdrop.deploy.results import AwaitingRollout, ServiceResult
from ecsdrop.errors import DeadlineExceededError, DeploymentFailedError

COMPLETED = "SERVICE_DEPLOYMENT_COMPLETED"
FAILED = "SERVICE_DEPLOYMENT_FAILED"
RolloutState = Literal["COMPLETED", "FAILED", "IN_PROGRESS"]


@dataclass(frozen=True)
class RolloutStatus:
    state: RolloutState
    reason: str = ""


def rollout_status(service: dict[str, Any] | None, ecs_deployment_id: str) -> RolloutStatus:
    """Is the rollout of ``ecs_deployment_id`` done? A pure function of describe_services.

    Done means: our deployment is the primary one, ECS says COMPLETED, it is the only
    deployment left and it runs the desired count. A deployment ECS rolled back — gone,
    FAILED, or no longer primary — is a failure, never a success.
    """
    if service is None:
        return RolloutStatus("FAILED", "the service no longer exists")
    deployments = service.get("deployments", [])
    ours = next((d for d in deployments if d.get("id") == ecs_deployment_id), None)
    if ours is None:
        return RolloutStatus("FAILED", "ECS replaced the deployment (rolled back)")
    if ours.get("rolloutState") == "FAILED":
        return RolloutStatus("FAILED", ours.get("rolloutStateReason") or "the rollout failed")
    if ours.get("status") != "PRIMARY":
        return RolloutStatus("FAILED", "ECS rolled back to an earlier deployment")
    settled = (
        ours.get("rolloutState") == "COMPLETED"
        and len(deployments) == 1
        and ours.get("runningCount", 0) >= ours.get("desiredCount", 0)
    )
    return RolloutStatus("COMPLETED") if settled else RolloutStatus("IN_PROGRESS")


def await_rollout(
    token: str, service_step: ServiceResult, store: StateStore, tokens: TaskTokens
) -> AwaitingRollout:
    """Store the token; if ECS's verdict is already in, resume the workflow now."""
    outcome = store.put_rollout_token(service_step.ecs_deployment_id or "", token)
    if outcome is not None:
        resolve(token, outcome, tokens)
    return AwaitingRollout(waiting=outcome is None)


def on_deployment_event(event: dict[str, Any], store: StateStore, tokens: TaskTokens) -> str:
    """Handle an "ECS Deployment State Change" event; returns what was done, for the log."""
    detail = event.get("detail") or {}
    name = detail.get("eventName")
    deployment_id = detail.get("deploymentId")
    if name not in (COMPLETED, FAILED) or not deployment_id:
        return "ignored"
    outcome = {
        "eventName": name,
        "reason": detail.get("reason", ""),
        "deploymentId": deployment_id,
        "serviceArn": (event.get("resources") or [""])[0],
        "time": event.get("time"),
    }
    token = store.put_rollout_outcome(deployment_id, outcome)
    if token is None:
        return "recorded"
    return "resumed" if resolve(token, outcome, tokens) else "stale"


def resolve(token: str, outcome: dict[str, Any], tokens: TaskTokens) -> bool:
    if outcome["eventName"] == COMPLETED:
        return tokens.succeed(token, {"state": "COMPLETED", "via": "event", **outcome})
    reason = outcome.get("reason") or "ECS reported the deployment failed"
    return tokens.fail(token, DeploymentFailedError.__name__, reason)


def check_rollout(
    service_step: ServiceResult, ecs: Ecs, now: float, check_seconds: int
) -> ServiceResult:
    """The polling fallback, once per check interval when no event came: decide, or wait on."""
    service = ecs.describe_service(service_step.cluster, service_step.service_name)
    status = rollout_status(service, service_step.ecs_deployment_id or "")
    if status.state == "FAILED":
        raise DeploymentFailedError(status.reason)
    if status.state == "COMPLETED":
        return replace(service_step, settled=True, via="poll")
    remaining = int(service_step.deadline - now)
    if remaining <= 0:
        raise DeadlineExceededError(
            f"the rollout of {service_step.service_name} did not reach a steady state "
            "before the stability deadline"
        )
    return replace(service_step, settled=False, wait_seconds=max(1, min(check_seconds, remaining)))
