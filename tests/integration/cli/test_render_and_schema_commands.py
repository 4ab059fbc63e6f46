"""`ecsdrop render` prints the AWS inputs with every default visible; `ecsdrop schema`
prints the spec's JSON Schema."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

Ecsdrop = Callable[..., Any]
Write = Callable[[str, str | bytes], Path]
MINIMAL = """\
version: 1
service:
  name: web
taskDefinition:
  containerDefinitions:
    - name: web
      image: nginx:1.27
      portMappings:
        - containerPort: 8080
"""


def test_render_prints_json_with_the_defaults_visible(ecsdrop: Ecsdrop, write: Write) -> None:
    write("web.yaml", MINIMAL)

    run = ecsdrop("render", "web.yaml")

    assert run.code == 0
    assert "Traceback" not in run.stderr
    rendered = json.loads(run.stdout)
    task = rendered["registerTaskDefinition"]
    options = task["containerDefinitions"][0]["logConfiguration"]["options"]
    assert options == {
        "awslogs-group": "/ecsdrop/web",
        "awslogs-region": "us-east-1",
        "awslogs-stream-prefix": "web",
    }
    assert task["executionRoleArn"] == "arn:aws:iam::123456789012:role/ecsdrop-task-execution"
    assert (task["cpu"], task["memory"], task["networkMode"]) == ("256", "512", "awsvpc")
    assert rendered["logGroup"]["logGroupName"] == "/ecsdrop/web"
    assert rendered["loadBalancer"]["targetGroup"]["Port"] == 8080


def test_render_tags_the_task_definition_with_service_and_spec_digest(
    ecsdrop: Ecsdrop, write: Write
) -> None:
    write("web.yaml", MINIMAL)

    rendered = json.loads(ecsdrop("render", "web.yaml").stdout)

    tags = {t["key"]: t["value"] for t in rendered["registerTaskDefinition"]["tags"]}
    assert tags == {"ecsdrop:service": "web", "ecsdrop:spec-digest": rendered["specDigest"]}
    assert len(rendered["specDigest"]) == 64
    service_tags = {t["key"]: t["value"] for t in rendered["createService"]["tags"]}
    assert service_tags["ecsdrop:spec-digest"] == rendered["specDigest"]


def test_render_uses_the_account_and_region_it_is_given(ecsdrop: Ecsdrop, write: Write) -> None:
    write("web.yaml", MINIMAL)

    run = ecsdrop("render", "--account", "210987654321", "--region", "cn-north-1", "web.yaml")

    task = json.loads(run.stdout)["registerTaskDefinition"]
    assert task["executionRoleArn"] == "arn:aws-cn:iam::210987654321:role/ecsdrop-task-execution"
    options = task["containerDefinitions"][0]["logConfiguration"]["options"]
    assert options["awslogs-region"] == "cn-north-1"


def test_render_for_a_govcloud_region_writes_its_partition_into_the_arns(
    ecsdrop: Ecsdrop, write: Write
) -> None:
    write("web.yaml", MINIMAL)

    run = ecsdrop("render", "--region", "us-gov-west-1", "web.yaml")

    task = json.loads(run.stdout)["registerTaskDefinition"]
    assert task["executionRoleArn"] == (
        "arn:aws-us-gov:iam::123456789012:role/ecsdrop-task-execution"
    )


def test_render_leaves_the_nulls_of_a_pasted_task_definition_out_of_its_inputs(
    ecsdrop: Ecsdrop, write: Write
) -> None:
    write(
        "web.yaml",
        MINIMAL.replace("      portMappings:\n", "      ulimits: null\n      portMappings:\n")
        + "          hostPort: null\n",
    )

    run = ecsdrop("render", "web.yaml")

    assert run.code == 0, run.stderr
    assert run.stderr.count("null ignored (treated as absent)") == 2
    task = json.loads(run.stdout)["registerTaskDefinition"]
    assert "null" not in json.dumps(task)
    container = task["containerDefinitions"][0]
    assert "ulimits" not in container
    assert container["portMappings"] == [
        {"containerPort": 8080, "hostPort": 8080, "protocol": "tcp"}
    ]


def test_render_reads_stdin(ecsdrop: Ecsdrop) -> None:
    run = ecsdrop("render", "-", stdin=MINIMAL.encode())

    assert run.code == 0
    assert json.loads(run.stdout)["service"] == "web"


def test_render_of_every_example_succeeds(ecsdrop: Ecsdrop, examples: list[Path]) -> None:
    for example in examples:
        run = ecsdrop("render", example)

        assert run.code == 0, run.stderr
        assert json.loads(run.stdout)["registerTaskDefinition"]["containerDefinitions"]


def test_render_of_an_invalid_spec_prints_its_problems_and_no_json(
    ecsdrop: Ecsdrop, write: Write
) -> None:
    write("web.yaml", MINIMAL.replace("name: web\ntask", "name: Web\ntask"))

    run = ecsdrop("render", "web.yaml")

    assert run.code == 1
    assert run.stdout == ""
    assert run.stderr.startswith('web.yaml:3:3: service.name: "Web" must be a DNS label')


def test_render_of_a_missing_file_is_a_usage_error(ecsdrop: Ecsdrop) -> None:
    run = ecsdrop("render", "missing.yaml")

    assert run.code == 2
    assert run.stderr == "ecsdrop render: missing.yaml: cannot read: No such file or directory\n"


def test_render_of_a_directory_is_a_usage_error(ecsdrop: Ecsdrop, tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()

    run = ecsdrop("render", "specs")

    assert run.code == 2
    assert run.stderr == "ecsdrop render: specs: cannot read: Is a directory\n"


def test_schema_prints_a_valid_draft_2020_12_schema(ecsdrop: Ecsdrop, repo_root: Path) -> None:
    run = ecsdrop("schema")

    assert run.code == 0
    schema = json.loads(run.stdout)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    published = json.loads((repo_root / "schema" / "ecsdrop-spec.schema.json").read_text())
    assert schema == published


def test_the_printed_schema_accepts_every_example(ecsdrop: Ecsdrop, examples: list[Path]) -> None:
    validator = Draft202012Validator(json.loads(ecsdrop("schema").stdout))

    for example in examples:
        errors = list(validator.iter_errors(yaml.safe_load(example.read_text(encoding="utf-8"))))
        assert errors == [], example
