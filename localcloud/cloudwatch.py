"""CloudWatch as the ECS emulation reads it: the state of a deployment's alarms.

Everything the local cloud reads of moto's CloudWatch internals is here.
"""

from __future__ import annotations

from moto.cloudwatch.models import cloudwatch_backends


def alarms_in_alarm(account_id: str, region: str, names: list[str]) -> list[str]:
    """The named alarms whose state is ALARM (an alarm that does not exist is in none)."""
    alarms = cloudwatch_backends[account_id][region].alarms
    return [name for name in names if name in alarms and alarms[name].state_value == "ALARM"]
