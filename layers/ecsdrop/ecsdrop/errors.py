"""The one exception hierarchy of ecsdrop.

Class names matter: the state machine's Retry and Catch match them through
``ErrorEquals`` (a Lambda error's type is the exception's class name).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ecsdrop.spec.problems import Problem


class EcsdropError(Exception):
    """Base of every error ecsdrop raises on purpose."""


class SpecError(EcsdropError):
    """The spec is not acceptable; carries every problem found, each with its place.

    The message lists them all (``FILE:LINE:COL: path: message``, one per line): it is what
    the REJECTED event, the status object and chat show.
    """

    MAX_LINES = 50

    def __init__(self, problems: Sequence[Problem], filename: str | None = None) -> None:
        self.problems = tuple(problems)
        self.filename = filename
        lines = [p.format(filename) if filename else p.describe() for p in self.problems]
        if len(lines) > self.MAX_LINES:
            lines = [*lines[: self.MAX_LINES], f"... and {len(lines) - self.MAX_LINES} more"]
        super().__init__("\n".join(lines) or "invalid spec")


class PolicyError(EcsdropError, ValueError):
    """The installation's guardrails (a policy file, or the Load function's environment) are
    not valid; carries every problem found, each naming its key."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(p.describe() for p in self.problems) or "invalid policy")


class AwsError(EcsdropError):
    """An AWS call failed in a way the workflow does not retry on its own."""


class TransientAwsError(AwsError):
    """AWS throttled the call or failed on its side (5xx, timeout) beyond botocore's own
    retries; the state machine retries the step with backoff."""


class NotFoundError(AwsError):
    """The resource the call names does not exist."""


class ConflictError(AwsError):
    """The resource is in a state that forbids the call now (in use, being deleted...)."""


class AlreadyExistsError(ConflictError):
    """The resource to create exists already."""


class ImageNotFoundError(EcsdropError):
    """A container's image is in this account's ECR but the tag or digest is not there."""


class LockHeldError(EcsdropError):
    """Another deployment of the same service holds the lock; the workflow waits and retries."""


class OwnershipError(EcsdropError):
    """The run would change something ecsdrop did not create and the spec does not adopt."""


class DeploymentFailedError(EcsdropError):
    """ECS did not bring the new revision to a steady state (failed or rolled back by ECS)."""


class DeadlineExceededError(EcsdropError):
    """The rollout did not settle before the spec's stability deadline."""


class RollbackFailedError(EcsdropError):
    """Rollback could not remove or restore everything; the message lists what is left."""
