"""Polling fallback: decide from describe_services when no ECS event came in time."""

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ecsdrop.deploy.rollout import check_rollout
from ecsdrop.observability import logger, tracer
from ecsdrop.runtime import runtime


@logger.inject_lambda_context(correlation_id_path="deployment.id")
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    rt = runtime(os.environ)
    return check_rollout(
        event["steps"]["service"], rt.ecs, rt.now(), rt.settings.rollout_check_seconds
    )
