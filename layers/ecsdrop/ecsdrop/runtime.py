"""The composition root of the Lambda functions: settings and gateways, built once per
container on first use (never at import) from the function's environment.

Each gateway's module is imported where it is built: every function imports this module, and
most use a few of its gateways, so a function pays only for the adapters and steps it uses
(a cold start imports nothing else of ecsdrop on its behalf).
"""

# ruff: noqa: PLC0415 -- the imports are where the gateways are built, on purpose (see above)

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar

from ecsdrop.aws.clients import AwsClients

if TYPE_CHECKING:
    from ecsdrop.aws.autoscaling import AutoScaling
    from ecsdrop.aws.bucket import SpecBucket
    from ecsdrop.aws.ec2 import Ec2
    from ecsdrop.aws.ecr import Ecr
    from ecsdrop.aws.ecs import Ecs
    from ecsdrop.aws.elbv2 import Elbv2
    from ecsdrop.aws.events import EventPublisher
    from ecsdrop.aws.executions import Executions
    from ecsdrop.aws.logs import Logs
    from ecsdrop.aws.scheduler import Scheduler
    from ecsdrop.aws.store import StateStore
    from ecsdrop.aws.tokens import TaskTokens
    from ecsdrop.contract import JsonModel
    from ecsdrop.deploy.finish import Reporter
    from ecsdrop.deploy.ledger import Ledger
    from ecsdrop.deploy.ownership import Ownership
    from ecsdrop.deploy.plan import Planner
    from ecsdrop.deploy.results import AdmissionWait
    from ecsdrop.deploy.rollback import Gateways
    from ecsdrop.deploy.teardown import Teardown
    from ecsdrop.settings import InstallationSettings, WorkflowSettings
    from ecsdrop.spec import Guardrails, Installation

S = TypeVar("S")


@dataclass
class Runtime:
    env: Mapping[str, str]
    clients: AwsClients = field(default_factory=AwsClients)

    @cached_property
    def workflow(self) -> WorkflowSettings:
        from ecsdrop.settings import WorkflowSettings, from_environment

        return from_environment(WorkflowSettings, self.env)

    @cached_property
    def settings(self) -> InstallationSettings:
        from ecsdrop.settings import InstallationSettings, from_environment

        return from_environment(InstallationSettings, self.env)

    @cached_property
    def installation(self) -> Installation:
        return self.settings.installation()

    @cached_property
    def guardrails(self) -> Guardrails:
        from ecsdrop.spec import Guardrails

        return Guardrails.from_environment(self.env)

    @cached_property
    def store(self) -> StateStore:
        from ecsdrop.aws.store import StateStore

        return StateStore(self.clients.dynamodb, self.workflow.table_name)

    @cached_property
    def bucket(self) -> SpecBucket:
        from ecsdrop.aws.bucket import SpecBucket

        return SpecBucket(self.clients.s3, self.workflow.bucket_name)

    @cached_property
    def publisher(self) -> EventPublisher:
        from ecsdrop.aws.events import EventPublisher

        return EventPublisher(self.clients.events, self.workflow.event_bus_name)

    @cached_property
    def reporter(self) -> Reporter:
        from ecsdrop.deploy.finish import Reporter

        return Reporter(self.store, self.bucket, self.publisher, self.installation.region)

    @cached_property
    def planner(self) -> Planner:
        from ecsdrop.deploy.diff import Running
        from ecsdrop.deploy.plan import Planner

        running = Running(self.ecs, self.ecr, self.autoscaling, self.store)
        return Planner(self.bucket, self.guardrails, self.installation, running, self.publisher)

    def with_admission(
        self, previous: JsonModel | None, step: Callable[[Ecs], S]
    ) -> S | AdmissionWait:
        """Run a step whose ECS writes take turns (ecsdrop.aws.admission). A turn too far off
        ends the step early with an AdmissionWait: the workflow waits for it and runs the
        step again, which then holds that turn (``previous`` is the step's last result)."""
        from ecsdrop.aws.admission import Admission, Turn
        from ecsdrop.aws.ecs import Ecs
        from ecsdrop.deploy.results import AdmissionTurn, AdmissionWait
        from ecsdrop.errors import AdmissionDeferred

        waited = previous.admission.to_json() if isinstance(previous, AdmissionWait) else None
        admission = Admission(
            self.clients.dynamodb, self.workflow.table_name, held=Turn.from_json(waited)
        )
        try:
            return step(Ecs(self.clients.ecs, admission))
        except AdmissionDeferred as deferred:
            return AdmissionWait(AdmissionTurn.from_json(deferred.turn.to_json(self.now())))

    @cached_property
    def ecs(self) -> Ecs:
        from ecsdrop.aws.ecs import Ecs

        return Ecs(self.clients.ecs)

    @cached_property
    def ec2(self) -> Ec2:
        from ecsdrop.aws.ec2 import Ec2

        return Ec2(self.clients.ec2)

    @cached_property
    def elbv2(self) -> Elbv2:
        from ecsdrop.aws.elbv2 import Elbv2

        return Elbv2(self.clients.elbv2)

    @cached_property
    def ecr(self) -> Ecr:
        from ecsdrop.aws.ecr import Ecr

        return Ecr(self.clients.ecr)

    @cached_property
    def logs(self) -> Logs:
        from ecsdrop.aws.logs import Logs

        return Logs(self.clients.logs)

    @cached_property
    def autoscaling(self) -> AutoScaling:
        from ecsdrop.aws.autoscaling import AutoScaling

        return AutoScaling(self.clients.autoscaling)

    @cached_property
    def scheduler(self) -> Scheduler:
        from ecsdrop.aws.scheduler import Scheduler

        return Scheduler(self.clients.scheduler)

    @cached_property
    def tokens(self) -> TaskTokens:
        from ecsdrop.aws.tokens import TaskTokens

        return TaskTokens(self.clients.stepfunctions)

    @cached_property
    def gateways(self) -> Gateways:
        from ecsdrop.aws.admission import ROLLBACK_WAIT_SECONDS, Admission
        from ecsdrop.aws.ecs import Ecs
        from ecsdrop.deploy.rollback import Gateways

        # a rollback's ECS writes take their turns too (a bad shared image rolls hundreds of
        # services back at once), sleeping them out: it cannot hand them back
        admission = Admission(
            self.clients.dynamodb,
            self.workflow.table_name,
            inline_seconds=ROLLBACK_WAIT_SECONDS,
            defers=False,
        )
        ecs = Ecs(self.clients.ecs, admission)
        return Gateways(ecs, self.ec2, self.elbv2, self.logs, self.autoscaling, self.scheduler)

    @cached_property
    def ownership(self) -> Ownership:
        from ecsdrop.deploy.ownership import Ownership

        return Ownership(lambda: self.ecs, lambda: self.elbv2)

    @cached_property
    def teardown(self) -> Teardown:
        from ecsdrop.aws.tagging import TaggedResources
        from ecsdrop.deploy.teardown import Teardown

        tagged = TaggedResources(self.clients.tagging)
        return Teardown(self.gateways, tagged, self.installation, self.store)

    @cached_property
    def executions(self) -> Executions:
        from ecsdrop.aws.executions import Executions
        from ecsdrop.settings import TriggerSettings, from_environment

        state_machine = from_environment(TriggerSettings, self.env).state_machine_arn
        return Executions(self.clients.stepfunctions, state_machine)

    def ledger(self, deployment_id: str) -> Ledger:
        from ecsdrop.deploy.ledger import Ledger

        return Ledger(self.store, deployment_id)

    @staticmethod
    def now() -> float:
        return time.time()


_runtime: Runtime | None = None


def runtime(env: Mapping[str, str]) -> Runtime:
    """The container's Runtime, made on the first invocation."""
    global _runtime  # noqa: PLW0603 -- one per Lambda container, by design
    if _runtime is None:
        _runtime = Runtime(env)
    return _runtime
