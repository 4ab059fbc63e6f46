"""EventBridge: ecsdrop's own "Deployment State Change" events."""

from __future__ import annotations

import json
from typing import Any

from ecsdrop.aws.errors import aws_call
from ecsdrop.errors import TransientAwsError

SOURCE = "ecsdrop"
DETAIL_TYPE = "Deployment State Change"


class EventPublisher:
    def __init__(self, client: Any, bus_name: str) -> None:
        self._events = client
        self._bus = bus_name

    def publish(self, detail: dict[str, Any], resources: list[str]) -> None:
        with aws_call("events:PutEvents"):
            response = self._events.put_events(
                Entries=[
                    {
                        "Source": SOURCE,
                        "DetailType": DETAIL_TYPE,
                        "Detail": json.dumps(detail, sort_keys=True),
                        "Resources": resources,
                        "EventBusName": self._bus,
                    }
                ]
            )
        if response.get("FailedEntryCount"):
            entry = response["Entries"][0]
            raise TransientAwsError(
                f"events:PutEvents: {entry.get('ErrorCode')}: {entry.get('ErrorMessage')}"
            )
