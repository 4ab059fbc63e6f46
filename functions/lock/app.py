"""Lock: one deployment per service; a duplicate of what already runs is a no-op."""

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ecsdrop.contract import returns_json
from ecsdrop.deploy.lock import begin
from ecsdrop.deploy.results import LockResult
from ecsdrop.deploy.state import WorkflowState
from ecsdrop.observability import logger, tracer
from ecsdrop.runtime import runtime


@logger.inject_lambda_context(correlation_id_path="deployment.id")
@tracer.capture_lambda_handler
@returns_json
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> LockResult:
    rt = runtime(os.environ)
    state = WorkflowState.from_json(event)
    return begin(state, rt.store, rt.bucket, rt.reporter, rt.ownership)
