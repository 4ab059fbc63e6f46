"""The state table: one DynamoDB table for locks, current state, history, ledgers and tokens.

Keys (PK / SK):
    SERVICE#<name>        LOCK                          the deployment lock (expiresAt = TTL)
    SERVICE#<name>        STATE                         what runs now (JSON document and the
                                                        deployment that recorded it)
    SERVICE#<name>        HISTORY#<start>#<deployment>  one record per finished deployment
    SERVICE#<name>        TRIGGER#<repo>#<tag>#<ctr>    ECR tags the service follows (GSI1)
    DEPLOYMENT#<id>       LEDGER#<kind>#<resource>      what a deployment created or changed
    ROLLOUT#<ecs id>      TOKEN | OUTCOME               the wait's task token / the ECS verdict
    ADMISSION#<action>    TURNS                         the next turn of a rate-limited ECS
                                                        write (ecsdrop.aws.admission)
    RUN#<task arn>        REPORTED                      a scheduled run's failure announced
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from ecsdrop.aws.errors import aws_call, error_code
from ecsdrop.errors import AwsError, LockHeldError

_serialize = TypeSerializer().serialize
_deserialize = TypeDeserializer().deserialize
LEDGER_TTL_SECONDS = 90 * 24 * 3600
ROLLOUT_TTL_SECONDS = 2 * 24 * 3600


def _item(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _serialize(v) for k, v in values.items() if v is not None}


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _deserialize(v) for k, v in item.items()}


def _state_values(state: dict[str, Any]) -> dict[str, Any]:
    return {"doc": json.dumps(state, sort_keys=True), "deploymentId": state.get("deploymentId")}


@dataclass(frozen=True)
class LockInfo:
    owner: str
    execution_arn: str
    expires_at: int
    request: str | None = None  # the holder's request digest (Deployment.request_digest)


class StateStore:
    def __init__(self, dynamodb: Any, table_name: str, clock: Any = time.time) -> None:
        self._db = dynamodb
        self._table = table_name
        self._clock = clock

    # ------------------------------------------------------------------ lock

    def acquire_lock(
        self,
        service: str,
        owner: str,
        execution_arn: str,
        ttl_seconds: int,
        request: str | None = None,
    ) -> None:
        """Take the service's lock, or raise LockHeldError naming the deployment holding it.
        ``request`` says what the holder deploys, so a duplicate of it can be told apart.

        Re-entrant for the same owner (a retried step), and a lock past its expiry is free:
        a crashed deployment cannot block the next one for longer than its deadline.
        """
        now = int(self._clock())
        taken = self._conditionally(
            "dynamodb:PutItem",
            "put_item",
            Item=_item(
                {
                    "PK": f"SERVICE#{service}",
                    "SK": "LOCK",
                    "owner": owner,
                    "executionArn": execution_arn,
                    "acquiredAt": now,
                    "expiresAt": now + ttl_seconds,
                    "request": request,
                }
            ),
            ConditionExpression="attribute_not_exists(PK) OR expiresAt < :now OR #o = :me",
            ExpressionAttributeNames={"#o": "owner"},
            ExpressionAttributeValues={":now": _serialize(now), ":me": _serialize(owner)},
        )
        if not taken:
            holder = self.lock_holder(service)
            who = holder.owner if holder else "another deployment"
            raise LockHeldError(f"service {service} is being deployed by {who}")

    def lock_holder(self, service: str, live_only: bool = False) -> LockInfo | None:
        """Who holds the service's lock; with ``live_only``, None once the lock has expired."""
        item = self._get(f"SERVICE#{service}", "LOCK")
        if item is None:
            return None
        holder = LockInfo(
            item["owner"], item.get("executionArn", ""), int(item["expiresAt"]), item.get("request")
        )
        if live_only and holder.expires_at < int(self._clock()):
            return None
        return holder

    def release_lock(self, service: str, owner: str) -> bool:
        """Release the lock if ``owner`` holds it; False when it was not (or no longer) held."""
        return self._conditionally(
            "dynamodb:DeleteItem",
            "delete_item",
            Key=_item({"PK": f"SERVICE#{service}", "SK": "LOCK"}),
            ConditionExpression="#o = :me",
            ExpressionAttributeNames={"#o": "owner"},
            ExpressionAttributeValues={":me": _serialize(owner)},
        )

    # ------------------------------------------------------------------ state & history

    def get_state(self, service: str) -> dict[str, Any] | None:
        item = self._get(f"SERVICE#{service}", "STATE")
        return json.loads(item["doc"]) if item else None

    def put_state(self, service: str, state: dict[str, Any]) -> None:
        self._put(f"SERVICE#{service}", "STATE", _state_values(state))

    def restore_state(
        self, service: str, deployment_id: str, previous: dict[str, Any] | None
    ) -> bool:
        """Put ``previous`` back (or remove the state when there was none) if the state is
        the one ``deployment_id`` recorded; False when it is not (nothing to undo)."""
        condition = {
            "ConditionExpression": "deploymentId = :me",
            "ExpressionAttributeValues": {":me": _serialize(deployment_id)},
        }
        if previous is None:
            return self._conditionally(
                "dynamodb:DeleteItem",
                "delete_item",
                Key=_item({"PK": f"SERVICE#{service}", "SK": "STATE"}),
                **condition,
            )
        return self._conditionally(
            "dynamodb:PutItem",
            "put_item",
            Item=_item({"PK": f"SERVICE#{service}", "SK": "STATE", **_state_values(previous)}),
            **condition,
        )

    def services(self) -> list[dict[str, Any]]:
        """The state of every service ecsdrop has deployed, by name."""
        items = self._scan("SK = :state", {":state": _serialize("STATE")})
        states = [json.loads(item["doc"]) for item in items]
        return sorted(states, key=lambda state: str(state.get("service", "")))

    def add_history(self, service: str, record: dict[str, Any]) -> None:
        """One record per deployment: a retried report rewrites it instead of adding one."""
        started = record.get("startedAt") or record["finishedAt"]
        sort_key = f"HISTORY#{started}#{record['deploymentId']}"
        self._put(f"SERVICE#{service}", sort_key, {"doc": json.dumps(record, sort_keys=True)})

    def history(self, service: str, limit: int = 20) -> list[dict[str, Any]]:
        items = self._query(f"SERVICE#{service}", "HISTORY#", limit=limit, newest_first=True)
        return [json.loads(item["doc"]) for item in items]

    # ------------------------------------------------------------------ ledger

    def record(
        self, deployment_id: str, kind: str, resource_id: str, entry: dict[str, Any]
    ) -> None:
        """Add a ledger entry; idempotent per (kind, resource) so a retried step adds nothing."""
        self._conditionally(
            "dynamodb:PutItem",
            "put_item",
            Item=_item(
                {
                    "PK": f"DEPLOYMENT#{deployment_id}",
                    "SK": f"LEDGER#{kind}#{resource_id}",
                    "seq": time.time_ns(),
                    "doc": json.dumps({"kind": kind, "id": resource_id, **entry}, sort_keys=True),
                    "expiresAt": int(self._clock()) + LEDGER_TTL_SECONDS,
                }
            ),
            ConditionExpression="attribute_not_exists(PK)",
        )

    def ledger(self, deployment_id: str) -> list[dict[str, Any]]:
        """The deployment's ledger in the order things were done."""
        items = self._query(f"DEPLOYMENT#{deployment_id}", "LEDGER#")
        items.sort(key=lambda item: int(item["seq"]))
        return [json.loads(item["doc"]) for item in items]

    # ------------------------------------------------------------------ rollout tokens

    def put_rollout_token(self, ecs_deployment_id: str, token: str) -> dict[str, Any] | None:
        """Store the wait's token; return the ECS verdict if it arrived first."""
        expires = int(self._clock()) + ROLLOUT_TTL_SECONDS
        self._put(f"ROLLOUT#{ecs_deployment_id}", "TOKEN", {"token": token, "expiresAt": expires})
        return self.rollout_outcome(ecs_deployment_id)

    def put_rollout_outcome(self, ecs_deployment_id: str, outcome: dict[str, Any]) -> str | None:
        """Store ECS's verdict; return the waiting token if the wait stored one first."""
        expires = int(self._clock()) + ROLLOUT_TTL_SECONDS
        self._put(
            f"ROLLOUT#{ecs_deployment_id}",
            "OUTCOME",
            {"doc": json.dumps(outcome, sort_keys=True), "expiresAt": expires},
        )
        item = self._get(f"ROLLOUT#{ecs_deployment_id}", "TOKEN")
        return str(item["token"]) if item else None

    def rollout_outcome(self, ecs_deployment_id: str) -> dict[str, Any] | None:
        item = self._get(f"ROLLOUT#{ecs_deployment_id}", "OUTCOME")
        return json.loads(item["doc"]) if item else None

    # ------------------------------------------------------------------ scheduled runs

    def claim_run_report(self, task_arn: str) -> bool:
        """Take the one announcement of a scheduled run's failure; False when it was taken
        already (ECS sends a task's STOPPED change more than once; EventBridge delivers at
        least once)."""
        item = {
            "PK": f"RUN#{task_arn}",
            "SK": "REPORTED",
            "expiresAt": int(self._clock()) + ROLLOUT_TTL_SECONDS,
        }
        return self._conditionally(
            "dynamodb:PutItem",
            "put_item",
            Item=_item(item),
            ConditionExpression="attribute_not_exists(PK)",
        )

    def release_run_report(self, task_arn: str) -> None:
        """Give the announcement back (it could not be published: the retry publishes it)."""
        self._delete(f"RUN#{task_arn}", "REPORTED")

    # ------------------------------------------------------------------ triggers

    def set_triggers(self, service: str, triggers: list[dict[str, str]]) -> None:
        """Replace the ECR tags the service follows (queried by repository:tag through GSI1)."""
        current = self._query(f"SERVICE#{service}", "TRIGGER#")
        wanted = {f"TRIGGER#{t['repository']}#{t['tag']}#{t['container']}": t for t in triggers}
        for item in current:
            if item["SK"] not in wanted:
                self._delete(item["PK"], item["SK"])
        for sort_key, trigger in wanted.items():
            self._put(
                f"SERVICE#{service}",
                sort_key,
                {
                    "GSI1PK": f"ECR#{trigger['repository']}:{trigger['tag']}",
                    "GSI1SK": f"SERVICE#{service}",
                    "service": service,
                    **trigger,
                },
            )

    def services_following(self, repository: str, tag: str) -> list[dict[str, Any]]:
        with aws_call("dynamodb:Query GSI1"):
            pages = self._db.get_paginator("query").paginate(
                TableName=self._table,
                IndexName="GSI1",
                KeyConditionExpression="GSI1PK = :pk",
                ExpressionAttributeValues={":pk": _serialize(f"ECR#{repository}:{tag}")},
            )
            return [_plain(item) for page in pages for item in page.get("Items", [])]

    # ------------------------------------------------------------------ primitives

    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        with aws_call("dynamodb:GetItem"):
            response = self._db.get_item(
                TableName=self._table, Key=_item({"PK": pk, "SK": sk}), ConsistentRead=True
            )
        return _plain(response["Item"]) if "Item" in response else None

    def _put(self, pk: str, sk: str, values: dict[str, Any]) -> None:
        with aws_call("dynamodb:PutItem"):
            self._db.put_item(TableName=self._table, Item=_item({"PK": pk, "SK": sk, **values}))

    def _conditionally(self, action: str, operation: str, **arguments: Any) -> bool:
        """Run a conditional write; False (not an error) when its condition does not hold."""
        try:
            with aws_call(action):
                getattr(self._db, operation)(TableName=self._table, **arguments)
        except AwsError as e:
            if error_code(e) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def _delete(self, pk: str, sk: str) -> None:
        with aws_call("dynamodb:DeleteItem"):
            self._db.delete_item(TableName=self._table, Key=_item({"PK": pk, "SK": sk}))

    def _scan(self, condition: str, values: dict[str, Any]) -> list[dict[str, Any]]:
        with aws_call("dynamodb:Scan"):
            pages = self._db.get_paginator("scan").paginate(
                TableName=self._table,
                FilterExpression=condition,
                ExpressionAttributeValues=values,
                ConsistentRead=True,
            )
            return [_plain(item) for page in pages for item in page.get("Items", [])]

    def _query(
        self, pk: str, sk_prefix: str, limit: int | None = None, newest_first: bool = False
    ) -> list[dict[str, Any]]:
        return list(self._query_items(pk, sk_prefix, limit, newest_first))

    def _query_items(
        self, pk: str, sk_prefix: str, limit: int | None, newest_first: bool
    ) -> Iterator[dict[str, Any]]:
        arguments: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": {":pk": _serialize(pk), ":prefix": _serialize(sk_prefix)},
            "ConsistentRead": True,
            "ScanIndexForward": not newest_first,
        }
        count = 0
        with aws_call("dynamodb:Query"):
            for page in self._db.get_paginator("query").paginate(**arguments):
                for item in page.get("Items", []):
                    yield _plain(item)
                    count += 1
                    if limit is not None and count >= limit:
                        return
