"""`ecsdrop validate --policy` with an installation's guardrails, on the hostile corpus the
pipeline is tested with (tests/e2e/hostile/cases.py): every case is refused with its place
and message, exit 1, no traceback, within the command's deadline. conftest.HOSTILE_INPUTS
covers malformed files under the default policy; this adds the guardrails and names.

Plaintext credentials go through all three settings: reject (an error), warn (a warning,
exit 0 unless --strict), off (nothing)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.hostile.cases import CASES, POLICY, HostileCase, valid

Write = Callable[[str, str | bytes], Path]
Ecsdrop = Callable[..., Any]
CONTENT_CASES = [c for c in CASES if not c.upload_only]


@pytest.fixture
def policy(write: Write) -> str:
    write("policy.yaml", json.dumps(POLICY))  # JSON is YAML
    return "policy.yaml"


@pytest.mark.parametrize("case", CONTENT_CASES, ids=[c.id for c in CONTENT_CASES])
def test_validate_refuses_every_hostile_spec_with_its_place(
    ecsdrop: Ecsdrop, write: Write, tmp_path: Path, policy: str, case: HostileCase
) -> None:
    (tmp_path / "specs").mkdir(exist_ok=True)
    write(case.upload_key, case.body)

    run = ecsdrop("validate", "--policy", policy, case.upload_key)  # the fixture's deadline

    assert "Traceback" not in run.stderr
    assert "internal error" not in run.stderr
    assert run.code == 1
    assert case.says in run.stdout
    assert "valid" not in run.stderr


def test_the_corpus_starts_from_a_spec_the_policy_accepts(
    ecsdrop: Ecsdrop, write: Write, policy: str
) -> None:
    write("control.yaml", valid("control"))

    run = ecsdrop("validate", "--policy", policy, "control.yaml")

    assert (run.code, run.stdout) == (0, "")
    assert "control.yaml: valid" in run.stderr


PLACE = "web.yaml:10:11: "
FIELD = "taskDefinition.containerDefinitions[0].environment[0].value: "
MESSAGE = "DB_PASSWORD looks like a secret in plain text"


def _password_spec() -> str:
    text = valid("web")
    return text.replace(
        "      portMappings:\n",
        "      environment:\n        - name: DB_PASSWORD\n          value: hunter2\n"
        "      portMappings:\n",
    )


@pytest.mark.parametrize(
    ("setting", "code", "line"),
    [
        ("reject", 1, f"{PLACE}{FIELD}{MESSAGE}"),
        ("warn", 0, f"{PLACE}warning: {FIELD}{MESSAGE}"),
        ("off", 0, None),
    ],
)
def test_plaintext_credentials_are_rejected_warned_about_or_ignored_as_configured(
    ecsdrop: Ecsdrop, write: Write, setting: str, code: int, line: str | None
) -> None:
    write("web.yaml", _password_spec())
    write("policy.yaml", json.dumps({**POLICY, "plaintextCredentials": setting}))

    run = ecsdrop("validate", "--policy", "policy.yaml", "web.yaml")

    assert run.code == code
    if line is None:
        assert run.stdout == ""
    else:
        assert run.stdout.startswith(line)
    assert "Traceback" not in run.stderr
