"""The lock, and the meeting of the wait's task token with ECS's deployment event."""

from __future__ import annotations

from dataclasses import replace

import pytest
from moto.ecs.models import ecs_backends

from ecsdrop.deploy.results import AwaitingRollout, ServiceResult
from ecsdrop.deploy.rollout import await_rollout, check_rollout, on_deployment_event
from ecsdrop.errors import DeadlineExceededError, DeploymentFailedError, LockHeldError
from tests.support.moto_stack import ACCOUNT, REGION, MotoStack, example, real_event
from tests.support.results import ROLLING_OUT


def test_a_second_deployment_of_a_busy_service_is_told_to_wait(stack: MotoStack) -> None:
    first = stack.start(example("scorekeep.yaml"))
    assert first["lock"]["acquired"] is True
    with pytest.raises(LockHeldError, match=first["deployment"]["id"]):
        stack.start(example("scorekeep.yaml"))


def test_the_same_event_delivered_again_while_its_run_holds_the_lock_is_a_no_op_at_once(
    stack: MotoStack,
) -> None:
    first = stack.start(example("scorekeep.yaml"))
    version = first["deployment"]["spec_version_id"]
    again = stack.deliver(stack.s3_event("specs/scorekeep.yaml", version))
    assert again["lock"] == {
        "acquired": False,
        "noop": True,
        "reason": f"a duplicate of deployment {first['deployment']['id']}, which deploys "
        "the same request",
        "previous": None,
    }
    holder = stack.runtime.store.lock_holder("scorekeep")
    assert holder is not None
    assert holder.owner == first["deployment"]["id"]  # the first delivery keeps the lock


def test_the_lock_holder_may_take_it_again_when_its_step_is_retried(stack: MotoStack) -> None:
    store = stack.runtime.store
    store.acquire_lock("web", "run-a", "arn:a", ttl_seconds=60)
    store.acquire_lock("web", "run-a", "arn:a", ttl_seconds=60)
    holder = store.lock_holder("web")
    assert holder is not None
    assert holder.owner == "run-a"


def test_an_expired_lock_of_a_crashed_run_does_not_block_the_next(stack: MotoStack) -> None:
    store = stack.runtime.store
    store.acquire_lock("web", "crashed", "arn:a", ttl_seconds=-1)
    store.acquire_lock("web", "next", "arn:b", ttl_seconds=60)
    holder = store.lock_holder("web")
    assert holder is not None
    assert holder.owner == "next"


def test_only_the_holder_releases_the_lock(stack: MotoStack) -> None:
    store = stack.runtime.store
    store.acquire_lock("web", "run-a", "arn:a", ttl_seconds=60)
    assert store.release_lock("web", "run-b") is False
    assert store.release_lock("web", "run-a") is True
    assert store.lock_holder("web") is None


def test_an_ecs_event_arriving_before_the_token_is_kept_for_the_wait(stack: MotoStack) -> None:
    store, tokens = stack.runtime.store, stack.runtime.tokens
    event = real_event("ecs-deployment-completed.json")
    assert on_deployment_event(event, store, tokens) == "recorded"
    outcome = store.rollout_outcome("ecs-svc/123")
    assert outcome is not None
    assert outcome["eventName"] == "SERVICE_DEPLOYMENT_COMPLETED"
    # The wait finds the verdict at once instead of parking on the token.
    result = await_rollout("token-1", ROLLING_OUT, store, tokens)
    assert result == AwaitingRollout(waiting=False)


def test_a_token_stored_first_is_found_by_the_event(stack: MotoStack) -> None:
    store, tokens = stack.runtime.store, stack.runtime.tokens
    assert await_rollout("token-1", ROLLING_OUT, store, tokens) == AwaitingRollout(waiting=True)
    event = real_event("ecs-deployment-failed.json")
    assert on_deployment_event(event, store, tokens) == "resumed"


def test_progress_events_are_ignored(stack: MotoStack) -> None:
    event = real_event("ecs-deployment-in-progress.json")
    assert on_deployment_event(event, stack.runtime.store, stack.runtime.tokens) == "ignored"
    assert stack.runtime.store.rollout_outcome("ecs-svc/123") is None


def test_polling_settles_a_completed_rollout_whose_event_was_lost(stack: MotoStack) -> None:
    state = stack.deploy(example("scorekeep.yaml"))
    service_step = ServiceResult.from_json(state["steps"]["service"])
    checked = check_rollout(service_step, stack.runtime.ecs, now=0, check_seconds=300)
    assert checked == replace(service_step, settled=True, via="poll")


def test_polling_a_rollout_ecs_replaced_is_a_failure(stack: MotoStack) -> None:
    state = stack.deploy(example("scorekeep.yaml"))
    service_step = ServiceResult.from_json(state["steps"]["service"])
    gone = replace(service_step, ecs_deployment_id="ecs-svc/replaced")
    with pytest.raises(DeploymentFailedError, match="rolled back"):
        check_rollout(gone, stack.runtime.ecs, now=0, check_seconds=300)


def test_polling_an_unfinished_rollout_waits_until_the_deadline_then_fails(
    stack: MotoStack,
) -> None:
    state = stack.deploy(example("scorekeep.yaml"))
    service_step = ServiceResult.from_json(state["steps"]["service"])
    # moto's ECS deployments are static: put this one mid-rollout, as ECS would show it.
    backend = ecs_backends[ACCOUNT][REGION]
    backend.services["ecsdrop:scorekeep"].deployments[0]["rolloutState"] = "IN_PROGRESS"

    waiting = check_rollout(
        service_step, stack.runtime.ecs, now=service_step.deadline - 100, check_seconds=300
    )
    assert (waiting.settled, waiting.wait_seconds) == (False, 100)
    with pytest.raises(DeadlineExceededError):
        check_rollout(
            service_step, stack.runtime.ecs, now=service_step.deadline + 1, check_seconds=300
        )
