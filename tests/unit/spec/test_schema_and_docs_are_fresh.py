"""The generated artifacts match their sources: the ECS part of the schema matches
botocore's model, the layer ships the very schema the repository publishes, and
docs/spec.md matches the schema."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ecsdrop.spec.schema import SCHEMA_FILE, load_schema

LAYER_SCHEMA = Path("layers/ecsdrop/ecsdrop/spec/ecsdrop-spec.schema.json")
PUBLISHED_SCHEMA = Path("schema/ecsdrop-spec.schema.json")


def run_tool(root: Path, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(root / "tools" / tool), *args],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=120,
        check=False,
    )


@pytest.fixture
def sandbox(tmp_path: Path, repo_root: Path) -> Path:
    """A copy of the tools and their inputs, to make stale without touching the repository."""
    for relative in (
        "tools/gen_ecs_schema.py",
        "tools/gen_spec_docs.py",
        "schema/ecsdrop-spec.schema.json",
        "examples/scorekeep.yaml",
        "docs/spec.md",
    ):
        target = tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(repo_root / relative, target)
    return tmp_path


def test_the_ecs_part_of_the_schema_matches_botocores_model(repo_root: Path) -> None:
    run = run_tool(repo_root, "gen_ecs_schema.py", "--check")

    assert run.returncode == 0, run.stderr


def test_the_schema_check_fails_when_the_ecs_part_is_stale(sandbox: Path) -> None:
    schema_file = sandbox / PUBLISHED_SCHEMA
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    del schema["$defs"]["ecs.ContainerDefinition"]["properties"]["image"]
    schema_file.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")

    run = run_tool(sandbox, "gen_ecs_schema.py", "--check")

    assert run.returncode == 1
    assert "ecsdrop-spec.schema.json is stale" in run.stderr


def test_the_layer_ships_the_published_schema_itself(repo_root: Path) -> None:
    layer = repo_root / LAYER_SCHEMA

    assert layer.is_symlink()
    assert layer.samefile(repo_root / PUBLISHED_SCHEMA)
    assert SCHEMA_FILE.samefile(repo_root / PUBLISHED_SCHEMA)
    published = json.loads((repo_root / PUBLISHED_SCHEMA).read_text(encoding="utf-8"))
    assert load_schema() == published


def test_docs_spec_md_matches_the_schema(repo_root: Path) -> None:
    run = run_tool(repo_root, "gen_spec_docs.py", "--check")

    assert run.returncode == 0, run.stderr


def test_the_docs_check_fails_when_the_schema_changes(sandbox: Path) -> None:
    schema_file = sandbox / PUBLISHED_SCHEMA
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    schema["$defs"]["service"]["properties"]["desiredCount"]["maximum"] = 10
    schema_file.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")

    stale = run_tool(sandbox, "gen_spec_docs.py", "--check")
    regenerated = run_tool(sandbox, "gen_spec_docs.py")

    assert stale.returncode == 1
    assert "docs/spec.md is stale" in stale.stderr
    assert regenerated.returncode == 0
    assert "integer; 0 to 10 |" in (sandbox / "docs" / "spec.md").read_text(encoding="utf-8")
    assert run_tool(sandbox, "gen_spec_docs.py", "--check").returncode == 0


def test_the_docs_describe_every_field_of_the_ecsdrop_part(repo_root: Path) -> None:
    docs = (repo_root / "docs" / "spec.md").read_text(encoding="utf-8")
    schema = load_schema()

    own = {name: d for name, d in schema["$defs"].items() if not name.startswith("ecs.")}
    for definition in [schema, *own.values()]:
        for field in definition.get("properties", {}):
            assert f"| `{field}`" in docs, field
    for section in ("service", "network", "loadBalancer", "triggers[]", "notifications"):
        assert f"### `{section}`" in docs


def test_the_docs_link_every_task_and_container_field_to_the_api_reference(
    repo_root: Path,
) -> None:
    docs = (repo_root / "docs" / "spec.md").read_text(encoding="utf-8")
    defs = load_schema()["$defs"]

    for field in defs["ecs.ContainerDefinition"]["properties"]:
        assert f"API_ContainerDefinition.html#ECS-Type-ContainerDefinition-{field})" in docs
    for field, prop in defs["ecs.RegisterTaskDefinitionRequest"]["properties"].items():
        if "Read-only" not in prop.get("description", ""):
            assert f"#ECS-RegisterTaskDefinition-request-{field})" in docs
    assert "```yaml\n# yaml-language-server" in docs
