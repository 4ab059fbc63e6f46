"""Service: create (with its cluster) or update the ECS service; for a scheduled job (a
spec with ``schedule``), its EventBridge Scheduler schedule instead (DeploySchedule)."""

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ecsdrop.contract import returns_json
from ecsdrop.deploy.results import AdmissionWait, ScheduleResult, ServiceResult
from ecsdrop.deploy.schedule import deploy_schedule
from ecsdrop.deploy.service import deploy_service
from ecsdrop.deploy.state import WorkflowState
from ecsdrop.observability import logger, tracer
from ecsdrop.runtime import runtime


@logger.inject_lambda_context(correlation_id_path="deployment.id")
@tracer.capture_lambda_handler
@returns_json
def lambda_handler(
    event: dict[str, Any], context: LambdaContext
) -> ServiceResult | ScheduleResult | AdmissionWait:
    rt = runtime(os.environ)
    state = WorkflowState.from_json(event)
    ledger = rt.ledger(state.deployment.id)
    if state.spec.schedule is not None:
        return deploy_schedule(state, rt.scheduler, rt.ecs, ledger, rt.installation)
    return rt.with_admission(
        state.steps.service,
        lambda ecs: deploy_service(
            state,
            ecs,
            rt.autoscaling,
            ledger,
            now=rt.now(),
            check_seconds=rt.settings.rollout_check_seconds,
            installation=rt.installation,
        ),
    )
