"""ClientError → domain errors, so the state machine can Retry or Catch by class name."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
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
    """The AWS error code behind a ClientError (or a domain error raised from one)."""
    if error is not None and not isinstance(error, ClientError):
        error = error.__cause__
    if not isinstance(error, ClientError):
        return ""

    return str(error.response.get("Error", {}).get("Code", ""))


def _status(error: ClientError) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)


@contextmanager
def aws_call(action: str) -> Iterator[None]:
    """Run one AWS call; re-raise its failure as the matching domain error, naming the call."""
    try:
        yield
    except ClientError as e:
        code = error_code(e)
        message = f"{action}: {code}: {e.response.get('Error', {}).get('Message', '')}"
        if code in TRANSIENT_CODES or _status(e) >= 500:
            raise TransientAwsError(message) from e
        if code in NOT_FOUND_CODES:
            raise NotFoundError(message) from e
        if code in ALREADY_EXISTS_CODES:
            raise AlreadyExistsError(message) from e
        if code in CONFLICT_CODES:
            raise ConflictError(message) from e
        raise AwsError(message) from e
    except (
        EndpointConnectionError,
        ConnectTimeoutError,
        ReadTimeoutError,
        ConnectionClosedError,
    ) as e:
        raise TransientAwsError(f"{action}: {type(e).__name__}: {e}") from e
