"""The runs of the fault matrix (tests/support/fault_matrix.py ``Scenario``), each in two
halves: ``prepare`` (what exists before: a first deployment, a rollout that will fail) and
``trigger`` (the run the faults are armed for), and what must hold after each outcome."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecsdrop.deploy.load import owner_key
from localcloud import LocalCloud
from tests.e2e.hardening.harness import (
    CLI_CALLER,
    ECSDROP_CALLER,
    SHARED_CLUSTER,
    CliRun,
    Harness,
    Run,
    adopting,
    deleted_with_it,
    in_existing_vpc,
    nightly_job,
    nothing_left,
    on_shared_listener,
    scorekeep,
    version_of,
    wait_until,
)
from tests.support.architecture import tagged_resources
from tests.support.fault_matrix import (
    CLI_FAILED,
    DELETIONS,
    NO_REDEPLOY,
    NORMAL_OUTCOME,
    RAN_WITHOUT_LOG,
    Evidence,
    Permanent,
    Scenario,
)
from tests.support.hand_made import SERVICE_FIELDS, hand_made_service
from tests.support.networks import team_network

NEW_PORT = 8081
ROLLOUT_FAILS = {
    Scenario.GREENFIELD_ROLLBACK,
    Scenario.UPDATE_ROLLBACK,
    Scenario.NEW_PORT_ROLLBACK,
    Scenario.SHARED_ALB_ROLLBACK,
    Scenario.ADOPT_ROLLBACK,
}
UPDATES = {
    Scenario.UPDATE,
    Scenario.PRE_DEPLOY,
    Scenario.UPDATE_ROLLBACK,
    Scenario.NEW_PORT,
    Scenario.NEW_PORT_ROLLBACK,
    Scenario.ECR_PUSH,
}
ADOPTIONS = {Scenario.ADOPT, Scenario.ADOPT_ROLLBACK}
JOBS = {Scenario.JOB, Scenario.JOB_UPDATE, Scenario.JOB_DELETE}  # a schedule, no service
# Runs of a service that exists before them and that they must leave as it was when they
# fail before starting: a deletion's, and the retained service's first deployment again.
TAKEN_OVER_OR_ENDED = {*DELETIONS, Scenario.RETAKE}
CLI_RUNS = {Scenario.LIST, Scenario.RUN}  # a CLI command on a running service, not a workflow run
PAUSED = {Scenario.CONTINUE, Scenario.ABORT}  # a CLI command on a rollout a pause hook holds
# Outcomes whose execution succeeds (the others end in a Fail state).
EXECUTION_SUCCEEDS = ("SUCCEEDED", "DELETED", "RETAINED")
# The hand-made service's tags. For the failed adoption, one of the keys ecsdrop sets is
# there already, so the rollback puts its value back (TagResource) besides taking ecsdrop's
# own tags off (UntagResource).
HAND_MADE_TAGS = {"owner": "another-team"}
HAND_MADE_TAGS_REPLACED = {**HAND_MADE_TAGS, "ecsdrop:managed-by": "hand"}
# What the failed adoption must put back (tags are compared apart); without a load balancer
# a grace period means nothing, and UpdateService cannot unset it.
HAND_MADE_FIELDS = tuple(
    f for f in SERVICE_FIELDS if f not in ("deployments", "healthCheckGracePeriodSeconds", "tags")
)
# every scorekeep spec follows the first tag, the nightly job the second
FOLLOWED_IMAGES = (("scorekeep-frontend", "latest"), ("scorekeep-api", "latest"))


@dataclass
class SharedNetwork:
    """A VPC ecsdrop did not make (two public, two private subnets over two zones) and an ALB
    in it with an HTTP listener that services join with a rule."""

    vpc: dict[str, Any]
    listener_arn: str
    priorities: list[int] = field(default_factory=lambda: list(range(10, 1000)))

    @classmethod
    def create(cls, cloud: LocalCloud) -> SharedNetwork:
        ec2, elb = cloud.client("ec2"), cloud.client("elbv2")
        vpc = team_network(ec2, "10.90.0.0/16")
        vpc_id, subnets = vpc["vpcId"], {"public": vpc["public"], "private": vpc["private"]}
        # the team's shared load balancer (its default target group and listener)
        shared = elb.create_load_balancer(Name="platform", Subnets=subnets["public"])
        default = elb.create_target_group(
            Name="platform-default", Protocol="HTTP", Port=80, VpcId=vpc_id, TargetType="ip"
        )["TargetGroups"][0]
        listener = elb.create_listener(
            LoadBalancerArn=shared["LoadBalancers"][0]["LoadBalancerArn"],
            Protocol="HTTP",
            Port=80,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": default["TargetGroupArn"]}],
        )["Listeners"][0]
        return cls(vpc=vpc, listener_arn=listener["ListenerArn"])

    def rules(self, cloud: LocalCloud) -> list[dict[str, Any]]:
        found = cloud.client("elbv2").describe_rules(ListenerArn=self.listener_arn)["Rules"]
        return [rule for rule in found if not rule["IsDefault"]]

    def subnets_exist(self, cloud: LocalCloud) -> bool:
        ids = [*self.vpc["public"], *self.vpc["private"]]
        return len(cloud.client("ec2").describe_subnets(SubnetIds=ids)["Subnets"]) == len(ids)


@dataclass
class Prepared:
    scenario: Scenario
    name: str
    cluster: str
    spec: dict[str, Any]  # the spec of the run under test
    before: Run | None = None  # the service's last successful run, for updates
    repository: str | None = None  # the ECR repository an ECR_PUSH service follows
    errors_before: int = 0  # errors naming the call in the log of an async path's function
    caller: str = ECSDROP_CALLER  # whose calls the faults strike (the CLI's for LIST)
    hand_made: dict[str, Any] | None = None  # the service an adoption takes over, as it was
    record_before: dict[str, Any] | None = None  # the state item before the run under test
    tagged_before: list[str] = field(default_factory=list)  # what carried its tag before
    execution: str | None = None  # the run a pause hook holds (CONTINUE, ABORT)


def prepare(h: Harness, shared: SharedNetwork, scenario: Scenario, name: str) -> Prepared:
    """Everything up to the run the faults are for (nothing faulted yet)."""
    if scenario in (Scenario.GREENFIELD, Scenario.GREENFIELD_ROLLBACK):
        cluster = f"{name}-c"
    elif scenario in ADOPTIONS:
        cluster = f"{name}-h"
    else:
        cluster = SHARED_CLUSTER
    base = scorekeep(name, cluster=cluster)
    prepared = Prepared(scenario, name, cluster, base)
    if scenario in JOBS or scenario in PAUSED:
        return (_prepare_job if scenario in JOBS else _paused_rollout)(h, prepared)
    if scenario in ADOPTIONS:
        tags = HAND_MADE_TAGS_REPLACED if scenario is Scenario.ADOPT_ROLLBACK else HAND_MADE_TAGS
        prepared.hand_made = hand_made_service(h.client, cluster, name, tags)
        prepared.spec = adopting(base, cluster)
    elif scenario in TAKEN_OVER_OR_ENDED or scenario in CLI_RUNS:
        _running_service(h, prepared)
    elif scenario is Scenario.EXISTING_VPC:
        prepared.spec = in_existing_vpc(base, shared.vpc)
    elif scenario in (Scenario.SHARED_ALB, Scenario.SHARED_ALB_ROLLBACK):
        prepared.spec = on_shared_listener(
            base, shared.vpc, shared.listener_arn, shared.priorities.pop(0)
        )
    elif scenario in UPDATES:
        _deploy_first(h, prepared)
    if scenario in ROLLOUT_FAILS:
        h.cloud.add_fault({"rollout": name, "times": 1})
    return prepared


def _deploy_first(h: Harness, prepared: Prepared) -> None:
    name = prepared.name
    if prepared.scenario is Scenario.ECR_PUSH:
        prepared.repository = f"{name}-api"
        h.push(prepared.repository, "latest", f"{name}-1")
        first = scorekeep(name, api_repository=prepared.repository)
    else:
        first = scorekeep(name)
    prepared.before = h.deploy(first)
    assert prepared.before.state == "SUCCEEDED", prepared.before.report
    if prepared.scenario in (Scenario.UPDATE, Scenario.UPDATE_ROLLBACK):
        prepared.spec = scorekeep(
            name,
            api_tag="v2",
            desired=3,
            health_path="/health",
            max_tasks=6,
            deregistration_delay=15,
        )
    elif prepared.scenario in (Scenario.NEW_PORT, Scenario.NEW_PORT_ROLLBACK):
        prepared.spec = scorekeep(name, port=NEW_PORT)
    elif prepared.scenario is Scenario.PRE_DEPLOY:
        prepared.spec = scorekeep(name, api_tag="v2")
        prepared.spec["service"]["preDeploy"] = [
            {"container": "scorekeep-api", "command": ["./backfill"], "timeoutSeconds": 60}
        ]
        h.cloud.add_fault(
            {"task": name, "container": "scorekeep-api", "command": "./backfill", "seconds": 7200}
        )
    else:
        prepared.spec = first


def canary(spec: dict[str, Any], *hooks: dict[str, Any]) -> dict[str, Any]:
    """The spec deployed as a canary (with ``hooks``)."""
    spec["service"]["deployment"] = {
        "strategy": "canary",
        "canary": {"percent": 10, "bakeTimeMinutes": 1},
        "bakeTimeMinutes": 1,
    }
    if hooks:
        spec["service"]["deployment"]["hooks"] = list(hooks)
    return spec


def _paused_rollout(h: Harness, prepared: Prepared) -> Prepared:
    """A running canary service, and its next deployment held by a pause hook (an hour of
    simulated time before the hook times out and rolls it back by itself)."""
    name = prepared.name
    prepared.before = h.deploy(canary(scorekeep(name, max_tasks=None)))
    assert prepared.before.state == "SUCCEEDED", prepared.before.report
    pause = {"stage": "POST_SCALE_UP", "pause": True, "timeoutMinutes": 60}
    prepared.spec = canary(scorekeep(name, api_tag="v2", max_tasks=None), pause)
    version = h.upload(prepared.spec)
    prepared.execution = h.execution(lambda started: version_of(started) == version)
    wait_until(lambda: _paused(h, prepared), 60, "the deployment to pause")
    prepared.caller = CLI_CALLER
    return prepared


def _paused(h: Harness, prepared: Prepared) -> bool:
    ecs = h.client("ecs")
    listed = ecs.list_service_deployments(
        cluster=prepared.cluster, service=prepared.name, status=["IN_PROGRESS"]
    )["serviceDeployments"]
    if not listed:
        return False
    arn = listed[0]["serviceDeploymentArn"]
    (deployment,) = ecs.describe_service_deployments(serviceDeploymentArns=[arn])[
        "serviceDeployments"
    ]
    hooks = deployment.get("lifecycleHookDetails") or []
    return any(hook["status"] == "AWAITING_ACTION" for hook in hooks)


def _prepare_job(h: Harness, prepared: Prepared) -> Prepared:
    """A new job (nothing before it), a running job to update, or one to delete."""
    prepared.spec = nightly_job(prepared.name)
    if prepared.scenario is Scenario.JOB_UPDATE:
        _deploy_first_job(h, prepared)
    elif prepared.scenario is Scenario.JOB_DELETE:
        _running_service(h, prepared)
    return prepared


def _deploy_first_job(h: Harness, prepared: Prepared) -> None:
    """A running job, and its update: another expression and command (a new revision)."""
    prepared.before = h.deploy(prepared.spec)
    assert prepared.before.state == "SUCCEEDED", prepared.before.report
    update = nightly_job(prepared.name, expression="rate(6 hours)")
    update["taskDefinition"]["containerDefinitions"][0]["command"] = ["./rollup", "--since", "6h"]
    prepared.spec = update
    prepared.record_before = h.store.get_state(prepared.name)


def _running_service(h: Harness, prepared: Prepared) -> None:
    """A running service: to delete (by its policy), to list, or retained to deploy again."""
    name = prepared.name
    first = deleted_with_it(scorekeep(name)) if prepared.scenario is Scenario.DELETE else None
    if prepared.scenario is Scenario.JOB_DELETE:
        first = nightly_job(name)  # deletionPolicy: delete
    prepared.before = h.deploy(first or scorekeep(name))
    assert prepared.before.state == "SUCCEEDED", prepared.before.report
    prepared.spec = first or scorekeep(name)
    if prepared.scenario in CLI_RUNS:
        prepared.caller = CLI_CALLER
    if prepared.scenario is Scenario.RETAKE:
        retained = h.delete(name)
        assert retained.state == "RETAINED", retained.report
        check_retained(h, prepared, retained, tagged=tagged_resources(h.client, name))
        prepared.spec = scorekeep(name, api_tag="v2")
    prepared.record_before = h.store.get_state(name)
    prepared.tagged_before = tagged_resources(h.client, name)


def trigger(h: Harness, prepared: Prepared) -> Run | CliRun | None:
    """The run under test (None for an image push that started no deployment)."""
    if prepared.scenario in DELETIONS:
        return h.delete(prepared.name)
    if prepared.scenario in (Scenario.LIST, *PAUSED):
        listing = prepared.scenario is Scenario.LIST
        return h.cli("list", "--json") if listing else h.cli(prepared.scenario, prepared.name)
    if prepared.scenario is Scenario.RUN:
        with tempfile.TemporaryDirectory() as where:
            spec = Path(where) / f"{prepared.name}.json"
            spec.write_text(json.dumps(prepared.spec))
            return h.cli("run", str(spec), "--command", "true", "--poll-seconds", "0.2")
    if prepared.scenario is not Scenario.ECR_PUSH:
        return h.deploy(prepared.spec)
    assert prepared.repository is not None
    reports = _reports(h.cloud, "EcrTriggerFunction")
    h.push(prepared.repository, "latest", f"{prepared.name}-2")
    wait_until(
        lambda: _reports(h.cloud, "EcrTriggerFunction") > reports, 30, "the ECR trigger to run"
    )
    started = h.executions(
        lambda s: (s.get("redeploy") or {}).get("service") == prepared.name, count=1, seconds=3
    )
    if not started:
        return None
    return h.follow(started[0], prepared.name)


def _reports(cloud: LocalCloud, function: str) -> int:
    return sum(line.startswith("REPORT ") for line in cloud.lambda_logs(function))


# --------------------------------------------------------------------------- what must hold


def check_normal(
    h: Harness, shared: SharedNetwork, prepared: Prepared, run: Run | CliRun | None
) -> None:
    """The run ended as it does without faults, and left the account as it should."""
    if isinstance(run, CliRun):
        if prepared.scenario is Scenario.RUN:
            check_ran(run)
        elif prepared.scenario in PAUSED:
            check_answered(h, prepared, run)
        else:
            check_listed(prepared, run)
        return
    assert run is not None, "no deployment started"
    outcome = NORMAL_OUTCOME[prepared.scenario]
    assert run.state == outcome, run.report
    if outcome == "ROLLED_BACK":
        check_undone(h, shared, prepared, run)
    elif outcome == "DELETED":
        check_deleted(h, prepared, run)
    elif outcome == "RETAINED":
        check_retained(h, prepared, run, tagged=prepared.tagged_before)
    else:
        check_running(h, prepared, run)
    check_reports(run, started=True)
    if prepared.scenario is Scenario.NOTIFY:
        check_announced(h, run)


def check_permanent(
    h: Harness,
    shared: SharedNetwork,
    prepared: Prepared,
    run: Run | CliRun | None,
    *,
    case: Permanent,
    call: str,
) -> None:
    if isinstance(run, CliRun):
        if case.outcome == RAN_WITHOUT_LOG:
            check_ran(run)
            assert "cannot read the task's log" in run.stderr and call in run.stderr, run.stderr
            return
        assert case.outcome == CLI_FAILED, case
        check_cli_failed(run, call)
        if prepared.scenario in PAUSED:
            assert _paused(h, prepared), "the refused command changed the paused deployment"
        return
    if case.outcome == NO_REDEPLOY:
        assert run is None, f"a redeploy started: {run}"
        assert prepared.before is not None
        current = h.service(prepared.cluster, prepared.name)
        assert current is not None
        assert current["taskDefinition"] == _task_definition(prepared.before)
        _check_evidence(h, prepared, run, case, call)
        return
    assert run is not None, "no deployment started"
    assert run.state == case.outcome, run.report
    succeeds = case.outcome in EXECUTION_SUCCEEDS
    assert run.execution_status == ("SUCCEEDED" if succeeds else "FAILED")
    _check_evidence(h, prepared, run, case, call)
    check_reports(run, started=case.outcome != "FAILED", case=case)
    if case.outcome == "SUCCEEDED":
        check_running(h, prepared, run)
    elif case.outcome in ("FAILED", "ROLLED_BACK"):
        check_undone(h, shared, prepared, run)
    elif case.outcome == "DELETE_FAILED":
        check_delete_failed(h, prepared, run, case)
    else:
        check_left_named(h, prepared, run, case)


def check_reports(run: Run, started: bool, case: Permanent | None = None) -> None:
    """Lock, status object, history and events say the same outcome (or are the one report
    the failed call could not write)."""
    expires = case is not None and case.lock_expires
    assert run.lock_holder == (run.deployment_id if expires else None), run.lock_holder
    want_status = case is None or case.status_object
    want_history = case is None or case.history
    want_events = case is None or case.events
    assert (run.status_object is not None) == want_status, run.status_object
    assert [h["state"] for h in run.history] == ([run.state] if want_history else [])
    expected_events = ([*(["STARTED"] if started else []), run.state]) if want_events else []
    assert run.event_states == expected_events


def check_running(h: Harness, prepared: Prepared, run: Run) -> None:
    if prepared.scenario in JOBS:
        check_scheduled(h, prepared, run)
        return
    service = h.service(prepared.cluster, prepared.name)
    assert service is not None, f"{prepared.name} is not running"
    assert service["taskDefinition"] == _task_definition(run)
    recorded = h.store.get_state(prepared.name)
    assert recorded is not None and recorded["deploymentId"] == run.deployment_id
    if prepared.scenario in ADOPTIONS:  # ecsdrop's now, and the owner's tags kept
        tags = _tags(service)
        assert tags.get("ecsdrop:service") == prepared.name, tags
        assert HAND_MADE_TAGS.items() <= tags.items(), tags
    if prepared.scenario is Scenario.RETAKE:  # what was retained is taken back, not doubled
        before = prepared.record_before
        assert before is not None
        for kept in ("loadBalancerArn", "targetGroupArn"):
            assert recorded["loadBalancer"][kept] == before["loadBalancer"][kept], kept
        assert recorded["network"]["vpcId"] == before["network"]["vpcId"]


def check_scheduled(h: Harness, prepared: Prepared, run: Run) -> None:
    """A job's run: its schedule starts the run's revision as the spec says; no service."""
    schedule = h.schedule(prepared.name)
    assert schedule is not None, f"{prepared.name} has no schedule"
    assert schedule["ScheduleExpression"] == prepared.spec["schedule"]["expression"]
    assert schedule["Target"]["EcsParameters"]["TaskDefinitionArn"] == _task_definition(run)
    assert h.service(prepared.cluster, prepared.name) is None
    recorded = h.store.get_state(prepared.name)
    assert recorded is not None and recorded["deploymentId"] == run.deployment_id
    assert recorded["scheduleArn"] == schedule["Arn"]


def _check_job_as_before(h: Harness, prepared: Prepared, run: Run) -> None:
    """A failed update of a job: its schedule starts the previous revision, as before."""
    before = prepared.before
    assert before is not None
    schedule = h.schedule(prepared.name)
    assert schedule is not None, "the job's schedule is gone"
    assert schedule["ScheduleExpression"] == nightly_job(prepared.name)["schedule"]["expression"]
    assert schedule["Target"]["EcsParameters"]["TaskDefinitionArn"] == _task_definition(before)
    assert h.store.get_state(prepared.name) == prepared.record_before
    new = _task_definition(run)
    if new and new != _task_definition(before):
        described = h.client("ecs").describe_task_definition(taskDefinition=new)
        assert described["taskDefinition"]["status"] == "INACTIVE"


# --------------------------------------------------------------------------- a service's end


def check_deleted(h: Harness, prepared: Prepared, run: Run) -> None:
    """DELETED: nothing carries the service's tag, no service runs, the shared cluster is
    kept, and the state item says DELETED and no key owns the name any more."""
    left = tagged_resources(h.client, prepared.name)
    assert left == [], left
    assert h.service(prepared.cluster, prepared.name) is None
    assert h.schedule(prepared.name) is None
    assert run.report.get("deleted"), run.report
    clusters = h.client("ecs").describe_clusters(clusters=[SHARED_CLUSTER])["clusters"]
    assert [c["status"] for c in clusters] == ["ACTIVE"]
    _check_record(h, prepared, run, "DELETED", owned=False)


def check_retained(h: Harness, prepared: Prepared, run: Run, tagged: list[str]) -> None:
    """RETAINED: everything still there and running the same revision, what runs named in
    the report, ECR pushes no longer followed, and no key owns the name any more."""
    assert prepared.before is not None
    service = h.service(prepared.cluster, prepared.name)
    assert service is not None, f"{prepared.name} no longer runs"
    assert service["taskDefinition"] == _task_definition(prepared.before)
    assert service["desiredCount"] == scorekeep(prepared.name)["service"]["desiredCount"]
    assert tagged_resources(h.client, prepared.name) == tagged, "a retain deletion deleted"
    retained = " ".join(run.report.get("retained") or [])
    for what in (f"ECS service {prepared.name}", "load balancer", "NAT gateway"):
        assert what in retained, run.report
    assert not _follows(h, prepared.name), "the retained service still follows ECR pushes"
    _check_record(h, prepared, run, "RETAINED", owned=False)


def check_delete_failed(h: Harness, prepared: Prepared, run: Run, case: Permanent) -> None:
    """DELETE_FAILED: the key still owns the service (so it can be retried), what is left is
    named (or, when the teardown stopped before listing anything, nothing was touched; or,
    when its end could not be recorded, the state item is as it was), and `ecsdrop delete`
    run again finishes the job."""
    left_behind = run.report.get("leftBehind") or []
    assert left_behind, run.report
    stopped = any("teardown stopped" in line for line in left_behind)
    assert stopped == case.teardown_stops, left_behind
    unrecorded = any("could not be recorded" in line for line in left_behind)
    assert unrecorded == (not case.recorded), left_behind
    if case.recorded:
        _check_record(h, prepared, run, "DELETE_FAILED", owned=True)
    else:  # still the running deployment's record, owned by the key
        assert h.store.get_state(prepared.name) == prepared.record_before
    if stopped:
        assert tagged_resources(h.client, prepared.name) == prepared.tagged_before
        if prepared.scenario in JOBS:
            assert h.schedule(prepared.name) is not None
        else:
            assert h.service(prepared.cluster, prepared.name) is not None
    elif case.recorded:
        text = json.dumps(left_behind)
        remaining = tagged_resources(h.client, prepared.name)
        schedule = h.schedule(prepared.name)  # a job's schedule carries no tags
        remaining += [schedule["Arn"]] if schedule else []
        assert remaining, "DELETE_FAILED, yet nothing is left"
        unnamed = [i for i in remaining if _short_id(i) not in text]
        assert not unnamed, f"left but not named: {unnamed}\nleftBehind: {left_behind}"
        assert run.report.get("deleted"), "nothing was deleted"
    retried = h.cli("delete", prepared.name, "--yes", "--wait", "--json")
    assert retried.code == 0, retried.stderr
    result = json.loads(retried.stdout)
    assert result["status"] == NORMAL_OUTCOME[prepared.scenario], result
    if prepared.scenario in (Scenario.DELETE, Scenario.JOB_DELETE):
        assert tagged_resources(h.client, prepared.name) == []
        assert h.schedule(prepared.name) is None
    else:
        assert h.service(prepared.cluster, prepared.name) is not None


def _check_record(h: Harness, prepared: Prepared, run: Run, status: str, *, owned: bool) -> None:
    recorded = h.store.get_state(prepared.name)
    assert recorded is not None
    assert (recorded["status"], recorded["deploymentId"]) == (status, run.deployment_id)
    assert owner_key(recorded) == (f"specs/{prepared.name}.yaml" if owned else None)


def _follows(h: Harness, service: str) -> bool:
    return any(
        f["service"] == service
        for image in FOLLOWED_IMAGES
        for f in h.store.services_following(*image)
    )


# --------------------------------------------------------------------------- the CLI


def check_listed(prepared: Prepared, run: CliRun) -> None:
    """`ecsdrop list` exits 0 and lists the service as deployed."""
    assert run.code == 0, run.stderr
    rows = {row["service"]: row for row in json.loads(run.stdout)}
    assert prepared.name in rows, sorted(rows)
    row = rows[prepared.name]
    assert (row["state"], row["specKey"]) == ("SUCCEEDED", f"specs/{prepared.name}.yaml"), row


def check_answered(h: Harness, prepared: Prepared, run: CliRun) -> None:
    """`ecsdrop continue` (or `abort`) exits 0, and the held run ends as asked: SUCCEEDED on
    the new revision, or ROLLED_BACK to the one before."""
    assert run.code == 0, run.stderr
    assert prepared.execution is not None and prepared.before is not None
    ended = h.follow(prepared.execution, prepared.name)
    if prepared.scenario is Scenario.CONTINUE:
        assert ended.state == "SUCCEEDED", ended.report
    else:
        assert ended.state == "ROLLED_BACK", ended.report
        current = h.service(prepared.cluster, prepared.name)
        assert current is not None
        assert current["taskDefinition"] == _task_definition(prepared.before)


def check_ran(run: CliRun) -> None:
    """`ecsdrop run` waited for its task to stop and exits with the container's code, 0."""
    assert run.code == 0, run.stderr
    assert "exited 0 (Essential container in task exited)" in run.stderr, run.stderr
    assert "Traceback" not in run.stderr, run.stderr


def check_cli_failed(run: CliRun, call: str) -> None:
    """The command fails, saying which call was refused: no listing (or log), no traceback."""
    assert run.code != 0, run.stdout
    assert call in run.stderr, run.stderr
    assert "Traceback" not in run.stderr, run.stderr
    assert run.stdout == "", run.stdout


def check_undone(h: Harness, shared: SharedNetwork, prepared: Prepared, run: Run) -> None:
    """A failed run left the service as it was: nothing of a new service, the previous
    revision and settings of a running one."""
    if prepared.scenario in ADOPTIONS:
        _check_hand_made_as_before(h, prepared, tags=True)
        left = _ecsdrops_leftovers(h, prepared)
        assert nothing_left(left), left
        assert h.store.get_state(prepared.name) is None
        return
    if prepared.scenario in TAKEN_OVER_OR_ENDED:
        _check_untouched(h, prepared)
        return
    if prepared.before is None:
        left = h.leftovers(prepared.name, prepared.cluster)
        assert nothing_left(left), left
        assert h.store.get_state(prepared.name) is None
        if prepared.scenario in (
            Scenario.EXISTING_VPC,
            Scenario.SHARED_ALB,
            Scenario.SHARED_ALB_ROLLBACK,
        ):
            assert shared.subnets_exist(h.cloud)
            paths = [c["Values"] for r in shared.rules(h.cloud) for c in r["Conditions"]]
            assert [f"/{prepared.name}/*"] not in paths, paths
        return
    if prepared.scenario in JOBS:
        _check_job_as_before(h, prepared, run)
        return
    _check_as_before(h, prepared, run)


def _check_as_before(h: Harness, prepared: Prepared, run: Run) -> None:
    before = prepared.before
    assert before is not None
    service = h.service(prepared.cluster, prepared.name)
    assert service is not None
    first = scorekeep(prepared.name)
    assert service["taskDefinition"] == _task_definition(before)
    assert service["desiredCount"] == first["service"]["desiredCount"]
    target_group = h.target_group(prepared.name, 8080)
    assert target_group is not None
    assert target_group["HealthCheckPath"] == first["loadBalancer"]["healthCheck"]["path"]
    scaling = h.scalable_target(prepared.cluster, prepared.name)
    assert scaling is not None
    assert scaling["MaxCapacity"] == first["service"]["autoscaling"]["maxCapacity"]
    recorded = h.store.get_state(prepared.name)
    assert recorded is not None and recorded["deploymentId"] == before.deployment_id
    new = _task_definition(run)
    if new and new != _task_definition(before):
        described = h.client("ecs").describe_task_definition(taskDefinition=new)
        assert described["taskDefinition"]["status"] == "INACTIVE"
    if prepared.scenario in (Scenario.NEW_PORT, Scenario.NEW_PORT_ROLLBACK):
        _check_port_as_before(h, prepared, target_group["TargetGroupArn"])


def _check_port_as_before(h: Harness, prepared: Prepared, target_group_arn: str) -> None:
    assert h.target_group(prepared.name, NEW_PORT) is None
    before = prepared.before
    assert before is not None
    state = h.store.get_state(prepared.name)
    assert state is not None
    (listener,) = h.client("elbv2").describe_listeners(
        ListenerArns=state["loadBalancer"]["listenerArns"]
    )["Listeners"]
    assert listener["DefaultActions"][0]["TargetGroupArn"] == target_group_arn
    tasks_group = state["network"]["securityGroups"]["tasks"]
    (group,) = h.client("ec2").describe_security_groups(GroupIds=[tasks_group])["SecurityGroups"]
    assert [(p["FromPort"], p["ToPort"]) for p in group["IpPermissions"]] == [(8080, 8080)]


def _check_untouched(h: Harness, prepared: Prepared) -> None:
    """A deletion, or the retained service's next deployment, that failed before it started:
    the service runs the same revision, everything carrying its tag is still there, and its
    state item is exactly as it was (for a deletion, still owned by its key)."""
    assert prepared.before is not None
    if prepared.scenario in JOBS:
        schedule = h.schedule(prepared.name)
        assert schedule is not None, f"{prepared.name} has no schedule any more"
        running = schedule["Target"]["EcsParameters"]["TaskDefinitionArn"]
    else:
        service = h.service(prepared.cluster, prepared.name)
        assert service is not None, f"{prepared.name} no longer runs"
        running = service["taskDefinition"]
    assert running == _task_definition(prepared.before)
    assert tagged_resources(h.client, prepared.name) == prepared.tagged_before
    assert h.store.get_state(prepared.name) == prepared.record_before
    assert _follows(h, prepared.name) == (prepared.scenario in DELETIONS)


def _check_hand_made_as_before(h: Harness, prepared: Prepared, *, tags: bool) -> None:
    """The adopted service has the settings (and, with ``tags``, the tags) it had."""
    before = prepared.hand_made
    assert before is not None
    after = h.service(prepared.cluster, prepared.name)
    assert after is not None, "the hand-made service is gone"
    assert {f: after.get(f) for f in HAND_MADE_FIELDS} == {
        f: before.get(f) for f in HAND_MADE_FIELDS
    }
    if tags:
        assert _tags(after) == _tags(before), (_tags(after), _tags(before))


def _ecsdrops_leftovers(h: Harness, prepared: Prepared) -> dict[str, Any]:
    """What ecsdrop made for an adoption that is still there: not the service and cluster
    that were there before it (those must stay)."""
    left = h.leftovers(prepared.name, prepared.cluster)
    assert left.pop("service"), "the hand-made service is gone"
    assert left.pop("cluster"), "the hand-made cluster is gone"
    return left


def _tags(service: dict[str, Any]) -> dict[str, str]:
    return {t["key"]: t["value"] for t in service.get("tags", [])}


def check_left_named(h: Harness, prepared: Prepared, run: Run, case: Permanent) -> None:
    """ROLLBACK_FAILED: the rollback ran to its end (unless the matrix says it cannot), and
    whatever of a new service is still there is named in leftBehind."""
    left_behind = run.report.get("leftBehind") or []
    assert left_behind, run.report
    stopped = any("rollback stopped" in line for line in left_behind)
    assert stopped == case.rollback_stops, left_behind
    text = json.dumps(left_behind)
    if prepared.scenario in ADOPTIONS:  # only the service's tags could not be put back
        assert prepared.hand_made is not None
        assert f"service-tags {prepared.hand_made['serviceArn']}" in text, left_behind
        _check_hand_made_as_before(h, prepared, tags=False)
        left = _ecsdrops_leftovers(h, prepared)
        assert nothing_left(left), left
        return
    if prepared.before is not None or stopped:
        return
    leftovers = h.leftovers(prepared.name, prepared.cluster)
    remaining = [
        *[i for ids in leftovers.pop("network").values() for i in ids],
        *[i for ids in leftovers.values() for i in ids],
    ]
    unnamed = [i for i in remaining if _short_id(i) not in text]
    assert not unnamed, f"left but not named: {unnamed}\nleftBehind: {left_behind}"


def _short_id(resource: str) -> str:
    """How ``leftBehind`` names a resource: its id, ARN, or cluster/service name."""
    if resource.startswith("arn:aws:ecs:") and ":service/" in resource:
        return resource.rsplit("/", 1)[-1]
    if resource.startswith("arn:aws:ecs:") and ":cluster/" in resource:
        return resource.rsplit("/", 1)[-1]
    if resource.startswith("arn:aws:scheduler:"):
        return f"schedule {resource.rsplit('/', 1)[-1]}"
    return resource


def _check_evidence(
    h: Harness, prepared: Prepared, run: Run | None, case: Permanent, call: str
) -> None:
    if case.evidence is Evidence.NAMED:
        assert run is not None
        seen = json.dumps([run.report, run.output])
        assert call in seen, f"{call} is not named in the report: {run.report}"
    elif case.evidence is Evidence.POLLED:
        assert run is not None
        assert "CheckRollout" in _states_entered(h, run), "the polling fallback did not run"
    else:
        function = _async_function(case)
        assert _errors_naming(h, function, call) > prepared.errors_before, (
            f"{function} did not fail on {call}"
        )


def _async_function(case: Permanent) -> str:
    return "NotifierFunction" if case.evidence is Evidence.NOTIFIER_LOG else "EcrTriggerFunction"


def _errors_naming(h: Harness, function: str, call: str) -> int:
    return sum(
        line.startswith("[ERROR]") and call in line for line in h.cloud.lambda_logs(function)
    )


def check_announced(h: Harness, run: Run) -> None:
    """The notifier read its destinations and announced the run's outcome."""

    def announced() -> bool:
        for line in h.cloud.lambda_logs("NotifierFunction"):
            if not line.startswith("{"):
                continue
            record = json.loads(line)
            if (
                record.get("message") == "deployment event announced"
                and record.get("correlation_id") == run.deployment_id
            ):
                return True
        return False

    wait_until(announced, 30, "the notifier to announce the deployment")


def _states_entered(h: Harness, run: Run) -> list[str]:
    history = h.client("stepfunctions").get_execution_history(
        executionArn=run.execution_arn, maxResults=1000
    )["events"]
    return [
        e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e
    ]


def _task_definition(run: Run) -> str | None:
    task: Mapping[str, Any] = run.report.get("taskDefinition") or {}
    current = task.get("current")
    return str(current) if current else None


def note_async_errors(h: Harness, prepared: Prepared, case: Permanent, call: str) -> None:
    """Count the errors naming the call that an asynchronous path's function logged so far."""
    if case.evidence in (Evidence.NOTIFIER_LOG, Evidence.TRIGGER_LOG):
        prepared.errors_before = _errors_naming(h, _async_function(case), call)
