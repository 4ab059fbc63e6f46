"""Pre-deploy tasks: prepare them (PreparePreDeploy: the cluster, each task's RunTask
parameters), and judge a run Step Functions called failed (JudgePreDeployTask, inside the
RunPreDeployTasks map: its input is the task with the Catch's ``failure``)."""

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ecsdrop.contract import returns_json
from ecsdrop.deploy.pre_deploy import judge, prepare
from ecsdrop.deploy.results import PreDeployPlan, PreDeployRun, PreDeployTask
from ecsdrop.deploy.state import WorkflowState
from ecsdrop.observability import logger, tracer
from ecsdrop.runtime import runtime


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@returns_json
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PreDeployPlan | PreDeployRun:
    rt = runtime(os.environ)
    if "failure" in event:  # RunPreDeployTask's Catch: the task with what went wrong
        task = PreDeployTask.from_json(event)
        return judge(task, rt.ecs, rt.logs)
    state = WorkflowState.from_json(event)
    logger.append_keys(correlation_id=state.deployment.id)
    return prepare(state, rt.ecs, rt.ledger(state.deployment.id))
