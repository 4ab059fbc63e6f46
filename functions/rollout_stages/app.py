"""ECS lifecycle hook of every blue/green, linear or canary deployment: announce its stage."""

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ecsdrop.deploy.stages import on_stage
from ecsdrop.observability import logger, tracer
from ecsdrop.runtime import runtime


@logger.inject_lambda_context(correlation_id_path="resourceArn")
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    rt = runtime(os.environ)
    logger.info("lifecycle stage", extra={"lifecycleStage": event.get("lifecycleStage")})
    return on_stage(event, rt.bucket, rt.publisher)
