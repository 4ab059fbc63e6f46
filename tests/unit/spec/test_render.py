"""The AWS inputs a spec renders to: subnets, the seed's security group rules, the load
balancer, the service, and the tags rollback relies on."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ecsdrop.spec import Installation, Spec, load_spec
from ecsdrop.spec.render import (
    TAG_DIGEST,
    TAG_SERVICE,
    Resources,
    autoscaling_inputs,
    container_log_stream,
    create_service_input,
    load_balancer_plan,
    log_group_input,
    network_plan,
    register_task_definition_input,
    render,
    security_group_plan,
    short_name,
    subnet_plan,
    update_service_input,
)

Load = Callable[[dict[str, Any]], Spec]
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
RESOURCES = Resources(
    task_definition_arn="arn:aws:ecs:us-east-1:123456789012:task-definition/web:3",
    subnet_ids=("subnet-0a1b2c3d4e5f60011", "subnet-0a1b2c3d4e5f60012"),
    security_group_ids=("sg-0a1b2c3d4e5f60001",),
    target_group_arn=(
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef"
    ),
)


def example(name: str) -> Spec:
    path = EXAMPLES / name
    return load_spec(path.read_bytes(), path.name)


# --------------------------------------------------------------------------- subnets


def test_subnet_plan_gives_each_zone_a_sixteenth_public_first() -> None:
    assert subnet_plan("10.0.0.0/16", 2, private=True) == [
        {"tier": "public", "zone": 0, "cidr": "10.0.0.0/20"},
        {"tier": "public", "zone": 1, "cidr": "10.0.16.0/20"},
        {"tier": "private", "zone": 0, "cidr": "10.0.128.0/20"},
        {"tier": "private", "zone": 1, "cidr": "10.0.144.0/20"},
    ]


def test_subnet_plan_without_private_placement_has_only_public_subnets() -> None:
    assert subnet_plan("10.20.0.0/16", 3, private=False) == [
        {"tier": "public", "zone": 0, "cidr": "10.20.0.0/20"},
        {"tier": "public", "zone": 1, "cidr": "10.20.16.0/20"},
        {"tier": "public", "zone": 2, "cidr": "10.20.32.0/20"},
    ]


def test_subnet_plan_of_the_smallest_vpc_uses_slash_28_blocks() -> None:
    plan = subnet_plan("192.168.4.0/24", 6, private=True)

    assert [s["cidr"] for s in plan[:2]] == ["192.168.4.0/28", "192.168.4.16/28"]
    assert plan[-1] == {"tier": "private", "zone": 5, "cidr": "192.168.4.208/28"}


@pytest.mark.parametrize("cidr", ["10.0.0.0/16", "172.16.0.0/20", "192.168.4.0/24"])
@pytest.mark.parametrize("zones", [2, 3, 6])
def test_subnets_lie_inside_the_vpc_and_never_overlap(cidr: str, zones: int) -> None:
    vpc = ipaddress.ip_network(cidr)
    subnets = [ipaddress.ip_network(s["cidr"]) for s in subnet_plan(cidr, zones, private=True)]

    assert len(subnets) == 2 * zones
    assert all(s.subnet_of(vpc) for s in subnets)
    assert not any(a.overlaps(b) for i, a in enumerate(subnets) for b in subnets[i + 1 :])


# --------------------------------------------------------------------------- security groups


def test_alb_is_open_to_the_internet_on_the_listener_port_only() -> None:
    groups = security_group_plan(example("scorekeep.yaml"))

    assert groups["loadBalancer"]["ingress"] == [
        {"protocol": "tcp", "port": 80, "cidr": "0.0.0.0/0"}
    ]


def test_tasks_behind_an_alb_take_only_the_target_port_from_the_alb_group() -> None:
    groups = security_group_plan(example("scorekeep.yaml"))

    assert groups["tasks"]["ingress"] == [
        {"protocol": "tcp", "port": 8080, "fromGroup": "loadBalancer"}
    ]
    assert all("cidr" not in rule for rule in groups["tasks"]["ingress"])


def test_https_with_redirect_opens_443_and_80_on_the_alb() -> None:
    groups = security_group_plan(example("https-api.json"))

    assert groups["loadBalancer"]["ingress"] == [
        {"protocol": "tcp", "port": 443, "cidr": "0.0.0.0/0"},
        {"protocol": "tcp", "port": 80, "cidr": "0.0.0.0/0"},
    ]
    assert groups["tasks"]["ingress"] == [
        {"protocol": "tcp", "port": 8443, "fromGroup": "loadBalancer"}
    ]


def test_public_tasks_without_a_load_balancer_take_their_ports_from_anywhere() -> None:
    groups = security_group_plan(example("scorekeep-public.yaml"))

    assert "loadBalancer" not in groups
    assert groups["tasks"]["ingress"] == [
        {"protocol": "tcp", "port": 8080, "cidr": "0.0.0.0/0"},
        {"protocol": "tcp", "port": 5000, "cidr": "0.0.0.0/0"},
    ]


def test_private_tasks_without_a_load_balancer_take_their_ports_from_the_vpc() -> None:
    groups = security_group_plan(example("scorekeep-private.yaml"))

    assert groups["tasks"]["ingress"] == [
        {"protocol": "tcp", "port": 8080, "cidr": "vpc"},
        {"protocol": "tcp", "port": 5000, "cidr": "vpc"},
    ]


def test_udp_listener_opens_udp(load: Load) -> None:
    spec = load(
        {
            "version": 1,
            "service": {"name": "dns"},
            "taskDefinition": {
                "containerDefinitions": [
                    {
                        "name": "dns",
                        "image": "coredns/coredns:1.11.1",
                        "portMappings": [{"containerPort": 53, "protocol": "udp"}],
                    }
                ]
            },
            "loadBalancer": {"type": "network", "listener": {"protocol": "UDP", "port": 53}},
        }
    )

    groups = security_group_plan(spec)

    assert groups["loadBalancer"]["ingress"] == [
        {"protocol": "udp", "port": 53, "cidr": "0.0.0.0/0"}
    ]
    assert groups["tasks"]["ingress"] == [
        {"protocol": "udp", "port": 53, "fromGroup": "loadBalancer"}
    ]


def test_tasks_behind_a_shared_alb_take_the_target_port_from_the_vpc(load: Load) -> None:
    listener = (
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shared/"
        "0123456789abcdef/0123456789abcdef"
    )
    spec = load(
        {
            "version": 1,
            "service": {"name": "web"},
            "taskDefinition": {
                "containerDefinitions": [
                    {"name": "web", "image": "nginx", "portMappings": [{"containerPort": 8080}]}
                ]
            },
            "network": {
                "existing": {
                    "vpcId": "vpc-0a1b2c3d4e5f60718",
                    "privateSubnetIds": ["subnet-0a1b2c3d4e5f60011"],
                }
            },
            "loadBalancer": {
                "rule": {"listenerArn": listener, "priority": 10, "pathPatterns": ["/web/*"]}
            },
        }
    )

    groups = security_group_plan(spec)

    assert "loadBalancer" not in groups
    assert groups["tasks"]["ingress"] == [{"protocol": "tcp", "port": 8080, "cidr": "vpc"}]
    assert "listeners" not in load_balancer_plan(spec)


# --------------------------------------------------------------------------- network


def test_network_plan_of_the_seed_builds_a_vpc_with_one_nat() -> None:
    plan = network_plan(example("scorekeep.yaml"))

    assert plan["mode"] == "managed"
    assert plan["assignPublicIp"] == "DISABLED"
    assert plan["natGateways"] == 1
    assert plan["internetGateway"] is True
    assert [s["tier"] for s in plan["subnets"]] == ["public", "public", "private", "private"]


def test_network_plan_gives_public_tasks_a_public_ip_and_no_nat() -> None:
    plan = network_plan(example("scorekeep-public.yaml"))

    assert (plan["assignPublicIp"], plan["natGateways"]) == ("ENABLED", 0)


def test_network_plan_with_a_nat_per_zone_counts_the_zones() -> None:
    assert network_plan(example("scorekeep-private.yaml"))["natGateways"] == 3


def test_network_plan_in_an_existing_vpc_passes_its_ids_through() -> None:
    plan = network_plan(example("nlb-tcp.yaml"))

    assert plan["mode"] == "existing"
    assert plan["vpcId"] == "vpc-0a1b2c3d4e5f60718"
    assert plan["privateSubnetIds"] == ["subnet-0a1b2c3d4e5f60011", "subnet-0a1b2c3d4e5f60012"]


# --------------------------------------------------------------------------- load balancer


def test_load_balancer_plan_of_https_forwards_443_and_redirects_80() -> None:
    plan = load_balancer_plan(example("https-api.json"))

    https, redirect = plan["listeners"]
    assert (https["Protocol"], https["Port"]) == ("HTTPS", 443)
    assert https["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert https["Certificates"][0]["CertificateArn"].startswith("arn:aws:acm:")
    assert redirect == {
        "Protocol": "HTTP",
        "Port": 80,
        "DefaultActions": [
            {
                "Type": "redirect",
                "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"},
            }
        ],
    }


def test_target_group_checks_health_the_way_the_spec_says() -> None:
    group = load_balancer_plan(example("https-api.json"))["targetGroup"]

    assert group["TargetType"] == "ip"
    assert (group["Protocol"], group["Port"]) == ("HTTP", 8443)
    assert (group["HealthCheckProtocol"], group["HealthCheckPath"]) == ("HTTPS", "/health")
    assert group["Matcher"] == {"HttpCode": "200"}
    assert len(group["Name"]) <= 32


def test_nlb_target_group_has_no_http_health_settings() -> None:
    plan = load_balancer_plan(example("nlb-tcp.yaml"))

    assert plan["loadBalancer"]["Type"] == "network"
    assert plan["targetGroup"]["Protocol"] == "TCP"
    assert "HealthCheckPath" not in plan["targetGroup"]
    assert "Matcher" not in plan["targetGroup"]


def test_no_load_balancer_plans_nothing() -> None:
    assert load_balancer_plan(example("scorekeep-public.yaml")) == {"type": "none"}


# --------------------------------------------------------------------------- service


def test_create_service_binds_the_target_container_to_the_target_group() -> None:
    spec = example("scorekeep.yaml")

    request = create_service_input(spec, RESOURCES)

    assert request["loadBalancers"] == [
        {
            "targetGroupArn": RESOURCES.target_group_arn,
            "containerName": "scorekeep-frontend",
            "containerPort": 8080,
        }
    ]
    assert request["launchType"] == "FARGATE"
    assert request["healthCheckGracePeriodSeconds"] == 60
    assert request["networkConfiguration"]["awsvpcConfiguration"] == {
        "subnets": list(RESOURCES.subnet_ids),
        "securityGroups": list(RESOURCES.security_group_ids),
        "assignPublicIp": "DISABLED",
    }
    assert request["deploymentConfiguration"] == {
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        "maximumPercent": 200,
        "minimumHealthyPercent": 100,
    }


def test_create_service_tags_name_the_service_and_the_spec_digest() -> None:
    spec = example("scorekeep.yaml")

    tags = {t["key"]: t["value"] for t in create_service_input(spec, RESOURCES)["tags"]}

    assert tags == {
        "team": "games",
        TAG_SERVICE: "scorekeep",
        "ecsdrop:managed-by": "ecsdrop",
        TAG_DIGEST: spec.digest,
    }


def test_update_service_sends_only_what_update_service_accepts() -> None:
    spec = example("scorekeep.yaml")

    request = update_service_input(spec, RESOURCES)

    assert request["service"] == "scorekeep"
    assert request["taskDefinition"] == RESOURCES.task_definition_arn
    for field in ("serviceName", "launchType", "tags"):
        assert field not in request


def test_update_service_without_a_load_balancer_clears_load_balancers() -> None:
    resources = Resources("arn:aws:ecs:us-east-1:123456789012:task-definition/x:1", ("s",), ("g",))

    request = update_service_input(example("scorekeep-public.yaml"), resources)

    assert request["loadBalancers"] == []
    assert "healthCheckGracePeriodSeconds" not in request


def test_register_task_definition_carries_its_own_tags_and_drops_reserved_ones(load: Load) -> None:
    spec = load(
        {
            "version": 1,
            "service": {"name": "web"},
            "taskDefinition": {
                "tags": [
                    {"key": "team", "value": "web"},
                    {"key": "ecsdrop:service", "value": "forged"},
                    {"key": "aws:cloudformation:stack-name", "value": "pasted"},
                ],
                "containerDefinitions": [{"name": "web", "image": "nginx"}],
            },
        }
    )

    tags = register_task_definition_input(spec)["tags"]

    assert tags == [
        {"key": "team", "value": "web"},
        {"key": TAG_SERVICE, "value": "web"},
        {"key": TAG_DIGEST, "value": spec.digest},
    ]


def test_log_group_is_created_only_for_the_default_log_group(
    load: Load, installation: Installation
) -> None:
    default = load(
        {
            "version": 1,
            "service": {"name": "web"},
            "taskDefinition": {"containerDefinitions": [{"name": "web", "image": "nginx"}]},
        }
    )
    assert log_group_input(default, installation) == {
        "logGroupName": "/ecsdrop/web",
        "retentionInDays": 30,
        "tags": {TAG_SERVICE: "web", "ecsdrop:managed-by": "ecsdrop"},
    }

    own = load(
        {
            "version": 1,
            "service": {"name": "web"},
            "taskDefinition": {
                "containerDefinitions": [
                    {
                        "name": "web",
                        "image": "nginx",
                        "logConfiguration": {
                            "logDriver": "awslogs",
                            "options": {"awslogs-group": "/team/web", "awslogs-stream-prefix": "w"},
                        },
                    }
                ]
            },
        }
    )
    assert log_group_input(own, installation) is None


def test_autoscaling_tracks_average_cpu_between_the_capacities() -> None:
    inputs = autoscaling_inputs(example("https-api.json"))

    assert inputs is not None
    assert inputs["registerScalableTarget"] == {
        "ServiceNamespace": "ecs",
        "ResourceId": "service/ecsdrop/orders-api",
        "ScalableDimension": "ecs:service:DesiredCount",
        "MinCapacity": 3,
        "MaxCapacity": 12,
    }
    config = inputs["putScalingPolicy"]["TargetTrackingScalingPolicyConfiguration"]
    assert config["TargetValue"] == 60.0
    assert autoscaling_inputs(example("scorekeep.yaml")) is None


def test_short_name_keeps_short_names_and_hashes_long_ones() -> None:
    assert short_name("ecsdrop", "web") == "ecsdrop-web"
    long = short_name("ecsdrop", "a-very-long-service-name-indeed", "8080")

    assert len(long) == 32
    assert long == short_name("ecsdrop", "a-very-long-service-name-indeed", "8080")
    assert long != short_name("ecsdrop", "a-very-long-service-name-indeed", "8081")


def test_render_shows_every_input_with_placeholders_for_ids_made_later(
    installation: Installation,
) -> None:
    spec = example("scorekeep.yaml")

    rendered = render(spec, installation)

    assert set(rendered) == {
        "service",
        "cluster",
        "specDigest",
        "registerTaskDefinition",
        "logGroup",
        "network",
        "loadBalancer",
        "createService",
        "updateService",
        "autoscaling",
        "triggers",
        "notifications",
    }
    subnets = rendered["createService"]["networkConfiguration"]["awsvpcConfiguration"]["subnets"]
    assert subnets == ["<private subnet 1>", "<private subnet 2>"]
    assert rendered["createService"]["taskDefinition"] == "<scorekeep: the revision registered>"
    assert rendered["specDigest"] == spec.digest


def test_a_task_definition_may_carry_the_47_tags_ecsdrop_leaves_room_for(load: Load) -> None:
    user_tags = [{"key": f"team-{i}", "value": "x"} for i in range(47)]
    spec = load(
        {
            "version": 1,
            "service": {"name": "web"},
            "taskDefinition": {
                "tags": user_tags,
                "containerDefinitions": [{"name": "web", "image": "nginx"}],
            },
        }
    )

    tags = register_task_definition_input(spec)["tags"]

    assert tags[:47] == user_tags
    assert len(tags) == 49  # the step adds ecsdrop:deployment: 50, ECS's limit


def test_a_one_off_tasks_log_stream_is_prefix_container_task_id(load: Load) -> None:
    task = "arn:aws:ecs:us-east-1:123456789012:task/ecsdrop/0123456789abcdef0123456789abcdef"
    default = load(
        {
            "version": 1,
            "service": {"name": "web"},
            "taskDefinition": {"containerDefinitions": [{"name": "api", "image": "nginx"}]},
        }
    )
    assert container_log_stream(default, "api", task) == (
        "/ecsdrop/web",
        "api/api/0123456789abcdef0123456789abcdef",
    )
    elsewhere = {"logDriver": "splunk", "options": {"splunk-url": "https://splunk.example"}}
    other = load(
        {
            "version": 1,
            "service": {"name": "web"},
            "taskDefinition": {
                "containerDefinitions": [
                    {"name": "api", "image": "nginx", "logConfiguration": elsewhere}
                ]
            },
        }
    )
    assert container_log_stream(other, "api", task) is None
