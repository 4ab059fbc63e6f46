"""Each function's configuration: a small typed model read once from its environment.

Handlers pass ``os.environ``; the domain never reads it. A missing variable fails loudly,
naming every variable that is missing, instead of running with an empty default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields
from typing import Any, TypeVar

from ecsdrop.errors import ConfigurationError
from ecsdrop.spec.installation import Installation
from ecsdrop.spec.policy import Guardrails

T = TypeVar("T")


def from_environment(model: type[T], env: Mapping[str, str]) -> T:
    """Build ``model`` (a dataclass whose fields name their variables in upper case)."""
    values: dict[str, Any] = {}
    missing = []
    for field in fields(model):  # type: ignore[arg-type]
        name = field.name.upper()
        if name in env and env[name] != "":
            values[field.name] = int(env[name]) if field.type in ("int", int) else env[name]
        elif field.default is MISSING and field.default_factory is MISSING:
            missing.append(name)
    if missing:
        raise ConfigurationError(f"missing environment variables: {', '.join(sorted(missing))}")
    return model(**values)


@dataclass(frozen=True)
class WorkflowSettings:
    """What every deploy step needs: where state lives and where events go."""

    table_name: str
    bucket_name: str
    event_bus_name: str


@dataclass(frozen=True)
class TriggerSettings:
    """The ECR trigger starts the deploy workflow."""

    state_machine_arn: str


@dataclass(frozen=True)
class InstallationSettings:
    """The stack's defaults for rendering specs."""

    aws_region: str
    account_id: str
    default_cluster: str = "ecsdrop"
    default_execution_role_arn: str = ""
    log_group_prefix: str = "/ecsdrop"
    log_retention_days: int = 30
    rollout_check_seconds: int = 300
    schedule_group: str = "ecsdrop"
    scheduler_role_arn: str = ""
    load_balancer_role_arn: str = ""
    rollout_stages_function_arn: str = ""

    def installation(self) -> Installation:
        return Installation(
            account_id=self.account_id,
            region=self.aws_region,
            default_cluster=self.default_cluster,
            execution_role_arn=self.default_execution_role_arn,
            log_group_prefix=self.log_group_prefix,
            log_retention_days=self.log_retention_days,
            schedule_group=self.schedule_group,
            scheduler_role_arn=self.scheduler_role_arn,
            load_balancer_role_arn=self.load_balancer_role_arn,
            rollout_stages_function_arn=self.rollout_stages_function_arn,
        )


def guardrails_from_environment(env: Mapping[str, str]) -> Guardrails:
    return Guardrails.from_environment(env)
