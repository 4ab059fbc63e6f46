"""The Load step applies the guardrails it finds in its environment (the template's
parameters): plaintext credentials rejected, warned about, or let through as configured, and
a spec over the size limit refused on its HEAD, naming the file."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from ecsdrop.aws.bucket import SpecBucket
from ecsdrop.deploy.load import load
from ecsdrop.errors import SpecError
from ecsdrop.spec import Guardrails, Installation
from tests.e2e.hostile.cases import valid

BUCKET = "specs-bucket"
EXECUTION = {
    "id": "arn:aws:states:us-east-1:123456789012:execution:deploy:run-1",
    "name": "run-1",
    "startTime": "2026-01-01T00:00:00Z",
}


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        yield client


def uploaded(s3: Any, key: str, body: bytes) -> dict[str, Any]:
    version = s3.put_object(Bucket=BUCKET, Key=key, Body=body)["VersionId"]
    return {
        "source": "aws.s3",
        "detail-type": "Object Created",
        "detail": {"bucket": {"name": BUCKET}, "object": {"key": key, "version-id": version}},
    }


def password_spec() -> bytes:
    return (
        valid("web")
        .replace(
            "      portMappings:\n",
            "      environment:\n        - name: DB_PASSWORD\n          value: hunter2\n"
            "      portMappings:\n",
        )
        .encode()
    )


def guardrails(setting: str, max_bytes: str = "32768") -> Guardrails:
    return Guardrails.from_environment(
        {"PLAINTEXT_CREDENTIALS": setting, "MAX_SPEC_BYTES": max_bytes}
    )


def test_reject_refuses_the_spec_naming_the_value(s3: Any) -> None:
    event = uploaded(s3, "specs/web.yaml", password_spec())

    with pytest.raises(SpecError) as raised:
        load(event, EXECUTION, SpecBucket(s3, BUCKET), guardrails("reject"), Installation())

    assert str(raised.value).startswith(
        "specs/web.yaml:10:11: taskDefinition.containerDefinitions[0].environment[0].value: "
        "DB_PASSWORD looks like a secret in plain text"
    )


def test_warn_deploys_and_carries_the_warning(s3: Any) -> None:
    event = uploaded(s3, "specs/web.yaml", password_spec())

    state = load(event, EXECUTION, SpecBucket(s3, BUCKET), guardrails("warn"), Installation())

    assert [(w.field, w.severity) for w in state.spec.warnings] == [
        ("taskDefinition.containerDefinitions[0].environment[0].value", "warning")
    ]


def test_off_deploys_without_a_word(s3: Any) -> None:
    event = uploaded(s3, "specs/web.yaml", password_spec())

    state = load(event, EXECUTION, SpecBucket(s3, BUCKET), guardrails("off"), Installation())

    assert state.spec.warnings == ()


def test_an_oversized_spec_is_refused_by_its_head_naming_the_file(s3: Any) -> None:
    event = uploaded(s3, "specs/web.yaml", valid("web").encode() + b"#" * 2048)
    calls: list[str] = []
    s3.meta.events.register("before-call.s3", lambda model, **_: calls.append(model.name))

    with pytest.raises(SpecError) as raised:
        load(event, EXECUTION, SpecBucket(s3, BUCKET), guardrails("warn", "1024"), Installation())

    assert str(raised.value).startswith("specs/web.yaml: (document): the file is ")
    assert calls == ["HeadObject"]
