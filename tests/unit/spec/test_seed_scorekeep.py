"""The seed's scorekeep task definition, as it was written: two syntax errors and a typo.

tests/fixtures/seed/scorekeep-task-definition.json reproduces it: the comma after the API
container's image is missing (line 33), a stray ``[xx=xx]`` sits in its environment list
(line 52), and both containers' awslogs options say ``aws-logs-group``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ecsdrop.spec import validate

SEED = Path(__file__).resolve().parents[2] / "fixtures" / "seed" / "scorekeep-task-definition.json"
MISSING_COMMA = 'scorekeep-api:latest"\n'
STRAY_ENTRY = ",\n        [xx=xx]\n"
SPEC_PREFIX = '{"version": 1, "service": {"name": "scorekeep"}, "taskDefinition": '


@pytest.fixture
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def corrected(seed_text: str) -> str:
    """The seed with both syntax errors repaired and nothing else touched."""
    text = seed_text.replace(MISSING_COMMA, 'scorekeep-api:latest",\n')
    return text.replace(STRAY_ENTRY, "\n")


def as_spec(task_definition_text: str) -> str:
    """Wrapped in a spec on its first line, so every line keeps its number."""
    return SPEC_PREFIX + task_definition_text.rstrip() + "}\n"


def test_the_fixture_holds_both_syntax_errors_once(seed_text: str) -> None:
    assert seed_text.count(MISSING_COMMA) == 1
    assert seed_text.count(STRAY_ENTRY) == 1


def test_both_syntax_errors_are_reported_with_line_and_column_in_one_run(seed_text: str) -> None:
    problems = validate(seed_text, "scorekeep-task-definition.json").problems

    assert [p.format("scorekeep-task-definition.json") for p in problems] == [
        "scorekeep-task-definition.json:34:7: (document): JSON syntax error: "
        "missing ',' between two items (found '\"cpu\": 512,')",
        "scorekeep-task-definition.json:52:10: (document): JSON syntax error: "
        "expected a value (string, number, object, array, true, false, null) (found 'xx=xx]')",
    ]


def test_the_missing_comma_is_placed_at_the_field_after_it(seed_text: str) -> None:
    line_34 = seed_text.splitlines()[33]
    assert line_34[6:].startswith('"cpu": 512')


def test_the_corrected_seed_reports_the_misspelled_log_group_option(seed_text: str) -> None:
    validation = validate(as_spec(corrected(seed_text)), "scorekeep.json")

    options = "taskDefinition.containerDefinitions[{}].logConfiguration.options"
    assert [(p.field, p.message, p.line) for p in validation.problems] == [
        (f"{options.format(0)}.awslogs-group", "required by the awslogs driver on Fargate", 24),
        (
            f"{options.format(0)}.aws-logs-group",
            "unknown field 'aws-logs-group'; did you mean 'awslogs-group'?",
            25,
        ),
        (f"{options.format(1)}.awslogs-group", "required by the awslogs driver on Fargate", 55),
        (
            f"{options.format(1)}.aws-logs-group",
            "unknown field 'aws-logs-group'; did you mean 'awslogs-group'?",
            56,
        ),
    ]
    assert validation.spec is None


def test_the_seed_with_the_option_spelled_right_is_a_valid_spec(seed_text: str) -> None:
    fixed = corrected(seed_text).replace('"aws-logs-group"', '"awslogs-group"')

    validation = validate(as_spec(fixed), "scorekeep.json")

    assert validation.problems == ()
    assert validation.spec is not None
    containers = validation.spec.task_definition["containerDefinitions"]
    assert [(c["name"], c["portMappings"][0]["containerPort"]) for c in containers] == [
        ("scorekeep-frontend", 8080),
        ("scorekeep-api", 5000),
    ]
