"""Three ways past the validator that hostile specs took, now closed.

A final newline: Python's ``$`` matches before it, so ``"web\\n"`` passed every
``^...$`` pattern of the schema (names, cluster, family) and the role and image checks,
to fail only at the AWS call, after the lock and the log group.

Deep flow nesting: PyYAML's scanner takes quadratic time in the depth of ``[[[[...``; 10,000
levels (20 KB) took it half a minute, so the parse ran into the Lambda timeout instead of
being rejected. The text is measured before it is parsed; the problem then has its place.

A float with no fraction: JSON Schema counts ``1024.0`` as an integer, the rules and ECS do
not; ``cpu: 1024.0`` passed the schema and crashed the defaults with an AssertionError.
"""

from __future__ import annotations

import pytest

from ecsdrop.spec import Guardrails, validate
from ecsdrop.spec.parse import MAX_FLOW_DEPTH
from ecsdrop.spec.schema import ecma_pattern
from tests.e2e.hostile.cases import POLICY, valid

GUARDRAILS = Guardrails.from_mapping(POLICY)


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("name: web\n", 'name: "web\\n"\n', "taskDefinition.containerDefinitions[0].name"),
        ("  name: x\n", '  name: x\n  cluster: "ecsdrop\\n"\n', "service.cluster"),
        (
            "  containerDefinitions:\n",
            '  family: "web\\n"\n  containerDefinitions:\n',
            "taskDefinition.family",
        ),
        (
            "  containerDefinitions:\n",
            '  taskRoleArn: "arn:aws:iam::123456789012:role/app-web\\n"\n  containerDefinitions:\n',
            "taskDefinition.taskRoleArn",
        ),
        (
            "image: public.ecr.aws/nginx/nginx:1.27",
            'image: "public.ecr.aws/nginx/nginx:1.27\\n"',
            "taskDefinition.containerDefinitions[0].image",
        ),
        (
            "      portMappings:\n",
            '      secrets:\n        - name: DB\n          valueFrom: "/db/password\\n"\n'
            "      portMappings:\n",
            "taskDefinition.containerDefinitions[0].secrets[0].valueFrom",
        ),
    ],
    ids=["container-name", "cluster", "family", "role", "image", "secret-parameter"],
)
def test_a_final_newline_makes_no_name_valid(old: str, new: str, field: str) -> None:
    text = valid("x")
    assert old in text
    validation = validate(text.replace(old, new, 1), "specs/x.yaml", GUARDRAILS)

    assert [p.field for p in validation.errors] == [field]


def test_look_alike_letters_make_no_role_name() -> None:
    text = valid("x").replace(
        "  containerDefinitions:\n", "  taskRoleArn: \u0430pp-web\n  containerDefinitions:\n"
    )  # CYRILLIC SMALL LETTER A

    validation = validate(text, "specs/x.yaml")

    assert [(p.field, p.message) for p in validation.errors] == [
        (
            "taskDefinition.taskRoleArn",
            "'\u0430pp-web' is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)",
        )
    ]


@pytest.mark.parametrize(
    "text",
    [
        "x: " + "[" * 10_000 + "]" * 10_000,
        "x: " + "{a: " * 10_000 + "}" * 10_000,
        "x: [it's " + "[" * 5_000 + "]" * 5_000 + "]",  # an apostrophe opens no quote
        "x: ['it''s', " + "[" * 5_000 + "]" * 5_000 + "]",  # '' is a quote inside quotes
        'x: ["a\\"", ' + "[" * 5_000 + "]" * 5_000 + "]",  # \" is a quote inside quotes
        "x: [ ']' , " + "[" * 5_000 + "]" * 5_000 + "]",  # a quoted ] closes nothing
    ],
    ids=[
        "sequences",
        "mappings",
        "apostrophe",
        "single-quote-escape",
        "double-quote-escape",
        "quoted-bracket",
    ],
)
def test_deep_flow_nesting_is_refused_at_its_place_before_parsing(text: str) -> None:
    validation = validate(text + "\n", "specs/x.yaml")  # the default size limit, 256 KiB

    (problem,) = validation.errors
    assert problem.message == "nesting is deeper than 40 levels"
    assert problem.line == 1  # measured on the text: the parser would give no place
    assert problem.column is not None
    assert problem.column > MAX_FLOW_DEPTH


@pytest.mark.parametrize(
    "text",
    [
        "x: ['" + "[" * 1_000 + "']",  # brackets in a quoted string are text
        "x: 1  # " + "[" * 1_000,  # and in a comment
        "command: [sh, -c, 'echo [[[[ it''s fine ]]]]']",
    ],
)
def test_brackets_that_are_text_do_not_count_as_nesting(text: str) -> None:
    validation = validate(text + "\n", "specs/x.yaml", GUARDRAILS)

    assert all("nesting" not in p.message for p in validation.problems)


@pytest.mark.parametrize(
    ("pattern", "translated"),
    [
        ("^[a-z]+$", r"^[a-z]+\Z"),
        ("^(a|b$)$", r"^(a|b\Z)\Z"),
        (r"^\$[0-9]+$", r"^\$[0-9]+\Z"),  # an escaped $ is a dollar sign
        ("^[$]+$", r"^[$]+\Z"),  # so is a $ in a class
        ("^[]$]+$", r"^[]$]+\Z"),  # a ] right after [ belongs to the class
        ("^[^]$]+$", r"^[^]$]+\Z"),
    ],
)
def test_schema_patterns_end_at_the_end_of_the_text(pattern: str, translated: str) -> None:
    assert ecma_pattern(pattern) == translated


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (
            "  containerDefinitions:\n",
            "  cpu: 0.0\n  containerDefinitions:\n",
            "taskDefinition.cpu",
        ),
        (
            "containerPort: 80",
            "containerPort: 80.0",
            "taskDefinition.containerDefinitions[0].portMappings[0].containerPort",
        ),
    ],
)
def test_a_float_is_no_integer(old: str, new: str, field: str) -> None:
    validation = validate(valid("x").replace(old, new), "specs/x.yaml")  # never raises

    assert [p.field for p in validation.errors] == [field]
    assert "got a number" in validation.errors[0].message
