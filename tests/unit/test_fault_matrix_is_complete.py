"""The fault matrix classifies exactly the AWS calls the code makes, read from the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.aws_calls import (
    UnreadableLabel,
    aws_call_sites,
    aws_calls,
    normalise,
    unlabelled_client_calls,
)
from tests.support.fault_matrix import (
    ROWS,
    SCENARIOS,
    Scenario,
    permanent_fault,
    transient_faults,
)


def test_every_call_the_code_makes_has_a_row_and_every_row_a_call() -> None:
    made = aws_calls()
    classified = [row.call for row in ROWS]
    assert len(classified) == len(set(classified)), "a call has two rows"
    missing = sorted(made - set(classified))
    stale = sorted(set(classified) - made)
    assert not missing, f"calls the code makes that tests/support/fault_matrix.py lacks: {missing}"
    assert not stale, f"rows for calls the code no longer makes: {stale}"


def test_no_adapter_calls_its_client_outside_an_aws_call_block() -> None:
    assert unlabelled_client_calls() == []


def test_every_row_fails_for_good_somewhere_and_later_calls_skip_the_earlier_ones() -> None:
    for row in ROWS:
        assert row.permanent, f"{row.call}: no permanent case"
        for case in row.permanent:
            # the call to fail comes after others of its name in the run (an undo after the
            # deploy-time call, a step after the Lock step's): it is made in several places
            if case.after:
                assert len(row.paths) > 1, f"{row.call}: after={case.after} but one path"


def test_each_service_has_its_own_throttling_server_and_denial_errors() -> None:
    for row in ROWS:
        throttled, server = transient_faults(row.call)
        assert throttled["status"] in (400, 429, 503)
        assert server["status"] in (500, 503)
        assert permanent_fault(row.call)["status"] in (400, 403)


def test_the_scenarios_cover_each_kind_of_run() -> None:
    used = {row.transient for row in ROWS} | {c.scenario for row in ROWS for c in row.permanent}
    assert used == set(Scenario)


def test_every_run_is_described_for_docs_reliability_md() -> None:
    assert set(SCENARIOS) == set(Scenario)


# --------------------------------------------------------------------------- the enumeration


def write(package: Path, name: str, text: str) -> None:
    path = package / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_labels_are_read_from_literals_and_from_literal_arguments(tmp_path: Path) -> None:
    write(
        tmp_path,
        "aws/tokens.py",
        "class T:\n"
        "    def ok(self):\n"
        "        return self._send('states:SendTaskSuccess', 'send_task_success')\n"
        "    def _send(self, action, operation):\n"
        "        with aws_call(action):\n"
        "            return 1\n"
        "    def query(self):\n"
        "        with aws_call('dynamodb:Query GSI1'):\n"
        "            return 2\n",
    )
    sites = aws_call_sites(tmp_path)
    assert {(s.call, s.function) for s in sites} == {
        ("states:SendTaskSuccess", "_send"),
        ("dynamodb:Query", "query"),
    }


def test_a_label_the_enumeration_cannot_read_is_an_error(tmp_path: Path) -> None:
    write(
        tmp_path,
        "aws/dynamic.py",
        "def call(service):\n    with aws_call(f'{service}:DescribeVpcs'):\n        pass\n",
    )
    with pytest.raises(UnreadableLabel, match=r"aws/dynamic.py:2 \(call\)"):
        aws_call_sites(tmp_path)


@pytest.mark.parametrize(
    ("label", "problem"),
    [
        ("elbv2:CreateRule", "names this service 'elasticloadbalancing'"),
        ("ec2:DescribeVpc", "no operation 'DescribeVpc'"),
        ("nosuch:Thing", "no AWS service"),
    ],
)
def test_labels_must_be_the_names_the_local_cloud_and_iam_use(label: str, problem: str) -> None:
    with pytest.raises(UnreadableLabel, match=problem):
        normalise(label)


def test_a_client_call_outside_aws_call_is_found(tmp_path: Path) -> None:
    write(
        tmp_path,
        "aws/sneaky.py",
        "class S:\n"
        "    def __init__(self, client):\n"
        "        self._ecs = client\n"
        "    def fine(self):\n"
        "        with aws_call('ecs:ListClusters'):\n"
        "            return self._ecs.list_clusters()\n"
        "    def sneaky(self):\n"
        "        return self._ecs.delete_cluster(cluster='x')\n",
    )
    (found,) = unlabelled_client_calls(tmp_path)
    assert (found.file, found.line) == ("aws/sneaky.py", 8)
