"""S3 buckets and policies, DynamoDB tables."""

from __future__ import annotations

from typing import Any

from localcloud.template.context import Created, DeployContext, Properties, tags_as_list


def _filter_rules(cfn_filter: dict[str, Any] | None) -> dict[str, Any]:
    rules = ((cfn_filter or {}).get("S3Key") or {}).get("Rules") or []
    return {"Filter": {"Key": {"FilterRules": rules}}} if rules else {}


def _notification_configuration(cfn: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's NotificationConfiguration as PutBucketNotificationConfiguration wants it."""
    api: dict[str, Any] = {}
    if (cfn.get("EventBridgeConfiguration") or {}).get("EventBridgeEnabled") in (True, "true"):
        api["EventBridgeConfiguration"] = {}
    for cfn_key, api_key, target_key, arn_key in (
        ("LambdaConfigurations", "LambdaFunctionConfigurations", "Function", "LambdaFunctionArn"),
        ("QueueConfigurations", "QueueConfigurations", "Queue", "QueueArn"),
        ("TopicConfigurations", "TopicConfigurations", "Topic", "TopicArn"),
    ):
        entries = cfn.get(cfn_key) or []
        if entries:
            api[api_key] = [
                {
                    arn_key: entry[target_key],
                    "Events": [entry["Event"]],
                    **_filter_rules(entry.get("Filter")),
                }
                for entry in entries
            ]
    return api


_LIFECYCLE_RULE_FIELDS = {
    "ExpirationInDays": lambda value: {"Expiration": {"Days": int(value)}},
    "NoncurrentVersionExpirationInDays": lambda value: {
        "NoncurrentVersionExpiration": {"NoncurrentDays": int(value)}
    },
    "NoncurrentVersionExpiration": lambda value: {
        "NoncurrentVersionExpiration": {"NoncurrentDays": int(value["NoncurrentDays"])}
    },
    "AbortIncompleteMultipartUpload": lambda value: {
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": int(value["DaysAfterInitiation"])}
    },
}


def _lifecycle_rule(ctx: DeployContext, logical_id: str, rule: dict[str, Any]) -> dict[str, Any]:
    api: dict[str, Any] = {"Status": rule["Status"], "Filter": {"Prefix": rule.get("Prefix", "")}}
    if "Id" in rule:
        api["ID"] = rule["Id"]
    for key, value in rule.items():
        if key in _LIFECYCLE_RULE_FIELDS:
            api.update(_LIFECYCLE_RULE_FIELDS[key](value))
        elif key not in ("Id", "Status", "Prefix"):
            ctx.warnings.append(f"{logical_id}: lifecycle rule field {key} is not emulated")
    return api


def _encryption_rule(cfn: dict[str, Any]) -> dict[str, Any]:
    rule: dict[str, Any] = {}
    if "ServerSideEncryptionByDefault" in cfn:
        rule["ApplyServerSideEncryptionByDefault"] = cfn["ServerSideEncryptionByDefault"]
    if "BucketKeyEnabled" in cfn:
        rule["BucketKeyEnabled"] = cfn["BucketKeyEnabled"] in (True, "true")
    return rule


def _configure_bucket(ctx: DeployContext, props: Properties, name: str) -> None:
    s3 = ctx.client("s3")
    versioning = props.get("VersioningConfiguration")
    if versioning:
        s3.put_bucket_versioning(
            Bucket=name, VersioningConfiguration={"Status": versioning["Status"]}
        )
    encryption = props.get("BucketEncryption")
    if encryption:
        rules = [_encryption_rule(rule) for rule in encryption["ServerSideEncryptionConfiguration"]]
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
    public_access = props.get("PublicAccessBlockConfiguration")
    if public_access:
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=public_access)
    ownership = props.get("OwnershipControls")
    if ownership:
        s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=ownership)
    notifications = props.get("NotificationConfiguration")
    if notifications:
        s3.put_bucket_notification_configuration(
            Bucket=name, NotificationConfiguration=_notification_configuration(notifications)
        )
    lifecycle = props.get("LifecycleConfiguration")
    if lifecycle:
        rules = [_lifecycle_rule(ctx, props.logical_id, rule) for rule in lifecycle["Rules"]]
        s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})
    tags = tags_as_list(props.get("Tags"))
    if tags:
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tags})


def create_bucket(ctx: DeployContext, props: Properties) -> Created:
    name = props.get("BucketName") or ctx.physical_name(props.logical_id, 63, lowercase=True)
    location = {}
    if ctx.region != "us-east-1":
        location = {"CreateBucketConfiguration": {"LocationConstraint": ctx.region}}
    ctx.client("s3").create_bucket(Bucket=name, **location)
    _configure_bucket(ctx, props, name)
    return Created(
        name,
        {
            "Arn": ctx.arn("s3", name, regional=False),
            "DomainName": f"{name}.s3.amazonaws.com",
            "RegionalDomainName": f"{name}.s3.{ctx.region}.amazonaws.com",
            "DualStackDomainName": f"{name}.s3.dualstack.{ctx.region}.amazonaws.com",
            "WebsiteURL": f"http://{name}.s3-website-{ctx.region}.amazonaws.com",
        },
    )


def create_bucket_policy(ctx: DeployContext, props: Properties) -> Created:
    bucket = props.require("Bucket")
    ctx.client("s3").put_bucket_policy(Bucket=bucket, Policy=props.json_text("PolicyDocument"))
    return Created(bucket)


def _table_request(props: Properties, name: str) -> dict[str, Any]:
    request: dict[str, Any] = {
        "TableName": name,
        "KeySchema": props.require("KeySchema"),
        "AttributeDefinitions": props.require("AttributeDefinitions"),
        "BillingMode": props.get("BillingMode", "PROVISIONED"),
    }
    optional = {
        "ProvisionedThroughput": props.get("ProvisionedThroughput"),
        "GlobalSecondaryIndexes": props.get("GlobalSecondaryIndexes"),
        "LocalSecondaryIndexes": props.get("LocalSecondaryIndexes"),
        "TableClass": props.get("TableClass"),
        "DeletionProtectionEnabled": props.get("DeletionProtectionEnabled"),
        "Tags": tags_as_list(props.get("Tags")) or None,
    }
    stream = props.get("StreamSpecification")
    if stream:
        optional["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": stream["StreamViewType"],
        }
    sse = props.get("SSESpecification")
    if sse:
        optional["SSESpecification"] = {
            "Enabled": sse.get("SSEEnabled") in (True, "true"),
            **({"SSEType": sse["SSEType"]} if "SSEType" in sse else {}),
            **({"KMSMasterKeyId": sse["KMSMasterKeyId"]} if "KMSMasterKeyId" in sse else {}),
        }
    request.update({key: value for key, value in optional.items() if value is not None})
    return request


def create_table(ctx: DeployContext, props: Properties) -> Created:
    name = props.get("TableName") or ctx.physical_name(props.logical_id, 255)
    dynamodb = ctx.client("dynamodb")
    description = dynamodb.create_table(**_table_request(props, name))["TableDescription"]
    ttl = props.get("TimeToLiveSpecification")
    if ttl:
        dynamodb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={
                "Enabled": ttl.get("Enabled") in (True, "true"),
                "AttributeName": ttl["AttributeName"],
            },
        )
    recovery = props.get("PointInTimeRecoverySpecification")
    if recovery:
        enabled = recovery.get("PointInTimeRecoveryEnabled") in (True, "true")
        dynamodb.update_continuous_backups(
            TableName=name,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": enabled},
        )
    return Created(
        name, {"Arn": description["TableArn"], "StreamArn": description.get("LatestStreamArn")}
    )
