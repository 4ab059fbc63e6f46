"""Driving the real pipeline on the local cloud and reading what it left behind.

A ``Harness`` uploads specs the way users do (the S3 event starts the workflow), follows
the execution the upload started, and reads the outcome where users and operators read it:
the status object, the history, the events on the ecsdrop bus, the lock, and the account's
resources. Faults are injected on ecsdrop's own calls only (its clients say ``ecsdrop`` in
their User-Agent), never on the harness's reads.
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from typing import Any

import yaml
from botocore.exceptions import ClientError

from ecsdrop.aws.store import StateStore
from ecsdrop.spec.render import short_name
from ecsdrop_cli.deploy_commands import upload
from ecsdrop_cli.local_commands import push_image
from ecsdrop_cli.main import main as ecsdrop_main
from ecsdrop_cli.stack import Stack
from localcloud import LocalCloud
from tests.support.architecture import tagged_network
from tests.support.quotas import kept_services
from tests.support.template import ROOT

RUN_DEADLINE = 150.0  # seconds; a lost ECS event costs RolloutCheckSeconds (30) before polling
ECSDROP_CALLER = "ecsdrop"  # the User-Agent part ecsdrop's clients add (aws/clients.py)
CLI_CALLER = "ecsdrop-cli"  # the one the CLI's clients add (ecsdrop_cli/stack.py)
BASE_IMAGES = (
    ("scorekeep-frontend", "latest"),
    ("scorekeep-api", "latest"),
    ("scorekeep-api", "v2"),
)
FINAL_STATES = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
SHARED_CLUSTER = "ecsdrop"  # the template's DefaultCluster: every spec without a cluster
SCHEDULE_GROUP = "ecsdrop-ecsdrop"  # the stack's ScheduleGroup: ecsdrop-<stack name>
_OWN_CALLS = {"states:ListExecutions"}  # what ``settle`` itself calls while it watches


def start_cloud(**options: Any) -> LocalCloud:
    """The real template with compressed time; the notifier reads its destinations every time."""
    settings: dict[str, Any] = {
        "stack_name": "ecsdrop",
        "time_scale": 0.01,
        "parameters": {"RolloutCheckSeconds": 30},
        # a service per case, all kept: an account with its quotas raised (tests/support/quotas.py)
        "quotas": kept_services(400, load_balancers=True),
        **options,
    }
    cloud = LocalCloud(ROOT / "template.yaml", **settings).start()
    try:
        set_environment(cloud, "NotifierFunction", DESTINATIONS_CACHE_SECONDS="0")
        for repository, tag in BASE_IMAGES:
            push_image(cloud.client("ecr"), repository, tag, f"{repository}:{tag}")
    except BaseException:
        cloud.stop()
        raise
    return cloud


@contextmanager
def running_harness(**options: Any) -> Iterator[Harness]:
    """A harness over a started local cloud (``start_cloud``'s options), stopped after."""
    cloud = start_cloud(**options)
    try:
        yield Harness(cloud)
    finally:
        cloud.stop()


def set_environment(cloud: LocalCloud, function: str, **variables: str) -> None:
    """Change some environment variables of a function (its workers start afresh)."""
    aws_lambda = cloud.client("lambda")
    name = cloud.resources[function]
    current = aws_lambda.get_function_configuration(FunctionName=name)
    environment = {**current["Environment"]["Variables"], **variables}
    aws_lambda.update_function_configuration(
        FunctionName=name, Environment={"Variables": environment}
    )


# --------------------------------------------------------------------------- specs


def scorekeep(
    name: str,
    *,
    cluster: str | None = None,
    api_tag: str = "latest",
    desired: int = 2,
    health_path: str = "/",
    port: int = 8080,
    max_tasks: int | None = 4,
    api_repository: str = "scorekeep-api",
    deregistration_delay: int | None = None,
) -> dict[str, Any]:
    """examples/scorekeep.yaml (the seed's complete architecture) as service ``name``."""
    spec: dict[str, Any] = yaml.safe_load((ROOT / "examples" / "scorekeep.yaml").read_text())
    spec["service"]["name"] = name
    spec["service"]["desiredCount"] = desired
    if cluster:
        spec["service"]["cluster"] = cluster
    if max_tasks:
        spec["service"]["autoscaling"] = {"minCapacity": desired, "maxCapacity": max_tasks}
    task = spec["taskDefinition"]
    task["family"] = name
    frontend, api = task["containerDefinitions"]
    frontend["portMappings"] = [{"containerPort": port}]
    api["image"] = api["image"].replace("scorekeep-api:latest", f"{api_repository}:{api_tag}")
    spec["loadBalancer"]["target"]["containerPort"] = port
    spec["loadBalancer"]["healthCheck"]["path"] = health_path
    if deregistration_delay is not None:
        spec["loadBalancer"]["deregistrationDelaySeconds"] = deregistration_delay
    return spec


def adopting(spec: Mapping[str, Any], cluster: str) -> dict[str, Any]:
    """The spec taking over the service of the same name in ``cluster`` (service.adopt)."""
    adopted = copy.deepcopy(dict(spec))
    adopted["service"]["cluster"] = cluster
    adopted["service"]["adopt"] = True
    return adopted


def nightly_job(name: str, *, expression: str = "cron(0 3 * * ? *)") -> dict[str, Any]:
    """examples/scorekeep-nightly.yaml (a scheduled job) as job ``name``."""
    spec: dict[str, Any] = yaml.safe_load(
        (ROOT / "examples" / "scorekeep-nightly.yaml").read_text()
    )
    spec["service"]["name"] = name
    spec["taskDefinition"]["family"] = name
    spec["schedule"]["expression"] = expression
    return spec


def deleted_with_it(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The spec with ``service.deletionPolicy: delete`` (deleting it removes the service)."""
    deleting = copy.deepcopy(dict(spec))
    deleting["service"]["deletionPolicy"] = "delete"
    return deleting


def in_existing_vpc(spec: Mapping[str, Any], vpc: Mapping[str, Any]) -> dict[str, Any]:
    """The spec placed in a VPC that exists: public subnets found by tag, private by id."""
    placed = copy.deepcopy(dict(spec))
    placed["network"] = {
        "placement": "private",
        "existing": {
            "vpcId": vpc["vpcId"],
            "publicSubnetTags": {"tier": "public"},
            "privateSubnetIds": list(vpc["private"]),
        },
    }
    return placed


def on_shared_listener(
    spec: Mapping[str, Any], vpc: Mapping[str, Any], listener_arn: str, priority: int
) -> dict[str, Any]:
    """The spec as a path rule on a shared ALB's listener, in that ALB's VPC."""
    placed = in_existing_vpc(spec, vpc)
    placed["loadBalancer"]["rule"] = {
        "listenerArn": listener_arn,
        "priority": priority,
        "pathPatterns": [f"/{spec['service']['name']}/*"],
    }
    placed["loadBalancer"].pop("listener", None)
    return placed


# --------------------------------------------------------------------------- runs


@dataclass
class CliRun:
    """One `ecsdrop` command run in this process against the local cloud."""

    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str
    unstruck_faults: list[dict[str, Any]] = field(default_factory=list)  # never matched a call


@dataclass
class Run:
    """One execution of the deploy workflow and what it reported."""

    service: str
    execution_arn: str
    execution_status: str
    status_object: dict[str, Any] | None  # this run's status/<service>.json, if written
    events: list[dict[str, Any]]  # this run's ecsdrop events (detail), in order
    history: list[dict[str, Any]]  # this run's history records
    lock_holder: str | None
    output: dict[str, Any] = field(default_factory=dict)
    unstruck_faults: list[dict[str, Any]] = field(default_factory=list)  # never matched a call

    @property
    def deployment_id(self) -> str:
        return self.execution_arn.rsplit(":", 1)[-1]

    @property
    def state(self) -> str | None:
        """The outcome the status object says (or, without one, the history or the events)."""
        state = self.report.get("state")
        return str(state) if state else None

    @property
    def event_states(self) -> list[str]:
        return [e["state"] for e in self.events]

    @property
    def report(self) -> dict[str, Any]:
        """The final report: status object, else history, else last event."""
        for report in (self.status_object, *self.history[:1], *self.events[-1:]):
            if report:
                return report
        return {}


class Harness:
    def __init__(self, cloud: LocalCloud) -> None:
        self.cloud = cloud
        args = argparse.Namespace(
            stack="ecsdrop", endpoint_url=cloud.endpoint, profile=None, region=None
        )
        self.stack = Stack.discover(args)
        self.store = StateStore(cloud.client("dynamodb"), self.stack.table)
        self._inputs: dict[str, dict[str, Any]] = {}

    def client(self, service: str) -> Any:
        return self.cloud.client(service)

    # ------------------------------------------------------------------ faults

    def arm(self, *faults: Mapping[str, Any], caller: str = ECSDROP_CALLER) -> None:
        """Faults on ecsdrop's own calls (the harness's reads are never refused): its
        functions', or (``CLI_CALLER``) its CLI's."""
        self.cloud.add_fault(*({"user-agent": caller, **fault} for fault in faults))

    def pending_faults(self) -> list[dict[str, Any]]:
        return [f for f in self.cloud.faults() if "api" in f]

    # ------------------------------------------------------------------ deployments

    def push(self, repository: str, tag: str, content: str) -> str:
        return push_image(self.client("ecr"), repository, tag, content)

    def upload(self, spec: Mapping[str, Any]) -> str:
        """Upload specs/<service>.yaml; returns the object's version id."""
        key = f"specs/{spec['service']['name']}.yaml"
        version = upload(self.stack, key, yaml.safe_dump(dict(spec), sort_keys=False).encode())
        assert version, "the spec bucket is versioned"
        return version

    def deploy(self, spec: Mapping[str, Any], deadline: float = RUN_DEADLINE) -> Run:
        """Upload the spec and follow the deployment its S3 event starts, to its end."""
        service = spec["service"]["name"]
        version = self.upload(spec)
        execution = self.execution(lambda started: version_of(started) == version)
        return self.follow(execution, service, deadline)

    def delete(self, service: str, deadline: float = RUN_DEADLINE) -> Run:
        """Delete specs/<service>.yaml (a delete marker, as `aws s3 rm` makes: S3 announces
        "Object Deleted") and follow the run it starts, to its end."""
        key = f"specs/{service}.yaml"
        marker = self.client("s3").delete_object(Bucket=self.stack.bucket, Key=key)["VersionId"]
        execution = self.execution(
            lambda started: (
                started.get("detail-type") == "Object Deleted" and version_of(started) == marker
            )
        )
        return self.follow(execution, service, deadline)

    def cli(self, *args: str) -> CliRun:
        """Run `ecsdrop ARGS` against the local cloud in this process, as a user would."""
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = ecsdrop_main([*args, "--endpoint-url", self.cloud.endpoint])
        unstruck = self.pending_faults()
        self.cloud.clear_faults()
        return CliRun(args, code, out.getvalue(), err.getvalue(), unstruck)

    def execution(self, wanted: Callable[[dict[str, Any]], bool], seconds: float = 30.0) -> str:
        """The execution whose input ``wanted`` accepts (waiting for it to start)."""
        found = self.executions(wanted, count=1, seconds=seconds)
        assert found, f"no execution started within {seconds}s"
        return found[0]

    def executions(
        self, wanted: Callable[[dict[str, Any]], bool], count: int, seconds: float = 30.0
    ) -> list[str]:
        """Up to ``count`` executions whose input ``wanted`` accepts, oldest first."""
        deadline = time.monotonic() + seconds
        while True:
            matching = [arn for arn, started in self._started().items() if wanted(started)]
            if len(matching) >= count or time.monotonic() > deadline:
                return matching
            time.sleep(0.2)

    def started(self, execution: str) -> dict[str, Any]:
        """The input an execution started with."""
        if execution not in self._inputs:
            self._started()
        return self._inputs[execution]

    def _started(self) -> dict[str, dict[str, Any]]:
        """Every execution's input, read once each (executions keep their input)."""
        sfn = self.client("stepfunctions")
        pages = sfn.get_paginator("list_executions").paginate(
            stateMachineArn=self.stack.state_machine_arn
        )
        for page in pages:
            for item in page["executions"]:
                arn = item["executionArn"]
                if arn not in self._inputs:
                    described = sfn.describe_execution(executionArn=arn)
                    self._inputs[arn] = json.loads(described.get("input") or "{}")
        return dict(sorted(self._inputs.items(), key=lambda kv: kv[0]))

    def wait_finished(self, execution: str, deadline: float = RUN_DEADLINE) -> dict[str, Any]:
        sfn = self.client("stepfunctions")
        give_up = time.monotonic() + deadline
        while True:
            described: dict[str, Any] = sfn.describe_execution(executionArn=execution)
            if described["status"] in FINAL_STATES or time.monotonic() > give_up:
                return described
            time.sleep(0.2)

    def follow(self, execution: str, service: str, deadline: float = RUN_DEADLINE) -> Run:
        described = self.wait_finished(execution, deadline)
        assert described["status"] != "RUNNING", f"{execution} still running after {deadline}s"
        unstruck = self.pending_faults()
        self.cloud.clear_faults()  # what the run left is read without faults
        run = self.read_run(service, execution, described)
        run.unstruck_faults = unstruck
        return run

    def read_run(self, service: str, execution: str, described: dict[str, Any]) -> Run:
        deployment = execution.rsplit(":", 1)[-1]
        status = self.status_object(service)
        holder = self.store.lock_holder(service)
        return Run(
            service=service,
            execution_arn=execution,
            execution_status=described["status"],
            status_object=status if status and status.get("deploymentId") == deployment else None,
            events=self.events_of(deployment),
            history=[h for h in self.store.history(service) if h["deploymentId"] == deployment],
            lock_holder=holder.owner if holder else None,
            output=json.loads(described.get("output") or "{}"),
        )

    # ------------------------------------------------------------------ reading the outcome

    def status_object(self, service: str) -> dict[str, Any] | None:
        try:
            body = self.client("s3").get_object(
                Bucket=self.stack.bucket, Key=f"status/{service}.json"
            )
        except ClientError:
            return None
        loaded: dict[str, Any] = json.loads(body["Body"].read())
        return loaded

    def events_of(self, deployment: str) -> list[dict[str, Any]]:
        return [
            entry["event"]["detail"]
            for entry in self.cloud.events()
            if entry["bus"] == self.stack.event_bus
            and entry["event"].get("source") == "ecsdrop"
            and entry["event"]["detail"].get("deploymentId") == deployment
        ]

    def settle(self, seconds: float = 10.0) -> None:
        """Wait until nothing runs: no execution, and no API call for a moment (late ECS
        events, the notifier), so one case's stragglers never meet the next case's faults."""
        sfn = self.client("stepfunctions")
        deadline = time.monotonic() + seconds
        previous = -1
        while time.monotonic() < deadline:
            running = sfn.list_executions(
                stateMachineArn=self.stack.state_machine_arn, statusFilter="RUNNING"
            )["executions"]
            total = sum(n for call, n in self.cloud.calls().items() if call not in _OWN_CALLS)
            if not running and total == previous:
                return
            previous = total
            time.sleep(0.4)

    # ------------------------------------------------------------------ the account

    def service(self, cluster: str, name: str) -> dict[str, Any] | None:
        """The ACTIVE service, with its tags (None when there is none)."""
        ecs = self.client("ecs")
        try:
            found = ecs.describe_services(cluster=cluster, services=[name], include=["TAGS"])[
                "services"
            ]
        except ClientError:
            return None
        return next((s for s in found if s["status"] == "ACTIVE"), None)

    def target_group(self, service: str, port: int) -> dict[str, Any] | None:
        try:
            found = self.client("elbv2").describe_target_groups(
                Names=[short_name("ecsdrop", service, str(port))]
            )["TargetGroups"]
        except ClientError:
            return None
        return found[0] if found else None

    def scalable_target(self, cluster: str, service: str) -> dict[str, Any] | None:
        found = self.client("application-autoscaling").describe_scalable_targets(
            ServiceNamespace="ecs", ResourceIds=[f"service/{cluster}/{service}"]
        )["ScalableTargets"]
        return found[0] if found else None

    def schedule(self, name: str) -> dict[str, Any] | None:
        """A scheduled job's schedule in the stack's group (None when there is none)."""
        try:
            found = self.client("scheduler").get_schedule(GroupName=SCHEDULE_GROUP, Name=name)
        except ClientError:
            return None
        return dict(found)

    def leftovers(
        self, service: str, cluster: str, ports: tuple[int, ...] = (8080,)
    ) -> dict[str, Any]:
        """Every resource ecsdrop makes for ``service`` that exists now (empty lists when a
        greenfield run left nothing behind); the cluster counts unless it is the shared
        default one."""
        elb, ecs, logs = self.client("elbv2"), self.client("ecs"), self.client("logs")
        load_balancers = [
            lb["LoadBalancerArn"]
            for lb in elb.describe_load_balancers()["LoadBalancers"]
            if lb["LoadBalancerName"] == short_name("ecsdrop", service)
        ]
        groups = logs.describe_log_groups(logGroupNamePrefix=f"/ecsdrop/{service}")["logGroups"]
        clusters = ecs.describe_clusters(clusters=[cluster])["clusters"]
        active = ecs.list_task_definitions(familyPrefix=service, status="ACTIVE")
        return {
            "network": {k: v for k, v in tagged_network(self.client, service).items() if v},
            "load balancers": load_balancers,
            "target groups": [
                tg["TargetGroupArn"] for port in ports if (tg := self.target_group(service, port))
            ],
            "service": [s["serviceArn"] for s in [self.service(cluster, service)] if s],
            "scalable target": [
                t["ResourceId"] for t in [self.scalable_target(cluster, service)] if t
            ],
            "task definitions": [
                arn
                for arn in active["taskDefinitionArns"]
                if arn.rsplit("/", 1)[-1].rsplit(":", 1)[0] == service
            ],
            "log groups": [
                g["logGroupName"] for g in groups if g["logGroupName"] == f"/ecsdrop/{service}"
            ],
            "cluster": [
                c["clusterArn"]
                for c in clusters
                if c["status"] == "ACTIVE" and cluster != SHARED_CLUSTER
            ],
            "schedule": [s["Arn"] for s in [self.schedule(service)] if s],
        }


def nothing_left(leftovers: Mapping[str, Any]) -> bool:
    return all(not value for value in leftovers.values())


def version_of(started: Mapping[str, Any]) -> str | None:
    obj = (started.get("detail") or {}).get("object") or {}
    return obj.get("version-id")


def wait_until(probe: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        result = probe()
        if result or time.monotonic() > deadline:
            assert result, f"gave up after {seconds}s waiting for {what}"
            return result
        time.sleep(0.2)
