"""`ecsdrop local push` where ECR says no, against the local cloud: the same image and tag
again, a repository name ECR refuses, an access denied. Each is AWS's refusal in AWS's
words (`ecsdrop local push: Operation: Code: message`, exit 1), never an internal error;
a name no registry could hold is refused before any call (exit 2)."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from tests.e2e.cli.conftest import run_cli, session


def ecr_calls(endpoint: str) -> dict[str, int]:
    with urllib.request.urlopen(f"{endpoint}/_localcloud/calls", timeout=10) as answer:
        calls: dict[str, int] = json.loads(answer.read())["calls"]
    return {name: count for name, count in calls.items() if name.startswith("ecr:")}


def assert_refused_by_aws(run: Any, operation: str, code: str) -> None:
    assert run.returncode == 1, run.stdout + run.stderr
    assert run.stderr.startswith(f"ecsdrop local push: {operation}: {code}: "), run.stderr
    assert "internal error" not in run.stderr


def test_the_same_image_and_tag_pushed_again_is_refused_as_ecr_refuses_it(local_up: str) -> None:
    first = run_cli("local", "push", "again:v1", "--content", "c1", "--endpoint-url", local_up)
    assert first.returncode == 0, first.stderr

    again = run_cli("local", "push", "again:v1", "--content", "c1", "--endpoint-url", local_up)

    assert_refused_by_aws(again, "PutImage", "ImageAlreadyExistsException")
    assert "tag 'v1' already exists in the repository with name 'again'" in again.stderr


def test_a_repository_name_ecr_refuses_is_its_refusal_and_nothing_is_created(
    local_up: str,
) -> None:
    # Docker takes a run of hyphens; ECR's repositoryName pattern takes one separator.
    run = run_cli("local", "push", "web--app:1", "--endpoint-url", local_up)

    assert_refused_by_aws(run, "CreateRepository", "InvalidParameterException")
    assert "repositoryName" in run.stderr
    ecr = session().client("ecr", endpoint_url=local_up)
    names = [r["repositoryName"] for r in ecr.describe_repositories()["repositories"]]
    assert "web--app" not in names


def test_access_denied_reaches_the_top_as_operation_code_and_message(local_up: str) -> None:
    denial = {
        "api": "ecr:CreateRepository",
        "error": "AccessDeniedException",
        "message": "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: "
        "ecr:CreateRepository",
        "user-agent": "ecsdrop-cli",
        "times": 1,
    }
    request = urllib.request.Request(
        f"{local_up}/_localcloud/faults", data=json.dumps(denial).encode(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 201

    run = run_cli("local", "push", "denied:1", "--endpoint-url", local_up)

    assert_refused_by_aws(run, "CreateRepository", "AccessDeniedException")
    assert run.stderr == (
        f"ecsdrop local push: CreateRepository: AccessDeniedException: {denial['message']}\n"
    )


@pytest.mark.parametrize(
    "image",
    ["web", "web:", "Web:1", "web:bad tag", "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1"],
)
def test_a_name_no_registry_could_hold_is_refused_before_ecr_is_called(
    local_up: str, image: str
) -> None:
    before = ecr_calls(local_up)

    run = run_cli("local", "push", image, "--endpoint-url", local_up)

    assert run.returncode == 2
    assert run.stderr.startswith(f"ecsdrop local push: {image!r} is not REPOSITORY:TAG"), run.stderr
    assert ecr_calls(local_up) == before
