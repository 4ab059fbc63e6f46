"""`ecsdrop redrive`: replay the events in the installation's dead-letter queues.

Every asynchronous consumer of the stack (the S3 → Step Functions rules, the ECR trigger, the
notifier, the rollout-events and scheduled-runs functions) has a dead-letter queue holding the
original events it could not handle (template.yaml, docs/reliability.md). A message is replayed
to the target EventBridge could not deliver it to (its TARGET_ARN attribute) or else to its
queue's consumer: a state machine gets a new execution with the event as its input, a function
is invoked synchronously with it. A message is deleted once its replay succeeded; one whose
replay failed stays in its queue for the next redrive, and the command exits 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ecsdrop_cli.deploy_commands import EXIT_FAILED, EXIT_OK, EXIT_USAGE, find_stack
from ecsdrop_cli.stack import Stack, add_stack_options

RECEIVE_BATCH = 10
VISIBILITY_SECONDS = 120  # time to replay one batch before its messages show again


def register(commands: Any) -> None:
    redrive = commands.add_parser(
        "redrive",
        help="replay the events left in the stack's dead-letter queues",
        description="Replay every message of the installation's dead-letter queues to the "
        "target that could not handle it (a deployment run, the ECR trigger, the notifier, "
        "...), deleting each one replayed. Exit 0 when every message was replayed (or none "
        "was waiting), 1 when a replay failed (its message stays), 2 on an error.",
    )
    redrive.add_argument(
        "--queue",
        help="only this queue (its name or URL; default every dead-letter queue of the stack)",
    )
    redrive.add_argument(
        "--dry-run", action="store_true", help="list the waiting messages, replay nothing"
    )
    redrive.add_argument("--json", action="store_true", help="the outcome as JSON")
    add_stack_options(redrive)
    redrive.set_defaults(run=run_redrive)


@dataclass(frozen=True)
class Replay:
    queue: str
    message_id: str
    target: str
    outcome: str  # replayed, failed, waiting (--dry-run)
    detail: str = ""

    def line(self) -> str:
        name = self.queue.rsplit("/", 1)[-1]
        target = self.target.rsplit(":", 1)[-1]
        return f"{name} {self.message_id} → {target}: {self.outcome}" + (
            f" ({self.detail})" if self.detail else ""
        )


def run_redrive(args: argparse.Namespace) -> int:
    stack = find_stack(args)
    if stack is None:
        return EXIT_USAGE
    queues = _queues(stack, args.queue)
    if isinstance(queues, str):
        print(f"ecsdrop: {queues}", file=sys.stderr)
        return EXIT_USAGE
    replays: list[Replay] = []
    for url, target in queues.items():
        for replay in DeadLetters(stack, url, target).redrive(dry_run=args.dry_run):
            replays.append(replay)
            if not args.json:
                print(replay.line())
    failed = [r for r in replays if r.outcome == "failed"]
    if args.json:
        print(json.dumps([r.__dict__ for r in replays], indent=2))
    elif not replays:
        print("no message waits in the dead-letter queues")
    else:
        print(f"{len(replays) - len(failed)} of {len(replays)} messages {_verb(args.dry_run)}")
    return EXIT_FAILED if failed else EXIT_OK


def _verb(dry_run: bool) -> str:
    return "waiting (nothing replayed: --dry-run)" if dry_run else "replayed"


def _queues(stack: Stack, wanted: str | None) -> dict[str, str] | str:
    """{queue URL: its consumer's ARN}, or why there are none to redrive."""
    if not stack.dead_letter_queues:
        return (
            f"stack {stack.name} has no DeadLetterQueues output: update it (sam deploy) to a "
            "version with dead-letter queues"
        )
    try:
        queues = dict(json.loads(stack.dead_letter_queues))
    except ValueError:
        return f"stack {stack.name}'s DeadLetterQueues output is not JSON"
    if wanted is None:
        return queues
    chosen = {url: t for url, t in queues.items() if wanted in (url, url.rsplit("/", 1)[-1])}
    if not chosen:
        names = ", ".join(sorted(url.rsplit("/", 1)[-1] for url in queues))
        return f"{wanted} is not one of the stack's dead-letter queues ({names})"
    return chosen


class DeadLetters:
    """One dead-letter queue and the consumer its messages go back to."""

    def __init__(self, stack: Stack, url: str, consumer: str) -> None:
        self._stack = stack
        self._sqs = stack.client("sqs")
        self._url = url
        self._consumer = consumer

    def redrive(self, *, dry_run: bool) -> Iterator[Replay]:
        seen: set[str] = set()
        kept: list[str] = []  # receipt handles of messages to show again at once
        try:
            for message in self._messages(seen):
                target = self._target_of(message)
                if dry_run:
                    kept.append(message["ReceiptHandle"])
                    yield Replay(self._url, message["MessageId"], target, "waiting")
                    continue
                why = self._replay(target, message)
                if why is None:
                    self._sqs.delete_message(
                        QueueUrl=self._url, ReceiptHandle=message["ReceiptHandle"]
                    )
                    yield Replay(self._url, message["MessageId"], target, "replayed")
                else:
                    kept.append(message["ReceiptHandle"])
                    yield Replay(self._url, message["MessageId"], target, "failed", why)
        finally:
            for handle in kept:
                self._sqs.change_message_visibility(
                    QueueUrl=self._url, ReceiptHandle=handle, VisibilityTimeout=0
                )

    def _messages(self, seen: set[str]) -> Iterator[dict[str, Any]]:
        """Each waiting message once (a message shown again in this run is not replayed twice)."""
        while True:
            batch = self._sqs.receive_message(
                QueueUrl=self._url,
                MaxNumberOfMessages=RECEIVE_BATCH,
                MessageAttributeNames=["All"],
                VisibilityTimeout=VISIBILITY_SECONDS,
                WaitTimeSeconds=0,
            ).get("Messages", [])
            fresh = [m for m in batch if m["MessageId"] not in seen]
            if not fresh:
                return
            for message in fresh:
                seen.add(message["MessageId"])
                yield message

    def _target_of(self, message: dict[str, Any]) -> str:
        attributes = message.get("MessageAttributes") or {}
        named = (attributes.get("TARGET_ARN") or {}).get("StringValue")
        return str(named or self._consumer)

    def _replay(self, target: str, message: dict[str, Any]) -> str | None:
        """Replay the message's event to ``target``: None when it succeeded, else why not."""
        try:
            if ":states:" in target:
                self._stack.client("stepfunctions").start_execution(
                    stateMachineArn=target,
                    name=f"redrive-{message['MessageId']}"[:80],
                    input=message["Body"],
                )
                return None
            if ":lambda:" in target:
                return self._invoke(target, message["Body"])
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            # ExecutionAlreadyExists: this message was replayed before, its run exists
            return None if code == "ExecutionAlreadyExists" else f"{code}: {error}"
        except BotoCoreError as error:
            return str(error)
        return f"ecsdrop cannot replay to {target} (only state machines and functions)"

    def _invoke(self, function: str, body: str) -> str | None:
        answer = self._stack.client("lambda").invoke(
            FunctionName=function, InvocationType="RequestResponse", Payload=body.encode()
        )
        if not answer.get("FunctionError"):
            return None
        error = json.loads(answer["Payload"].read() or b"{}")
        return f"the function failed again: {error.get('errorMessage', error)}"
