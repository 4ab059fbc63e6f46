"""A problem's place and its one-line form: ``FILE:LINE:COL: path: message``."""

from __future__ import annotations

import pytest

from ecsdrop.errors import SpecError
from ecsdrop.spec.problems import Problem, format_path, sort_problems


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ((), "(document)"),
        (("service",), "service"),
        (("service", "name"), "service.name"),
        (
            ("taskDefinition", "containerDefinitions", 0, "image"),
            "taskDefinition.containerDefinitions[0].image",
        ),
        (("options", "awslogs-group"), "options.awslogs-group"),
        (("tags", "team:owner"), "tags['team:owner']"),
        (("tags", "a.b"), "tags['a.b']"),
        (("tags", ""), "tags['']"),
        ((0, "x"), "[0].x"),
    ],
)
def test_format_path_reads_like_the_document(path: tuple[str | int, ...], text: str) -> None:
    assert format_path(path) == text


def test_format_gives_file_line_column_path_and_message() -> None:
    problem = Problem(("service", "name"), "required field is missing", 3, 5)

    assert problem.format("web.yaml") == "web.yaml:3:5: service.name: required field is missing"


def test_format_leaves_out_what_is_not_known() -> None:
    assert (
        Problem((), "the file is empty").format("a.yaml") == "a.yaml: (document): the file is empty"
    )
    assert Problem(("x",), "m", 7).format("a.yaml") == "a.yaml:7: x: m"


def test_format_marks_warnings() -> None:
    problem = Problem(("taskDefinition", "revision"), "ignored", 4, 3, "warning")

    assert problem.format("s.yaml") == "s.yaml:4:3: warning: taskDefinition.revision: ignored"


def test_to_dict_is_the_json_shape_of_the_cli() -> None:
    problem = Problem(("service", "desiredCount"), "expected an integer", 4, 3)

    assert problem.to_dict("web.yaml") == {
        "file": "web.yaml",
        "line": 4,
        "column": 3,
        "path": "service.desiredCount",
        "message": "expected an integer",
        "severity": "error",
    }


def test_located_takes_the_place_of_the_deepest_known_part_of_the_path() -> None:
    positions = {(): (1, 1), ("service",): (2, 1), ("service", "name"): (3, 3)}

    assert Problem(("service", "name"), "m").located(positions).line == 3
    assert Problem(("service", "cluster"), "m").located(positions).line == 2
    assert Problem(("network", "vpc"), "m").located(positions).line == 1
    assert Problem(("x",), "m", 9, 2).located(positions).line == 9


def test_sort_problems_is_document_order_with_placeless_problems_last() -> None:
    problems = [
        Problem(("b",), "m", None),
        Problem(("c",), "m", 5, 1),
        Problem(("a",), "m", 2, 9),
        Problem(("a",), "m", 2, 3),
    ]

    assert [(p.field, p.line, p.column) for p in sort_problems(problems)] == [
        ("a", 2, 3),
        ("a", 2, 9),
        ("c", 5, 1),
        ("b", None, None),
    ]


def test_spec_error_carries_every_problem_and_names_them() -> None:
    problems = [Problem(("a",), "first"), Problem(("b",), "second")]

    error = SpecError(problems)

    assert error.problems == tuple(problems)
    assert "a: first" in str(error)
