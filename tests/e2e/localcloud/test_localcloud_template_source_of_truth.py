"""The template is the source of truth: what it says is what the local cloud runs."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from localcloud import LocalCloud, TemplateError

FAULT_FILE = """
faults:
  - api: iam:CreateRole          # permanent, and applied only once the stack is deployed
    error: AccessDenied
    message: denied by the fault file
  - api: kms:ListKeys
    error: KMSInternalException
    status: 500
    times: 1
"""
NO_RETRIES = Config(retries={"total_max_attempts": 1})


@pytest.fixture(scope="module")
def edited_copy(fixture_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture, copied, with the workflow's rule watching incoming/ instead of specs/."""
    copy = tmp_path_factory.mktemp("edited") / "fixture"
    shutil.copytree(fixture_dir, copy)
    template = copy / "template.yaml"
    text = template.read_text()
    assert text.count("key: [{prefix: specs/}]") == 1
    template.write_text(text.replace("key: [{prefix: specs/}]", "key: [{prefix: incoming/}]"))
    (copy / "faults.yaml").write_text(FAULT_FILE)
    return copy


@pytest.fixture(scope="module")
def cloud(new_cloud: Callable[..., LocalCloud], edited_copy: Path) -> Iterator[LocalCloud]:
    with new_cloud(
        edited_copy / "template.yaml",
        parameters={"Stage": "prod"},
        faults=edited_copy / "faults.yaml",
    ) as running:
        yield running


def executions(cloud: LocalCloud) -> list[dict[str, Any]]:
    sfn = cloud.client("stepfunctions")
    return sfn.list_executions(stateMachineArn=cloud.outputs["WorkflowArn"])["executions"]


def test_upload_matching_the_original_prefix_starts_nothing_once_the_rule_changed(
    cloud: LocalCloud, eventually: Any
) -> None:
    s3 = cloud.client("s3")
    s3.put_object(Bucket=cloud.outputs["BucketName"], Key="specs/web.yaml", Body=b"x")
    time.sleep(1.0)  # deliveries take ~0.1 s
    assert executions(cloud) == []

    s3.put_object(Bucket=cloud.outputs["BucketName"], Key="incoming/web.yaml", Body=b"x")
    eventually(lambda: executions(cloud), what="the edited rule to start the workflow")


def test_parameter_overrides_flow_into_conditions_outputs_and_environment(
    cloud: LocalCloud,
) -> None:
    assert cloud.outputs["StageBanner"].startswith("prod-live-")
    assert "ProdOnlyQueue" in cloud.resources
    assert cloud.outputs["ProdQueueUrl"].endswith(
        cloud.resources["ProdOnlyQueue"].rsplit("/", 1)[1]
    )
    response = cloud.client("lambda").invoke(FunctionName=cloud.resources["EchoFunction"])
    assert json.loads(response["Payload"].read())["greeting"] == "bonjour-prod"


def test_faults_from_the_file_apply_after_deployment(cloud: LocalCloud) -> None:
    assert "GreeterFunctionRole" in cloud.resources  # CreateRole worked while deploying
    with pytest.raises(ClientError) as raised:
        cloud.client("iam", config=NO_RETRIES).create_role(
            RoleName="late", AssumeRolePolicyDocument="{}"
        )
    assert raised.value.response["Error"]["Code"] == "AccessDenied"
    assert raised.value.response["Error"]["Message"] == "denied by the fault file"
    kms = cloud.client("kms", config=NO_RETRIES)
    with pytest.raises(ClientError) as once:
        kms.list_keys()
    assert once.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert once.value.response["Error"]["Code"] == "KMSInternalException"
    kms.list_keys()


def test_template_with_an_unsupported_resource_type_is_refused_before_anything_is_created(
    cloud: LocalCloud, edited_copy: Path
) -> None:
    broken = edited_copy / "broken.yaml"
    broken.write_text(
        "Resources:\n"
        "  Queue:\n    Type: AWS::SQS::Queue\n"
        "  Api:\n    Type: AWS::ApiGateway::RestApi\n    Properties: {Name: x}\n"
    )
    cloud.stop()  # one local cloud per process: this test needs the slot
    before = time.monotonic()
    with pytest.raises(TemplateError, match=r"Api \(AWS::ApiGateway::RestApi\)"):
        LocalCloud(broken).start()
    assert time.monotonic() - before < 30
