"""Network: the managed VPC or the spec's existing one, and the security groups; and the
look at NAT gateways still pending (CheckNatGateways)."""

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ecsdrop.contract import returns_json
from ecsdrop.deploy.network import network_step
from ecsdrop.deploy.results import NetworkResult
from ecsdrop.deploy.state import WorkflowState
from ecsdrop.observability import logger, tracer
from ecsdrop.runtime import runtime


@logger.inject_lambda_context(correlation_id_path="deployment.id")
@tracer.capture_lambda_handler
@returns_json
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> NetworkResult:
    rt = runtime(os.environ)
    state = WorkflowState.from_json(event)
    return network_step(state, lambda: rt.ec2, rt.ledger(state.deployment.id))
