"""Task definitions from AWS's published samples, wrapped in the smallest spec.

The Fargate-compatible ones validate (and render to input botocore accepts); the EC2-only
ones are refused with a message that names the field to change; the ones with placeholders
(an account, a region) are refused naming each placeholder, and valid once it is filled in.
Sources: tests/fixtures/aws-samples/README.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.validate import validate_parameters

from ecsdrop.spec import Installation, validate
from ecsdrop.spec.render import render

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "aws-samples"
Wrap = Callable[..., str]

FARGATE_COMPATIBLE = [
    "fargate-webserver.json",
    "fargate-windows-webserver.json",
    "firelens-cloudwatch.json",
    "efs-tutorial.json",
    "nginx-fargate.json",
    "tomcat-fargate.json",
]

EC2_ONLY = {
    "nginx-ec2.json": [
        (
            "taskDefinition.requiresCompatibilities",
            "this task definition is for EC2; ecsdrop deploys to Fargate, "
            "so requiresCompatibilities must include FARGATE",
            "error",
        ),
        ("taskDefinition.networkMode", "Fargate needs networkMode awsvpc, not bridge", "error"),
    ],
    "awslogs-wordpress.json": [
        (
            "taskDefinition.containerDefinitions[0].links",
            "links are not supported with the awsvpc network mode; "
            "containers of a task reach each other on localhost",
            "error",
        ),
        (
            "taskDefinition.containerDefinitions[1].environment[0].value",
            "MYSQL_ROOT_PASSWORD looks like a secret in plain text; move it to `secrets` with a "
            "valueFrom (Secrets Manager or SSM Parameter Store)",
            "warning",
        ),
    ],
    "gpu.json": [
        (
            "taskDefinition.containerDefinitions[0].resourceRequirements[0].type",
            "GPUs are not supported on Fargate",
            "error",
        ),
    ],
}


def sample(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


def test_every_sample_file_is_listed_and_cited() -> None:
    files = {p.name for p in SAMPLES.glob("*.json")}
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")

    assert files == {
        *FARGATE_COMPATIBLE,
        *EC2_ONLY,
        "secrets-tutorial.json",
        "container-dependency-appmesh.json",
    }
    assert len(files) >= 6
    for name in files:
        assert f"`{name}`" in readme


@pytest.mark.parametrize("name", FARGATE_COMPATIBLE)
def test_fargate_sample_is_a_valid_spec(name: str, wrap_task_definition: Wrap) -> None:
    validation = validate(wrap_task_definition(sample(name)), "sample.json")

    assert [p.describe() for p in validation.problems] == []
    assert validation.spec is not None


@pytest.mark.parametrize("name", FARGATE_COMPATIBLE)
def test_fargate_sample_renders_input_botocore_accepts(
    name: str, wrap_task_definition: Wrap, installation: Installation
) -> None:
    validation = validate(wrap_task_definition(sample(name)), "sample.json")
    assert validation.spec is not None
    model = botocore.session.get_session().get_service_model("ecs")

    params = render(validation.spec, installation)["registerTaskDefinition"]

    validate_parameters(params, model.operation_model("RegisterTaskDefinition").input_shape)
    assert params["family"] == sample(name).get("family", "sample")


@pytest.mark.parametrize("name", sorted(EC2_ONLY))
def test_ec2_only_sample_is_refused_naming_the_field(name: str, wrap_task_definition: Wrap) -> None:
    validation = validate(wrap_task_definition(sample(name)), "sample.json")

    assert validation.spec is None
    assert [(p.field, p.message, p.severity) for p in validation.problems] == EC2_ONLY[name]


def test_secrets_tutorial_as_written_reports_its_placeholders(wrap_task_definition: Wrap) -> None:
    validation = validate(wrap_task_definition(sample("secrets-tutorial.json")), "sample.json")

    assert [(p.field, p.message) for p in validation.problems] == [
        (
            "taskDefinition.executionRoleArn",
            "'arn:aws:iam::aws_account_id:role/ecsTaskExecutionRole' is not an IAM role ARN "
            "(arn:aws:iam::<12-digit account>:role/<name>)",
        ),
        (
            "taskDefinition.containerDefinitions[0].secrets[0].valueFrom",
            "must be a Secrets Manager secret ARN or an SSM parameter name or ARN",
        ),
    ]


def test_secrets_tutorial_with_its_placeholders_filled_is_valid(wrap_task_definition: Wrap) -> None:
    text = (SAMPLES / "secrets-tutorial.json").read_text(encoding="utf-8")
    filled = text.replace("aws_account_id", "123456789012").replace(":region:", ":us-east-1:")

    validation = validate(wrap_task_definition(json.loads(filled)), "sample.json")

    assert validation.problems == ()
    assert validation.spec is not None
    secret = validation.spec.task_definition["containerDefinitions"][0]["secrets"][0]
    assert secret["valueFrom"].startswith("arn:aws:secretsmanager:us-east-1:123456789012:")


def test_appmesh_sample_as_written_reports_its_placeholder_region(
    wrap_task_definition: Wrap,
) -> None:
    validation = validate(
        wrap_task_definition(sample("container-dependency-appmesh.json")), "sample.json"
    )

    assert validation.spec is None
    assert [(p.field, p.message) for p in validation.problems] == [
        (
            "taskDefinition.containerDefinitions[1].image",
            "'840364872350.dkr.ecr.region-code.amazonaws.com/aws-appmesh-envoy:v1.15.1.0-prod' "
            "can never be pulled: 'region-code' is not an AWS region (such as us-east-1)",
        ),
    ]


def test_appmesh_sample_with_its_region_filled_renders_input_botocore_accepts(
    wrap_task_definition: Wrap, installation: Installation
) -> None:
    text = (SAMPLES / "container-dependency-appmesh.json").read_text(encoding="utf-8")
    validation = validate(
        wrap_task_definition(json.loads(text.replace("region-code", "us-west-2"))), "sample.json"
    )
    assert validation.problems == ()
    assert validation.spec is not None
    model = botocore.session.get_session().get_service_model("ecs")

    params = render(validation.spec, installation)["registerTaskDefinition"]

    validate_parameters(params, model.operation_model("RegisterTaskDefinition").input_shape)
    assert params["containerDefinitions"][1]["image"].startswith(
        "840364872350.dkr.ecr.us-west-2.amazonaws.com/"
    )
