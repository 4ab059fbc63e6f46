"""ECS "ECS Deployment State Change" events → resume the deployment waiting on them."""

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ecsdrop.deploy.rollout import on_deployment_event
from ecsdrop.observability import logger, tracer
from ecsdrop.runtime import runtime


@logger.inject_lambda_context(correlation_id_path="detail.deploymentId")
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # A plain dict, not Powertools' EventBridgeEvent: see functions/ecr_trigger/app.py.
    rt = runtime(os.environ)
    done = on_deployment_event(event, rt.store, rt.tokens)
    logger.info(
        "ECS deployment event", extra={"eventName": event["detail"].get("eventName"), "done": done}
    )
    return {"done": done}
