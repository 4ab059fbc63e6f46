"""Invalid specs: each is reported with the right path, message and line, and nothing else.

One row per mistake people make: syntax, unknown keys, wrong types, enums, missing fields,
every semantic rule, the installation's guardrails, and hostile input. Each expected
problem is ``(path, message or a telling part of it, line)``; the row lists every problem
the spec has, so a stray extra report fails the test as surely as a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from textwrap import dedent

import pytest

from ecsdrop.spec import Guardrails, validate
from ecsdrop.spec.units import FARGATE_SIZES

Expected = tuple[str, str, int | None]


@dataclass(frozen=True)
class Case:
    id: str
    text: str | bytes
    problems: list[Expected]
    filename: str = "spec.yaml"
    guardrails: Guardrails = field(default_factory=Guardrails)


def spec(text: str) -> str:
    return dedent(text)


ROLE_PREFIX = Guardrails(allowed_role_arn_prefixes=("arn:aws:iam::123456789012:role/app-",))
ECR_ONLY = Guardrails(allowed_registries=("*.dkr.ecr.*.amazonaws.com",))
REJECT_SECRETS = Guardrails(plaintext_credentials="reject")
LISTENER_ARN = (
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shared/"
    "0123456789abcdef/0123456789abcdef"
)
CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"

SYNTAX = [
    Case(
        "yaml-bad-indentation",
        spec("""\
            version: 1
            service:
              name: web
             taskDefinition: {}
            """),
        [("(document)", "YAML syntax error: while parsing a block mapping", 4)],
    ),
    Case(
        "yaml-unclosed-flow-sequence",
        spec("""\
            version: 1
            service: {name: web}
            taskDefinition:
              containerDefinitions: [{name: web, image: nginx}
            """),
        [("(document)", "YAML syntax error: while parsing a flow sequence", 5)],
    ),
    Case(
        "yaml-tab-indentation",
        "version: 1\nservice:\n\tname: web\n",
        [("(document)", "found character '\\t' that cannot start any token", 3)],
    ),
    Case(
        "json-trailing-comma",
        spec("""\
            {
              "version": 1,
              "service": {"name": "web",},
              "taskDefinition": {"containerDefinitions": [{"name": "web", "image": "nginx"}]}
            }
            """),
        [("(document)", "JSON syntax error: expected a key in double quotes (a trailing comma", 3)],
        filename="spec.json",
    ),
    Case(
        "json-single-quoted-key",
        "{\n  'version': 1\n}\n",
        [("(document)", "JSON syntax error: expected a key in double quotes", 2)],
        filename="spec.json",
    ),
    Case(
        "json-missing-comma-and-bare-word-both-reported",
        spec("""\
            {
              "version": 1
              "service": {"name": "web"},
              "taskDefinition": {"cpu": [xx=xx], "containerDefinitions": []}
            }
            """),
        [
            ("(document)", "JSON syntax error: missing ',' between two items", 3),
            ("(document)", "JSON syntax error: expected a value", 4),
        ],
        filename="spec.json",
    ),
    Case(
        "json-truncated-file",
        '{\n  "version": 1,\n  "service": {"name": "web"}\n',
        [("(document)", "the file ends before the document does (a missing '}' or ']'?)", 4)],
        filename="spec.json",
    ),
    Case(
        "yaml-control-character",
        "version: 1\nservice:\n  name: web\x1f\n",
        [("(document)", "YAML syntax error: the character U+001F is not allowed in YAML", 3)],
    ),
    Case(
        "json-second-document",
        '{"version": 1}\n{"version": 1}\n',
        [("(document)", "unexpected text after the end of the document", 2)],
        filename="spec.json",
    ),
]

UNKNOWN_KEYS = [
    Case(
        "tab-indented-json-keeps-its-places",
        '{\n\t"version": 1,\n\t"sevice": {"name": "web"},\n\t"taskDefinition": {}\n}\n',
        [
            ("service", "required field is missing", 1),
            ("sevice", "unknown field 'sevice'; did you mean 'service'?", 3),
            ("taskDefinition.containerDefinitions", "required field is missing", 4),
        ],
        filename="spec.json",
    ),
    Case(
        "top-level-typo",
        spec("""\
            version: 1
            sevice:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
            """),
        [
            ("service", "required field is missing", 1),
            ("sevice", "unknown field 'sevice'; did you mean 'service'?", 2),
        ],
    ),
    Case(
        "container-field-singular",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  portMapping:
                    - containerPort: 80
            """),
        [
            (
                "taskDefinition.containerDefinitions[0].portMapping",
                "unknown field 'portMapping'; did you mean 'portMappings'?",
                8,
            )
        ],
    ),
    Case(
        "wrong-case-key",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  portMappings:
                    - containerPort: 80
            loadBalancer:
              healthcheck:
                path: /health
            """),
        [
            (
                "loadBalancer.healthcheck",
                "unknown field 'healthcheck'; did you mean 'healthCheck'?",
                11,
            )
        ],
    ),
    Case(
        "awslogs-option-misspelled",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  logConfiguration:
                    logDriver: awslogs
                    options:
                      aws-logs-group: /ecs/web
                      awslogs-stream-prefix: web
            """),
        [
            (
                "taskDefinition.containerDefinitions[0].logConfiguration.options.awslogs-group",
                "required by the awslogs driver on Fargate",
                10,
            ),
            (
                "taskDefinition.containerDefinitions[0].logConfiguration.options.aws-logs-group",
                "unknown field 'aws-logs-group'; did you mean 'awslogs-group'?",
                11,
            ),
        ],
    ),
    Case(
        "unknown-key-without-near-miss",
        spec("""\
            version: 1
            service:
              name: web
              replicas: 3
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
            """),
        [("service.replicas", "unknown field 'replicas'", 4)],
    ),
]

WRONG_TYPES = [
    Case(
        "quoted-integer",
        spec("""\
            version: 1
            service:
              name: web
              desiredCount: "2"
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
            """),
        [("service.desiredCount", 'expected an integer, got a string "2"', 4)],
    ),
    Case(
        "unquoted-environment-number",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  environment:
                    - name: WORKERS
                      value: 5
            """),
        [
            (
                "taskDefinition.containerDefinitions[0].environment[0].value",
                'expected a string, got an integer 5; quote it: "5"',
                10,
            )
        ],
    ),
    Case(
        "task-cpu-boolean",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              cpu: true
              containerDefinitions:
                - name: web
                  image: nginx
            """),
        [("taskDefinition.cpu", "expected a string or an integer, got a boolean true", 5)],
    ),
    Case(
        "containers-as-mapping",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                name: web
                image: nginx
            """),
        [("taskDefinition.containerDefinitions", "expected a list, got a mapping", 5)],
    ),
    Case(
        "unreadable-memory-unit",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              memory: lots
              containerDefinitions:
                - name: web
                  image: nginx
            """),
        [("taskDefinition.memory", "\"lots\" must be MiB such as 512, 2048 or '2 GB'", 5)],
    ),
]

ENUMS_AND_FORMATS = [
    Case(
        "enum-near-miss",
        spec("""\
            version: 1
            service:
              name: web
              propagateTags: SERVICES
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
            """),
        [
            (
                "service.propagateTags",
                '"SERVICES" is not one of: SERVICE, TASK_DEFINITION, NONE; '
                "did you mean 'SERVICE'?",
                4,
            )
        ],
    ),
    Case(
        "port-protocol-uppercase",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  portMappings:
                    - containerPort: 80
                      protocol: TCP
            """),
        [
            (
                "taskDefinition.containerDefinitions[0].portMappings[0].protocol",
                "\"TCP\" is not one of: tcp, udp; did you mean 'tcp'?",
                10,
            )
        ],
    ),
    Case(
        "load-balancer-type-abbreviated",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
            loadBalancer:
              type: alb
            """),
        [("loadBalancer.type", '"alb" is not one of: application, network, none', 9)],
    ),
    Case(
        "notification-state-unknown",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
            notifications:
              states: [DONE]
            """),
        [("notifications.states[0]", '"DONE" is not one of: STARTED, ROLLING_OUT, SUCCEEDED', 9)],
    ),
    Case(
        "service-name-not-dns-label",
        spec("""\
            version: 1
            service:
              name: Web_App
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
            """),
        [("service.name", '"Web_App" must be a DNS label', 3)],
    ),
    Case(
        "version-two",
        spec("""\
            version: 2
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
            """),
        [("version", "must be 1", 1)],
    ),
    Case(
        "reserved-tag-prefix",
        spec("""\
            version: 1
            service:
              name: web
              tags:
                aws:team: games
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
            """),
        [("service.tags['aws:team']", "must be a tag key of 1-128 characters, not starting", 5)],
    ),
    Case(
        "vpc-cidr-too-large",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
            network:
              vpc:
                cidr: 10.0.0.0/8
            """),
        [("network.vpc.cidr", '"10.0.0.0/8" must be an IPv4 CIDR block from /16 to /24', 10)],
    ),
]

MISSING = [
    Case(
        "no-task-definition",
        "version: 1\nservice:\n  name: web\n",
        [("taskDefinition", "required field is missing", 1)],
    ),
    Case(
        "container-without-image",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
            """),
        [("taskDefinition.containerDefinitions[0].image", "required field is missing", 6)],
    ),
    Case(
        "no-containers",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions: []
            """),
        [("taskDefinition.containerDefinitions", "needs at least 1 item", 5)],
    ),
    Case(
        "containers-left-empty",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
            """),
        [("taskDefinition.containerDefinitions", "expected a list, got null", 5)],
    ),
    Case(
        "port-mapping-without-container-port",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  portMappings:
                    - containerPortRange: 8000-8010
            """),
        [
            (
                "taskDefinition.containerDefinitions[0].portMappings[0].containerPort",
                "required field is missing",
                9,
            )
        ],
    ),
    Case(
        "autoscaling-without-maximum",
        spec("""\
            version: 1
            service:
              name: web
              autoscaling:
                minCapacity: 1
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
            """),
        [("service.autoscaling.maxCapacity", "required field is missing", 4)],
    ),
    Case(
        "shared-listener-rule-without-priority",
        spec(f"""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  portMappings:
                    - containerPort: 8080
            network:
              existing:
                vpcId: vpc-0a1b2c3d4e5f60718
                privateSubnetIds: [subnet-0a1b2c3d4e5f60011]
            loadBalancer:
              rule:
                listenerArn: {LISTENER_ARN}
                pathPatterns: [/web/*]
            """),
        [("loadBalancer.rule.priority", "required field is missing", 15)],
    ),
]


def _size_case(cpu: int, memory: int, edge: str) -> Case:
    return Case(
        f"fargate-{cpu}-cpu-memory-{edge}",
        spec(f"""\
            version: 1
            service:
              name: web
            taskDefinition:
              cpu: "{cpu}"
              memory: "{memory}"
              containerDefinitions:
                - name: web
                  image: nginx
            """),
        [("taskDefinition.memory", f"{memory} MiB does not fit Fargate's cpu {cpu} (", 6)],
    )


def _size_edges() -> list[Case]:
    """For every row of Fargate's table: just below its least memory, just above its most."""
    cases = []
    for cpu, memories in FARGATE_SIZES.items():
        step = memories[1] - memories[0]
        cases.append(_size_case(cpu, memories[0] - step if cpu > 256 else 256, "below-row"))
        cases.append(_size_case(cpu, memories[-1] + step, "above-row"))
    return cases


TASK_SIZE = [
    *_size_edges(),
    Case(
        "fargate-memory-off-step",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              cpu: 8 vCPU
              memory: 17 GB
              containerDefinitions:
                - name: web
                  image: nginx
            """),
        [
            (
                "taskDefinition.memory",
                "17408 MiB does not fit Fargate's cpu 8192 (8 vCPU), which takes "
                "16384-61440 MiB in steps of 4096",
                6,
            )
        ],
    ),
    Case(
        "fargate-no-such-cpu",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              cpu: 3072
              memory: 8192
              containerDefinitions:
                - name: web
                  image: nginx
            """),
        [
            (
                "taskDefinition.cpu",
                "Fargate has no task size of 3072 CPU units; "
                "use one of 256, 512, 1024, 2048, 4096, 8192, 16384",
                5,
            )
        ],
    ),
    Case(
        "fractional-cpu-units",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              cpu: 0.1 vCPU
              containerDefinitions:
                - name: web
                  image: nginx
            """),
        [("taskDefinition.cpu", "'0.1 vCPU' is not a whole number of CPU units", 5)],
    ),
    Case(
        "containers-need-more-than-any-size",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  cpu: 20000
            """),
        [
            (
                "taskDefinition.containerDefinitions",
                "no Fargate task size fits what the containers ask for; set cpu and memory",
                5,
            )
        ],
    ),
    Case(
        "containers-cpu-over-task",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              cpu: 256
              memory: 512
              containerDefinitions:
                - name: web
                  image: nginx
                  cpu: 200
                - name: sidecar
                  image: busybox
                  cpu: 100
            """),
        [
            (
                "taskDefinition.containerDefinitions",
                "the containers ask for 300 CPU units, more than the task's 256",
                7,
            )
        ],
    ),
    Case(
        "containers-reserve-more-than-task",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              cpu: 256
              memory: 512
              containerDefinitions:
                - name: web
                  image: nginx
                  memoryReservation: 300
                - name: sidecar
                  image: busybox
                  memoryReservation: 300
            """),
        [
            (
                "taskDefinition.containerDefinitions",
                "the containers reserve 600 MiB, more than the task's 512 MiB",
                7,
            )
        ],
    ),
    Case(
        "container-memory-over-task",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              cpu: 256
              memory: 512
              containerDefinitions:
                - name: web
                  image: nginx
                  memory: 1024
                  memoryReservation: 256
            """),
        [
            (
                "taskDefinition.containerDefinitions[0].memory",
                "1024 MiB is more than the task's memory of 512 MiB",
                10,
            )
        ],
    ),
    Case(
        "memory-reservation-over-limit",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  memory: 256
                  memoryReservation: 512
            """),
        [
            (
                "taskDefinition.containerDefinitions[0].memoryReservation",
                "memoryReservation 512 MiB exceeds the container's memory limit 256 MiB",
                9,
            )
        ],
    ),
]

CONTAINERS = [
    Case(
        "port-clash-between-containers",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  portMappings:
                    - containerPort: 8080
                - name: api
                  image: busybox
                  portMappings:
                    - containerPort: 8080
            """),
        [
            (
                "taskDefinition.containerDefinitions[1].portMappings[0].containerPort",
                "port 8080/tcp is already taken by "
                "taskDefinition.containerDefinitions[0].portMappings[0]",
                13,
            )
        ],
    ),
    Case(
        "host-port-differs",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  portMappings:
                    - containerPort: 8080
                      hostPort: 80
            """),
        [
            (
                "taskDefinition.containerDefinitions[0].portMappings[0].hostPort",
                "with awsvpc the hostPort must equal the containerPort (8080), not 80",
                10,
            )
        ],
    ),
    Case(
        "no-essential-container",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  essential: false
            """),
        [("taskDefinition.containerDefinitions", "at least one container must be essential", 5)],
    ),
    Case(
        "eleven-containers",
        "version: 1\nservice:\n  name: web\ntaskDefinition:\n  containerDefinitions:\n"
        + "".join(f"    - name: c{i}\n      image: busybox\n" for i in range(11)),
        [
            (
                "taskDefinition.containerDefinitions",
                "a task definition holds at most 10 containers, this one has 11",
                5,
            )
        ],
    ),
    Case(
        "duplicate-container-names",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                - name: web
                  image: busybox
            """),
        [
            (
                "taskDefinition.containerDefinitions[1].name",
                "container name 'web' is used twice (also containerDefinitions[0])",
                8,
            )
        ],
    ),
    Case(
        "awslogs-without-stream-prefix",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  logConfiguration:
                    logDriver: awslogs
                    options:
                      awslogs-group: /ecs/web
            """),
        [
            (
                "taskDefinition.containerDefinitions[0].logConfiguration.options"
                ".awslogs-stream-prefix",
                "required by the awslogs driver on Fargate",
                10,
            )
        ],
    ),
    Case(
        "awslogs-without-options",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  logConfiguration:
                    logDriver: awslogs
            """),
        [
            (
                "taskDefinition.containerDefinitions[0].logConfiguration.options",
                "awslogs needs options awslogs-group and awslogs-stream-prefix",
                8,
            )
        ],
    ),
    Case(
        "image-with-trailing-space",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: "nginx:latest "
            """),
        [
            (
                "taskDefinition.containerDefinitions[0].image",
                "'nginx:latest ' is not a valid image reference (remove the surrounding spaces)",
                7,
            )
        ],
    ),
    Case(
        "image-repository-uppercase",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: MyOrg/Web
            """),
        [
            (
                "taskDefinition.containerDefinitions[0].image",
                "'MyOrg/Web' is not a valid image reference (repository names are lowercase)",
                7,
            )
        ],
    ),
    Case(
        "image-unfilled-placeholder",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: xxxxxxxxxxxx.dkr.ecr.us-east-1.amazonaws.com/web:<tag>
            """),
        [
            (
                "taskDefinition.containerDefinitions[0].image",
                "is not a valid image reference (it looks like an unfilled placeholder)",
                7,
            )
        ],
    ),
    Case(
        "image-ecr-account-not-12-digits",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: fe
                  image: xx.dkr.ecr.us-east-1.amazonaws.com/fe
                - name: api
                  image: 12345678901.dkr.ecr.us-east-1.amazonaws.com/api:1
            """),
        [
            (
                "taskDefinition.containerDefinitions[0].image",
                "'xx.dkr.ecr.us-east-1.amazonaws.com/fe' can never be pulled: an ECR registry's "
                "account is 12 digits, not 'xx'",
                7,
            ),
            (
                "taskDefinition.containerDefinitions[1].image",
                "can never be pulled: an ECR registry's account is 12 digits, not '12345678901'",
                9,
            ),
        ],
    ),
    Case(
        "image-ecr-region-placeholder",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: 840364872350.dkr.ecr.region-code.amazonaws.com/aws-appmesh-envoy:v1
            """),
        [
            (
                "taskDefinition.containerDefinitions[0].image",
                "can never be pulled: 'region-code' is not an AWS region (such as us-east-1)",
                7,
            )
        ],
    ),
    Case(
        "image-ecr-china-region-under-the-global-domain",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: 123456789012.dkr.ecr.cn-north-1.amazonaws.com/web:1
            """),
        [
            (
                "taskDefinition.containerDefinitions[0].image",
                "can never be pulled: the ECR registry of cn-north-1 is "
                "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn",
                7,
            )
        ],
    ),
    Case(
        "environment-variable-twice",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  environment:
                    - name: MODE
                      value: a
                    - name: MODE
                      value: b
            """),
        [
            (
                "taskDefinition.containerDefinitions[0].environment[1].name",
                "environment variable MODE is set twice",
                11,
            )
        ],
    ),
    Case(
        "secret-value-from-placeholder",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  secrets:
                    - name: DB_URL
                      valueFrom: "arn:aws:secretsmanager:region:aws_account_id:secret:db"
            """),
        [
            (
                "taskDefinition.containerDefinitions[0].secrets[0].valueFrom",
                "must be a Secrets Manager secret ARN or an SSM parameter name or ARN",
                10,
            )
        ],
    ),
    Case(
        "depends-on-unknown-container",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  dependsOn:
                    - containerName: db
                      condition: START
            """),
        [
            (
                "taskDefinition.containerDefinitions[0].dependsOn[0].containerName",
                "there is no container named 'db'",
                9,
            )
        ],
    ),
    Case(
        "healthy-dependency-without-health-check",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  dependsOn:
                    - containerName: init
                      condition: HEALTHY
                - name: init
                  image: busybox
                  essential: false
            """),
        [
            (
                "taskDefinition.containerDefinitions[0].dependsOn[0].condition",
                "HEALTHY needs a healthCheck on container 'init'",
                10,
            )
        ],
    ),
    Case(
        "role-arn-short-account",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              executionRoleArn: arn:aws:iam::12345:role/exec
              containerDefinitions:
                - name: web
                  image: nginx
            """),
        [
            (
                "taskDefinition.executionRoleArn",
                "'arn:aws:iam::12345:role/exec' is not an IAM role ARN "
                "(arn:aws:iam::<12-digit account>:role/<name>)",
                5,
            )
        ],
    ),
    Case(
        "privileged-container",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  privileged: true
            """),
        [
            (
                "taskDefinition.containerDefinitions[0].privileged",
                "privileged containers are not allowed (and Fargate does not run them)",
                8,
            )
        ],
    ),
]

FARGATE_ONLY = [
    Case(
        "ec2-task-definition",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              requiresCompatibilities: [EC2]
              networkMode: bridge
              containerDefinitions:
                - name: web
                  image: nginx
            """),
        [
            (
                "taskDefinition.requiresCompatibilities",
                "this task definition is for EC2; ecsdrop deploys to Fargate, "
                "so requiresCompatibilities must include FARGATE",
                5,
            ),
            ("taskDefinition.networkMode", "Fargate needs networkMode awsvpc, not bridge", 6),
        ],
    ),
    Case(
        "placement-constraints",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              placementConstraints:
                - type: memberOf
                  expression: attribute:ecs.instance-type =~ t2.*
              containerDefinitions:
                - name: web
                  image: nginx
            """),
        [
            (
                "taskDefinition.placementConstraints",
                "placement constraints are not supported on Fargate",
                5,
            )
        ],
    ),
    Case(
        "ipc-and-pid-host",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              ipcMode: host
              pidMode: host
              containerDefinitions:
                - name: web
                  image: nginx
            """),
        [
            ("taskDefinition.ipcMode", "ipcMode is not supported on Fargate", 5),
            ("taskDefinition.pidMode", "pidMode host is not supported on Fargate (use task)", 6),
        ],
    ),
    Case(
        "container-links-and-hostname",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  links: [db]
                  hostname: web1
                - name: db
                  image: mysql
            """),
        [
            (
                "taskDefinition.containerDefinitions[0].links",
                "links are not supported with the awsvpc network mode; "
                "containers of a task reach each other on localhost",
                8,
            ),
            (
                "taskDefinition.containerDefinitions[0].hostname",
                "hostname is not supported with the awsvpc network mode",
                9,
            ),
        ],
    ),
    Case(
        "linux-devices-and-docker-security-options",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  dockerSecurityOptions: ["label:type:svirt_apache_t"]
                  linuxParameters:
                    devices:
                      - hostPath: /dev/fuse
            """),
        [
            (
                "taskDefinition.containerDefinitions[0].dockerSecurityOptions",
                "dockerSecurityOptions are not supported on Fargate",
                8,
            ),
            (
                "taskDefinition.containerDefinitions[0].linuxParameters.devices",
                "linuxParameters.devices is not supported on Fargate",
                10,
            ),
        ],
    ),
    Case(
        "host-path-and-docker-volumes",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              volumes:
                - name: data
                  host:
                    sourcePath: /var/data
                - name: shared
                  dockerVolumeConfiguration:
                    scope: shared
              containerDefinitions:
                - name: web
                  image: nginx
            """),
        [
            (
                "taskDefinition.volumes[0].host.sourcePath",
                "host paths are not supported on Fargate (use a task volume or EFS)",
                8,
            ),
            (
                "taskDefinition.volumes[1].dockerVolumeConfiguration",
                "Docker volumes are not supported on Fargate (use EFS)",
                10,
            ),
        ],
    ),
    Case(
        "gpu-requirement",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  resourceRequirements:
                    - type: GPU
                      value: "1"
            """),
        [
            (
                "taskDefinition.containerDefinitions[0].resourceRequirements[0].type",
                "GPUs are not supported on Fargate",
                9,
            )
        ],
    ),
]

SERVICE_AND_NETWORK = [
    Case(
        "autoscaling-min-over-max",
        spec("""\
            version: 1
            service:
              name: web
              autoscaling:
                minCapacity: 5
                maxCapacity: 2
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
            """),
        [("service.autoscaling.minCapacity", "5 is more than maxCapacity (2)", 5)],
    ),
    Case(
        "maximum-percent-not-above-minimum",
        spec("""\
            version: 1
            service:
              name: web
              deployment:
                minimumHealthyPercent: 100
                maximumPercent: 100
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
            """),
        [
            (
                "service.deployment.maximumPercent",
                "must be more than minimumHealthyPercent (100) or no new task can start",
                6,
            )
        ],
    ),
    Case(
        "managed-and-existing-vpc",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
            network:
              vpc:
                cidr: 10.0.0.0/16
              existing:
                vpcId: vpc-0a1b2c3d4e5f60718
            """),
        [
            (
                "network.existing",
                "give either vpc (a VPC ecsdrop manages) or existing (yours), not both",
                11,
            )
        ],
    ),
    Case(
        "private-placement-without-nat",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
            network:
              placement: private
              vpc:
                natGateways: none
            """),
        [
            (
                "network.vpc.natGateways",
                "tasks in private subnets without NAT cannot pull images or send logs",
                11,
            )
        ],
    ),
    Case(
        "existing-vpc-private-without-private-subnets",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  portMappings:
                    - containerPort: 8080
            network:
              existing:
                vpcId: vpc-0a1b2c3d4e5f60718
                publicSubnetIds: [subnet-0a1b2c3d4e5f60001, subnet-0a1b2c3d4e5f60002]
            """),
        [
            (
                "network.existing.privateSubnetIds",
                "private placement in an existing VPC needs privateSubnetIds or privateSubnetTags",
                11,
            )
        ],
    ),
    Case(
        "existing-vpc-load-balancer-in-one-zone",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  portMappings:
                    - containerPort: 8080
            network:
              existing:
                vpcId: vpc-0a1b2c3d4e5f60718
                publicSubnetIds: [subnet-0a1b2c3d4e5f60001]
                privateSubnetIds: [subnet-0a1b2c3d4e5f60011]
            """),
        [
            (
                "network.existing.publicSubnetIds",
                "a load balancer needs subnets in at least two Availability Zones; give at least 2",
                13,
            )
        ],
    ),
    Case(
        "existing-vpc-load-balancer-without-public-subnets",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  portMappings:
                    - containerPort: 8080
            network:
              existing:
                vpcId: vpc-0a1b2c3d4e5f60718
                privateSubnetIds: [subnet-0a1b2c3d4e5f60011, subnet-0a1b2c3d4e5f60012]
            """),
        [
            (
                "network.existing.publicSubnetIds",
                "the load balancer needs public subnets: give publicSubnetIds or publicSubnetTags",
                11,
            )
        ],
    ),
    Case(
        "trigger-for-unknown-container",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
            triggers:
              - repository: web
                container: api
            """),
        [("triggers[0].container", "there is no container named 'api'", 10)],
    ),
]

LOAD_BALANCER = [
    Case(
        "target-container-unknown",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  portMappings:
                    - containerPort: 8080
            loadBalancer:
              target:
                containerName: api
            """),
        [
            (
                "loadBalancer.target.containerName",
                "there is no container named 'api' (containers: web)",
                12,
            )
        ],
    ),
    Case(
        "target-port-not-mapped",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  portMappings:
                    - containerPort: 8080
            loadBalancer:
              target:
                containerName: web
                containerPort: 80
            """),
        [
            (
                "loadBalancer.target.containerPort",
                "80 is not in the portMappings of container 'web' (mapped: 8080)",
                13,
            )
        ],
    ),
    Case(
        "load-balancer-without-any-port",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
            loadBalancer:
              type: application
            """),
        [
            (
                "loadBalancer.type",
                "a load balancer needs a container port to send traffic to, and no container "
                "maps one; add portMappings",
                9,
            )
        ],
    ),
    Case(
        "alb-with-tcp-listener",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  portMappings:
                    - containerPort: 8080
            loadBalancer:
              listener:
                protocol: TCP
            """),
        [
            (
                "loadBalancer.listener.protocol",
                "an application load balancer listens with HTTP or HTTPS, not TCP",
                12,
            )
        ],
    ),
    Case(
        "nlb-with-http-listener",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  portMappings:
                    - containerPort: 8080
            loadBalancer:
              type: network
              listener:
                protocol: HTTP
            """),
        [
            (
                "loadBalancer.listener.protocol",
                "a network load balancer listens with TCP or TLS or UDP or TCP_UDP, not HTTP",
                13,
            )
        ],
    ),
    Case(
        "https-without-certificate",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  portMappings:
                    - containerPort: 8080
            loadBalancer:
              listener:
                protocol: HTTPS
            """),
        [("loadBalancer.listener.certificateArn", "HTTPS needs a certificateArn", 11)],
    ),
    Case(
        "certificate-on-plain-http",
        spec(f"""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  portMappings:
                    - containerPort: 8080
            loadBalancer:
              listener:
                protocol: HTTP
                certificateArn: {CERTIFICATE}
            """),
        [
            (
                "loadBalancer.listener.certificateArn",
                "a certificate needs HTTPS or TLS, not HTTP",
                13,
            )
        ],
    ),
    Case(
        "redirect-without-https",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  portMappings:
                    - containerPort: 8080
            loadBalancer:
              listener:
                redirectHttpToHttps: true
            """),
        [
            (
                "loadBalancer.listener.redirectHttpToHttps",
                "redirecting to HTTPS needs an ALB with HTTPS",
                12,
            )
        ],
    ),
    Case(
        "https-on-port-80-with-redirect",
        spec(f"""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  portMappings:
                    - containerPort: 8080
            loadBalancer:
              listener:
                port: 80
                certificateArn: {CERTIFICATE}
            """),
        [
            (
                "loadBalancer.listener.port",
                "port 80 is where the HTTP-to-HTTPS redirect listens; use another port (443) "
                "or set redirectHttpToHttps: false",
                12,
            )
        ],
    ),
    Case(
        "alb-tcp-health-check",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  portMappings:
                    - containerPort: 8080
            loadBalancer:
              healthCheck:
                protocol: TCP
            """),
        [
            (
                "loadBalancer.healthCheck.protocol",
                "an ALB health check uses HTTP or HTTPS, not TCP",
                12,
            )
        ],
    ),
    Case(
        "tcp-health-check-with-path",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  portMappings:
                    - containerPort: 8080
            loadBalancer:
              type: network
              healthCheck:
                protocol: TCP
                path: /health
            """),
        [
            (
                "loadBalancer.healthCheck.path",
                "has no effect on a TCP health check; remove it",
                14,
            )
        ],
    ),
    Case(
        "health-check-timeout-not-shorter-than-its-interval",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  portMappings:
                    - containerPort: 8080
            loadBalancer:
              healthCheck:
                timeoutSeconds: 10
            """),
        [
            (
                "loadBalancer.healthCheck.timeoutSeconds",
                "the timeout (10 s) must be shorter than the interval (10 s): Elastic Load "
                "Balancing refuses the target group otherwise",
                12,
            )
        ],
    ),
    Case(
        "health-check-interval-below-the-default-timeout",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  portMappings:
                    - containerPort: 8080
            loadBalancer:
              healthCheck:
                intervalSeconds: 5
            """),
        [
            (
                "loadBalancer.healthCheck.intervalSeconds",
                "the timeout (5 s) must be shorter than the interval (5 s): Elastic Load "
                "Balancing refuses the target group otherwise",
                12,
            )
        ],
    ),
    Case(
        "settings-for-no-load-balancer",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
            loadBalancer:
              type: none
              listener:
                port: 80
            """),
        [("loadBalancer.listener", "has no effect with type none; remove it", 10)],
    ),
    Case(
        "shared-rule-on-network-load-balancer",
        spec(f"""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  portMappings:
                    - containerPort: 8080
            network:
              existing:
                vpcId: vpc-0a1b2c3d4e5f60718
                privateSubnetIds: [subnet-0a1b2c3d4e5f60011]
            loadBalancer:
              type: network
              rule:
                listenerArn: {LISTENER_ARN}
                priority: 10
                hostHeaders: [web.example.com]
            """),
        [("loadBalancer.rule", "listener rules need an application load balancer", 16)],
    ),
    Case(
        "shared-rule-without-host-or-path",
        spec(f"""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  portMappings:
                    - containerPort: 8080
            network:
              existing:
                vpcId: vpc-0a1b2c3d4e5f60718
                privateSubnetIds: [subnet-0a1b2c3d4e5f60011]
            loadBalancer:
              rule:
                listenerArn: {LISTENER_ARN}
                priority: 10
            """),
        [
            (
                "loadBalancer.rule",
                "give hostHeaders or pathPatterns (or both) to route to this service",
                15,
            )
        ],
    ),
    Case(
        "shared-rule-outside-existing-vpc",
        spec(f"""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  portMappings:
                    - containerPort: 8080
            loadBalancer:
              rule:
                listenerArn: {LISTENER_ARN}
                priority: 10
                pathPatterns: [/web/*]
            """),
        [
            (
                "network.existing",
                "a shared load balancer lives in your VPC: give network.existing with its vpcId",
                1,
            )
        ],
    ),
]

GUARDRAILS = [
    Case(
        "role-outside-allowed-prefixes",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              taskRoleArn: arn:aws:iam::123456789012:role/admin
              containerDefinitions:
                - name: web
                  image: nginx
            """),
        [
            (
                "taskDefinition.taskRoleArn",
                "role arn:aws:iam::123456789012:role/admin is outside the role prefixes this "
                "installation allows (arn:aws:iam::123456789012:role/app-)",
                5,
            )
        ],
        guardrails=ROLE_PREFIX,
    ),
    Case(
        "role-name-cannot-pass-allowed-prefixes",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              taskRoleArn: admin
              containerDefinitions:
                - name: web
                  image: nginx
            """),
        [
            (
                "taskDefinition.taskRoleArn",
                "give the role's full ARN: this installation only allows roles under "
                "arn:aws:iam::123456789012:role/app-",
                5,
            )
        ],
        guardrails=ROLE_PREFIX,
    ),
    Case(
        "registry-not-allowed",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx:1.27
            """),
        [
            (
                "taskDefinition.containerDefinitions[0].image",
                "registry docker.io is not allowed by this installation "
                "(allowed: *.dkr.ecr.*.amazonaws.com)",
                7,
            )
        ],
        guardrails=ECR_ONLY,
    ),
    Case(
        "plaintext-password-rejected",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  environment:
                    - name: DB_PASSWORD
                      value: hunter2
            """),
        [
            (
                "taskDefinition.containerDefinitions[0].environment[0].value",
                "DB_PASSWORD looks like a secret in plain text; move it to `secrets` with a "
                "valueFrom (Secrets Manager or SSM Parameter Store)",
                10,
            )
        ],
        guardrails=REJECT_SECRETS,
    ),
    Case(
        "aws-access-key-value-rejected",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
                  environment:
                    - name: CONFIG
                      value: AKIAABCDEFGHIJKLMNOP
            """),
        [
            (
                "taskDefinition.containerDefinitions[0].environment[0].value",
                "CONFIG looks like a secret in plain text",
                10,
            )
        ],
        guardrails=REJECT_SECRETS,
    ),
    Case(
        "larger-than-the-installation-allows",
        "version: 1\n" + "# padding\n" * 20,
        [("(document)", "the file is 211 bytes; a spec may be at most 200 bytes", None)],
        guardrails=Guardrails(max_spec_bytes=200),
    ),
]

HOSTILE = [
    Case(
        "oversized",
        b"version: 1\n# " + b"x" * (256 * 1024) + b"\n",
        [("(document)", "the file is 262158 bytes; a spec may be at most 262144 bytes", None)],
    ),
    Case(
        "deep-nesting-yaml",
        "version: 1\nx: " + "[" * 60 + "]" * 60 + "\n",
        [("x" + "[0]" * 40, "nesting is deeper than 40 levels", 2)],
    ),
    Case(
        "deep-nesting-json-beyond-recursion",
        '{"x": ' + "[" * 5000 + "]" * 5000 + "}\n",
        [("(document)", "nesting is deeper than 40 levels", None)],
        filename="spec.json",
    ),
    Case(
        "yaml-alias-bomb",
        spec("""\
            a: &a [x, x, x, x, x, x, x, x, x, x]
            b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
            c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
            d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
            e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
            f: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
            """),
        [
            (
                "e[0][6][8][8][8]",
                "the document expands to more than 20000 values (YAML aliases repeating",
                1,
            )
        ],
    ),
    Case(
        "not-utf8",
        b"version: 1\nservice:\n  name: caf\xe9\n",
        [("(document)", "not UTF-8 text (byte 0xe9)", 3)],
    ),
    Case(
        "utf16-with-bom",
        "version: 1\n".encode("utf-16"),
        [("(document)", "not UTF-8 text (byte 0xff)", 1)],
    ),
    Case(
        "nul-byte",
        b"version: 1\nservice:\n  name: web\x00\n",
        [("(document)", "binary data (a NUL character) in a text spec", 3)],
    ),
    Case(
        "json-duplicate-key",
        spec("""\
            {
              "version": 1,
              "service": {"name": "web"},
              "service": {"name": "api"},
              "taskDefinition": {"containerDefinitions": [{"name": "web", "image": "nginx"}]}
            }
            """),
        [("service", "duplicate key 'service' (first on line 3)", 4)],
        filename="spec.json",
    ),
    Case(
        "yaml-duplicate-key",
        spec("""\
            version: 1
            service:
              name: web
              name: api
            taskDefinition:
              containerDefinitions:
                - name: web
                  image: nginx
            """),
        [("service.name", "duplicate key 'name' (first on line 3)", 4)],
    ),
    Case(
        "cloudformation-tag",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              executionRoleArn: !Ref ExecutionRole
              containerDefinitions:
                - name: web
                  image: nginx
            """),
        [("taskDefinition.executionRoleArn", "unsupported YAML tag '!Ref'", 5)],
    ),
    Case(
        "unpaired-surrogate-escape",
        '{"version": 1, "service": {"name": "web\\ud800"}}',
        [("service.name", "text with an unpaired UTF-16 surrogate escape", 1)],
        filename="spec.json",
    ),
    Case(
        "top-level-list",
        "- version: 1\n- service: {name: web}\n",
        [("(document)", "a spec is a mapping with version, service and taskDefinition", 1)],
    ),
    Case(
        "top-level-scalar",
        "just some text\n",
        [("(document)", "a spec is a mapping with version, service and taskDefinition", 1)],
    ),
    Case("empty-file", "", [("(document)", "the file is empty", None)]),
    Case("blank-file", " \n\n\t\n", [("(document)", "the file is empty", None)]),
    Case("comments-only", "# nothing here\n", [("(document)", "the file holds no document", None)]),
]

TAGS = [
    Case(
        "task-definition-tags-leave-no-room-for-ecsdrops",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              tags:
                - {key: team-0, value: x}
                - {key: team-1, value: x}
                - {key: team-2, value: x}
                - {key: team-3, value: x}
                - {key: team-4, value: x}
                - {key: team-5, value: x}
                - {key: team-6, value: x}
                - {key: team-7, value: x}
                - {key: team-8, value: x}
                - {key: team-9, value: x}
                - {key: team-10, value: x}
                - {key: team-11, value: x}
                - {key: team-12, value: x}
                - {key: team-13, value: x}
                - {key: team-14, value: x}
                - {key: team-15, value: x}
                - {key: team-16, value: x}
                - {key: team-17, value: x}
                - {key: team-18, value: x}
                - {key: team-19, value: x}
                - {key: team-20, value: x}
                - {key: team-21, value: x}
                - {key: team-22, value: x}
                - {key: team-23, value: x}
                - {key: team-24, value: x}
                - {key: team-25, value: x}
                - {key: team-26, value: x}
                - {key: team-27, value: x}
                - {key: team-28, value: x}
                - {key: team-29, value: x}
                - {key: team-30, value: x}
                - {key: team-31, value: x}
                - {key: team-32, value: x}
                - {key: team-33, value: x}
                - {key: team-34, value: x}
                - {key: team-35, value: x}
                - {key: team-36, value: x}
                - {key: team-37, value: x}
                - {key: team-38, value: x}
                - {key: team-39, value: x}
                - {key: team-40, value: x}
                - {key: team-41, value: x}
                - {key: team-42, value: x}
                - {key: team-43, value: x}
                - {key: team-44, value: x}
                - {key: team-45, value: x}
                - {key: team-46, value: x}
                - {key: team-47, value: x}
              containerDefinitions:
                - name: web
                  image: nginx
            """),
        [
            (
                "taskDefinition.tags",
                "at most 47 tags: ECS allows 50 and ecsdrop adds 3 (ecsdrop:service, "
                "ecsdrop:spec-digest, ecsdrop:deployment)",
                5,
            )
        ],
    ),
    Case(
        "task-definition-tags-repeated-key",
        spec("""\
            version: 1
            service:
              name: web
            taskDefinition:
              tags:
                - {key: ecsdrop:service, value: other}
                - {key: team, value: a}
                - {key: team, value: b}
              containerDefinitions:
                - name: web
                  image: nginx
            """),
        [
            ("taskDefinition.tags[0].key", "ignored: aws: and ecsdrop: tags", 6),
            ("taskDefinition.tags[2].key", "tag 'team' is given twice", 8),
        ],
    ),
]

JOB = """\
    version: 1
    service:
      name: nightly
    schedule:
      expression: "{expression}"
    taskDefinition:
      containerDefinitions:
        - name: job
          image: nginx
    """


def inserted(text: str, extra: dict[str, str]) -> str:
    """``text`` with each of ``extra``'s lines inserted after the line its key ends."""
    for after, lines in extra.items():
        text = text.replace(f"{after}\n", f"{after}\n{lines}", 1)
    return text


def job(expression: str = "cron(0 3 * * ? *)", **extra: str) -> str:
    """A scheduled job with ``expression``; ``extra`` inserts lines after a line's text."""
    return inserted(dedent(JOB).replace("{expression}", expression), extra)


SCHEDULE = [
    Case(
        "schedule-cron-with-both-days",
        job("cron(0 3 * * * *)"),
        [("schedule.expression", "exactly one of day-of-month (*) and day-of-week (*)", 5)],
    ),
    Case(
        "schedule-cron-five-fields",
        job("cron(0 3 * * ?)"),
        [("schedule.expression", "has 5 fields; a cron expression has six", 5)],
    ),
    Case(
        "schedule-cron-minute-out-of-range",
        job("cron(61 3 * * ? *)"),
        [("schedule.expression", "minutes '61': 61 is outside 0-59", 5)],
    ),
    Case(
        "schedule-cron-unknown-month",
        job("cron(0 3 * JANUARY ? *)"),
        [("schedule.expression", "'JANUARY' is not a value of month (1-12 or JAN-DEC)", 5)],
    ),
    Case(
        "schedule-rate-unit",
        job("rate(2 weeks)"),
        [("schedule.expression", "the unit must be one of minute, minutes, hour", 5)],
    ),
    Case(
        "schedule-rate-zero",
        job("rate(0 minutes)"),
        [("schedule.expression", "the value must be a positive whole number", 5)],
    ),
    Case(
        "schedule-at-short-date",
        job("at(2027-1-5T03:00:00)"),
        [("schedule.expression", "yyyy-mm-ddThh:mm:ss", 5)],
    ),
    Case(
        "schedule-not-an-expression",
        job("every night at 3"),
        [("schedule.expression", "is not a schedule expression", 5)],
    ),
    Case(
        "schedule-unknown-timezone",
        job(**{'  expression: "cron(0 3 * * ? *)"': "  timezone: Europe/Gotham\n"}),
        [("schedule.timezone", "'Europe/Gotham' is not an IANA time zone", 6)],
    ),
    Case(
        "schedule-flexible-window-too-long",
        job(**{'  expression: "cron(0 3 * * ? *)"': "  flexibleWindowMinutes: 1441\n"}),
        [("schedule.flexibleWindowMinutes", "1440", 6)],
    ),
    Case(
        "schedule-with-desired-count",
        job(**{"  name: nightly": "  desiredCount: 2\n"}),
        [("service.desiredCount", "not allowed beside schedule", 4)],
    ),
    Case(
        "schedule-with-autoscaling",
        job(**{"  name: nightly": "  autoscaling:\n    maxCapacity: 4\n"}),
        [("service.autoscaling", "not allowed beside schedule", 4)],
    ),
    Case(
        "schedule-with-adopt",
        job(**{"  name: nightly": "  adopt: true\n"}),
        [("service.adopt", "a scheduled job runs no ECS service to take over", 4)],
    ),
    Case(
        "schedule-with-load-balancer",
        job(**{'  expression: "cron(0 3 * * ? *)"': "loadBalancer:\n  type: application\n"}),
        [
            ("loadBalancer", "not allowed beside schedule: a scheduled job serves no traffic", 6),
            ("loadBalancer.type", "no container maps one", 7),
        ],
    ),
    Case(
        "schedule-without-expression",
        dedent("""\
            version: 1
            service:
              name: nightly
            schedule:
              timezone: UTC
            taskDefinition:
              containerDefinitions:
                - name: job
                  image: nginx
            """),
        [("schedule.expression", "required", 4)],
    ),
]

WEB = """\
    version: 1
    service:
      name: web
      deployment:
    {deployment}
    taskDefinition:
      containerDefinitions:
        - name: web
          image: nginx
          portMappings:
            - containerPort: 8080
    """


def web(deployment: str, **extra: str) -> str:
    """A web service behind an ALB whose service.deployment holds ``deployment`` (its lines,
    indented under it); ``extra`` inserts lines after a line's text."""
    lines = "".join(f"    {line}\n" for line in dedent(deployment).splitlines())
    return inserted(dedent(WEB).replace("{deployment}\n", lines), extra)


STRATEGY = [
    Case(
        "strategy-unknown",
        web("strategy: blue-green"),
        [("service.deployment.strategy", "did you mean 'blueGreen'?", 5)],
    ),
    Case(
        "strategy-canary-percent-not-a-tenth",
        web("strategy: canary\ncanary:\n  percent: 2.55"),
        [("service.deployment.canary.percent", "2.55 is not a multiple of 0.1", 7)],
    ),
    Case(
        "strategy-linear-step-too-small",
        web("strategy: linear\nlinear:\n  stepPercent: 2"),
        [("service.deployment.linear.stepPercent", "2 must be at least 3", 7)],
    ),
    Case(
        "strategy-bake-too-long",
        web("strategy: blueGreen\nbakeTimeMinutes: 1441"),
        [("service.deployment.bakeTimeMinutes", "1441 must be at most 1440", 6)],
    ),
    Case(
        "strategy-canary-part-beside-linear",
        web("strategy: linear\ncanary:\n  percent: 10"),
        [("service.deployment.canary", "only for strategy canary (strategy is linear)", 6)],
    ),
    Case(
        "strategy-bake-with-rolling",
        web("bakeTimeMinutes: 10"),
        [("service.deployment.bakeTimeMinutes", "only for strategy blueGreen, linear or", 5)],
    ),
    Case(
        "strategy-without-a-load-balancer",
        web("strategy: canary") + "loadBalancer:\n  type: none\n",
        [("service.deployment.strategy", "this spec has none", 5)],
    ),
    Case(
        "strategy-on-a-network-load-balancer",
        web("strategy: blueGreen") + "loadBalancer:\n  type: network\n",
        [("service.deployment.strategy", "this spec has a network load balancer", 5)],
    ),
    Case(
        "strategy-test-listener-on-the-production-port",
        web("strategy: blueGreen\ntestListener:\n  port: 80"),
        [("service.deployment.testListener.port", "80 is the production listener's port", 7)],
    ),
    Case(
        "strategy-deadline-shorter-than-the-bakes",
        web("strategy: canary\nbakeTimeMinutes: 30\nstabilityTimeoutSeconds: 1800"),
        [
            (
                "service.deployment.stabilityTimeoutSeconds",
                "less than the strategy bakes (2400 s)",
                7,
            )
        ],
    ),
    Case(
        "strategy-on-a-scheduled-job",
        job(**{"  name: nightly": "  deployment:\n    strategy: canary\n"}),
        [("service.deployment.strategy", "not allowed beside schedule", 5)],
    ),
    Case(
        "strategy-alarm-names-repeated",
        web("alarms: [high-5xx, high-5xx]"),
        [("service.deployment.alarms", "has the same item more than once", 5)],
    ),
    Case(
        "hook-pause-at-a-traffic-shift",
        web("strategy: blueGreen\nhooks:\n  - stage: PRODUCTION_TRAFFIC_SHIFT\n    pause: true"),
        [("service.deployment.hooks[0].stage", "ECS cannot pause at PRODUCTION_TRAFFIC_SHIFT", 7)],
    ),
    Case(
        "hook-function-and-pause",
        web(
            "strategy: canary\nhooks:\n  - stage: POST_SCALE_UP\n    pause: true\n"
            "    function: arn:aws:lambda:us-east-1:123456789012:function:ecsdrop-hook-smoke"
        ),
        [("service.deployment.hooks[0]", "either function (a Lambda function ARN) or pause", 7)],
    ),
    Case(
        "hook-neither-function-nor-pause",
        web("strategy: canary\nhooks:\n  - stage: POST_SCALE_UP"),
        [("service.deployment.hooks[0]", "either function (a Lambda function ARN) or pause", 7)],
    ),
    Case(
        "hook-function-the-role-may-not-invoke",
        web(
            "strategy: linear\nhooks:\n  - stage: POST_SCALE_UP\n"
            "    function: arn:aws:lambda:us-east-1:123456789012:function:smoke"
        ),
        [("service.deployment.hooks[0].function", "only functions named ecsdrop-hook-*", 8)],
    ),
    Case(
        "hook-details-on-a-pause",
        web(
            "strategy: blueGreen\nhooks:\n  - stage: POST_SCALE_UP\n    pause: true\n"
            "    details: {probe: /health}"
        ),
        [("service.deployment.hooks[0].details", "only for a function hook", 9)],
    ),
    Case(
        "hook-with-rolling",
        web("hooks:\n  - stage: POST_SCALE_UP\n    pause: true"),
        [("service.deployment.hooks", "only for strategy blueGreen, linear or canary", 5)],
    ),
    Case(
        "hook-stage-unknown",
        web("strategy: canary\nhooks:\n  - stage: BAKE_TIME\n    pause: true"),
        [("service.deployment.hooks[0].stage", "BAKE_TIME", 7)],
    ),
    Case(
        "hook-too-many-pauses",
        web(
            "strategy: canary\nhooks:\n"
            + "".join("  - stage: POST_SCALE_UP\n    pause: true\n" for _ in range(11))
        ),
        [("service.deployment.hooks", "11 pause hooks; ECS takes at most 10 of each kind", 6)],
    ),
    Case(
        "hook-timeout-too-long",
        web(
            "strategy: canary\nhooks:\n  - stage: POST_SCALE_UP\n    pause: true\n"
            "    timeoutMinutes: 20161"
        ),
        [("service.deployment.hooks[0].timeoutMinutes", "20161 must be at most 20160", 9)],
    ),
]

CASES = [
    *SYNTAX,
    *UNKNOWN_KEYS,
    *WRONG_TYPES,
    *ENUMS_AND_FORMATS,
    *MISSING,
    *TASK_SIZE,
    *CONTAINERS,
    *FARGATE_ONLY,
    *SERVICE_AND_NETWORK,
    *LOAD_BALANCER,
    *GUARDRAILS,
    *HOSTILE,
    *TAGS,
    *SCHEDULE,
    *STRATEGY,
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_invalid_spec_reports_exactly_its_problems(case: Case) -> None:
    validation = validate(case.text, case.filename, case.guardrails)

    assert validation.spec is None
    got = [(p.field, p.message, p.line) for p in validation.problems]
    assert len(got) == len(case.problems), got
    for (path, message, line), expected in zip(got, case.problems, strict=True):
        assert (path, line) == (expected[0], expected[2]), got
        assert expected[1] in message, got


def test_the_table_holds_more_than_forty_distinct_mistakes() -> None:
    ids = [c.id for c in CASES]
    assert len(set(ids)) == len(ids)
    assert len(ids) > 40


def test_every_problem_of_an_invalid_spec_carries_a_column_with_its_line() -> None:
    for case in CASES:
        for problem in validate(case.text, case.filename, case.guardrails).problems:
            assert (problem.line is None) == (problem.column is None), (case.id, problem)
