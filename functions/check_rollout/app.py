"""Polling fallback: decide from describe_services when no ECS event came in time."""

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ecsdrop.contract import returns_json
from ecsdrop.deploy.results import ServiceResult
from ecsdrop.deploy.rollout import check_rollout
from ecsdrop.deploy.state import WorkflowState
from ecsdrop.observability import logger, tracer
from ecsdrop.runtime import runtime


@logger.inject_lambda_context(correlation_id_path="deployment.id")
@tracer.capture_lambda_handler
@returns_json
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> ServiceResult:
    rt = runtime(os.environ)
    service = WorkflowState.from_json(event).steps.done(ServiceResult)
    return check_rollout(service, rt.ecs, rt.now(), rt.settings.rollout_check_seconds)
