"""One chat message per deployment event per destination, however often the event comes.

EventBridge delivers at least once, Lambda retries a failed invocation, a retried Finish step
publishes its event again and `ecsdrop redrive` replays what waited in the dead-letter queue.
Each post is made through Powertools Idempotency on the state table, keyed by the event's
identity and the destination: a post that succeeded is recorded (for a week) and not made
again; a post that failed records nothing, so the next delivery of the event tries again. A
post of the same key in progress elsewhere makes this invocation fail (Lambda retries it
later), so the message is neither sent twice nor lost.

The identity is what the event says, not its EventBridge id (a re-published event has a new
one): the run (``deploymentId``, else the event's id), its state and, for a rollout's stages,
the stage and its progress (a linear rollout posts PRODUCTION_TRAFFIC_SHIFT once per step).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from ecsdrop.errors import NotDelivered
from ecsdrop.notify.delivery import DeliveryResult

RECORD_KEY = "NOTIFIED"  # the records' partition key in the state table
KEPT_SECONDS = 7 * 24 * 3600  # longer than any redelivery: EventBridge's 24 h, the queue's 14 d
IN_PROGRESS_SECONDS = 150  # longer than the notifier's timeout: an abandoned post frees its key


def event_identity(event: Mapping[str, Any]) -> dict[str, str]:
    """What makes two deliveries the same announcement."""
    detail = event.get("detail") or {}
    return {
        "run": str(detail.get("deploymentId") or event.get("id") or ""),
        "state": str(detail.get("state") or ""),
        "stage": str(detail.get("stage") or ""),
        "progress": str(detail.get("progress") or ""),
    }


class OncePerDestination:
    """Runs a destination's post once per event identity (records in ``table_name``)."""

    def __init__(self, table_name: str, client: Any) -> None:
        self._persistence = DynamoDBPersistenceLayer(
            table_name=table_name,
            key_attr="PK",
            sort_key_attr="SK",
            static_pk_value=RECORD_KEY,
            expiry_attr="expiresAt",  # the table's TTL attribute: old records go by themselves
            boto3_client=client,
        )
        self._config = IdempotencyConfig(
            expires_after_seconds=KEPT_SECONDS, raise_on_no_idempotency_key=True
        )

    def register(self, context: Any) -> None:
        """The invocation's context: an in-progress record expires with it."""
        self._config.register_lambda_context(context)

    def post(
        self, identity: Mapping[str, str], destination: str, send: Callable[[], DeliveryResult]
    ) -> DeliveryResult:
        """``send()``'s result, or, when this identity was posted to ``destination`` before,
        the recorded result of that post (``send`` is not called)."""

        calls: list[DeliveryResult] = []

        def sent() -> DeliveryResult:
            calls.append(send())
            return calls[-1]

        try:
            recorded = self._post_once(sent)(delivery={**identity, "destination": destination})
        except NotDelivered as failed:
            return failed.result
        if calls:
            return calls[-1]
        return DeliveryResult(
            destination=str(recorded["destination"]),
            type=str(recorded["type"]),
            delivered=True,
            attempts=0,
            status=recorded.get("status"),
            repeated=True,
        )

    def _post_once(self, send: Callable[[], DeliveryResult]) -> Callable[..., dict[str, Any]]:
        def post_once(delivery: dict[str, str]) -> dict[str, Any]:
            result = send()
            if not result.delivered:
                raise NotDelivered(result)
            return result.to_json()

        once: Callable[..., dict[str, Any]] = idempotent_function(
            post_once,
            data_keyword_argument="delivery",
            persistence_store=self._persistence,
            config=self._config,
        )
        return once
