"""A pasted task definition's nulls: task definitions copied from consoles and tools often
write an absent optional field as null ("ulimits": null), which ECS's API itself refuses.
In taskDefinition, at any depth, a null for an optional field counts as absent with a
warning at its place, and never reaches RegisterTaskDefinition; a null where ECS needs a
value stays an error."""

from __future__ import annotations

import json
from textwrap import dedent

import botocore.session
import pytest
from botocore.validate import validate_parameters
from jsonschema import Draft202012Validator

from ecsdrop.spec import Installation, validate
from ecsdrop.spec.render import render
from ecsdrop.spec.schema import load_schema

IGNORED = "null ignored (treated as absent)"
PASTED = dedent("""\
    {
      "version": 1,
      "service": {"name": "web"},
      "taskDefinition": {
        "family": "web",
        "taskRoleArn": null,
        "containerDefinitions": [
          {
            "name": "web",
            "image": "nginx:1.27",
            "essential": true,
            "ulimits": null,
            "environment": [{"name": "MODE", "value": "prod"}],
            "healthCheck": {"command": ["CMD", "true"], "interval": null},
            "linuxParameters": {"initProcessEnabled": null, "capabilities": {"add": null}},
            "portMappings": [{"containerPort": 80, "hostPort": null, "protocol": null}],
            "logConfiguration": {"logDriver": "awslogs", "options": null, "secretOptions": null}
          }
        ],
        "volumes": null
      }
    }
    """)


def without_null_log_options(text: str) -> str:
    """awslogs needs its options: the same text with them given (every other null kept)."""
    return text.replace(
        '"options": null',
        '"options": {"awslogs-group": "/ecs/web", "awslogs-stream-prefix": "web"}',
    )


def test_a_null_for_an_optional_field_is_a_warning_at_its_place_not_an_error() -> None:
    text = "version: 1\nservice: {name: web}\ntaskDefinition:\n  containerDefinitions:\n"
    text += "    - name: web\n      image: nginx:1.27\n      ulimits: null\n"

    validation = validate(text, "web.yaml")

    assert validation.spec is not None
    assert [p.format("web.yaml") for p in validation.problems] == [
        "web.yaml:7:7: warning: taskDefinition.containerDefinitions[0].ulimits: " + IGNORED
    ]
    assert "ulimits" not in validation.spec.task_definition["containerDefinitions"][0]


def test_optional_nulls_are_ignored_at_every_depth_each_with_its_place() -> None:
    validation = validate(without_null_log_options(PASTED), "web.json")

    container = "taskDefinition.containerDefinitions[0]"
    assert [(p.field, p.message, p.severity, p.line) for p in validation.problems] == [
        ("taskDefinition.taskRoleArn", IGNORED, "warning", 6),
        (f"{container}.ulimits", IGNORED, "warning", 12),
        (f"{container}.healthCheck.interval", IGNORED, "warning", 14),
        (f"{container}.linuxParameters.initProcessEnabled", IGNORED, "warning", 15),
        (f"{container}.linuxParameters.capabilities.add", IGNORED, "warning", 15),
        (f"{container}.portMappings[0].hostPort", IGNORED, "warning", 16),
        (f"{container}.portMappings[0].protocol", IGNORED, "warning", 16),
        (f"{container}.logConfiguration.secretOptions", IGNORED, "warning", 17),
        ("taskDefinition.volumes", IGNORED, "warning", 20),
    ]
    assert validation.spec is not None


def test_an_ignored_null_never_reaches_register_task_definition(
    installation: Installation,
) -> None:
    validation = validate(without_null_log_options(PASTED), "web.json")
    assert validation.spec is not None
    model = botocore.session.get_session().get_service_model("ecs")

    params = render(validation.spec, installation)["registerTaskDefinition"]

    assert "null" not in json.dumps(params)
    validate_parameters(params, model.operation_model("RegisterTaskDefinition").input_shape)
    container = params["containerDefinitions"][0]
    assert "taskRoleArn" not in params
    assert container["portMappings"] == [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}]
    assert container["healthCheck"] == {"command": ["CMD", "true"]}


def test_an_ignored_null_then_gets_the_default_an_absent_field_gets() -> None:
    validation = validate(PASTED.replace('"family": "web"', '"family": null'), "web.json")

    assert ("taskDefinition.family", IGNORED) in [(p.field, p.message) for p in validation.problems]
    # options: null is absent, and awslogs without its options is what it always was
    assert [p.field for p in validation.errors] == [
        "taskDefinition.containerDefinitions[0].logConfiguration.options"
    ]


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('"name": "web"', '"name": null', "taskDefinition.containerDefinitions[0].name"),
        ('"image": "nginx:1.27"', '"image": null', "taskDefinition.containerDefinitions[0].image"),
        (
            '"containerPort": 80',
            '"containerPort": null',
            "taskDefinition.containerDefinitions[0].portMappings[0].containerPort",
        ),
        (
            '"environment": [{"name": "MODE", "value": "prod"}]',
            '"secrets": [{"name": "DB", "valueFrom": null}]',
            "taskDefinition.containerDefinitions[0].secrets[0].valueFrom",
        ),
        (
            '"logDriver": "awslogs"',
            '"logDriver": null',
            "taskDefinition.containerDefinitions[0].logConfiguration.logDriver",
        ),
    ],
    ids=["container-name", "image", "container-port", "secret-value-from", "log-driver"],
)
def test_a_null_for_a_required_field_is_still_an_error(old: str, new: str, field: str) -> None:
    text = without_null_log_options(PASTED)
    assert old in text

    validation = validate(text.replace(old, new), "web.json")

    assert validation.spec is None
    assert (field, "error") in [(p.field, p.severity) for p in validation.problems]
    assert any(p.field == field and "null" in p.message for p in validation.errors)


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        (
            '"portMappings": [{"containerPort": 80, "hostPort": null, "protocol": null}]',
            '"portMappings": [null]',
            "taskDefinition.containerDefinitions[0].portMappings[0]",
            "expected a mapping, got null",
        ),
        (
            '"options": null',
            '"options": {"awslogs-group": null, "awslogs-stream-prefix": "web"}',
            "taskDefinition.containerDefinitions[0].logConfiguration.options.awslogs-group",
            "expected a string, got null",
        ),
    ],
    ids=["list-item", "map-value"],
)
def test_a_null_list_item_or_map_value_is_no_absent_field_and_stays_an_error(
    old: str, new: str, field: str, message: str
) -> None:
    validation = validate(PASTED.replace(old, new), "web.json")

    assert validation.spec is None
    assert (field, message) in [(p.field, p.message) for p in validation.errors]


def test_a_null_outside_the_task_definition_is_not_ecs_input_and_stays_an_error() -> None:
    text = without_null_log_options(PASTED).replace(
        '"service": {"name": "web"}', '"service": {"name": "web", "desiredCount": null}'
    )

    validation = validate(text, "web.json")

    assert validation.spec is None
    assert [(p.field, p.message) for p in validation.errors] == [
        ("service.desiredCount", "expected an integer, got null")
    ]


def test_a_wrong_value_for_an_optional_field_reads_as_before_null_is_not_mentioned() -> None:
    text = without_null_log_options(PASTED).replace('"ulimits": null', '"ulimits": "none"')

    validation = validate(text, "web.json")

    assert [(p.field, p.message) for p in validation.errors] == [
        ("taskDefinition.containerDefinitions[0].ulimits", 'expected a list, got a string "none"')
    ]


def test_the_published_schema_accepts_optional_nulls_and_refuses_required_ones() -> None:
    """What editors validate against says the same: null is fine where it is ignored."""
    editor = Draft202012Validator(load_schema())
    pasted = json.loads(without_null_log_options(PASTED))

    assert list(editor.iter_errors(pasted)) == []
    pasted["taskDefinition"]["containerDefinitions"][0]["name"] = None
    assert [list(e.absolute_path) for e in editor.iter_errors(pasted)] == [
        ["taskDefinition", "containerDefinitions", 0, "name"]
    ]
