"""Schedule: a scheduled job's DeploySchedule, where a service's DeployService would run.

The job's EventBridge Scheduler schedule (in the stack's schedule group, named after the
service) is created, or replaced whole by UpdateSchedule, to run the new task definition in
the spec's network. There is no rollout to wait for: the deployment is done when the
schedule is. Rollback deletes a schedule this run created and puts back the previous
definition of one it changed.

Schedules carry no tags, so a schedule is ecsdrop's by its description
(``ecsdrop:service=<name>``), and one this run created before it stopped is known by the
ledger's intent, written just before CreateSchedule.
"""

from __future__ import annotations

from typing import Any

from ecsdrop.aws.ecs import Ecs
from ecsdrop.aws.scheduler import Scheduler, schedule_request
from ecsdrop.deploy.ledger import Changed, Created, Ledger
from ecsdrop.deploy.results import ScheduleResult
from ecsdrop.deploy.service import bound_resources, ensure_cluster
from ecsdrop.deploy.state import WorkflowState
from ecsdrop.errors import OwnershipError
from ecsdrop.spec.installation import Installation
from ecsdrop.spec.render import schedule_description, schedule_input


def deploy_schedule(
    state: WorkflowState,
    scheduler: Scheduler,
    ecs: Ecs,
    ledger: Ledger,
    installation: Installation,
) -> ScheduleResult:
    spec = state.spec
    ensure_cluster(spec.cluster, ecs, ledger)  # RunTask needs it when the schedule fires
    request = schedule_input(spec, bound_resources(state), installation)
    group, name = request["GroupName"], request["Name"]
    current = scheduler.schedule(group, name)
    created = True
    if current is None:
        ledger.intend(Created.SCHEDULE, name)
        arn = scheduler.create_schedule(request)
        ledger.created(Created.SCHEDULE, name, group=group)
    elif ledger.intended(Created.SCHEDULE, name):  # made by this run, which then stopped
        ledger.created(Created.SCHEDULE, name, group=group)
        arn = scheduler.update_schedule(request)
    else:
        created = False
        if not is_ours(current, spec.name):
            raise OwnershipError(foreign_schedule(group, name))
        ledger.changed(Changed.SCHEDULE, name, previous=schedule_request(current), group=group)
        arn = scheduler.update_schedule(request)
    return ScheduleResult(
        schedule_arn=arn,
        schedule_name=name,
        group=group,
        cluster=spec.cluster,
        created=created,
        task_definition_arn=request["Target"]["EcsParameters"]["TaskDefinitionArn"],
        expression=request["ScheduleExpression"],
        timezone=request["ScheduleExpressionTimezone"],
        state=request["State"],
    )


def is_ours(schedule: dict[str, Any], service: str) -> bool:
    """Whether ecsdrop made the schedule for ``service``."""
    return schedule.get("Description") == schedule_description(service)


def foreign_schedule(group: str, name: str) -> str:
    return (
        f"schedule {name} in group {group} exists and was not made by ecsdrop for service "
        f"{name} (its description is not {schedule_description(name)}): ecsdrop will not "
        "change it. Delete or rename it, or choose another service.name"
    )
