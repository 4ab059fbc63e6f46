"""Offline SAM transform: point local code/definition paths somewhere the translator accepts.

`sam deploy` uploads `CodeUri`/`ContentUri` folders to S3 and inlines nothing; we cannot upload
(there is no cloud yet), so each local folder is replaced by a placeholder S3 location whose key
is a token, and the token is remembered with the folder. After the transform the deployer maps
`Code: {S3Bucket: localcloud-code, S3Key: <token>}` back to the folder, and the Lambda runtime
runs the code straight from the source tree.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from samtranslator.model.exceptions import InvalidDocumentException  # type: ignore[import-untyped]
from samtranslator.parser.parser import Parser  # type: ignore[import-untyped]
from samtranslator.translator.translator import Translator  # type: ignore[import-untyped]

from localcloud.errors import TemplateError
from localcloud.template.loader import load_document

CODE_BUCKET = "localcloud-code"
SERVERLESS_TRANSFORM = "AWS::Serverless-2016-10-31"


@dataclass
class LocalArtifacts:
    """Folders on disk that stand behind the placeholder S3 keys in the transformed template."""

    folders: dict[str, Path] = field(default_factory=dict)

    def register(self, token: str, folder: Path) -> dict[str, str]:
        if not folder.is_dir():
            raise TemplateError(f"{token}: code folder {folder} does not exist")
        self.folders[token] = folder
        return {"Bucket": CODE_BUCKET, "Key": token}

    def folder_for(self, bucket: str, key: str) -> Path | None:
        return self.folders.get(key) if bucket == CODE_BUCKET else None


def _is_local_path(value: Any) -> bool:
    return isinstance(value, str) and not value.startswith(("s3://", "https://", "http://"))


def _as_s3_uri(location: dict[str, str]) -> str:
    return f"s3://{location['Bucket']}/{location['Key']}"


def _rewrite_serverless(
    logical_id: str, resource: dict[str, Any], base: Path, artifacts: LocalArtifacts
) -> None:
    kind = resource.get("Type")
    props = resource.setdefault("Properties", {}) or {}
    resource["Properties"] = props
    if kind == "AWS::Serverless::Function":
        if props.get("PackageType") == "Image":
            raise TemplateError(f"{logical_id}: container-image functions are not supported")
        if _is_local_path(props.get("CodeUri")):
            location = artifacts.register(logical_id, (base / props["CodeUri"]).resolve())
            props["CodeUri"] = _as_s3_uri(location)
    elif kind == "AWS::Serverless::LayerVersion" and _is_local_path(props.get("ContentUri")):
        location = artifacts.register(logical_id, (base / props["ContentUri"]).resolve())
        props["ContentUri"] = _as_s3_uri(location)
    elif kind == "AWS::Serverless::StateMachine" and _is_local_path(props.get("DefinitionUri")):
        props["Definition"] = _read_definition(logical_id, base / props.pop("DefinitionUri"))


def _rewrite_plain(
    logical_id: str, resource: dict[str, Any], base: Path, artifacts: LocalArtifacts
) -> None:
    """`sam package`/`aws cloudformation package` also accept local paths on plain resources."""
    kind = resource.get("Type")
    props = resource.get("Properties") or {}
    if kind == "AWS::Lambda::Function" and _is_local_path(props.get("Code")):
        location = artifacts.register(logical_id, (base / props["Code"]).resolve())
        props["Code"] = {"S3Bucket": location["Bucket"], "S3Key": location["Key"]}
    elif kind == "AWS::Lambda::LayerVersion" and _is_local_path(props.get("Content")):
        location = artifacts.register(logical_id, (base / props["Content"]).resolve())
        props["Content"] = {"S3Bucket": location["Bucket"], "S3Key": location["Key"]}
    elif kind == "AWS::StepFunctions::StateMachine" and _is_local_path(
        props.get("DefinitionS3Location")
    ):
        props["Definition"] = _read_definition(logical_id, base / props.pop("DefinitionS3Location"))


def _read_definition(logical_id: str, path: Path) -> Any:
    if not path.is_file():
        raise TemplateError(f"{logical_id}: state machine definition {path} does not exist")
    return load_document(path)


def localize_paths(template: dict[str, Any], base: Path) -> tuple[dict[str, Any], LocalArtifacts]:
    """Return a copy of the template whose local paths are placeholders, and the folder map."""
    result = copy.deepcopy(template)
    artifacts = LocalArtifacts()
    global_function = (result.get("Globals") or {}).get("Function") or {}
    if _is_local_path(global_function.get("CodeUri")):
        location = artifacts.register("Globals", (base / global_function["CodeUri"]).resolve())
        global_function["CodeUri"] = _as_s3_uri(location)
    for logical_id, resource in (result.get("Resources") or {}).items():
        _rewrite_serverless(logical_id, resource, base, artifacts)
        _rewrite_plain(logical_id, resource, base, artifacts)
    return result, artifacts


def _transforms(template: dict[str, Any]) -> list[str]:
    declared = template.get("Transform") or []
    return [declared] if isinstance(declared, str) else list(declared)


class _BundledPoliciesOnly:
    """Managed-policy loader for an offline transform: samtranslator falls back to its bundled
    map of AWS managed policy names, so no IAM call is needed."""

    def load(self) -> dict[str, str]:
        return {}


def translate(
    template: dict[str, Any], parameter_values: dict[str, Any], region: str
) -> dict[str, Any]:
    """Run the SAM transform offline when the template asks for it."""
    transforms = _transforms(template)
    if not transforms:
        return template
    unsupported = [name for name in transforms if name != SERVERLESS_TRANSFORM]
    if unsupported:
        raise TemplateError(f"unsupported transform(s): {', '.join(unsupported)}")
    translator = Translator(None, Parser(), boto_session=boto3.Session(region_name=region))
    try:
        transformed: dict[str, Any] = translator.translate(
            copy.deepcopy(template),
            parameter_values=dict(parameter_values),
            get_managed_policy_map=_BundledPoliciesOnly().load,
        )
    except InvalidDocumentException as error:
        causes = "; ".join(cause.message for cause in error.causes)
        raise TemplateError(f"SAM transform failed: {causes}") from error
    return transformed
