"""Wait for steady state: store the task token the ECS deployment event will resume."""

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ecsdrop.contract import returns_json
from ecsdrop.deploy.results import AwaitingRollout, ServiceResult
from ecsdrop.deploy.rollout import await_rollout
from ecsdrop.observability import logger, tracer
from ecsdrop.runtime import runtime


@logger.inject_lambda_context(correlation_id_path="deployment.id")
@tracer.capture_lambda_handler
@returns_json
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> AwaitingRollout:
    rt = runtime(os.environ)
    service = ServiceResult.from_json(event["service"])
    return await_rollout(event["token"], service, rt.store, rt.tokens)
