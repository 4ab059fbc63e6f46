"""Lambda functions, layers and their satellites; Step Functions state machines."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

from localcloud.errors import TemplateError
from localcloud.template.context import Created, DeployContext, Properties, tags_as_map


def _placeholder_zip(folder: Path) -> bytes:
    """What Lambda stores as the package: the runtime runs the folder itself, not this zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("LOCALCLOUD.txt", f"code is served from {folder}\n")
    return buffer.getvalue()


def _inline_code_folder(ctx: DeployContext, logical_id: str, source: str) -> Path:
    """`ZipFile`/`InlineCode`: CloudFormation stores inline Python as index.py."""
    folder = ctx.scratch_dir / "inline" / logical_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.py").write_text(source, encoding="utf-8")
    return folder


def _code_folder(ctx: DeployContext, props: Properties, key: str) -> Path:
    code = props.require(key)
    if "ZipFile" in code:
        return _inline_code_folder(ctx, props.logical_id, code["ZipFile"])
    folder = ctx.artifacts.folder_for(code.get("S3Bucket", ""), code.get("S3Key", ""))
    if folder is None:
        raise TemplateError(
            f"{props.logical_id}: code must be a local folder (CodeUri/ContentUri) or inline; "
            f"got {code!r}"
        )
    return folder


_FUNCTION_OPTIONAL = (
    "Description",
    "Environment",
    "Layers",
    "Architectures",
    "TracingConfig",
    "DeadLetterConfig",
    "KmsKeyArn",
    "EphemeralStorage",
    "LoggingConfig",
)


def create_function(ctx: DeployContext, props: Properties) -> Created:
    name = props.get("FunctionName") or ctx.physical_name(props.logical_id, 64)
    folder = _code_folder(ctx, props, "Code")
    request: dict[str, Any] = {
        "FunctionName": name,
        "Runtime": props.require("Runtime"),
        "Role": props.require("Role"),
        "Handler": props.require("Handler"),
        "Code": {"ZipFile": _placeholder_zip(folder)},
        "Timeout": int(props.get("Timeout", 3)),
        "MemorySize": int(props.get("MemorySize", 128)),
    }
    request.update(
        {key: props.get(key) for key in _FUNCTION_OPTIONAL if props.get(key) is not None}
    )
    if "Environment" in request:
        request["Environment"] = _environment(request["Environment"])
    tags = tags_as_map(props.get("Tags"))
    if tags:
        request["Tags"] = tags
    awslambda = ctx.client("lambda")
    arn = awslambda.create_function(**request)["FunctionArn"]
    ctx.code_registry.register_function(name, folder)
    reserved = props.get("ReservedConcurrentExecutions")
    if reserved is not None:
        awslambda.put_function_concurrency(
            FunctionName=name, ReservedConcurrentExecutions=int(reserved)
        )
    return Created(name, {"Arn": arn})


def _environment(environment: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation turns numbers and booleans in environment variables into strings."""
    variables = environment.get("Variables") or {}
    as_text = {
        name: str(value).lower() if isinstance(value, bool) else str(value)
        for name, value in variables.items()
    }
    return {**environment, "Variables": as_text}


def create_layer_version(ctx: DeployContext, props: Properties) -> Created:
    name = props.get("LayerName") or ctx.physical_name(props.logical_id, 64)
    folder = _code_folder(ctx, props, "Content")
    request: dict[str, Any] = {"LayerName": name, "Content": {"ZipFile": _placeholder_zip(folder)}}
    for key in ("Description", "CompatibleRuntimes", "CompatibleArchitectures", "LicenseInfo"):
        if props.get(key) is not None:
            request[key] = props.get(key)
    arn = ctx.client("lambda").publish_layer_version(**request)["LayerVersionArn"]
    ctx.code_registry.register_layer(arn, folder)
    return Created(arn, {"LayerVersionArn": arn})


def create_permission(ctx: DeployContext, props: Properties) -> Created:
    statement_id = ctx.physical_name(props.logical_id, 100)
    request: dict[str, Any] = {
        "FunctionName": props.require("FunctionName"),
        "StatementId": statement_id,
        "Action": props.require("Action"),
        "Principal": props.require("Principal"),
    }
    for key in (
        "SourceArn",
        "SourceAccount",
        "EventSourceToken",
        "PrincipalOrgID",
        "FunctionUrlAuthType",
    ):
        if props.get(key) is not None:
            request[key] = props.get(key)
    ctx.client("lambda").add_permission(**request)
    return Created(statement_id)


def create_version(ctx: DeployContext, props: Properties) -> Created:
    request: dict[str, Any] = {"FunctionName": props.require("FunctionName")}
    if props.get("Description"):
        request["Description"] = props.get("Description")
    props.ignore("CodeSha256")
    version = ctx.client("lambda").publish_version(**request)
    return Created(version["FunctionArn"], {"Version": version["Version"]})


def create_alias(ctx: DeployContext, props: Properties) -> Created:
    request = {
        "FunctionName": props.require("FunctionName"),
        "Name": props.require("Name"),
        "FunctionVersion": str(props.require("FunctionVersion")),
    }
    if props.get("Description"):
        request["Description"] = props.get("Description")
    arn = ctx.client("lambda").create_alias(**request)["AliasArn"]
    return Created(arn)


def create_event_invoke_config(ctx: DeployContext, props: Properties) -> Created:
    request: dict[str, Any] = {"FunctionName": props.require("FunctionName")}
    for key in (
        "Qualifier",
        "MaximumRetryAttempts",
        "MaximumEventAgeInSeconds",
        "DestinationConfig",
    ):
        if props.get(key) is not None:
            request[key] = props.get(key)
    ctx.client("lambda").put_function_event_invoke_config(**request)
    return Created(ctx.physical_name(props.logical_id, 64))


_MAPPING_FIELDS = (
    "EventSourceArn",
    "FunctionName",
    "BatchSize",
    "Enabled",
    "StartingPosition",
    "FilterCriteria",
    "MaximumBatchingWindowInSeconds",
    "FunctionResponseTypes",
)


def create_event_source_mapping(ctx: DeployContext, props: Properties) -> Created:
    request = {key: props.get(key) for key in _MAPPING_FIELDS if props.get(key) is not None}
    mapping = ctx.client("lambda").create_event_source_mapping(**request)
    return Created(mapping["UUID"], {"Id": mapping["UUID"]})


_SUBSTITUTION = re.compile(r"\$\{([^}]+)\}")


def substitute_definition(definition: str, substitutions: dict[str, Any]) -> str:
    """Apply DefinitionSubstitutions as Step Functions does: `${Key}` for each given key."""

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in substitutions:
            return match.group(0)
        value = substitutions[key]
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    return _SUBSTITUTION.sub(replace, definition)


def _logging_configuration(cfn: dict[str, Any]) -> dict[str, Any]:
    destinations = [
        {"cloudWatchLogsLogGroup": {"logGroupArn": item["CloudWatchLogsLogGroup"]["LogGroupArn"]}}
        for item in cfn.get("Destinations") or []
    ]
    return {
        "level": cfn.get("Level", "OFF"),
        "includeExecutionData": cfn.get("IncludeExecutionData") in (True, "true"),
        "destinations": destinations,
    }


def create_state_machine(ctx: DeployContext, props: Properties) -> Created:
    definition = props.get("DefinitionString")
    if definition is None:
        definition = json.dumps(props.require("Definition"))
    definition = substitute_definition(definition, props.get("DefinitionSubstitutions") or {})
    name = props.get("StateMachineName") or ctx.physical_name(props.logical_id, 80)
    request: dict[str, Any] = {
        "name": name,
        "definition": definition,
        "roleArn": props.require("RoleArn"),
        "type": props.get("StateMachineType", "STANDARD"),
    }
    logging = props.get("LoggingConfiguration")
    if logging:
        request["loggingConfiguration"] = _logging_configuration(logging)
    tracing = props.get("TracingConfiguration")
    if tracing:
        request["tracingConfiguration"] = {"enabled": tracing.get("Enabled") in (True, "true")}
    tags = props.get("Tags") or []
    if tags:
        request["tags"] = [{"key": tag["Key"], "value": tag["Value"]} for tag in tags]
    arn = ctx.client("stepfunctions").create_state_machine(**request)["stateMachineArn"]
    return Created(arn, {"Arn": arn, "Name": name, "StateMachineRevisionId": arn})
