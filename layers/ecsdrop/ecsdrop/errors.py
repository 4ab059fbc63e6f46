"""The one exception hierarchy of ecsdrop: every exception class of the deployable code.

Class names matter: the state machine's Retry and Catch match them through
``ErrorEquals`` (a Lambda error's type is the exception's class name, matched exactly: a
subclass does not match its base's name), and the events name errors by them. Code that
sends an error name as a string takes it from the class (``DeploymentFailedError.__name__``).

One exception lives elsewhere: ``ecsdrop.deploy.rollback.AlreadyAsBefore``, the rollback's
own signal that a change is already undone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ecsdrop.aws.admission import Turn
    from ecsdrop.notify.delivery import DeliveryResult
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


class YamlSyntaxError(SpecError):
    """The text is not YAML (as opposed to YAML that breaks a spec's limits)."""


class ScheduleExpressionError(EcsdropError, ValueError):
    """A schedule expression EventBridge Scheduler would refuse; ``field`` names the part
    that is wrong ("minutes", "day-of-week", "rate unit", "at"...), None when it is the whole
    expression."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class DocumentLimitError(EcsdropError):
    """Stops the walk of a document that is too big or too deep; the parser has recorded
    the problem already and reports it as a SpecError."""


class PolicyError(EcsdropError, ValueError):
    """The installation's guardrails (a policy file, or the Load function's environment) are
    not valid; carries every problem found, each naming its key."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(p.describe() for p in self.problems) or "invalid policy")


class ContractError(EcsdropError):
    """A document between the workflow's steps does not have the shape its model states
    (ecsdrop.contract): a field missing, or a step's result that is not there yet."""


class ConfigurationError(EcsdropError):
    """The function's environment lacks a variable it needs (a template wiring mistake)."""


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


class AdmissionDeferred(EcsdropError):
    """A rate-limited call's turn is further away than a Lambda should sleep: the step hands
    the turn back to the workflow, which waits for it in a Wait state."""

    def __init__(self, turn: Turn) -> None:
        super().__init__(f"{turn.action}: turn at {turn.at:.3f}")
        self.turn = turn


class ImageNotFoundError(EcsdropError):
    """A container's image is in this account's ECR but the tag or digest is not there."""


class LockHeldError(EcsdropError):
    """Another deployment of the same service holds the lock; the workflow waits and retries."""


class OwnershipError(EcsdropError):
    """The run would change something ecsdrop did not create and the spec does not adopt."""


class NetworkError(EcsdropError):
    """The network the spec asks for cannot be built or found (not enough zones, no subnets)."""


class LoadBalancerError(EcsdropError):
    """A load balancer resource with our name exists but does not fit (another VPC, port...)."""


class DeploymentFailedError(EcsdropError):
    """ECS did not bring the new revision to a steady state (failed or rolled back by ECS)."""


class PreDeployTaskFailed(EcsdropError):
    """A pre-deploy task exited non-zero, could not start or outlasted its timeout; the
    message has its exit code (or ECS's reason) and its last log lines."""


class ScheduledRunFailed(EcsdropError):
    """A scheduled job's task exited non-zero or could not start (the RUN_FAILED event's
    error name)."""


class DeadlineExceededError(EcsdropError):
    """The rollout did not settle before the spec's stability deadline."""


class DeleteFailedError(EcsdropError):
    """The name a DELETE_FAILED event gives a teardown that could not remove everything.

    Reported, not raised: the teardown's result lists what is left for the Finish step,
    which a raised error (only its message reaches the Catch) could not carry."""


class DestinationsConfigError(EcsdropError):
    """The destinations secret is not valid JSON of the documented shape (docs/events.md);
    the message lists every problem with its place."""


class WebhookUnreachable(EcsdropError):
    """No HTTP answer: refused, reset, DNS failure or timeout. The text never has the URL."""


class NotDelivered(EcsdropError):
    """A destination did not take the message: no post is recorded, a retry tries again."""

    def __init__(self, result: DeliveryResult) -> None:
        super().__init__(result.error or "not delivered")
        self.result = result
