"""Wait for steady state: store the task token the ECS deployment event will resume."""

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ecsdrop.deploy.rollout import await_rollout
from ecsdrop.observability import logger, tracer
from ecsdrop.runtime import runtime


@logger.inject_lambda_context(correlation_id_path="deployment.id")
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    rt = runtime(os.environ)
    return await_rollout(event["token"], event["service"], rt.store, rt.tokens)
