"""ClientError → domain errors, so the state machine can Retry or Catch by class name."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
    WaiterError,
)

from ecsdrop.errors import (
    AlreadyExistsError,
    AwsError,
    ConflictError,
    NotFoundError,
    TransientAwsError,
)

TRANSIENT_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "SlowDown",
        "PriorRequestNotComplete",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "Unavailable",
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "ServerException",
    }
)
NOT_FOUND_CODES = frozenset(
    {
        "ResourceNotFoundException",
        "ServiceNotFoundException",
        "ServiceNotActiveException",
        "ClusterNotFoundException",
        "NoSuchKey",
        "404",  # S3's HeadObject: no body, so no code but the status
        "NotFound",
        "NoSuchBucket",
        "NoSuchVersion",
        "LoadBalancerNotFound",
        "TargetGroupNotFound",
        "ListenerNotFound",
        "RuleNotFound",
        "RepositoryNotFoundException",
        "ImageNotFoundException",
        "InvalidVpcID.NotFound",
        "InvalidSubnetID.NotFound",
        "InvalidGroup.NotFound",
        "InvalidInternetGatewayID.NotFound",
        "InvalidRouteTableID.NotFound",
        "InvalidAllocationID.NotFound",
        "InvalidAssociationID.NotFound",
        "NatGatewayNotFound",
        "InvalidNatGatewayID.NotFound",
        "ObjectNotFoundException",
    }
)
CONFLICT_CODES = frozenset(
    {
        "DependencyViolation",
        "ResourceInUse",
        "ResourceInUseException",
        "ClusterContainsServicesException",
        "ClusterContainsTasksException",
        "ConditionalCheckFailedException",
        "TransactionConflictException",
    }
)


ALREADY_EXISTS_CODES = frozenset(
    {
        "ResourceAlreadyExistsException",
        "InvalidPermission.Duplicate",
        "InvalidGroup.Duplicate",
        "DuplicateLoadBalancerName",
        "DuplicateTargetGroupName",
        "DuplicateListener",
        "RepositoryAlreadyExistsException",
    }
)


def error_code(error: BaseException | None) -> str:
    """The AWS error code behind a ClientError or WaiterError (or a domain error raised from
    one)."""
    if error is not None and not isinstance(error, ClientError | WaiterError):
        error = error.__cause__
    if isinstance(error, WaiterError):
        return str(((error.last_response or {}).get("Error") or {}).get("Code", ""))
    if not isinstance(error, ClientError):
        return ""
    return str(error.response.get("Error", {}).get("Code", ""))


def _status(error: ClientError) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)


def _classified(action: str, code: str, message: str, status: int) -> AwsError:
    """The domain error for an AWS error code (and HTTP status)."""
    text = f"{action}: {code}: {message}"
    if code in TRANSIENT_CODES or status >= 500:
        return TransientAwsError(text)
    if code in NOT_FOUND_CODES:
        return NotFoundError(text)
    if code in ALREADY_EXISTS_CODES:
        return AlreadyExistsError(text)
    if code in CONFLICT_CODES:
        return ConflictError(text)
    return AwsError(text)


def _waiter_error(action: str, error: WaiterError) -> AwsError:
    """A waiter stops on an error answer (classified by its code, as a ClientError would
    be), on a failure state, or after its attempts: neither is worth waiting on again."""
    response: dict[str, Any] = dict(error.last_response or {})
    details: dict[str, Any] = response.get("Error") or {}
    if details.get("Code"):
        status = int((response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0)
        return _classified(action, str(details["Code"]), str(details.get("Message", "")), status)
    return AwsError(f"{action}: {error}")


@contextmanager
def aws_call(action: str) -> Iterator[None]:
    """Run one AWS call; re-raise its failure as the matching domain error, naming the call."""
    try:
        yield
    except ClientError as e:
        message = str(e.response.get("Error", {}).get("Message", ""))
        raise _classified(action, error_code(e), message, _status(e)) from e
    except WaiterError as e:
        raise _waiter_error(action, e) from e
    except (
        EndpointConnectionError,
        ConnectTimeoutError,
        ReadTimeoutError,
        ConnectionClosedError,
    ) as e:
        raise TransientAwsError(f"{action}: {type(e).__name__}: {e}") from e
