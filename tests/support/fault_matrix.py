"""The fault matrix: every AWS call ecsdrop makes, the runs that exercise it, and what a
deployment must do when the call fails.

Each call the code makes (tests/support/aws_calls.py reads them from the code) has a row:

- where the code makes it (``paths``: the workflow's state, the function outside it, or
  the CLI command for a call only the CLI makes);
- the run whose calls are throttled, then answered with a 5xx, before they succeed
  (``transient``): that run must end as it does without faults;
- one or more runs where the call fails for good, with AccessDenied or another 4xx the
  service really returns (``permanent``), and the outcome they must end in.

The end-to-end suite (tests/e2e/hardening/test_fault_matrix.py) runs every row on the local
cloud; tests/unit/test_fault_matrix_is_complete.py fails when the code makes a call this
table does not classify, or the table lists one the code no longer makes; docs/reliability.md
shows the table (tools/gen_reliability_docs.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Scenario(StrEnum):
    """The runs the matrix drives through the real pipeline."""

    GREENFIELD = "greenfield"
    UPDATE = "update"
    NEW_PORT = "new-port"
    EXISTING_VPC = "existing-vpc"
    SHARED_ALB = "shared-alb"
    GREENFIELD_ROLLBACK = "greenfield-rollback"
    UPDATE_ROLLBACK = "update-rollback"
    NEW_PORT_ROLLBACK = "new-port-rollback"
    SHARED_ALB_ROLLBACK = "shared-alb-rollback"
    ECR_PUSH = "ecr-push"
    NOTIFY = "notify"
    ADOPT = "adopt"
    ADOPT_ROLLBACK = "adopt-rollback"
    DELETE = "delete"
    RETAIN = "retain"
    RETAKE = "retake"
    LIST = "list"
    RUN = "run"
    PRE_DEPLOY = "pre-deploy"
    JOB = "job"
    JOB_UPDATE = "job-update"
    JOB_DELETE = "job-delete"
    CONTINUE = "continue"
    ABORT = "abort"


SCENARIOS: dict[Scenario, str] = {
    Scenario.GREENFIELD: "a new service: managed VPC over 2 zones, NAT gateway, ALB, target "
    "group, listener, autoscaling, in a cluster of its own (created)",
    Scenario.UPDATE: "a running service gets a new image, desired count, health-check path "
    "and autoscaling maximum",
    Scenario.NEW_PORT: "a running service moves its container port: security-group rules, a "
    "new target group, the listener's default action",
    Scenario.EXISTING_VPC: "a new service in a VPC that exists (subnets looked up by id and "
    "by tag)",
    Scenario.SHARED_ALB: "a new service as a path rule on a shared ALB's listener",
    Scenario.GREENFIELD_ROLLBACK: "the greenfield run, whose rollout ECS fails: everything it "
    "made is deleted",
    Scenario.UPDATE_ROLLBACK: "the update, whose rollout ECS fails: service, target group and "
    "autoscaling restored",
    Scenario.NEW_PORT_ROLLBACK: "the port move, whose rollout ECS fails: rules and listener "
    "restored",
    Scenario.SHARED_ALB_ROLLBACK: "the shared-ALB service, whose rollout ECS fails: its rule "
    "is deleted",
    Scenario.ECR_PUSH: "an image push redeploys the service that follows the tag",
    Scenario.NOTIFY: "a deployment's events reach the notifier (chat)",
    Scenario.ADOPT: "a hand-made ECS service (its own cluster, network and tags) taken over "
    "with service.adopt: true: ecsdrop's tags, revision, network and load balancer",
    Scenario.ADOPT_ROLLBACK: "the adoption, whose rollout ECS fails: the hand-made service's "
    "settings and tags put back (one tag it had, ecsdrop:managed-by, had its value replaced)",
    Scenario.DELETE: "a running service's spec (deletionPolicy: delete) is deleted: everything "
    "tagged for it goes, its revisions deleted too; the shared cluster stays",
    Scenario.RETAIN: "a running service's spec (deletionPolicy: retain, the default) is "
    "deleted: ecsdrop lets go, the service keeps running, its ECR triggers stop",
    Scenario.RETAKE: "the first deployment after a retain deletion: the target group and load "
    "balancer under ecsdrop's names exist, and their tags say they are the service's",
    Scenario.LIST: "`ecsdrop list`, the CLI (no Lambda function scans the table)",
    Scenario.RUN: "`ecsdrop run`, the CLI: a one-off task of a running service's spec in its "
    "network, waited for to its exit code (0)",
    Scenario.PRE_DEPLOY: "a running service's update whose pre-deploy task outlasts its "
    "timeout: the task is stopped, the run undone, the service as it was",
    Scenario.JOB: "a new scheduled job (examples/scorekeep-nightly.yaml): its network, task "
    "definition and EventBridge Scheduler schedule, no service",
    Scenario.JOB_UPDATE: "a scheduled job's update: a new revision and expression; undone, "
    "the schedule's previous definition is put back",
    Scenario.JOB_DELETE: "a scheduled job's spec (deletionPolicy: delete) is deleted: its "
    "schedule and everything tagged for it go",
    Scenario.CONTINUE: "`ecsdrop continue`, the CLI: a canary deployment held by a pause hook "
    "goes on, and its run succeeds",
    Scenario.ABORT: "`ecsdrop abort`, the CLI: a canary deployment held by a pause hook is "
    "stopped, ECS rolls it back, and its run ends ROLLED_BACK",
}

# How the run ends without faults (the transient case must end the same way).
NORMAL_OUTCOME: dict[Scenario, str] = {
    **{s: "SUCCEEDED" for s in Scenario},
    Scenario.GREENFIELD_ROLLBACK: "ROLLED_BACK",
    Scenario.UPDATE_ROLLBACK: "ROLLED_BACK",
    Scenario.NEW_PORT_ROLLBACK: "ROLLED_BACK",
    Scenario.SHARED_ALB_ROLLBACK: "ROLLED_BACK",
    Scenario.ADOPT_ROLLBACK: "ROLLED_BACK",
    Scenario.PRE_DEPLOY: "ROLLED_BACK",
    Scenario.DELETE: "DELETED",
    Scenario.JOB_DELETE: "DELETED",
    Scenario.RETAIN: "RETAINED",
    Scenario.LIST: "LISTED",
    Scenario.RUN: "RAN",
    Scenario.CONTINUE: "CONTINUED",
    Scenario.ABORT: "ABORTED",
}
# The runs that end a service (a delete marker on its spec) rather than deploy it.
DELETIONS = frozenset({Scenario.DELETE, Scenario.RETAIN, Scenario.JOB_DELETE})

# Outcomes that are not a deployment state.
NO_REDEPLOY = "NO_REDEPLOY"  # an image push started no deployment; the service is unchanged
LISTED = "LISTED"  # the CLI command exits 0 and lists the services
CLI_FAILED = "CLI_FAILED"  # the CLI command exits non-zero naming the call; nothing changes
RAN = "RAN"  # `ecsdrop run` exits with the task's exit code (0)
RAN_WITHOUT_LOG = "RAN_WITHOUT_LOG"  # ... naming the call that kept it from reading the log


class Evidence(StrEnum):
    """Where the failed call shows, besides the outcome."""

    NAMED = "named"  # the run's report (status, history, event) or step result names the call
    POLLED = "polled"  # the polling fallback decided the rollout (the event did not resume it)
    NOTIFIER_LOG = "notifier log"  # the notifier's error names the call
    TRIGGER_LOG = "trigger log"  # the ECR trigger's error names the call


@dataclass(frozen=True)
class Permanent:
    """A run where the call fails for good, and how that run must end."""

    scenario: Scenario
    # SUCCEEDED, FAILED, ROLLED_BACK, ROLLBACK_FAILED, DELETE_FAILED, NO_REDEPLOY, CLI_FAILED
    outcome: str
    why: str
    # calls of that name that succeed first: the deploy-time ones, to fail the undo; the
    # Lock step's ownership check, to fail the step that deploys
    after: int = 0
    status_object: bool = True  # the run's status object is written
    history: bool = True  # the run's history record is written
    events: bool = True  # the run's events are published
    lock_expires: bool = False  # the lock cannot be released: it is left to expire
    rollback_stops: bool = False  # the rollback itself cannot run (ROLLBACK_FAILED unlisted)
    teardown_stops: bool = False  # the teardown cannot list what runs: nothing is touched
    recorded: bool = True  # a deletion's end is written to the state item
    evidence: Evidence = Evidence.NAMED


@dataclass(frozen=True)
class Row:
    call: str
    paths: tuple[str, ...]
    transient: Scenario
    permanent: tuple[Permanent, ...]


def _rolled_back(scenario: Scenario = Scenario.GREENFIELD, why: str = "") -> Permanent:
    return Permanent(scenario, "ROLLED_BACK", why or "the step fails; the run is undone")


def _left(scenario: Scenario, why: str, after: int = 0) -> Permanent:
    return Permanent(scenario, "ROLLBACK_FAILED", why, after=after)


def _not_started(why: str, scenario: Scenario = Scenario.GREENFIELD) -> Permanent:
    return Permanent(scenario, "FAILED", why)


def _delete_left(why: str, scenario: Scenario = Scenario.DELETE, **fields: Any) -> Permanent:
    return Permanent(scenario, "DELETE_FAILED", why, **fields)


_UNDO = "the undo fails; ROLLBACK_FAILED names what is left (and what depends on it)"
_RESTORE = "the restore fails; ROLLBACK_FAILED names what was not restored"
_UNCHANGED = "the change never happened: the rollback finds it as before, nothing left"
_OWNERSHIP = (
    "the Lock step cannot check what exists under ecsdrop's names: not started, the lock "
    "released, nothing made"
)
_PAST_THE_LOCK = "past the Lock step's check, the step that deploys fails; the run is undone"
_UNDONE_IN_TEARDOWN = (
    "the deletion fails there: DELETE_FAILED names it and what depends on it (failing at "
    "once); the rest is deleted and a retry finishes"
)

G, U, P = Scenario.GREENFIELD, Scenario.UPDATE, Scenario.NEW_PORT
GR, UR, PR = Scenario.GREENFIELD_ROLLBACK, Scenario.UPDATE_ROLLBACK, Scenario.NEW_PORT_ROLLBACK
A, AR = Scenario.ADOPT, Scenario.ADOPT_ROLLBACK
D, R = Scenario.DELETE, Scenario.RETAIN

ROWS: tuple[Row, ...] = (
    # ---------------------------------------------------------------- the spec bucket
    Row(
        "s3:HeadObject",
        (
            "LoadSpec (size check)",
            "AcquireLock (newest version, every deploy run)",
            "EcrTrigger (spec deleted?)",
            "Plan",
        ),
        G,
        (Permanent(G, "FAILED", "the spec cannot be read: not started, nothing locked or made"),),
    ),
    Row(
        "s3:GetObject",
        ("LoadSpec", "Plan"),
        G,
        (Permanent(G, "FAILED", "the spec cannot be read: not started, nothing locked or made"),),
    ),
    Row(
        "s3:PutObject",
        ("AcquireLock (IN_PROGRESS status object)", "Finish (status object)"),
        G,
        (
            Permanent(
                G,
                "SUCCEEDED",
                "a report, not the deployment: no status object (neither IN_PROGRESS nor the "
                "outcome); history and event say SUCCEEDED, the step lists it as unreported",
                status_object=False,
            ),
        ),
    ),
    # ---------------------------------------------------------------- the state table
    Row(
        "dynamodb:PutItem",
        (
            "AcquireLock",
            "ledger and intents (every step)",
            "WaitForRollout (token)",
            "RolloutEvents (verdict)",
            "Finish (state, history)",
        ),
        G,
        (
            Permanent(
                G,
                "FAILED",
                "the lock cannot be taken: not started, nothing made; no history",
                history=False,
            ),
            _delete_left(
                "the deletion's end cannot be recorded: DELETE_FAILED says so, the state item "
                "still names the running deployment (the key owns it: a retry finishes), the "
                "lock is released; no history",
                after=1,
                recorded=False,
                history=False,
            ),
        ),
    ),
    Row(
        "dynamodb:UpdateItem",
        (
            "RegisterTaskDefinition (its turn)",
            "DeployService (its turn)",
            "RollBack (the turns of its ECS writes)",
        ),
        G,
        (
            _rolled_back(
                why="the turn of ECS's rate-limited write cannot be taken: the step fails "
                "before the write; the run is undone"
            ),
        ),
    ),
    Row(
        "dynamodb:GetItem",
        (
            "LoadSpec (deletion: lock, state)",
            "AcquireLock (previous state)",
            "WaitForRollout",
            "RolloutEvents",
            "Finish (ended early: who owns the status object)",
            "EcrTrigger",
            "Plan",
        ),
        G,
        (
            _not_started("after the lock: not started, the lock released, nothing made"),
            Permanent(
                R,
                "FAILED",
                "a deletion cannot read the lock or the state: not started, nothing changed, "
                "the service still ecsdrop's; the status object cannot tell whose it is, so "
                "it keeps the service's last outcome (history and event say FAILED)",
                status_object=False,
            ),
        ),
    ),
    Row(
        "dynamodb:Query",
        (
            "AcquireLock (deletion: the triggers to drop)",
            "BuildLoadBalancer (intents, when found)",
            "Finish (triggers)",
            "RollBack (ledger)",
            "EcrTrigger (GSI1)",
        ),
        G,
        (
            Permanent(
                G,
                "ROLLBACK_FAILED",
                "Record cannot update the triggers and the rollback cannot read the "
                "ledger: ROLLBACK_FAILED says what the ledger lists may be left, the "
                "previous record is put back",
                rollback_stops=True,
            ),
            Permanent(
                Scenario.ECR_PUSH,
                NO_REDEPLOY,
                "the followers cannot be found: no redeploy (the trigger fails, logged)",
                evidence=Evidence.TRIGGER_LOG,
            ),
            _not_started(
                "a deletion cannot drop the ECR triggers: not started, nothing changed, the "
                "service still ecsdrop's (pushes still redeploy it)",
                R,
            ),
        ),
    ),
    Row(
        "dynamodb:DeleteItem",
        (
            "AcquireLock (deletion: triggers dropped)",
            "Finish (lock release)",
            "Finish (triggers no longer followed)",
        ),
        G,
        (
            Permanent(
                G,
                "SUCCEEDED",
                "the lock cannot be released: it expires (stability timeout + 1 h); the "
                "deployment stands and the step lists it as unreported",
                lock_expires=True,
            ),
            Permanent(
                R,
                "FAILED",
                "a deletion cannot drop the ECR triggers: not started, nothing changed, the "
                "service still the key's; the lock cannot be released either: it expires",
                lock_expires=True,
            ),
        ),
    ),
    Row(
        "dynamodb:Scan",
        ("CLI: ecsdrop list (no function scans)",),
        Scenario.LIST,
        (
            Permanent(
                Scenario.LIST,
                CLI_FAILED,
                "`ecsdrop list` exits non-zero naming the refused call; it lists nothing and "
                "shows no traceback",
            ),
        ),
    ),
    # ---------------------------------------------------------------- a paused rollout (CLI)
    Row(
        "ecs:ListServiceDeployments",
        ("CLI: ecsdrop continue", "CLI: ecsdrop abort", "CLI: ecsdrop submit --wait-until"),
        Scenario.CONTINUE,
        (
            Permanent(
                Scenario.CONTINUE,
                CLI_FAILED,
                "`ecsdrop continue` cannot find the deployment: it exits non-zero naming the "
                "call, and the deployment stays paused",
            ),
        ),
    ),
    Row(
        "ecs:DescribeServiceDeployments",
        ("CLI: ecsdrop continue", "CLI: ecsdrop abort", "CLI: ecsdrop submit --wait-until"),
        Scenario.ABORT,
        (
            Permanent(
                Scenario.ABORT,
                CLI_FAILED,
                "`ecsdrop abort` cannot read the deployment: it exits non-zero naming the "
                "call, and the deployment stays paused",
            ),
        ),
    ),
    Row(
        "ecs:ContinueServiceDeployment",
        ("CLI: ecsdrop continue",),
        Scenario.CONTINUE,
        (
            Permanent(
                Scenario.CONTINUE,
                CLI_FAILED,
                "the pause cannot be answered: `ecsdrop continue` exits non-zero naming the "
                "call; the deployment stays paused until `ecsdrop abort` or its timeout",
            ),
        ),
    ),
    Row(
        "ecs:StopServiceDeployment",
        ("CLI: ecsdrop abort",),
        Scenario.ABORT,
        (
            Permanent(
                Scenario.ABORT,
                CLI_FAILED,
                "the deployment cannot be stopped: `ecsdrop abort` exits non-zero naming the "
                "call; it stays paused",
            ),
        ),
    ),
    # ---------------------------------------------------------------- one-off tasks (CLI)
    Row(
        "ecs:RunTask",
        ("CLI: ecsdrop run",),
        Scenario.RUN,
        (
            Permanent(
                Scenario.RUN,
                CLI_FAILED,
                "`ecsdrop run` exits non-zero naming the refused call; no task runs",
            ),
        ),
    ),
    Row(
        "ecs:DescribeTasks",
        ("CLI: ecsdrop run (the wait)",),
        Scenario.RUN,
        (
            Permanent(
                Scenario.RUN,
                CLI_FAILED,
                "`ecsdrop run` cannot see the task it started: it exits non-zero naming the "
                "call (the task's ARN is printed; it runs on)",
            ),
        ),
    ),
    Row(
        "logs:GetLogEvents",
        ("CLI: ecsdrop run (the log)",),
        Scenario.RUN,
        (
            Permanent(
                Scenario.RUN,
                RAN_WITHOUT_LOG,
                "the log cannot be read: `ecsdrop run` says so, naming the call, waits on and "
                "exits with the task's code all the same",
            ),
        ),
    ),
    # ---------------------------------------------------------------- pre-deploy tasks
    Row(
        "ecs:ListTasks",
        ("PreDeploy (judge): find the task that outlasted its timeout",),
        Scenario.PRE_DEPLOY,
        (
            _rolled_back(
                Scenario.PRE_DEPLOY,
                "the task cannot be looked for: the run is undone all the same, its cause "
                "naming the call and saying the task may still run",
            ),
        ),
    ),
    Row(
        "ecs:StopTask",
        ("PreDeploy (judge): stop the task that outlasted its timeout",),
        Scenario.PRE_DEPLOY,
        (
            _rolled_back(
                Scenario.PRE_DEPLOY,
                "the task cannot be stopped: the run is undone all the same, its cause "
                "naming the call and saying the task may still run",
            ),
        ),
    ),
    # ---------------------------------------------------------------- scheduled jobs
    Row(
        "scheduler:GetSchedule",
        (
            "DeploySchedule (is there one?)",
            "Teardown (a job's schedule)",
            "RollBack (a changed schedule: as before already?)",
        ),
        Scenario.JOB,
        (_rolled_back(Scenario.JOB, "the schedule cannot be looked up: the run is undone"),),
    ),
    Row(
        "scheduler:CreateSchedule",
        ("DeploySchedule (a new job)",),
        Scenario.JOB,
        (_rolled_back(Scenario.JOB),),
    ),
    Row(
        "scheduler:UpdateSchedule",
        ("DeploySchedule (a job's update)", "RollBack (a changed schedule put back)"),
        Scenario.JOB_UPDATE,
        (_rolled_back(Scenario.JOB_UPDATE, _UNCHANGED),),
    ),
    Row(
        "scheduler:DeleteSchedule",
        ("RollBack (a schedule this run made)", "Teardown (a job's schedule)"),
        Scenario.JOB_DELETE,
        (_delete_left(_UNDONE_IN_TEARDOWN, Scenario.JOB_DELETE),),
    ),
    # ---------------------------------------------------------------- events, chat, triggers
    Row(
        "events:PutEvents",
        ("AcquireLock (STARTED)", "Finish (outcome)", "Plan (PLANNED)"),
        G,
        (
            Permanent(
                G,
                "SUCCEEDED",
                "an EventBridge outage fails no deployment: no event; status object and "
                "history say SUCCEEDED",
                events=False,
            ),
        ),
    ),
    Row(
        "secretsmanager:GetSecretValue",
        ("Notifier (destinations)",),
        Scenario.NOTIFY,
        (
            Permanent(
                Scenario.NOTIFY,
                "SUCCEEDED",
                "chat is not told (the notifier fails, logged); the deployment is unaffected",
                evidence=Evidence.NOTIFIER_LOG,
            ),
        ),
    ),
    Row(
        "states:StartExecution",
        ("EcrTrigger",),
        Scenario.ECR_PUSH,
        (
            Permanent(
                Scenario.ECR_PUSH,
                NO_REDEPLOY,
                "the redeploy cannot start (the trigger fails, logged); nothing changes",
                evidence=Evidence.TRIGGER_LOG,
            ),
        ),
    ),
    Row(
        "states:SendTaskSuccess",
        ("RolloutEvents", "WaitForRollout (verdict first)"),
        G,
        (
            Permanent(
                G,
                "SUCCEEDED",
                "the workflow is not resumed by the event: the polling fallback sees the "
                "rollout complete",
                evidence=Evidence.POLLED,
            ),
        ),
    ),
    Row(
        "states:SendTaskFailure",
        ("RolloutEvents", "WaitForRollout (verdict first)"),
        GR,
        (
            Permanent(
                GR,
                "ROLLED_BACK",
                "the workflow is not resumed by the event: the polling fallback sees the "
                "rollout failed and rolls back",
                evidence=Evidence.POLLED,
            ),
        ),
    ),
    # ---------------------------------------------------------------- task definition
    Row(
        "ecr:DescribeImages",
        ("RegisterTaskDefinition (pin digests)", "Plan"),
        G,
        (_rolled_back(),),
    ),
    Row("logs:CreateLogGroup", ("RegisterTaskDefinition",), G, (_rolled_back(),)),
    Row("logs:PutRetentionPolicy", ("RegisterTaskDefinition",), G, (_rolled_back(),)),
    Row("logs:DeleteLogGroup", ("RollBack", "TearDown (delete)"), GR, (_left(GR, _UNDO),)),
    Row(
        "ecs:DescribeTaskDefinition",
        ("RegisterTaskDefinition", "Plan"),
        G,
        (_rolled_back(),),
    ),
    Row("ecs:RegisterTaskDefinition", ("RegisterTaskDefinition",), G, (_rolled_back(),)),
    Row(
        "ecs:DeregisterTaskDefinition",
        ("RollBack", "TearDown (delete)"),
        GR,
        (_left(GR, _UNDO),),
    ),
    Row(
        "ecs:DeleteTaskDefinitions",
        ("TearDown (delete: each revision, once deregistered)",),
        D,
        (
            _delete_left(
                "the revisions cannot be deleted: DELETE_FAILED lists each one (deregistered, "
                "still tagged); everything else is deleted and a retry finishes"
            ),
        ),
    ),
    # ---------------------------------------------------------------- tags
    Row(
        "tagging:GetResources",
        ("TearDown (delete: revisions, target groups, load balancers by tag)",),
        D,
        (
            _delete_left(
                "the teardown cannot list what carries the service's tag: it stops before "
                "deleting anything (DELETE_FAILED, the service still runs and is still the "
                "key's); a retry finishes",
                teardown_stops=True,
            ),
        ),
    ),
    # ---------------------------------------------------------------- network
    Row(
        "ec2:DescribeVpcs",
        (
            "BuildNetwork (managed: find by tag; existing: look up)",
            "TearDown (delete: find by tag)",
        ),
        G,
        (_rolled_back(Scenario.EXISTING_VPC, "the VPC cannot be looked up; nothing made in it"),),
    ),
    Row(
        "ec2:DescribeSubnets",
        (
            "BuildNetwork (managed: find by tag; existing: by id and by tag)",
            "TearDown (delete: find by tag)",
        ),
        G,
        (
            _rolled_back(
                Scenario.EXISTING_VPC, "the subnets cannot be looked up; nothing made in the VPC"
            ),
        ),
    ),
    Row("ec2:DescribeAvailabilityZones", ("BuildNetwork",), G, (_rolled_back(),)),
    Row(
        "ec2:DescribeInternetGateways",
        ("BuildNetwork", "TearDown (delete: find by tag)"),
        G,
        (_rolled_back(),),
    ),
    Row(
        "ec2:DescribeAddresses",
        ("BuildNetwork", "TearDown (delete: find by tag)"),
        G,
        (_rolled_back(),),
    ),
    Row(
        "ec2:DescribeRouteTables",
        ("BuildNetwork", "TearDown (delete: find by tag)"),
        G,
        (_rolled_back(),),
    ),
    Row(
        "ec2:DescribeNatGateways",
        (
            "BuildNetwork (find by tag)",
            "CheckNatGateways (pending or available)",
            "TearDown (delete: find by tag)",
            "RollBack, TearDown (wait deleted)",
        ),
        G,
        (
            _rolled_back(),
            _left(GR, "the NAT gateway's deletion cannot be confirmed: named as left", after=2),
        ),
    ),
    Row(
        "ec2:DescribeSecurityGroups",
        (
            "BuildNetwork (find by tag)",
            "RollBack (rules to restore)",
            "TearDown (delete: find by tag)",
        ),
        G,
        (_rolled_back(), _left(PR, _RESTORE, after=2)),
    ),
    Row("ec2:CreateVpc", ("BuildNetwork",), G, (_rolled_back(),)),
    Row("ec2:ModifyVpcAttribute", ("BuildNetwork (DNS host names)",), G, (_rolled_back(),)),
    Row("ec2:CreateSubnet", ("BuildNetwork",), G, (_rolled_back(),)),
    Row("ec2:CreateInternetGateway", ("BuildNetwork",), G, (_rolled_back(),)),
    Row("ec2:AttachInternetGateway", ("BuildNetwork",), G, (_rolled_back(),)),
    Row("ec2:AllocateAddress", ("BuildNetwork",), G, (_rolled_back(),)),
    Row("ec2:CreateNatGateway", ("BuildNetwork",), G, (_rolled_back(),)),
    Row(
        "ec2:CreateRouteTable",
        ("BuildNetwork (public)", "CheckNatGateways (private, once available)"),
        G,
        (_rolled_back(),),
    ),
    Row(
        "ec2:CreateRoute",
        ("BuildNetwork (public)", "CheckNatGateways (private, once available)"),
        G,
        (_rolled_back(),),
    ),
    Row(
        "ec2:AssociateRouteTable",
        ("BuildNetwork (public)", "CheckNatGateways (private, once available)"),
        G,
        (_rolled_back(),),
    ),
    Row("ec2:CreateSecurityGroup", ("BuildNetwork",), G, (_rolled_back(),)),
    Row(
        "ec2:AuthorizeSecurityGroupIngress",
        ("BuildNetwork", "RollBack (restore rules)"),
        G,
        (_rolled_back(), _left(PR, _RESTORE, after=1)),
    ),
    Row(
        "ec2:RevokeSecurityGroupIngress",
        ("BuildNetwork (rules change)", "RollBack (restore rules)"),
        P,
        (_rolled_back(P, _UNCHANGED), _left(PR, _RESTORE, after=1)),
    ),
    Row("ec2:DeleteSecurityGroup", ("RollBack", "TearDown (delete)"), GR, (_left(GR, _UNDO),)),
    Row(
        "ec2:DisassociateRouteTable",
        ("RollBack", "TearDown (delete)"),
        GR,
        (_left(GR, _UNDO),),
    ),
    Row("ec2:DeleteRouteTable", ("RollBack", "TearDown (delete)"), GR, (_left(GR, _UNDO),)),
    Row("ec2:DeleteNatGateway", ("RollBack", "TearDown (delete)"), GR, (_left(GR, _UNDO),)),
    Row("ec2:ReleaseAddress", ("RollBack", "TearDown (delete)"), GR, (_left(GR, _UNDO),)),
    Row(
        "ec2:DetachInternetGateway",
        ("RollBack", "TearDown (delete)"),
        GR,
        (_left(GR, _UNDO),),
    ),
    Row(
        "ec2:DeleteInternetGateway",
        ("RollBack", "TearDown (delete)"),
        GR,
        (_left(GR, _UNDO),),
    ),
    Row("ec2:DeleteSubnet", ("RollBack", "TearDown (delete)"), GR, (_left(GR, _UNDO),)),
    Row("ec2:DeleteVpc", ("RollBack", "TearDown (delete)"), GR, (_left(GR, _UNDO),)),
    # ---------------------------------------------------------------- load balancing
    Row(
        "elasticloadbalancing:DescribeTargetGroups",
        (
            "AcquireLock (ownership, a key's first deployment)",
            "BuildLoadBalancer",
            "RollBack (restore: compare first)",
        ),
        G,
        (
            _not_started(_OWNERSHIP),
            Permanent(G, "ROLLED_BACK", _PAST_THE_LOCK, after=1),
        ),
    ),
    Row(
        "elasticloadbalancing:DescribeTags",
        ("AcquireLock (ownership: a target group or load balancer under ecsdrop's name exists)",),
        Scenario.RETAKE,
        (
            _not_started(
                "the Lock step cannot tell whose the target group is: not started, nothing "
                "changed (the retained service runs as it did)",
                Scenario.RETAKE,
            ),
        ),
    ),
    Row("elasticloadbalancing:CreateTargetGroup", ("BuildLoadBalancer",), G, (_rolled_back(),)),
    Row(
        "elasticloadbalancing:DescribeTargetGroupAttributes",
        ("BuildLoadBalancer (an existing group)", "RollBack (restore: compare first)"),
        U,
        # the rollback's read only compares (it restores anyway when it cannot read)
        (_rolled_back(U, "the group's attributes cannot be read: its health check is put back"),),
    ),
    Row(
        "elasticloadbalancing:ModifyTargetGroupAttributes",
        (
            "BuildLoadBalancer (deregistration delay: a new group, a changed one)",
            "RollBack (restore)",
        ),
        G,
        (_rolled_back(), _rolled_back(U, _UNCHANGED), _left(UR, _RESTORE, after=1)),
    ),
    Row(
        "elasticloadbalancing:ModifyTargetGroup",
        ("BuildLoadBalancer (health check change)", "RollBack (restore)"),
        U,
        (_rolled_back(U, _UNCHANGED), _left(UR, _RESTORE, after=1)),
    ),
    Row(
        "elasticloadbalancing:DescribeLoadBalancers",
        (
            "AcquireLock (ownership, a key's first deployment)",
            "BuildLoadBalancer (find)",
            "RollBack, TearDown (wait deleted)",
        ),
        G,
        (
            _not_started(_OWNERSHIP),
            Permanent(G, "ROLLED_BACK", _PAST_THE_LOCK, after=1),
            _left(GR, "the load balancer's deletion cannot be confirmed: named as left", after=2),
        ),
    ),
    Row("elasticloadbalancing:CreateLoadBalancer", ("BuildLoadBalancer",), G, (_rolled_back(),)),
    Row(
        "elasticloadbalancing:DescribeListeners",
        ("BuildLoadBalancer", "RollBack (restore: compare first)"),
        G,
        (_rolled_back(),),
    ),
    Row("elasticloadbalancing:CreateListener", ("BuildLoadBalancer",), G, (_rolled_back(),)),
    Row(
        "elasticloadbalancing:ModifyListener",
        ("BuildLoadBalancer (default action change)", "RollBack (restore)"),
        P,
        (_rolled_back(P, _UNCHANGED), _left(PR, _RESTORE, after=1)),
    ),
    Row(
        "elasticloadbalancing:DescribeRules",
        ("BuildLoadBalancer (shared listener)",),
        Scenario.SHARED_ALB,
        (_rolled_back(Scenario.SHARED_ALB, "no rule made; the shared ALB is untouched"),),
    ),
    Row(
        "elasticloadbalancing:CreateRule",
        ("BuildLoadBalancer (shared listener)",),
        Scenario.SHARED_ALB,
        (_rolled_back(Scenario.SHARED_ALB, "no rule made; the shared ALB is untouched"),),
    ),
    Row(
        "elasticloadbalancing:DeleteRule",
        ("RollBack", "TearDown (delete)"),
        Scenario.SHARED_ALB_ROLLBACK,
        (_left(Scenario.SHARED_ALB_ROLLBACK, _UNDO),),
    ),
    Row("elasticloadbalancing:DeleteListener", ("RollBack",), GR, (_left(GR, _UNDO),)),
    Row(
        "elasticloadbalancing:DeleteLoadBalancer",
        ("RollBack", "TearDown (delete)"),
        GR,
        (_left(GR, _UNDO),),
    ),
    Row(
        "elasticloadbalancing:DeleteTargetGroup",
        ("RollBack", "TearDown (delete)"),
        GR,
        (_left(GR, _UNDO),),
    ),
    # ---------------------------------------------------------------- service
    Row(
        "ecs:DescribeServices",
        (
            "AcquireLock (ownership, a key's first deployment)",
            "DeployService",
            "CheckRollout",
            "RollBack (restore)",
            "TearDown (what still runs; delete: is it ecsdrop's)",
            "Plan",
        ),
        G,
        (
            _not_started(_OWNERSHIP),
            Permanent(G, "ROLLED_BACK", _PAST_THE_LOCK, after=1),
            _delete_left(
                "the teardown cannot say what still runs: DELETE_FAILED, nothing touched, "
                "the service still the key's; a retry ends RETAINED",
                R,
                teardown_stops=True,
            ),
        ),
    ),
    Row("ecs:DescribeClusters", ("DeployService",), G, (_rolled_back(),)),
    Row("ecs:CreateCluster", ("DeployService (first service of a cluster)",), G, (_rolled_back(),)),
    Row("ecs:CreateService", ("DeployService",), G, (_rolled_back(),)),
    Row(
        "ecs:UpdateService",
        ("DeployService (update)", "RollBack (restore)"),
        U,
        (_rolled_back(U, _UNCHANGED), _left(UR, _RESTORE, after=1)),
    ),
    Row(
        "ecs:TagResource",
        (
            "DeployService (adoption: ecsdrop's tags)",
            "RollBack (adoption: the tag values they replaced)",
        ),
        A,
        (
            _rolled_back(
                A,
                "the takeover fails before it changes the service: rolled back, the hand-made "
                "service untouched, nothing of ecsdrop's left",
            ),
            _left(
                AR,
                "the replaced tag value cannot be put back: ROLLBACK_FAILED names the "
                "service's tags; its settings are restored",
                after=1,
            ),
        ),
    ),
    Row(
        "ecs:UntagResource",
        ("RollBack (adoption: the tags it added)",),
        AR,
        (
            _left(
                AR,
                "ecsdrop's tags cannot be taken off the hand-made service: ROLLBACK_FAILED "
                "names them; its settings are restored",
            ),
        ),
    ),
    Row(
        "ecs:DeleteService",
        ("RollBack", "TearDown (delete)"),
        GR,
        (_left(GR, _UNDO), _delete_left(_UNDONE_IN_TEARDOWN)),
    ),
    Row("ecs:DeleteCluster", ("RollBack",), GR, (_left(GR, _UNDO),)),
    Row(
        "application-autoscaling:DescribeScalableTargets",
        ("DeployService", "RollBack (restore)", "TearDown (delete)", "Plan"),
        G,
        (_rolled_back(),),
    ),
    Row(
        "application-autoscaling:RegisterScalableTarget",
        ("DeployService", "RollBack (restore)"),
        G,
        (_rolled_back(), _left(UR, _RESTORE, after=1)),
    ),
    Row("application-autoscaling:PutScalingPolicy", ("DeployService",), G, (_rolled_back(),)),
    Row(
        "application-autoscaling:DeregisterScalableTarget",
        ("RollBack", "TearDown (delete)"),
        GR,
        (_left(GR, _UNDO),),
    ),
)

ROW_BY_CALL = {row.call: row for row in ROWS}


# --------------------------------------------------------------------------- the errors injected

# (throttling, server error) each service really answers; the transient case sends both.
_TRANSIENT_BY_SERVICE = {
    "ec2": (("RequestLimitExceeded", 503), ("InternalError", 500)),
    "ecs": (("ThrottlingException", 400), ("ServerException", 500)),
    "elasticloadbalancing": (("Throttling", 400), ("InternalFailure", 500)),
    "dynamodb": (("ThrottlingException", 400), ("InternalServerError", 500)),
    "s3": (("SlowDown", 503), ("InternalError", 500)),
    "events": (("ThrottlingException", 400), ("InternalException", 500)),
    "states": (("ThrottlingException", 400), ("ServiceUnavailable", 503)),
    "logs": (("ThrottlingException", 400), ("ServiceUnavailableException", 503)),
    "ecr": (("ThrottlingException", 400), ("ServerException", 500)),
    "secretsmanager": (("ThrottlingException", 400), ("InternalServiceError", 500)),
    "application-autoscaling": (("ThrottlingException", 400), ("InternalServiceException", 500)),
    "tagging": (("ThrottledException", 400), ("InternalServiceException", 500)),
    "scheduler": (("ThrottlingException", 429), ("InternalServerException", 500)),
}
# The answer to a caller without the permission.
_DENIED_BY_SERVICE = {
    "ec2": ("UnauthorizedOperation", 403),
    "elasticloadbalancing": ("AccessDenied", 403),
    "s3": ("AccessDenied", 403),
}


def transient_faults(call: str) -> list[dict[str, object]]:
    """Throttled once, then a 5xx once: the two faults, in the order they strike."""
    service = call.split(":", maxsplit=1)[0]
    return [
        {"api": call, "error": code, "status": status, "times": 1}
        for code, status in _TRANSIENT_BY_SERVICE[service]
    ]


def permanent_fault(call: str, after: int = 0) -> dict[str, object]:
    """The call refused for good (from its ``after``+1-th occurrence on)."""
    code, status = _DENIED_BY_SERVICE.get(
        call.split(":", maxsplit=1)[0], ("AccessDeniedException", 400)
    )
    fault: dict[str, object] = {"api": call, "error": code, "status": status}
    return {**fault, "after": after} if after else fault


def transient_calls(scenario: Scenario) -> list[str]:
    return [row.call for row in ROWS if row.transient is scenario]


def permanent_cases() -> list[tuple[Row, Permanent]]:
    return [(row, case) for row in ROWS for case in row.permanent]
