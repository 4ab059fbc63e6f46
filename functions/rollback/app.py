"""Undo: roll a failed run back from its ledger (newest first), or tear down the service of
a deleted spec as its deletionPolicy says."""

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ecsdrop.contract import returns_json
from ecsdrop.deploy.results import RollbackResult, TeardownResult
from ecsdrop.deploy.state import WorkflowState
from ecsdrop.deploy.teardown import undo
from ecsdrop.observability import logger, tracer
from ecsdrop.runtime import runtime


@logger.inject_lambda_context(correlation_id_path="deployment.id")
@tracer.capture_lambda_handler
@returns_json
def lambda_handler(
    event: dict[str, Any], context: LambdaContext
) -> RollbackResult | TeardownResult:
    rt = runtime(os.environ)
    result = undo(WorkflowState.from_json(event), rt.teardown)
    logger.info("undone", extra=result.to_json())
    return result
