"""`ecsdrop validate`: exit codes, the problem line format, --json, several files, stdin,
--strict, --policy, and no traceback whatever the input."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.integration.cli.conftest import VALID_SPEC

Write = Callable[[str, str | bytes], Path]
Ecsdrop = Callable[..., Any]
PROBLEM_LINE = re.compile(
    r"^(?P<file>[^:\n]+):(?P<line>\d+):(?P<column>\d+): (?P<path>\S+): (?P<message>.+)$"
)
INVALID_SPEC = """\
version: 1
service:
  name: web
  desiredCount: "2"
taskDefinition:
  containerDefinitions:
    - name: web
      image: nginx:1.27
      portMapping:
        - containerPort: 80
"""
WARNING_SPEC = (
    VALID_SPEC
    + """\
      environment:
        - name: DB_PASSWORD
          value: x
"""
)


def test_valid_examples_exit_0_and_say_so(ecsdrop: Ecsdrop, examples: list[Path]) -> None:
    run = ecsdrop("validate", *examples)

    assert run.code == 0
    assert run.stdout == ""
    for example in examples:
        assert f"{example}: valid" in run.stderr


def test_an_invalid_spec_exits_1_with_one_line_per_problem(ecsdrop: Ecsdrop, write: Write) -> None:
    write("web.yaml", INVALID_SPEC)

    run = ecsdrop("validate", "web.yaml")

    assert run.code == 1
    assert run.stdout.splitlines() == [
        'web.yaml:4:3: service.desiredCount: expected an integer, got a string "2"',
        "web.yaml:9:7: taskDefinition.containerDefinitions[0].portMapping: "
        "unknown field 'portMapping'; did you mean 'portMappings'?",
    ]
    assert "valid" not in run.stderr


def test_every_problem_line_reads_file_line_column_path_message(
    ecsdrop: Ecsdrop, write: Write
) -> None:
    write("web.yaml", INVALID_SPEC)

    lines = ecsdrop("validate", "web.yaml").stdout.splitlines()

    matches = [PROBLEM_LINE.match(line) for line in lines]
    assert all(matches), lines
    assert {m["file"] for m in matches if m} == {"web.yaml"}


def test_json_output_is_a_list_of_problem_objects(ecsdrop: Ecsdrop, write: Write) -> None:
    write("web.yaml", INVALID_SPEC)

    run = ecsdrop("validate", "--json", "web.yaml")

    assert run.code == 1
    report = json.loads(run.stdout)
    assert report == [
        {
            "file": "web.yaml",
            "line": 4,
            "column": 3,
            "path": "service.desiredCount",
            "message": 'expected an integer, got a string "2"',
            "severity": "error",
        },
        {
            "file": "web.yaml",
            "line": 9,
            "column": 7,
            "path": "taskDefinition.containerDefinitions[0].portMapping",
            "message": "unknown field 'portMapping'; did you mean 'portMappings'?",
            "severity": "error",
        },
    ]


def test_json_output_of_valid_specs_is_an_empty_list(
    ecsdrop: Ecsdrop, examples: list[Path]
) -> None:
    run = ecsdrop("validate", "--json", *examples)

    assert run.code == 0
    assert json.loads(run.stdout) == []


def test_several_files_are_checked_in_one_run(ecsdrop: Ecsdrop, write: Write) -> None:
    write("good.yaml", VALID_SPEC)
    write("bad.yaml", INVALID_SPEC)
    write("empty.json", "")

    run = ecsdrop("validate", "--json", "good.yaml", "bad.yaml", "empty.json")

    assert run.code == 1
    report = json.loads(run.stdout)
    assert [(p["file"], p["path"]) for p in report] == [
        ("bad.yaml", "service.desiredCount"),
        ("bad.yaml", "taskDefinition.containerDefinitions[0].portMapping"),
        ("empty.json", "(document)"),
    ]


def test_one_invalid_file_among_valid_ones_fails_the_run(
    ecsdrop: Ecsdrop, write: Write, examples: list[Path]
) -> None:
    write("bad.yaml", INVALID_SPEC)

    run = ecsdrop("validate", examples[0], "bad.yaml", examples[-1])

    assert run.code == 1
    assert f"{examples[0]}: valid" in run.stderr
    assert f"{examples[-1]}: valid" in run.stderr
    assert all(line.startswith("bad.yaml:") for line in run.stdout.splitlines())


def test_dash_reads_the_spec_from_stdin(ecsdrop: Ecsdrop) -> None:
    run = ecsdrop("validate", "-", stdin=INVALID_SPEC.encode())

    assert run.code == 1
    assert run.stdout.splitlines()[0].startswith("<stdin>:4:3: service.desiredCount: ")


def test_a_valid_spec_on_stdin_passes(ecsdrop: Ecsdrop) -> None:
    run = ecsdrop("validate", "-", stdin=VALID_SPEC.encode())

    assert run.code == 0
    assert "<stdin>: valid" in run.stderr


def test_warnings_pass_unless_strict(ecsdrop: Ecsdrop, write: Write) -> None:
    write("web.yaml", WARNING_SPEC)

    relaxed = ecsdrop("validate", "web.yaml")
    strict = ecsdrop("validate", "--strict", "web.yaml")

    warning = (
        "web.yaml:10:11: warning: taskDefinition.containerDefinitions[0].environment[0].value: "
        "DB_PASSWORD looks like a secret in plain text"
    )
    assert relaxed.code == 0
    assert relaxed.stdout.startswith(warning)
    assert strict.code == 1
    assert strict.stdout.startswith(warning)
    assert "valid" not in strict.stderr


def test_a_pasted_null_passes_with_a_warning_at_its_place_unless_strict(
    ecsdrop: Ecsdrop, write: Write
) -> None:
    write("web.yaml", VALID_SPEC + "      ulimits: null\n")

    relaxed = ecsdrop("validate", "web.yaml")
    strict = ecsdrop("validate", "--strict", "web.yaml")

    warning = (
        "web.yaml:8:7: warning: taskDefinition.containerDefinitions[0].ulimits: "
        "null ignored (treated as absent)\n"
    )
    assert (relaxed.code, relaxed.stdout) == (0, warning)
    assert (strict.code, strict.stdout) == (1, warning)


def test_strict_json_reports_warnings_with_their_severity(ecsdrop: Ecsdrop, write: Write) -> None:
    write("web.yaml", WARNING_SPEC)

    run = ecsdrop("validate", "--strict", "--json", "web.yaml")

    assert run.code == 1
    assert [p["severity"] for p in json.loads(run.stdout)] == ["warning"]


def test_policy_file_applies_the_installation_guardrails(ecsdrop: Ecsdrop, write: Write) -> None:
    write("web.yaml", WARNING_SPEC)
    write(
        "policy.yaml",
        "allowedRegistries: ['*.dkr.ecr.*.amazonaws.com']\nplaintextCredentials: reject\n",
    )

    run = ecsdrop("validate", "--json", "--policy", "policy.yaml", "web.yaml")

    assert run.code == 1
    assert [(p["path"], p["severity"]) for p in json.loads(run.stdout)] == [
        ("taskDefinition.containerDefinitions[0].image", "error"),
        ("taskDefinition.containerDefinitions[0].environment[0].value", "error"),
    ]


def test_policy_file_limits_the_size(ecsdrop: Ecsdrop, write: Write) -> None:
    write("web.yaml", VALID_SPEC)
    write("policy.yaml", "maxSpecBytes: 64\n")

    run = ecsdrop("validate", "--policy", "policy.yaml", "web.yaml")

    assert run.code == 1
    assert run.stdout.strip() == (
        f"web.yaml: (document): the file is {len(VALID_SPEC)} bytes; a spec may be at most 64 bytes"
    )


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ((), "the following arguments are required: FILE"),
        (("--colour", "web.yaml"), "unrecognized arguments: --colour"),
        (("--policy", "missing-policy.yaml", "web.yaml"), "missing-policy.yaml"),
        (
            ("--policy", "list-policy.yaml", "web.yaml"),
            "list-policy.yaml:1:1: (document): expected a mapping, got a list",
        ),
        (
            ("--policy", "bad-policy.yaml", "web.yaml"),
            'bad-policy.yaml:1:1: plaintextCredentials: "sometimes" is not one of: reject, warn, '
            "off",
        ),
    ],
    ids=[
        "no-file",
        "unknown-option",
        "missing-policy",
        "list-policy",
        "bad-policy",
    ],
)
def test_usage_errors_exit_2(
    ecsdrop: Ecsdrop, write: Write, args: tuple[str, ...], says: str
) -> None:
    write("web.yaml", VALID_SPEC)
    write("list-policy.yaml", "- allowPrivileged\n")
    write("bad-policy.yaml", "plaintextCredentials: sometimes\n")

    run = ecsdrop("validate", *args)

    assert run.code == 2
    assert says in run.stderr
    assert "Traceback" not in run.stderr


def test_policy_unknown_keys_and_wrong_values_are_usage_errors_at_their_place(
    ecsdrop: Ecsdrop, write: Write
) -> None:
    write("web.yaml", VALID_SPEC)
    write(
        "policy.yaml",
        "allowedRegistries:\n  - public.ecr.aws\n  - 5\nallowPrivilged: false\n"
        'maxSpecBytes: "64"\n',
    )

    run = ecsdrop("validate", "--json", "--policy", "policy.yaml", "web.yaml")

    assert run.code == 2
    assert run.stdout == "", "no spec is validated under a policy that is not what it says"
    assert run.stderr.splitlines() == [
        "ecsdrop validate: policy.yaml:3:5: allowedRegistries[1]: expected a string, "
        'got an integer 5; quote it: "5"',
        "ecsdrop validate: policy.yaml:4:1: allowPrivilged: unknown field 'allowPrivilged'; "
        "did you mean 'allowPrivileged'?",
        'ecsdrop validate: policy.yaml:5:1: maxSpecBytes: expected an integer, got a string "64"',
    ]


@pytest.mark.parametrize(
    "text", ["", "# every guardrail at its default\n"], ids=["empty", "comments"]
)
def test_an_empty_policy_file_is_the_default_policy(
    ecsdrop: Ecsdrop, write: Write, text: str
) -> None:
    write("web.yaml", WARNING_SPEC)
    write("policy.yaml", text)

    run = ecsdrop("validate", "--json", "--policy", "policy.yaml", "web.yaml")

    assert run.code == 0, run.stderr
    assert [p["severity"] for p in json.loads(run.stdout)] == ["warning"]


def test_a_policy_for_render_is_read_the_same_way(ecsdrop: Ecsdrop, write: Write) -> None:
    write("web.yaml", VALID_SPEC)
    write("policy.yaml", "plaintextCredential: reject\n")

    run = ecsdrop("render", "--policy", "policy.yaml", "web.yaml")

    assert run.code == 2
    assert run.stdout == ""
    assert run.stderr == (
        "ecsdrop render: policy.yaml:1:1: plaintextCredential: unknown field "
        "'plaintextCredential'; did you mean 'plaintextCredentials'?\n"
    )


def test_an_unreadable_file_is_reported_among_the_others_which_are_all_checked(
    ecsdrop: Ecsdrop, write: Write
) -> None:
    write("a.yaml", VALID_SPEC)
    write("b.yaml", INVALID_SPEC)

    run = ecsdrop("validate", "a.yaml", "missing.yaml", "b.yaml")

    assert run.code == 2
    lines = run.stdout.splitlines()
    assert lines[0] == "missing.yaml: cannot read: No such file or directory"
    assert [line.split(":")[0] for line in lines[1:]] == ["b.yaml", "b.yaml"]
    assert "a.yaml: valid" in run.stderr


def test_an_unreadable_file_fails_the_run_with_2_even_when_the_others_are_valid(
    ecsdrop: Ecsdrop, write: Write, tmp_path: Path
) -> None:
    write("a.yaml", VALID_SPEC)
    (tmp_path / "specs").mkdir()

    run = ecsdrop("validate", "a.yaml", "specs")

    assert run.code == 2
    assert run.stdout == "specs: cannot read: Is a directory\n"
    assert "a.yaml: valid" in run.stderr


def test_json_output_lists_the_unreadable_files_with_the_problems(
    ecsdrop: Ecsdrop, write: Write
) -> None:
    write("b.yaml", INVALID_SPEC)

    run = ecsdrop("validate", "--json", "missing.yaml", "b.yaml")

    assert run.code == 2
    report = json.loads(run.stdout)
    assert report[0] == {
        "file": "missing.yaml",
        "line": None,
        "column": None,
        "path": "(document)",
        "message": "cannot read: No such file or directory",
        "severity": "error",
    }
    assert [p["file"] for p in report[1:]] == ["b.yaml", "b.yaml"]


def test_no_subcommand_is_a_usage_error(ecsdrop: Ecsdrop) -> None:
    run = ecsdrop()

    assert run.code == 2
    assert "usage: ecsdrop" in run.stderr


def test_hostile_input_is_refused_with_problems_never_a_traceback(
    ecsdrop: Ecsdrop, write: Write, hostile_inputs: dict[str, bytes], hostile_name: str
) -> None:
    write(hostile_name, hostile_inputs[hostile_name])

    run = ecsdrop("validate", hostile_name)

    assert "Traceback" not in run.stderr
    assert "internal error" not in run.stderr
    assert run.code == 1
    assert run.stdout.startswith(f"{hostile_name}:")


def test_hostile_input_on_stdin_is_refused_never_a_traceback(
    ecsdrop: Ecsdrop, hostile_inputs: dict[str, bytes], hostile_name: str
) -> None:
    run = ecsdrop("validate", "--json", "-", stdin=hostile_inputs[hostile_name])

    assert "Traceback" not in run.stderr
    assert run.code == 1
    assert {p["file"] for p in json.loads(run.stdout)} == {"<stdin>"}
