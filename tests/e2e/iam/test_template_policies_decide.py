"""The template's policies decide what each step may do: a copy of template.yaml with one
statement removed makes a deployment fail with AccessDenied for the action it granted."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from ecsdrop_cli.deploy_commands import read_status
from tests.e2e.pipeline.conftest import Pipeline, pipeline_from, scorekeep
from tests.support.template import ROOT

# The Service step's statement that grants ecs:CreateCluster and ecs:CreateService.
REMOVED_STATEMENT = re.compile(
    r"\n            - Sid: CreateTaggedClustersAndServices\n(?:              .*\n)+"
)


def template_without_create_service(folder: Path) -> Path:
    """template.yaml without the statement, its code paths made absolute (they are relative to
    the template, and the copy lives elsewhere)."""
    text = (ROOT / "template.yaml").read_text()
    edited, removed = REMOVED_STATEMENT.subn("\n", text, count=1)
    assert removed == 1 and "ecs:CreateService" not in edited
    for key, relative in (
        ("CodeUri", "functions/"),
        ("ContentUri", "layers/"),
        ("DefinitionUri", "statemachines/"),
    ):
        edited = edited.replace(f"{key}: {relative}", f"{key}: {ROOT}/{relative}")
    copy = folder / "template.yaml"
    copy.write_text(edited)
    return copy


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    with pipeline_from(template_without_create_service(tmp_path_factory.mktemp("iam"))) as running:
        yield running


def test_a_deployment_whose_step_lacks_a_statement_fails_with_access_denied_for_its_action(
    pipeline: Pipeline,
) -> None:
    # The platform team made the cluster; the Service step may no longer create services.
    pipeline.client("ecs").create_cluster(clusterName="ecsdrop")

    result = pipeline.submit(scorekeep("sk-denied"), "sk-denied")

    assert result["status"] in ("FAILED", "ROLLED_BACK"), result
    assert "AccessDenied" in result["cause"], result
    assert "ecs:CreateService" in result["cause"]
    assert ":assumed-role/ecsdrop-ServiceFunctionRole-" in result["cause"]
    status = read_status(pipeline.stack, "sk-denied")
    assert status is not None and "ecs:CreateService" in status["cause"], status
    assert (
        pipeline.client("ecs").describe_services(cluster="ecsdrop", services=["sk-denied"])[
            "services"
        ]
        == []
    )
