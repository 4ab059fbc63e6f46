"""Register task definition: render, pin this account's ECR images to their digests, and
register only when it differs from the family's latest revision."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from ecsdrop.aws.ecr import Ecr
from ecsdrop.aws.ecs import Ecs, tags_of
from ecsdrop.aws.logs import Logs
from ecsdrop.deploy.ledger import Created, Ledger
from ecsdrop.deploy.results import TaskDefinitionResult
from ecsdrop.deploy.state import WorkflowState
from ecsdrop.errors import ImageNotFoundError
from ecsdrop.spec.images import parse_image
from ecsdrop.spec.installation import Installation
from ecsdrop.spec.model import Spec, digest_of
from ecsdrop.spec.render import log_group_input, register_task_definition_input, tag_list


def register_task_definition(
    state: WorkflowState,
    ecs: Ecs,
    ecr: Ecr,
    logs: Callable[[], Logs],
    ledger: Ledger,
    *,
    installation: Installation,
) -> TaskDefinitionResult:
    """Register the spec's task definition (or reuse the revision it renders to), after its
    log group. ``logs`` is called only when the log group is made or changed: a log group
    as the last successful deployment left it takes no client and no call."""
    spec = state.spec
    request = pin_images(register_task_definition_input(spec), ecr, installation)
    # The run's id on the revision: a retried step knows the revision it registered itself.
    request["tags"] = [*request["tags"], *tag_list(ledger.run_tag())]
    log_group = log_group_input(spec, installation)
    log_group_digest = digest_of(log_group) if log_group else None
    if log_group and state.deployed.get("logGroupDigest") != log_group_digest:
        ensure_log_group(log_group, logs(), ledger)
    current = ecs.latest_task_definition(request["family"])
    previous_arn = current["taskDefinitionArn"] if current else None
    registered = False
    if current is not None and ledger.made(tags_of(current)):
        # this run registered it, then stopped before it could say so: it is this run's
        ledger.created(Created.TASK_DEFINITION, current["taskDefinitionArn"])
        previous_arn = state.deployed.get("taskDefinitionArn")
        registered = True
    reusable = [current, _rollback_target(state, ecs)]
    same = next(
        (d for d in reusable if d and same_definition(Ecs.as_register_input(d), request)), None
    )
    if same is not None:  # the latest revision, or the one a rollback goes back to
        arn = same["taskDefinitionArn"]
    else:
        arn, registered = ecs.register_task_definition(request), True
        ledger.created(Created.TASK_DEFINITION, arn)
    return TaskDefinitionResult(
        task_definition_arn=arn,
        registered=registered,
        previous_task_definition_arn=previous_arn,
        images={c["name"]: c["image"] for c in request["containerDefinitions"]},
        log_group_digest=log_group_digest,
    )


def task_definition_for(spec: Spec, ecs: Ecs, ecr: Ecr, installation: Installation) -> str:
    """The revision a one-off task of ``spec`` runs: the family's latest when the spec
    renders to it (as a deployment would reuse it), else one registered now."""
    request = pin_images(register_task_definition_input(spec), ecr, installation)
    current = ecs.latest_task_definition(request["family"])
    if current is not None and same_definition(Ecs.as_register_input(current), request):
        return str(current["taskDefinitionArn"])
    return ecs.register_task_definition(request)


def _rollback_target(state: WorkflowState, ecs: Ecs) -> dict[str, Any] | None:
    target = state.deployment.rollback_to
    return ecs.task_definition(target) if target else None


def ensure_log_group(log_group: dict[str, Any], logs: Logs, ledger: Ledger) -> None:
    """Create the service's log group (recorded before anything else can fail) and set its
    retention every time, so a run that stopped between the two leaves no group without it."""
    name = log_group["logGroupName"]
    if logs.create_log_group(name, log_group["tags"]):
        ledger.created(Created.LOG_GROUP, name)
    logs.set_retention(name, log_group["retentionInDays"])


def pin_images(request: dict[str, Any], ecr: Ecr, installation: Installation) -> dict[str, Any]:
    """A copy of ``request`` whose images in this account's ECR name an exact digest.

    A tag can move between deploy and pull (and between the tasks of one rollout); the
    digest cannot. Images elsewhere are left as written.
    """
    pinned = copy.deepcopy(request)
    for container in pinned["containerDefinitions"]:
        ref = parse_image(container["image"])
        if ref is None or not ref.is_ecr_of(installation.account_id, installation.region):
            continue
        if ref.digest:
            continue
        tag = ref.tag or "latest"
        digest = ecr.digest(ref.repository, tag)
        if digest is None:
            raise ImageNotFoundError(
                f"container {container['name']}: image {ref.repository}:{tag} "
                f"is not in ECR ({ref.registry})"
            )
        container["image"] = ref.pinned(digest)
    return pinned


def same_definition(current: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """Whether registering ``wanted`` would give the same revision as ``current``."""
    return bool(comparable(current) == comparable(wanted))


def comparable(definition: dict[str, Any]) -> Any:
    """A RegisterTaskDefinition input without what does not make a revision differ: its
    tags, and the defaults ECS fills in (empty lists, cpu 0)."""
    return _comparable({**definition, "tags": None})


def _comparable(value: Any) -> Any:
    if isinstance(value, dict):
        result = {k: _comparable(v) for k, v in value.items()}
        return {
            k: v
            for k, v in result.items()
            if v not in (None, [], {}, "") and not (k == "cpu" and v == 0)
        }
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    return value
