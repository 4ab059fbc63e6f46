"""Weighing a built layer, and reading import times."""

from __future__ import annotations

from pathlib import Path

from bench.cold_start import functions, package_import_times, runtime_pins, top_imports
from bench.first_events import first_events
from bench.lambda_env import template_variables
from bench.layer import breakdown, entry_group, reductions, tree_bytes
from bench.settings import TEMPLATE
from ecsdrop.deploy.results import ServiceResult
from ecsdrop.deploy.state import WorkflowState
from localcloud.template.loader import load_template


def _file(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)


def test_a_layer_is_weighed_by_package_and_by_what_it_could_drop(tmp_path: Path) -> None:
    _file(tmp_path / "yaml" / "__init__.py", 10)
    _file(tmp_path / "yaml" / "_yaml.cpython-313-aarch64-linux-gnu.so", 1000)
    _file(tmp_path / "PyYAML-6.0.4.dist-info" / "METADATA", 5)
    _file(tmp_path / "aws_lambda_powertools" / "event_handler" / "api.py", 300)
    _file(tmp_path / "aws_lambda_powertools" / "logging" / "logger.py", 40)
    _file(tmp_path / "wrapt" / "_wrappers.so", 200)
    _file(tmp_path / "wrapt-stubs" / "__init__.pyi", 7)
    _file(tmp_path / "typing_extensions.py", 3)
    assert tree_bytes(tmp_path) == 1565
    assert breakdown(tmp_path) == {
        "yaml": 1010,
        "aws_lambda_powertools": 340,
        "wrapt": 207,
        "(package metadata: *.dist-info)": 5,
        "typing_extensions": 3,
    }
    saved = list(reductions(tmp_path).values())
    assert saved == [207]  # the Tracer's X-Ray SDK and wrapt


def test_entries_are_grouped_by_package() -> None:
    assert entry_group("wrapt-stubs") == "wrapt"
    assert entry_group("six.py") == "six"
    assert entry_group("attrs-26.1.0.dist-info") == "(package metadata: *.dist-info)"


def test_import_time_goes_to_the_package_that_caused_it() -> None:
    output = "\n".join(
        [
            "import time: self [us] | cumulative | imported package",
            "import time:       300 |        300 | importlib.util",
            "import time:      1500 |       1500 |       asyncio",
            "import time:      2000 |       3500 |     botocore.utils",
            "import time:      1000 |       4500 |   botocore",
            "import time:      4000 |       4000 |   ecsdrop.spec",
            "import time:       500 |       9000 | app",
        ]
    )
    assert top_imports(output) == {"botocore": 4.5, "ecsdrop": 4.0, "app": 0.5}
    assert top_imports(output, keep=1) == {"botocore": 4.5}


def test_every_function_of_the_template_is_measured() -> None:
    found = functions()
    assert "LoadSpecFunction" in found
    assert all((folder / "app.py").is_file() for folder in found.values())


def test_runtime_packages_are_pinned_from_the_constraints(tmp_path: Path) -> None:
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("# pins\nboto3==1.2.3\nbotocore==1.2.4\nmoto==5.0\nsix==1.17.0\n")
    assert runtime_pins(constraints) == ["boto3==1.2.3", "botocore==1.2.4", "six==1.17.0"]


def test_the_template_environment_is_resolved_as_a_deployed_stack_would_have_it() -> None:
    template = load_template(TEMPLATE)
    loads = template_variables(template, "LoadSpecFunction")
    assert loads["TABLE_NAME"] == "ecsdrop-StateTable"
    assert loads["ACCOUNT_ID"] == "123456789012"
    assert loads["ALLOWED_ROLE_ARN_PREFIXES"] == "arn:aws:iam::123456789012:role/"
    assert loads["MAX_SPEC_BYTES"].isdigit()
    notifies = template_variables(template, "NotifierFunction")
    assert notifies["DESTINATIONS_SECRET_ARN"].startswith("arn:aws:secretsmanager:us-east-1:")
    assert "DESTINATIONS_SECRET_ARN" not in loads


def test_every_function_has_a_first_event() -> None:
    events = first_events(template_variables(load_template(TEMPLATE), "LoadSpecFunction"))
    assert set(events) == set(functions())
    service = events["LoadBalancerFunction"]
    assert set(service["steps"]) == {"taskDefinition", "network"}
    assert events["LoadSpecFunction"]["input"]["source"] == "aws.s3"
    assert events["FinishFunction"]["state"]["deployment"]["service"] == "scorekeep"


def test_the_workflow_steps_first_events_are_documents_their_models_read() -> None:
    # a probe whose event the handler cannot read measures an error path, not a cold start
    events = first_events(template_variables(load_template(TEMPLATE), "LoadSpecFunction"))
    documents = [e for e in events.values() if "deployment" in e and "spec" in e]
    documents.append(events["FinishFunction"]["state"])
    assert len(documents) == 9
    read = [WorkflowState.from_json(d) for d in documents]
    assert all(state.lock is not None and state.lock.acquired for state in read[1:])
    assert isinstance(
        WorkflowState.from_json(events["CheckRolloutFunction"]).steps.service, ServiceResult
    )
    assert ServiceResult.from_json(events["AwaitRolloutFunction"]["service"]).ecs_deployment_id


def test_package_import_times_count_every_root_of_the_process() -> None:
    output = "\n".join(
        [
            "import time:       300 |        300 |   json.decoder",
            "import time:       200 |        500 | json",
            "import time:      1000 |       1000 |   jsonschema",
            "import time:      2000 |       3000 | ecsdrop.spec.schema",
        ]
    )
    assert package_import_times(output) == {"ecsdrop": 2.0, "jsonschema": 1.0, "python": 0.5}
