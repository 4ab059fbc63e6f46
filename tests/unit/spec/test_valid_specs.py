"""Valid specs: the examples, the minimal spec, and what the defaults make of them."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsdrop.spec import Guardrails, Installation, Spec, validate
from ecsdrop.spec.defaults import ALL_STATES, apply_defaults, fargate_task_size
from ecsdrop.spec.units import FARGATE_SIZES

Load = Callable[[dict[str, Any]], Spec]
ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"


def test_every_example_is_valid_without_a_single_problem(example_file: Path) -> None:
    validation = validate(example_file.read_bytes(), example_file.name)

    assert validation.problems == ()
    assert validation.spec is not None
    written = yaml.safe_load(example_file.read_text(encoding="utf-8"))
    assert validation.spec.name == written["service"]["name"]


def test_the_minimal_spec_is_valid(minimal_spec: dict[str, Any]) -> None:
    validation = validate(json.dumps(minimal_spec), "web.json")

    assert validation.problems == ()
    assert validation.ok


def test_defaults_give_the_minimal_spec_the_smallest_fargate_size(
    minimal_spec: dict[str, Any], load: Load
) -> None:
    task = load(minimal_spec).task_definition

    assert (task["cpu"], task["memory"]) == ("256", "512")
    assert task["networkMode"] == "awsvpc"
    assert task["requiresCompatibilities"] == ["FARGATE"]
    assert task["family"] == "web"
    assert task["executionRoleArn"] == "arn:aws:iam::123456789012:role/ecsdrop-task-execution"


def test_defaults_send_each_container_log_to_the_service_log_group(
    minimal_spec: dict[str, Any], load: Load
) -> None:
    container = load(minimal_spec).task_definition["containerDefinitions"][0]

    assert container["essential"] is True
    assert container["portMappings"] == []
    assert container["logConfiguration"] == {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": "/ecsdrop/web",
            "awslogs-region": "us-east-1",
            "awslogs-stream-prefix": "web",
        },
    }


def test_defaults_without_a_port_run_public_tasks_and_no_load_balancer(
    minimal_spec: dict[str, Any], load: Load
) -> None:
    spec = load(minimal_spec)

    assert spec.load_balancer == {"type": "none"}
    assert spec.triggers == []  # nginx is not in this account's ECR
    assert spec.network == {
        "placement": "public",
        "securityGroupIds": [],
        "vpc": {"cidr": "10.0.0.0/16", "availabilityZones": 2, "natGateways": "none"},
    }
    assert "healthCheckGracePeriodSeconds" not in spec.service["deployment"]


def test_defaults_with_a_port_put_private_tasks_behind_an_http_alb(
    minimal_spec: dict[str, Any], load: Load
) -> None:
    minimal_spec["taskDefinition"]["containerDefinitions"][0]["portMappings"] = [
        {"containerPort": 8080}
    ]

    spec = load(minimal_spec)

    assert spec.network["placement"] == "private"
    assert spec.network["vpc"]["natGateways"] == "single"
    assert spec.load_balancer == {
        "type": "application",
        "scheme": "internet-facing",
        "listener": {"protocol": "HTTP", "port": 80, "redirectHttpToHttps": False},
        "target": {"containerName": "web", "containerPort": 8080},
        "healthCheck": {
            "protocol": "HTTP",
            "port": "traffic-port",
            "intervalSeconds": 10,
            "timeoutSeconds": 5,
            "healthyThresholdCount": 2,
            "unhealthyThresholdCount": 3,
            "path": "/",
            "matcher": "200-399",
        },
        "deregistrationDelaySeconds": 30,
    }
    assert spec.service["deployment"]["healthCheckGracePeriodSeconds"] == 60
    port = spec.task_definition["containerDefinitions"][0]["portMappings"][0]
    assert port == {"containerPort": 8080, "hostPort": 8080, "protocol": "tcp"}


def test_defaults_with_a_certificate_listen_on_https_and_redirect_http(
    minimal_spec: dict[str, Any], load: Load
) -> None:
    minimal_spec["taskDefinition"]["containerDefinitions"][0]["portMappings"] = [
        {"containerPort": 8080}
    ]
    certificate = "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e"
    minimal_spec["loadBalancer"] = {"listener": {"certificateArn": certificate}}

    listener = load(minimal_spec).load_balancer["listener"]

    assert listener == {
        "certificateArn": certificate,
        "protocol": "HTTPS",
        "port": 443,
        "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
        "redirectHttpToHttps": True,
    }


def test_defaults_follow_the_ecr_images_of_this_account_as_triggers(
    minimal_spec: dict[str, Any], load: Load
) -> None:
    minimal_spec["taskDefinition"]["containerDefinitions"] = [
        {"name": "web", "image": f"{ECR}/shop/web:stable"},
        {"name": "worker", "image": f"{ECR}/shop/worker"},
        {"name": "pinned", "image": f"{ECR}/shop/pinned@sha256:{'a' * 64}", "essential": False},
        {"name": "elsewhere", "image": "999999999999.dkr.ecr.us-east-1.amazonaws.com/x:1"},
        {"name": "hub", "image": "nginx:1.27", "essential": False},
    ]

    assert load(minimal_spec).triggers == [
        {"repository": "shop/web", "tag": "stable", "container": "web"},
        {"repository": "shop/worker", "tag": "latest", "container": "worker"},
    ]


def test_defaults_take_a_trigger_tag_from_its_container_image(
    minimal_spec: dict[str, Any], load: Load
) -> None:
    minimal_spec["taskDefinition"]["containerDefinitions"][0]["image"] = f"{ECR}/web:release"
    minimal_spec["triggers"] = [{"repository": "web", "container": "web"}]

    assert load(minimal_spec).triggers == [
        {"repository": "web", "container": "web", "tag": "release"}
    ]


def test_defaults_fill_the_service_and_notifications(
    minimal_spec: dict[str, Any], load: Load
) -> None:
    spec = load(minimal_spec)

    assert spec.service == {
        "name": "web",
        "cluster": "ecsdrop",
        "desiredCount": 1,
        "deployment": {
            "minimumHealthyPercent": 100,
            "maximumPercent": 200,
            "circuitBreaker": {"enable": True, "rollback": True},
            "stabilityTimeoutSeconds": 900,
        },
        "platformVersion": "LATEST",
        "enableExecuteCommand": False,
        "propagateTags": "SERVICE",
        "tags": {},
        "adopt": False,
        "deletionPolicy": "retain",
    }
    # a job's runs only; a progressive deployment's stages only
    service_states = [s for s in ALL_STATES if s not in ("RUN_FAILED", "ROLLING_OUT")]
    assert spec.notifications == {"channels": [], "states": service_states}


def test_defaults_keep_every_value_the_spec_gives(example_file: Path) -> None:
    given = yaml.safe_load(example_file.read_text(encoding="utf-8"))
    validation = validate(example_file.read_bytes(), example_file.name)
    assert validation.spec is not None

    for path, value in _leaves(given):
        if path[0] == "$schema" or path[:2] in (
            ("taskDefinition", "cpu"),
            ("taskDefinition", "memory"),
        ):
            continue  # editor hint, dropped; sizes normalised to units (tested below)
        assert _at(validation.spec.data, path) == value, path


def test_defaults_do_not_touch_the_spec_they_are_given(
    minimal_spec: dict[str, Any], installation: Installation
) -> None:
    before = copy.deepcopy(minimal_spec)

    apply_defaults(minimal_spec, installation)

    assert minimal_spec == before


def test_a_target_port_alone_selects_the_container_that_maps_it(load: Load) -> None:
    spec = load(
        {
            "version": 1,
            "service": {"name": "scorekeep"},
            "taskDefinition": {
                "containerDefinitions": [
                    {
                        "name": "frontend",
                        "image": "nginx",
                        "portMappings": [{"containerPort": 8080}],
                    },
                    {"name": "api", "image": "busybox", "portMappings": [{"containerPort": 5000}]},
                ]
            },
            "loadBalancer": {"target": {"containerPort": 5000}},
        }
    )

    assert spec.load_balancer["target"] == {"containerName": "api", "containerPort": 5000}


def test_the_digest_is_stable_and_changes_with_the_spec(
    minimal_spec: dict[str, Any], load: Load
) -> None:
    first = load(minimal_spec).digest
    minimal_spec["service"]["desiredCount"] = 2

    assert load(copy.deepcopy(minimal_spec)).digest == load(minimal_spec).digest
    assert load(minimal_spec).digest != first
    assert len(first) == 64


def test_read_only_fields_are_a_warning_and_left_out(
    minimal_spec: dict[str, Any],
) -> None:
    minimal_spec["taskDefinition"]["revision"] = 7
    minimal_spec["taskDefinition"]["status"] = "ACTIVE"

    validation = validate(json.dumps(minimal_spec, indent=2), "web.json")

    assert [(p.field, p.severity) for p in validation.problems] == [
        ("taskDefinition.revision", "warning"),
        ("taskDefinition.status", "warning"),
    ]
    assert validation.spec is not None
    assert "revision" not in validation.spec.task_definition
    assert validation.spec.warnings == validation.warnings


@pytest.mark.parametrize(
    ("policy", "severities"),
    [("warn", ["warning"]), ("off", [])],
)
def test_plaintext_credentials_warn_or_pass_unless_rejected(
    minimal_spec: dict[str, Any], policy: Any, severities: list[str]
) -> None:
    minimal_spec["taskDefinition"]["containerDefinitions"][0]["environment"] = [
        {"name": "API_KEY", "value": "0123456789"}
    ]

    validation = validate(
        json.dumps(minimal_spec), "web.json", Guardrails(plaintext_credentials=policy)
    )

    assert validation.ok
    assert [p.severity for p in validation.problems] == severities


def test_guardrails_that_allow_what_a_spec_uses_accept_it(minimal_spec: dict[str, Any]) -> None:
    container = minimal_spec["taskDefinition"]["containerDefinitions"][0]
    container.update(image=f"{ECR}/web:1", privileged=True)
    minimal_spec["taskDefinition"]["taskRoleArn"] = "arn:aws:iam::123456789012:role/app-web"
    guardrails = Guardrails(
        allowed_role_arn_prefixes=("arn:aws:iam::123456789012:role/app-",),
        allowed_registries=("*.dkr.ecr.*.amazonaws.com",),
        allow_privileged=True,
    )

    assert validate(json.dumps(minimal_spec), "web.json", guardrails).problems == ()


@pytest.mark.parametrize(
    ("cpu", "memory"),
    [
        (cpu, edge)
        for cpu, memories in FARGATE_SIZES.items()
        for edge in (memories[0], memories[-1])
    ],
)
def test_every_edge_of_the_fargate_size_table_is_valid(
    minimal_spec: dict[str, Any], cpu: int, memory: int
) -> None:
    minimal_spec["taskDefinition"].update(cpu=str(cpu), memory=str(memory))

    validation = validate(json.dumps(minimal_spec), "web.json")

    assert validation.problems == ()
    assert validation.spec is not None
    assert validation.spec.task_definition["memory"] == str(memory)


@pytest.mark.parametrize(
    ("task", "size"),
    [
        ({}, (256, 512)),
        ({"cpu": "1 vCPU"}, (1024, 2048)),
        ({"memory": "4 GB"}, (512, 4096)),
        ({"cpu": "0.5 vCPU", "memory": "1GB"}, (512, 1024)),
        ({"containers": [{"cpu": 200}, {"cpu": 100}]}, (512, 1024)),
        ({"containers": [{"memoryReservation": 1000}, {"memory": 1000}]}, (256, 2048)),
        ({"containers": [{"cpu": 1024, "memory": 3000}]}, (1024, 3072)),
        ({"memory": 512, "containers": [{"cpu": 1024}]}, None),
        ({"containers": [{"cpu": 16385}]}, None),
    ],
    ids=[
        "nothing-given",
        "cpu-only",
        "memory-only",
        "both-in-units",
        "container-cpu-sum",
        "container-memory-sum",
        "container-needs",
        "memory-too-small-for-containers",
        "more-than-the-largest",
    ],
)
def test_the_task_size_is_the_smallest_fargate_size_that_fits(
    task: dict[str, Any], size: tuple[int, int] | None
) -> None:
    definition = {k: v for k, v in task.items() if k != "containers"}
    definition["containerDefinitions"] = task.get("containers", [{}])

    assert fargate_task_size(definition) == size


def _leaves(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from _leaves(item, (*path, i))
    else:
        yield path, data


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data
