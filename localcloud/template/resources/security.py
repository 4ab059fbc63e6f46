"""IAM roles and policies, Secrets Manager secrets, SSM parameters."""

from __future__ import annotations

import json
from typing import Any

from localcloud.template.context import Created, DeployContext, Properties, tags_as_list


def _policy_text(document: Any) -> str:
    """IAM accepts a policy without Version (meaning 2008-10-17); moto insists on 2012-10-17,
    which differs only in policy variables, irrelevant here."""
    if isinstance(document, str):
        return document
    return json.dumps({"Version": "2012-10-17", **document})


def create_role(ctx: DeployContext, props: Properties) -> Created:
    name = props.get("RoleName") or ctx.physical_name(props.logical_id, 64)
    request: dict[str, Any] = {
        "RoleName": name,
        "AssumeRolePolicyDocument": _policy_text(props.require("AssumeRolePolicyDocument")),
        "Path": props.get("Path", "/"),
    }
    optional = {
        "Description": props.get("Description"),
        "MaxSessionDuration": props.get("MaxSessionDuration"),
        "PermissionsBoundary": props.get("PermissionsBoundary"),
        "Tags": tags_as_list(props.get("Tags")) or None,
    }
    request.update({key: value for key, value in optional.items() if value is not None})
    iam = ctx.client("iam")
    role = iam.create_role(**request)["Role"]
    for policy_arn in props.get("ManagedPolicyArns") or []:
        iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
    for policy in props.get("Policies") or []:
        iam.put_role_policy(
            RoleName=name,
            PolicyName=policy["PolicyName"],
            PolicyDocument=_policy_text(policy["PolicyDocument"]),
        )
    return Created(name, {"Arn": role["Arn"], "RoleId": role["RoleId"]})


def create_inline_policy(ctx: DeployContext, props: Properties) -> Created:
    name = props.require("PolicyName")
    document = _policy_text(props.require("PolicyDocument"))
    iam = ctx.client("iam")
    for role in props.get("Roles") or []:
        iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=document)
    for user in props.get("Users") or []:
        iam.put_user_policy(UserName=user, PolicyName=name, PolicyDocument=document)
    for group in props.get("Groups") or []:
        iam.put_group_policy(GroupName=group, PolicyName=name, PolicyDocument=document)
    return Created(ctx.physical_name(props.logical_id, 64))


def create_managed_policy(ctx: DeployContext, props: Properties) -> Created:
    name = props.get("ManagedPolicyName") or ctx.physical_name(props.logical_id, 128)
    request: dict[str, Any] = {
        "PolicyName": name,
        "PolicyDocument": _policy_text(props.require("PolicyDocument")),
        "Path": props.get("Path", "/"),
    }
    if props.get("Description"):
        request["Description"] = props.get("Description")
    iam = ctx.client("iam")
    policy = iam.create_policy(**request)["Policy"]
    arn = policy["Arn"]
    for role in props.get("Roles") or []:
        iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    for user in props.get("Users") or []:
        iam.attach_user_policy(UserName=user, PolicyArn=arn)
    for group in props.get("Groups") or []:
        iam.attach_group_policy(GroupName=group, PolicyArn=arn)
    return Created(arn, {"PolicyArn": arn, "PolicyId": policy["PolicyId"]})


_PASSWORD_OPTIONS = (
    "ExcludeCharacters",
    "ExcludeLowercase",
    "ExcludeNumbers",
    "ExcludePunctuation",
    "ExcludeUppercase",
    "IncludeSpace",
    "PasswordLength",
    "RequireEachIncludedType",
)


def _generated_secret(ctx: DeployContext, spec: dict[str, Any]) -> str:
    options = {key: spec[key] for key in _PASSWORD_OPTIONS if key in spec}
    if "PasswordLength" in options:
        options["PasswordLength"] = int(options["PasswordLength"])
    password = ctx.client("secretsmanager").get_random_password(**options)["RandomPassword"]
    template = spec.get("SecretStringTemplate")
    if not template:
        return str(password)
    document = json.loads(template)
    document[spec["GenerateStringKey"]] = password
    return json.dumps(document)


def create_secret(ctx: DeployContext, props: Properties) -> Created:
    name = props.get("Name") or ctx.physical_name(props.logical_id, 256)
    generate = props.get("GenerateSecretString")
    secret_string = _generated_secret(ctx, generate) if generate else props.get("SecretString")
    request: dict[str, Any] = {"Name": name}
    optional = {
        "SecretString": secret_string,
        "Description": props.get("Description"),
        "KmsKeyId": props.get("KmsKeyId"),
        "Tags": tags_as_list(props.get("Tags")) or None,
    }
    request.update({key: value for key, value in optional.items() if value is not None})
    arn = ctx.client("secretsmanager").create_secret(**request)["ARN"]
    return Created(arn, {"Id": arn})


def create_parameter(ctx: DeployContext, props: Properties) -> Created:
    name = props.get("Name") or f"CFN-{ctx.physical_name(props.logical_id, 200)}"
    request: dict[str, Any] = {
        "Name": name,
        "Type": props.require("Type"),
        "Value": str(props.require("Value")),
    }
    for key in ("Description", "AllowedPattern", "Tier", "DataType"):
        if props.get(key) is not None:
            request[key] = props.get(key)
    ctx.client("ssm").put_parameter(**request)
    return Created(name, {"Type": request["Type"], "Value": request["Value"]})


def create_kms_key(ctx: DeployContext, props: Properties) -> Created:
    """A KMS key with its key policy; Ref is the key id, GetAtt Arn the key's ARN."""
    request: dict[str, Any] = {
        "KeyUsage": props.get("KeyUsage", "ENCRYPT_DECRYPT"),
        "KeySpec": props.get("KeySpec", "SYMMETRIC_DEFAULT"),
    }
    optional = {
        "Description": props.get("Description"),
        "Policy": _policy_text(props.get("KeyPolicy")) if props.get("KeyPolicy") else None,
        "Tags": [
            {"TagKey": tag["Key"], "TagValue": tag["Value"]}
            for tag in tags_as_list(props.get("Tags"))
        ]
        or None,
    }
    request.update({key: value for key, value in optional.items() if value is not None})
    kms = ctx.client("kms")
    metadata = kms.create_key(**request)["KeyMetadata"]
    if props.get("EnableKeyRotation"):
        kms.enable_key_rotation(KeyId=metadata["KeyId"])
    return Created(metadata["KeyId"], {"Arn": metadata["Arn"], "KeyId": metadata["KeyId"]})
