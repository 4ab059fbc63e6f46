"""Load & validate: read the spec at its exact version, validate it, start the deployment."""

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ecsdrop.deploy.load import load
from ecsdrop.observability import logger, tracer
from ecsdrop.runtime import runtime


@logger.inject_lambda_context(correlation_id_path="execution.name")
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    rt = runtime(os.environ)
    state = load(event["input"], event["execution"], rt.bucket, rt.guardrails, rt.installation)
    logger.info(
        "spec loaded",
        extra={"service": state.deployment.service, "specDigest": state.deployment.spec_digest},
    )
    return {**state.to_json(), "steps": {}, "lock": {}}
