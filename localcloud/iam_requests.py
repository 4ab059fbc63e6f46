"""What IAM authorizes for an API request: its actions, resources and condition values.

The middleware names a request by its API operation (`lambda:Invoke`, `s3:ListObjectsV2`); IAM
authorizes an action that can differ (`lambda:InvokeFunction`, `s3:ListBucket`), on a resource
ARN read from the request where that is cheap and reliable (see localcloud/README.md, "IAM"),
and for some calls more than one action: tags given on create need the service's tagging
action, roles handed to ECS need `iam:PassRole`, a batch needs each table, `PutEvents` each
entry's bus.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

from ecsdrop.partitions import partition_of
from localcloud.iam_policy import Check, ConditionContext

_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,\s]+/\d+/([^/,\s]+)/")
_LAMBDA_FUNCTION_PATH = re.compile(r"/functions/([^/]+)")
# DeleteObjects' XML body: <Delete><Object><Key>k</Key><VersionId>v</VersionId></Object>…
_DELETE_ENTRY = re.compile(r"<Object>(.*?)</Object>", re.S)
_XML_KEY = re.compile(r"<Key>(.*?)</Key>", re.S)
_XML_VERSION = re.compile(r"<VersionId>(.+?)</VersionId>", re.S)


@dataclass(frozen=True)
class ApiRequest:
    """A signed request, read once: `params` are the JSON body's members or the query
    protocol's flattened parameters (`Tags.member.1.Key`)."""

    service: str  # the IAM prefix: ecs, s3, elasticloadbalancing, tag
    operation: str  # the API operation: CreateService, ListObjectsV2
    region: str
    account: str
    partition: str
    params: Mapping[str, Any] = field(default_factory=dict)
    path: str = "/"
    query: Mapping[str, list[str]] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)  # WSGI names: HTTP_X_AMZ_...
    body: bytes = b""

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        return (
            f"arn:{self.partition}:{service}:{self.region if region else ''}:"
            f"{self.account if account else ''}:{resource}"
        )

    def text(self, name: str, default: str = "") -> str:
        value = self.params.get(name)
        return value if isinstance(value, str) and value else default

    def listed(self, name: str) -> list[Any]:
        value = self.params.get(name)
        return value if isinstance(value, list) else []

    def members(self, prefix: str) -> list[dict[str, str]]:
        """Query-protocol list members: `Tags.member.1.Key=a` → [{"Key": "a"}]."""
        found: dict[int, dict[str, str]] = {}
        for name, value in self.params.items():
            if not name.startswith(prefix + "."):
                continue
            rest = name[len(prefix) + 1 :].removeprefix("member.")
            index, _, member = rest.partition(".")
            if index.isdigit():
                found.setdefault(int(index), {})[member] = str(value)
        return [found[index] for index in sorted(found)]


def read_request(
    environ: Mapping[str, Any], call_name: str, protocol: str, body: bytes, account: str
) -> ApiRequest:
    """The request's parts that authorization needs (the body is passed in, already read)."""
    service, _, operation = call_name.partition(":")
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    region = _signing_region(environ.get("HTTP_AUTHORIZATION", ""), query)
    return ApiRequest(
        service=_IAM_PREFIX.get(service, service),
        operation=operation,
        region=region,
        account=account,
        partition=partition_of(region),
        params=_parameters(protocol, body, query),
        path=environ.get("PATH_INFO", "/") or "/",
        query=query,
        headers={key: str(value) for key, value in environ.items() if key.startswith("HTTP_")},
        body=body,
    )


def _signing_region(authorization: str, query: Mapping[str, list[str]]) -> str:
    scope = _CREDENTIAL_SCOPE.search(authorization)
    if scope:
        return scope.group(1)
    presigned = (query.get("X-Amz-Credential") or [""])[0].split("/")
    return presigned[2] if len(presigned) >= 5 else "us-east-1"


def _parameters(protocol: str, body: bytes, query: Mapping[str, list[str]]) -> dict[str, Any]:
    if protocol in ("json", "rest-json"):
        try:
            document = json.loads(body or b"{}")
        except ValueError:
            return {}
        return document if isinstance(document, dict) else {}
    if protocol in ("query", "ec2"):
        form = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
        return {name: values[0] for name, values in {**query, **form}.items() if values}
    return {}  # rest-xml reads the path; CBOR bodies are not read here


# The Resource Groups Tagging API signs as "tagging"; IAM names its actions "tag:".
_IAM_PREFIX = {"tagging": "tag"}

# -- the checks of a request ---------------------------------------------------------------------


def authorization_checks(request: ApiRequest) -> list[Check]:
    """Everything IAM authorizes for the request, each with the context known for it."""
    service_checks = _SERVICE_CHECKS.get(request.service)
    if service_checks is None:
        return [Check(f"{request.service}:{request.operation}", None)]
    return service_checks(request)


def _one_per_resource(
    action: str, resources: Iterable[tuple[str, ...] | None], context: ConditionContext
) -> list[Check]:
    checks = [Check(action, resource, context) for resource in resources]
    return checks or [Check(action, None, context)]


def _request_tags(pairs: Iterable[tuple[Any, Any]], create_action_key: str) -> ConditionContext:
    """aws:RequestTag/<key> and aws:TagKeys of the request's tags; a direct call is no
    tag-on-create, so `<service>:CreateAction` is known to be absent."""
    tags = {str(key): str(value) for key, value in pairs if key is not None}
    values: dict[str, tuple[str, ...]] = {
        f"aws:requesttag/{key.lower()}": (value,) for key, value in tags.items()
    }
    values["aws:tagkeys"] = tuple(tags)
    values[create_action_key] = ()
    return ConditionContext(values, ("aws:requesttag/",))


def _tagging_on_create(action: str, create_action_key: str, operation: str, first: Check) -> Check:
    values = {**first.context.values, create_action_key: (operation,)}
    return Check(action, first.resource, ConditionContext(values, first.context.complete_prefixes))


def _pass_role(role_arn: str, to_service: str) -> Check:
    return Check(
        "iam:PassRole",
        (role_arn,),
        ConditionContext({"iam:passedtoservice": (to_service,)}),
    )


# -- ECS -------------------------------------------------------------------------------------------


def _ecs_checks(request: ApiRequest) -> list[Check]:
    operation = request.operation
    tags = [
        (tag.get("key"), tag.get("value"))
        for tag in request.listed("tags")
        if isinstance(tag, dict)
    ]
    context = _request_tags(tags, "ecs:createaction")
    checks = _one_per_resource(f"ecs:{operation}", _ecs_resources(request), context)
    if tags and operation in ("CreateCluster", "CreateService", "RegisterTaskDefinition"):
        checks.append(
            _tagging_on_create("ecs:TagResource", "ecs:createaction", operation, checks[0])
        )
    if operation == "RegisterTaskDefinition":
        for name in ("taskRoleArn", "executionRoleArn"):
            if request.text(name):
                checks.append(_pass_role(request.text(name), "ecs-tasks.amazonaws.com"))
    if operation in ("CreateService", "UpdateService") and request.text("role"):
        checks.append(_pass_role(_role_arn(request, request.text("role")), "ecs.amazonaws.com"))
    return checks


def _ecs_resources(request: ApiRequest) -> list[tuple[str, ...] | None]:
    cluster = _ecs_name(request.text("cluster", "default"), "cluster/")

    def service(name: str) -> tuple[str, ...]:
        arn = name if name.startswith("arn:") else request.arn("ecs", f"service/{cluster}/{name}")
        return (arn,)

    def cluster_arn(name: str) -> tuple[str, ...]:
        return (name if name.startswith("arn:") else request.arn("ecs", f"cluster/{name}"),)

    resources: dict[str, Callable[[], list[tuple[str, ...] | None]]] = {
        "CreateService": lambda: [service(request.text("serviceName"))],
        "UpdateService": lambda: [service(request.text("service"))],
        "DeleteService": lambda: [service(request.text("service"))],
        "DescribeServices": lambda: [service(str(name)) for name in request.listed("services")],
        "CreateCluster": lambda: [cluster_arn(request.text("clusterName", "default"))],
        "DeleteCluster": lambda: [cluster_arn(cluster)],
        "DescribeClusters": lambda: [
            cluster_arn(str(name)) for name in request.listed("clusters") or ["default"]
        ],
        "TagResource": lambda: [(request.text("resourceArn"),)],
        "UntagResource": lambda: [(request.text("resourceArn"),)],
        "ListTagsForResource": lambda: [(request.text("resourceArn"),)],
    }
    derive = resources.get(request.operation)
    return derive() if derive is not None else [None]


def _ecs_name(value: str, kind: str) -> str:
    return value.split(kind, 1)[1] if value.startswith("arn:") and kind in value else value


def _role_arn(request: ApiRequest, role: str) -> str:
    return role if role.startswith("arn:") else request.arn("iam", f"role/{role}", region=False)


# -- Elastic Load Balancing, EC2 -------------------------------------------------------------------

_ELB_RESOURCE_PARAMETER = {
    "CreateListener": "LoadBalancerArn",
    "CreateRule": "ListenerArn",
    "DeleteLoadBalancer": "LoadBalancerArn",
    "DeleteTargetGroup": "TargetGroupArn",
    "DeleteListener": "ListenerArn",
    "DeleteRule": "RuleArn",
    "ModifyListener": "ListenerArn",
    "ModifyRule": "RuleArn",
    "ModifyTargetGroup": "TargetGroupArn",
    "ModifyTargetGroupAttributes": "TargetGroupArn",
    "ModifyLoadBalancerAttributes": "LoadBalancerArn",
    "RegisterTargets": "TargetGroupArn",
    "DeregisterTargets": "TargetGroupArn",
    "SetSecurityGroups": "LoadBalancerArn",
    "SetSubnets": "LoadBalancerArn",
    "SetIpAddressType": "LoadBalancerArn",
}
_ELB_CREATES = ("CreateLoadBalancer", "CreateTargetGroup", "CreateListener", "CreateRule")


def _elb_checks(request: ApiRequest) -> list[Check]:
    operation = request.operation
    tags = [(tag.get("Key"), tag.get("Value")) for tag in request.members("Tags")]
    context = _request_tags(tags, "elasticloadbalancing:createaction")
    resources: list[tuple[str, ...] | None] = [None]
    if operation in _ELB_RESOURCE_PARAMETER and request.text(_ELB_RESOURCE_PARAMETER[operation]):
        resources = [(request.text(_ELB_RESOURCE_PARAMETER[operation]),)]
    elif operation in ("AddTags", "RemoveTags"):
        resources = [(member[""],) for member in request.members("ResourceArns")]
    checks = _one_per_resource(f"elasticloadbalancing:{operation}", resources, context)
    if tags and operation in _ELB_CREATES:
        creating = Check(checks[0].action, None, checks[0].context)
        checks.append(
            _tagging_on_create(
                "elasticloadbalancing:AddTags",
                "elasticloadbalancing:createaction",
                operation,
                creating,
            )
        )
    return checks


def _ec2_checks(request: ApiRequest) -> list[Check]:
    operation = request.operation
    tags: list[tuple[Any, Any]] = []
    for name, value in request.params.items():
        if name.startswith("TagSpecification.") and name.endswith(".Key"):
            tags.append((value, request.params.get(name[: -len("Key")] + "Value", "")))
    context = _request_tags(tags, "ec2:createaction")
    checks = [Check(f"ec2:{operation}", None, context)]
    if tags and operation != "CreateTags":
        checks.append(
            _tagging_on_create("ec2:CreateTags", "ec2:createaction", operation, checks[0])
        )
    return checks


# -- S3 --------------------------------------------------------------------------------------------

# Bucket operations whose IAM action has another name (the rest keep theirs).
_S3_BUCKET_ACTIONS = {
    "ListObjects": "ListBucket",
    "ListObjectsV2": "ListBucket",
    "HeadBucket": "ListBucket",
    "ListObjectVersions": "ListBucketVersions",
    "ListMultipartUploads": "ListBucketMultipartUploads",
    "ListBuckets": "ListAllMyBuckets",
    "ListDirectoryBuckets": "ListAllMyDirectoryBuckets",
    "GetBucketEncryption": "GetEncryptionConfiguration",
    "PutBucketEncryption": "PutEncryptionConfiguration",
    "DeleteBucketEncryption": "PutEncryptionConfiguration",
    "GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
    "GetBucketLifecycle": "GetLifecycleConfiguration",
    "PutBucketLifecycleConfiguration": "PutLifecycleConfiguration",
    "PutBucketLifecycle": "PutLifecycleConfiguration",
    "DeleteBucketLifecycle": "PutLifecycleConfiguration",
    "GetBucketNotificationConfiguration": "GetBucketNotification",
    "PutBucketNotificationConfiguration": "PutBucketNotification",
    "GetPublicAccessBlock": "GetBucketPublicAccessBlock",
    "PutPublicAccessBlock": "PutBucketPublicAccessBlock",
    "DeletePublicAccessBlock": "PutBucketPublicAccessBlock",
    "DeleteBucketTagging": "PutBucketTagging",
    "DeleteBucketOwnershipControls": "PutBucketOwnershipControls",
    "GetBucketCors": "GetBucketCORS",
    "PutBucketCors": "PutBucketCORS",
    "DeleteBucketCors": "PutBucketCORS",
    "GetBucketReplication": "GetReplicationConfiguration",
    "PutBucketReplication": "PutReplicationConfiguration",
    "DeleteBucketReplication": "PutReplicationConfiguration",
    "DeleteBucketWebsite": "DeleteBucketWebsite",
    "GetObjectLockConfiguration": "GetBucketObjectLockConfiguration",
    "PutObjectLockConfiguration": "PutBucketObjectLockConfiguration",
    "GetBucketAccelerateConfiguration": "GetAccelerateConfiguration",
    "PutBucketAccelerateConfiguration": "PutAccelerateConfiguration",
    "GetBucketAnalyticsConfiguration": "GetAnalyticsConfiguration",
    "PutBucketAnalyticsConfiguration": "PutAnalyticsConfiguration",
    "GetBucketMetricsConfiguration": "GetMetricsConfiguration",
    "PutBucketMetricsConfiguration": "PutMetricsConfiguration",
    "GetBucketInventoryConfiguration": "GetInventoryConfiguration",
    "PutBucketInventoryConfiguration": "PutInventoryConfiguration",
}
# Object operations: their action, and the action when a version id is given.
_S3_OBJECT_ACTIONS = {
    "GetObject": ("GetObject", "GetObjectVersion"),
    "HeadObject": ("GetObject", "GetObjectVersion"),
    "GetObjectAttributes": ("GetObjectAttributes", "GetObjectVersionAttributes"),
    "DeleteObject": ("DeleteObject", "DeleteObjectVersion"),
    "GetObjectTagging": ("GetObjectTagging", "GetObjectVersionTagging"),
    "PutObjectTagging": ("PutObjectTagging", "PutObjectVersionTagging"),
    "DeleteObjectTagging": ("DeleteObjectTagging", "DeleteObjectVersionTagging"),
    "GetObjectAcl": ("GetObjectAcl", "GetObjectVersionAcl"),
    "PutObjectAcl": ("PutObjectAcl", "PutObjectVersionAcl"),
    "CreateMultipartUpload": ("PutObject", "PutObject"),
    "UploadPart": ("PutObject", "PutObject"),
    "CompleteMultipartUpload": ("PutObject", "PutObject"),
    "CopyObject": ("PutObject", "PutObject"),
    "UploadPartCopy": ("PutObject", "PutObject"),
    "ListParts": ("ListMultipartUploadParts", "ListMultipartUploadParts"),
}


def _s3_checks(request: ApiRequest) -> list[Check]:
    bucket, key = _s3_location(request)
    operation = request.operation
    if operation == "DeleteObjects" and bucket:
        return _s3_deleted_objects(request, bucket)
    if key and operation not in _S3_BUCKET_ACTIONS:
        plain, versioned = _S3_OBJECT_ACTIONS.get(operation, (operation, operation))
        action = versioned if request.query.get("versionId") else plain
        checks = [Check(f"s3:{action}", (_s3_arn(request, f"{bucket}/{key}"),))]
        source = unquote(request.headers.get("HTTP_X_AMZ_COPY_SOURCE", ""))
        if source and operation in ("CopyObject", "UploadPartCopy"):
            checks.append(_s3_copy_source(request, source))
        return checks
    action = _S3_BUCKET_ACTIONS.get(operation, operation)
    resource = (_s3_arn(request, bucket),) if bucket else None
    return [Check(f"s3:{action}", resource)]


def _s3_arn(request: ApiRequest, location: str) -> str:
    """S3 ARNs name neither region nor account: arn:aws:s3:::bucket/key."""
    return f"arn:{request.partition}:s3:::{location}"


def _s3_location(request: ApiRequest) -> tuple[str, str]:
    """(bucket, key) from the virtual host (`bucket.localhost`) or the path (`/bucket/key`)."""
    host = request.headers.get("HTTP_HOST", "").rsplit(":", 1)[0]
    path = unquote(request.path)
    first_label, _, rest = host.partition(".")
    if rest and (rest == "localhost" or rest.startswith("s3.") or rest.startswith("s3-")):
        return first_label, path.lstrip("/")
    bucket, _, key = path.lstrip("/").partition("/")
    return bucket, key


def _s3_copy_source(request: ApiRequest, source: str) -> Check:
    location, _, version = source.lstrip("/").partition("?versionId=")
    action = "s3:GetObjectVersion" if version else "s3:GetObject"
    return Check(action, (_s3_arn(request, location),))


def _s3_deleted_objects(request: ApiRequest, bucket: str) -> list[Check]:
    checks = []
    for entry in _DELETE_ENTRY.findall(request.body.decode("utf-8", errors="replace")):
        key, version = _XML_KEY.search(entry), _XML_VERSION.search(entry)
        action = "s3:DeleteObjectVersion" if version else "s3:DeleteObject"
        name = html.unescape(key.group(1)) if key else ""
        checks.append(Check(action, (_s3_arn(request, f"{bucket}/{name}"),)))
    return checks or [Check("s3:DeleteObject", None)]


# -- DynamoDB --------------------------------------------------------------------------------------

_TRANSACTION_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}


def _dynamodb_checks(request: ApiRequest) -> list[Check]:
    operation = request.operation

    def table(name: str, index: str = "") -> tuple[str, ...]:
        arn = name if name.startswith("arn:") else request.arn("dynamodb", f"table/{name}")
        return (f"{arn}/index/{index}",) if index else (arn,)

    if operation in ("BatchGetItem", "BatchWriteItem"):
        items = request.params.get("RequestItems")
        names = sorted(items) if isinstance(items, dict) else []
        return _one_per_resource(
            f"dynamodb:{operation}", [table(n) for n in names], ConditionContext()
        )
    if operation in ("TransactWriteItems", "TransactGetItems"):
        checks = []
        for item in request.listed("TransactItems"):
            for kind, details in (item if isinstance(item, dict) else {}).items():
                if kind in _TRANSACTION_ACTIONS and isinstance(details, dict):
                    name = str(details.get("TableName", ""))
                    checks.append(Check(f"dynamodb:{_TRANSACTION_ACTIONS[kind]}", table(name)))
        return checks or [Check(f"dynamodb:{operation}", None)]
    if request.text("TableName"):
        return [
            Check(
                f"dynamodb:{operation}", table(request.text("TableName"), request.text("IndexName"))
            )
        ]
    for name in ("ResourceArn", "StreamArn"):
        if request.text(name):
            return [Check(f"dynamodb:{operation}", (request.text(name),))]
    return [Check(f"dynamodb:{operation}", None)]


# -- Lambda, Step Functions, EventBridge, SNS, SQS -------------------------------------------------

_LAMBDA_ACTIONS = {
    "Invoke": "InvokeFunction",
    "InvokeWithResponseStream": "InvokeFunction",
    "InvokeAsync": "InvokeAsync",
}


def _lambda_checks(request: ApiRequest) -> list[Check]:
    action = f"lambda:{_LAMBDA_ACTIONS.get(request.operation, request.operation)}"
    match = _LAMBDA_FUNCTION_PATH.search(request.path)
    if match is None:
        return [Check(action, None)]
    name = unquote(match.group(1))
    qualifier = (request.query.get("Qualifier") or [""])[0]
    if name.startswith("arn:"):
        arn = name
    elif name.count(":") == 2:  # 123456789012:function:name
        account, _, function = name.split(":")
        arn = f"arn:{request.partition}:lambda:{request.region}:{account}:function:{function}"
    else:
        arn = request.arn("lambda", f"function:{name}")
    if qualifier and arn.count(":") == 6:
        arn = f"{arn}:{qualifier}"
    return [Check(action, (arn,))]


def _states_checks(request: ApiRequest) -> list[Check]:
    for name in ("executionArn", "stateMachineArn", "resourceArn", "activityArn"):
        if request.text(name):
            return [Check(f"states:{request.operation}", (request.text(name),))]
    return [Check(f"states:{request.operation}", None)]  # task tokens name no resource


def _events_checks(request: ApiRequest) -> list[Check]:
    operation = request.operation

    def bus(name: str) -> tuple[str, ...]:
        return (name,) if name.startswith("arn:") else (request.arn("events", f"event-bus/{name}"),)

    if operation == "PutEvents":
        checks = []
        for listed in request.listed("Entries"):
            entry = listed if isinstance(listed, dict) else {}
            context = ConditionContext(
                {
                    "events:source": (str(entry.get("Source", "")),),
                    "events:detail-type": (str(entry.get("DetailType", "")),),
                }
            )
            checks.append(
                Check("events:PutEvents", bus(str(entry.get("EventBusName") or "default")), context)
            )
        return checks or [Check("events:PutEvents", None)]
    rule = request.text("Rule") or (request.text("Name") if "Rule" in operation else "")
    if rule:
        bus_name = _ecs_name(request.text("EventBusName", "default"), "event-bus/")
        path = f"rule/{rule}" if bus_name == "default" else f"rule/{bus_name}/{rule}"
        return [Check(f"events:{operation}", (request.arn("events", path),))]
    if operation in ("DescribeEventBus", "CreateEventBus", "DeleteEventBus") and request.text(
        "Name"
    ):
        return [Check(f"events:{operation}", bus(request.text("Name")))]
    return [Check(f"events:{operation}", None)]


def _sns_checks(request: ApiRequest) -> list[Check]:
    arn = request.text("TopicArn") or request.text("TargetArn") or request.text("ResourceArn")
    return [Check(f"sns:{request.operation}", (arn,) if arn else None)]


def _sqs_checks(request: ApiRequest) -> list[Check]:
    return [Check(f"sqs:{request.operation}", _sqs_queue(request))]


def _sqs_queue(request: ApiRequest) -> tuple[str, ...] | None:
    url = request.text("QueueUrl")
    if url:
        parts = url.rstrip("/").split("/")
        if len(parts) >= 2 and parts[-2].isdigit():
            return (f"arn:{request.partition}:sqs:{request.region}:{parts[-2]}:{parts[-1]}",)
        return None
    if request.text("QueueName"):
        return (request.arn("sqs", request.text("QueueName")),)
    return None


# -- Logs, ECR, SSM, Secrets Manager, CloudWatch, Application Auto Scaling, IAM --------------------

_LOG_GROUP_ACTIONS = frozenset(
    {
        "CreateLogGroup",
        "DeleteLogGroup",
        "PutRetentionPolicy",
        "DeleteRetentionPolicy",
        "TagLogGroup",
        "UntagLogGroup",
        "ListTagsLogGroup",
        "DescribeLogStreams",
        "FilterLogEvents",
    }
)
_LOG_STREAM_ACTIONS = frozenset(
    {"CreateLogStream", "PutLogEvents", "GetLogEvents", "DeleteLogStream"}
)


def _logs_checks(request: ApiRequest) -> list[Check]:
    operation = request.operation
    group = request.text("logGroupName") or _ecs_name(
        request.text("logGroupIdentifier"), "log-group:"
    )
    group = group.removesuffix(":*")
    tags = request.params.get("tags")
    resource: tuple[str, ...] | None = None
    if operation in _LOG_STREAM_ACTIONS and group and request.text("logStreamName"):
        stream = request.text("logStreamName")
        resource = (request.arn("logs", f"log-group:{group}:log-stream:{stream}"),)
    elif (operation in _LOG_GROUP_ACTIONS or operation in _LOG_STREAM_ACTIONS) and group:
        arn = request.arn("logs", f"log-group:{group}")
        resource = (arn, f"{arn}:*")
    elif operation in ("TagResource", "UntagResource", "ListTagsForResource"):
        arn = request.text("resourceArn").removesuffix(":*")
        resource = (arn, f"{arn}:*") if arn else None
    checks = [Check(f"logs:{operation}", resource)]
    if operation == "CreateLogGroup" and isinstance(tags, dict) and tags:
        checks.append(Check("logs:TagResource", resource))
    return checks


def _ecr_checks(request: ApiRequest) -> list[Check]:
    name = request.text("repositoryName")
    if not name:
        return [Check(f"ecr:{request.operation}", None)]
    account = request.text("registryId", request.account)
    arn = f"arn:{request.partition}:ecr:{request.region}:{account}:repository/{name}"
    return [Check(f"ecr:{request.operation}", (arn,))]


def _ssm_checks(request: ApiRequest) -> list[Check]:
    def parameter(name: str) -> tuple[str, ...]:
        if name.startswith("arn:"):
            return (name,)
        return (request.arn("ssm", f"parameter/{name.lstrip('/')}"),)

    names = [str(n) for n in request.listed("Names")] or (
        [request.text("Name")] if request.text("Name") else []
    )
    if not names and request.text("Path"):
        names = [request.text("Path")]
    return _one_per_resource(
        f"ssm:{request.operation}", [parameter(n) for n in names], ConditionContext()
    )


def _secrets_checks(request: ApiRequest) -> list[Check]:
    secret = request.text("SecretId")
    return [
        Check(
            f"secretsmanager:{request.operation}", (secret,) if secret.startswith("arn:") else None
        )
    ]


def _cloudwatch_checks(request: ApiRequest) -> list[Check]:
    names = [str(n) for n in request.listed("AlarmNames")] or (
        [request.text("AlarmName")] if request.text("AlarmName") else []
    )
    resources = [(request.arn("cloudwatch", f"alarm:{name}"),) for name in names]
    return _one_per_resource(f"cloudwatch:{request.operation}", resources, ConditionContext())


def _autoscaling_checks(request: ApiRequest) -> list[Check]:
    values = {}
    if request.text("ServiceNamespace"):
        values["application-autoscaling:service-namespace"] = (request.text("ServiceNamespace"),)
    if request.text("ScalableDimension"):
        values["application-autoscaling:scalable-dimension"] = (request.text("ScalableDimension"),)
    return [Check(f"application-autoscaling:{request.operation}", None, ConditionContext(values))]


_SCHEDULE_PATH = re.compile(r"^/schedules/([^/?]+)")


def _scheduler_checks(request: ApiRequest) -> list[Check]:
    """A schedule's ARN is its group's and name's (the name in the path, the group in the
    body or the query; `default` when neither gives one); a target's role is passed."""
    action = f"scheduler:{request.operation}"
    named = _SCHEDULE_PATH.match(request.path)
    if not named:
        return [Check(action, None)]
    group = request.text("GroupName") or (request.query.get("groupName") or ["default"])[0]
    name = unquote(named.group(1))
    checks = [Check(action, (request.arn("scheduler", f"schedule/{group}/{name}"),))]
    target = request.params.get("Target")
    role = target.get("RoleArn") if isinstance(target, dict) else None
    if isinstance(role, str) and role:
        checks.append(_pass_role(role, "scheduler.amazonaws.com"))
    return checks


def _iam_checks(request: ApiRequest) -> list[Check]:
    values = {}
    if request.text("AWSServiceName"):
        values["iam:awsservicename"] = (request.text("AWSServiceName"),)
    return [Check(f"iam:{request.operation}", None, ConditionContext(values))]


_SERVICE_CHECKS: dict[str, Callable[[ApiRequest], list[Check]]] = {
    "ecs": _ecs_checks,
    "elasticloadbalancing": _elb_checks,
    "ec2": _ec2_checks,
    "s3": _s3_checks,
    "dynamodb": _dynamodb_checks,
    "lambda": _lambda_checks,
    "states": _states_checks,
    "events": _events_checks,
    "sns": _sns_checks,
    "sqs": _sqs_checks,
    "logs": _logs_checks,
    "ecr": _ecr_checks,
    "ssm": _ssm_checks,
    "secretsmanager": _secrets_checks,
    "cloudwatch": _cloudwatch_checks,
    "application-autoscaling": _autoscaling_checks,
    "iam": _iam_checks,
    "scheduler": _scheduler_checks,
}
