"""The GitHub Action's entry script (ecsdrop_cli/github_action.py) against the local cloud, as
the runner calls it: inputs in INPUT_* variables, the pull request in GITHUB_EVENT_PATH, a
stand-in for GitHub's REST API on 127.0.0.1 receiving the comment."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsdrop_cli.github_action import Action
from tests.e2e.pipeline.conftest import Pipeline, scorekeep, spec_file
from tests.support.template import ROOT

REPOSITORY = "games/scorekeep"
PULL_REQUEST = 7


class FakeGitHub:
    """Issue comments of one pull request, as GitHub's REST API keeps them."""

    def __init__(self) -> None:
        self.comments: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str, str]] = []  # method, path, Authorization
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _record(self) -> dict[str, Any]:
                fake.requests.append(
                    (self.command, self.path, self.headers.get("Authorization", ""))
                )
                length = int(self.headers.get("Content-Length") or 0)
                parsed: dict[str, Any] = json.loads(self.rfile.read(length) or b"{}")
                return parsed

            def do_GET(self) -> None:
                self._record()
                self._answer(200, fake.comments)

            def do_POST(self) -> None:
                comment = {"id": 100 + len(fake.comments), "body": self._record()["body"]}
                fake.comments.append(comment)
                self._answer(201, comment)

            def do_PATCH(self) -> None:
                body = self._record()["body"]
                number = int(self.path.rsplit("/", 1)[-1])
                (comment,) = [c for c in fake.comments if c["id"] == number]
                comment["body"] = body
                self._answer(200, comment)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    api = FakeGitHub()
    yield api
    api.close()


def runner_env(
    pipeline: Pipeline, tmp_path: Path, github: FakeGitHub, spec: str, mode: str, **inputs: str
) -> dict[str, str]:
    """What the runner gives the action's step (action.yml's env, GitHub's variables)."""
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": PULL_REQUEST}}))
    for name in ("output", "summary"):
        (tmp_path / name).touch()
    return {
        "INPUT_SPEC": spec,
        "INPUT_MODE": mode,
        "INPUT_STACK": "ecsdrop",
        "INPUT_ENDPOINT_URL": pipeline.cloud.endpoint,
        "INPUT_GITHUB_TOKEN": "ghs_test_token",
        "INPUT_TIMEOUT": "600",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": REPOSITORY,
        "GITHUB_API_URL": github.url,
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        **{f"INPUT_{key.upper()}": value for key, value in inputs.items()},
    }


def outputs(tmp_path: Path) -> dict[str, str]:
    lines = (tmp_path / "output").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines)


def test_validate_fails_the_job_on_an_invalid_spec_naming_the_line(
    pipeline: Pipeline, tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = spec_file(tmp_path, scorekeep("gha-bad").replace("desiredCount: 2", "desiredCount: -1"))

    code = Action(runner_env(pipeline, tmp_path, github, bad, "validate")).main()

    assert code == 1
    assert outputs(tmp_path)["status"] == "invalid"
    out = capsys.readouterr().out
    assert f"::error file={bad}::" in out
    assert "service.desiredCount" in out
    assert "service.desiredCount" in (tmp_path / "summary").read_text()
    assert github.requests == []  # validate needs neither AWS nor GitHub


def test_diff_comments_on_the_pull_request_and_deploy_fails_the_job_unless_it_succeeds(
    pipeline: Pipeline, tmp_path: Path, github: FakeGitHub
) -> None:
    spec = spec_file(tmp_path, scorekeep("gha-web"))

    assert Action(runner_env(pipeline, tmp_path, github, spec, "diff")).main() == 0
    assert outputs(tmp_path)["status"] == "changes"
    (comment,) = github.comments
    assert comment["body"].startswith(f"<!-- ecsdrop diff: {spec} -->")
    assert "deploying it would change" in comment["body"]
    assert "```diff\n--- running/taskDefinition\n+++ spec/taskDefinition\n" in comment["body"]
    assert "+family: gha-web" in comment["body"]
    assert all(auth == "Bearer ghs_test_token" for _, _, auth in github.requests)

    assert Action(runner_env(pipeline, tmp_path, github, spec, "deploy")).main() == 0
    assert outputs(tmp_path)["status"] == "SUCCEEDED"
    assert pipeline.state("gha-web")["status"] == "SUCCEEDED"

    assert Action(runner_env(pipeline, tmp_path, github, spec, "diff")).main() == 0
    assert outputs(tmp_path)["status"] == "unchanged"
    (comment,) = github.comments  # the same comment, updated: not a second one
    assert "nothing would change" in comment["body"]
    assert [method for method, _, _ in github.requests] == ["GET", "POST", "GET", "PATCH"]

    pipeline.cloud.add_fault({"rollout": "gha-web"})  # the new tasks fail to start
    try:
        newer = spec_file(
            tmp_path, scorekeep("gha-web", **{"memoryReservation: 512": "memoryReservation: 500"})
        )  # a new revision
        code = Action(runner_env(pipeline, tmp_path, github, newer, "deploy")).main()
    finally:
        pipeline.cloud.clear_faults()
    assert code != 0
    assert outputs(tmp_path)["status"] == "ROLLED_BACK"
    assert "ecsdrop deploy" in (tmp_path / "summary").read_text()


def test_deploy_without_wait_succeeds_once_the_upload_started_a_run(
    pipeline: Pipeline, tmp_path: Path, github: FakeGitHub
) -> None:
    spec = spec_file(tmp_path, scorekeep("gha-nowait"))

    code = Action(runner_env(pipeline, tmp_path, github, spec, "deploy", wait="false")).main()

    assert code == 0
    assert outputs(tmp_path)["exit-code"] == "0"
    assert (
        pipeline.follow(lambda started: "gha-nowait" in json.dumps(started), "gha-nowait")["status"]
        == "SUCCEEDED"
    )


def test_a_mode_that_does_not_exist_is_a_usage_error(
    pipeline: Pipeline, tmp_path: Path, github: FakeGitHub
) -> None:
    env = runner_env(pipeline, tmp_path, github, "deploy/web.yaml", "apply")
    assert Action(env).main() == 2
    assert outputs(tmp_path)["status"] == "error"


def test_action_yml_passes_every_input_the_entry_script_reads() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "ecsdrop")
    assert step["run"] == "python -m ecsdrop_cli.github_action"
    passed = {key.removeprefix("INPUT_").lower().replace("_", "-") for key in step["env"]}
    assert passed == set(action["inputs"]) - {"python-version"}
    assert action["inputs"]["mode"]["default"] == "validate"
    source = (ROOT / "ecsdrop_cli" / "github_action.py").read_text()
    for name in passed - {"spec", "mode"}:
        assert f'self.input("{name}"' in source, name
