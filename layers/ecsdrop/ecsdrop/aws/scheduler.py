"""EventBridge Scheduler: the schedules of scheduled jobs, in ecsdrop's schedule group."""

from __future__ import annotations

from typing import Any

from ecsdrop.aws.errors import aws_call
from ecsdrop.errors import NotFoundError

# What GetSchedule returns that CreateSchedule and UpdateSchedule do not take.
READ_ONLY_SCHEDULE_FIELDS = ("Arn", "CreationDate", "LastModificationDate", "ResponseMetadata")


def schedule_request(schedule: dict[str, Any]) -> dict[str, Any]:
    """What UpdateSchedule must send to make a schedule as ``schedule`` (GetSchedule's)."""
    return {k: v for k, v in schedule.items() if k not in READ_ONLY_SCHEDULE_FIELDS}


class Scheduler:
    def __init__(self, client: Any) -> None:
        self._scheduler = client

    def schedule(self, group: str, name: str) -> dict[str, Any] | None:
        """The schedule as GetSchedule returns it; None when there is none of that name."""
        try:
            with aws_call("scheduler:GetSchedule"):
                response = self._scheduler.get_schedule(GroupName=group, Name=name)
        except NotFoundError:
            return None
        return {k: v for k, v in response.items() if k != "ResponseMetadata"}

    def create_schedule(self, request: dict[str, Any]) -> str:
        with aws_call("scheduler:CreateSchedule"):
            arn: str = self._scheduler.create_schedule(**request)["ScheduleArn"]
        return arn

    def update_schedule(self, request: dict[str, Any]) -> str:
        """UpdateSchedule replaces the whole schedule: ``request`` is all of it."""
        with aws_call("scheduler:UpdateSchedule"):
            arn: str = self._scheduler.update_schedule(**request)["ScheduleArn"]
        return arn

    def delete_schedule(self, group: str, name: str) -> None:
        with aws_call("scheduler:DeleteSchedule"):
            self._scheduler.delete_schedule(GroupName=group, Name=name)
