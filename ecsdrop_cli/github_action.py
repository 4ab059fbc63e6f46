"""The GitHub Action's entry point (action.yml): validate, diff or deploy one spec from CI.

Inputs come as the runner passes them to a composite action's step: environment variables
INPUT_SPEC, INPUT_MODE (validate | diff | deploy), INPUT_WAIT (true | false), INPUT_STACK,
INPUT_ENDPOINT_URL (the local cloud, or empty for AWS), INPUT_TIMEOUT and INPUT_GITHUB_TOKEN.
What GitHub provides is read as documented: GITHUB_EVENT_PATH (the pull request, for the
comment), GITHUB_REPOSITORY, GITHUB_API_URL, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY.

- validate: `ecsdrop validate SPEC`; the job fails (exit 1) when the spec is invalid, each
  problem at its line:column in the log and the step summary.
- diff: `ecsdrop diff SPEC`; the diff goes to the step summary and, on a pull request, to one
  comment of the pull request (updated in place on the next push, found by a marker naming
  the spec). A change is not a failure; an error is.
- deploy: `ecsdrop submit SPEC --wait`; the job fails unless the deployment SUCCEEDED (or the
  spec was already deployed). Without wait, it succeeds once the upload started a run.

Outputs: `status` (the run's status, or valid / invalid / changes / unchanged) and `exit-code`.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ecsdrop_cli.main import main as ecsdrop

MODES = ("validate", "diff", "deploy")
DEPLOYED = ("SUCCEEDED", "UNCHANGED")
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
COMMENT_LIMIT = 60_000  # GitHub refuses comments over 65,536 characters
API_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


def run(argv: Sequence[str]) -> Ran:
    """`ecsdrop ARGV` in this process, its output captured and echoed to the job's log."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = ecsdrop(list(argv))
    sys.stdout.write(out.getvalue())
    sys.stderr.write(err.getvalue())
    return Ran(code, out.getvalue(), err.getvalue())


class Action:
    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.spec = env.get("INPUT_SPEC", "")
        self.mode = env.get("INPUT_MODE", "validate").strip().lower()

    def input(self, name: str, default: str = "") -> str:
        return self.env.get(f"INPUT_{name.upper().replace('-', '_')}", "").strip() or default

    def stack_options(self) -> list[str]:
        options = ["--stack", self.input("stack", "ecsdrop")]
        endpoint = self.input("endpoint-url")
        return [*options, "--endpoint-url", endpoint] if endpoint else options

    def main(self) -> int:
        if not self.spec:
            return self.usage("the spec input is required (a path in the repository)")
        if self.mode not in MODES:
            return self.usage(f"mode {self.mode!r} is not one of {', '.join(MODES)}")
        if self.mode == "validate":
            return self.validate()
        if self.mode == "diff":
            return self.diff()
        return self.deploy()

    def usage(self, message: str) -> int:
        print(f"::error::ecsdrop action: {message}")
        self.output(status="error", exit_code=EXIT_USAGE)
        return EXIT_USAGE

    # -- the modes -----------------------------------------------------------------------------

    def validate(self) -> int:
        ran = run(["validate", self.spec])
        valid = ran.code == EXIT_OK
        self.summary(f"### ecsdrop validate `{self.spec}`\n\n```\n{ran.out}{ran.err}```\n")
        for line in ran.out.splitlines() if not valid else []:
            print(f"::error file={self.spec}::{line}")
        self.output(status="valid" if valid else "invalid", exit_code=ran.code)
        return ran.code

    def diff(self) -> int:
        ran = run(["diff", self.spec, *self.stack_options()])
        if ran.code not in (EXIT_OK, EXIT_FAILED):  # 1 is "would change": not a failure
            self.summary(f"### ecsdrop diff `{self.spec}` failed\n\n```\n{ran.err}```\n")
            self.output(status="error", exit_code=ran.code)
            return ran.code
        status = "unchanged" if ran.code == EXIT_OK else "changes"
        body = diff_comment(self.spec, ran.out, status)
        self.summary(body)
        self.comment(body)
        self.output(status=status, exit_code=ran.code)
        return EXIT_OK

    def deploy(self) -> int:
        wait = self.input("wait", "true").lower() not in ("false", "no", "0")
        argv = ["submit", self.spec, "--json", *self.stack_options()]
        if wait:
            argv += ["--wait", "--timeout", self.input("timeout", "3600")]
        ran = run(argv)
        result = _json(ran.out)
        status = str(result.get("status") or ("STARTED" if ran.code == EXIT_OK else "ERROR"))
        self.summary(
            f"### ecsdrop deploy `{self.spec}`: {status}\n\n```json\n"
            f"{json.dumps(result, indent=2) if result else ran.err}\n```\n"
        )
        self.output(status=status, exit_code=ran.code)
        if ran.code != EXIT_OK or (wait and status not in DEPLOYED):
            cause = result.get("cause") or result.get("reason") or ran.err.strip()
            print(f"::error file={self.spec}::deployment {status}: {cause}")
            return ran.code or EXIT_FAILED
        return EXIT_OK

    # -- what GitHub sees ----------------------------------------------------------------------

    def output(self, **values: Any) -> None:
        path = self.env.get("GITHUB_OUTPUT")
        if not path:
            return
        with open(path, "a", encoding="utf-8") as out:
            for key, value in values.items():
                out.write(f"{key.replace('_', '-')}={value}\n")

    def summary(self, markdown: str) -> None:
        path = self.env.get("GITHUB_STEP_SUMMARY")
        if path:
            with open(path, "a", encoding="utf-8") as out:
                out.write(markdown + "\n")

    def comment(self, body: str) -> None:
        """Post (or update) the pull request's comment for this spec; on anything but a pull
        request, or without a token, only the summary has the diff."""
        number = pull_request_number(self.env.get("GITHUB_EVENT_PATH"))
        token = self.input("github-token") or self.env.get("GITHUB_TOKEN", "")
        repository = self.env.get("GITHUB_REPOSITORY", "")
        if number is None or not token or not repository:
            print("not a pull request (or no token): the diff is in the step summary only")
            return
        api = GitHub(self.env.get("GITHUB_API_URL", "https://api.github.com"), token)
        try:
            api.upsert_comment(repository, number, marker(self.spec), body)
        except (urllib.error.URLError, OSError, ValueError) as error:
            # the diff is still in the summary: a comment GitHub refused fails nothing
            print(f"::warning::could not comment on pull request #{number}: {error}")


def marker(spec: str) -> str:
    return f"<!-- ecsdrop diff: {spec} -->"


def diff_comment(spec: str, diff: str, status: str) -> str:
    text = diff if len(diff) <= COMMENT_LIMIT else diff[:COMMENT_LIMIT] + "\n… (cut)\n"
    head = (
        f"**ecsdrop diff** `{spec}`: nothing would change."
        if status == "unchanged"
        else f"**ecsdrop diff** `{spec}`: deploying it would change:"
    )
    block = f"\n\n```diff\n{text}```" if status == "changes" else ""
    return f"{marker(spec)}\n{head}{block}\n"


def pull_request_number(event_path: str | None) -> int | None:
    if not event_path or not os.path.isfile(event_path):
        return None
    with open(event_path, encoding="utf-8") as handle:
        event = json.load(handle)
    number = (event.get("pull_request") or {}).get("number")
    return int(number) if number is not None else None


def _json(text: str) -> dict[str, Any]:
    try:
        parsed = json.loads(text)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


class GitHub:
    """The few REST calls of a pull request's comment."""

    def __init__(self, api_url: str, token: str) -> None:
        self._api = api_url.rstrip("/")
        self._token = token

    def upsert_comment(self, repository: str, number: int, mark: str, body: str) -> None:
        comments = self._call("GET", f"/repos/{repository}/issues/{number}/comments?per_page=100")
        ours = [c for c in comments if isinstance(c, dict) and mark in str(c.get("body", ""))]
        if ours:
            self._call("PATCH", f"/repos/{repository}/issues/comments/{ours[0]['id']}", body)
        else:
            self._call("POST", f"/repos/{repository}/issues/{number}/comments", body)

    def _call(self, method: str, path: str, body: str | None = None) -> Any:
        request = urllib.request.Request(  # noqa: S310 - the API URL GitHub gives the job
            self._api + path,
            method=method,
            data=json.dumps({"body": body}).encode() if body is not None else None,
            headers={
                "Authorization": f"Bearer {self._token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(request, timeout=API_TIMEOUT_SECONDS) as answer:  # noqa: S310
            return json.loads(answer.read() or b"null")


def entry() -> int:
    return Action(os.environ).main()


if __name__ == "__main__":
    sys.exit(entry())
