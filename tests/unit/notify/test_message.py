"""Reading an event's detail into what every chat message shows."""

from __future__ import annotations

import pytest

from ecsdrop.notify.message import (
    CodeBlock,
    ItemList,
    announcement_of,
    describe_trigger,
    task_definition_change,
)
from ecsdrop.notify.states import FAILURE_STATES, STYLES
from tests.unit.notify.samples import ALL_STATES, announced, detail_in_state, real_detail


def test_a_success_names_the_new_revision_and_how_long_it_took() -> None:
    announcement = announced(real_detail("succeeded"))
    assert announcement.title == "✅ scorekeep: deployed"
    assert announcement.summary == "✅ scorekeep: deployed scorekeep:5 (was scorekeep:4) in 2m 14s"
    facts = {f.label: f.value for f in announcement.facts}
    assert facts == {
        "Cluster": "ecsdrop",
        "Trigger": "spec upload by Deployer/alice",
        "Task definition": "scorekeep:5 (was scorekeep:4)",
        "Spec": "specs/scorekeep.yaml (version IYV3p45BT0ac)",
        "Load balancer": "ecsdrop-scorekeep-1234567890.us-east-1.elb.amazonaws.com",
        "Duration": "2m 14s",
    }
    assert announcement.footer == (
        "deployment 0b6d1c3e-9f2a-4e55-8c1d-2a7f3e9b5d41 · spec 063bddff3192"
        " · 2026-11-28T12:02:14+00:00"
    )
    assert announcement.console_url is not None
    assert announcement.console_url.startswith("https://us-east-1.console.aws.amazon.com/states/")
    assert not announcement.is_failure


def test_a_rollback_carries_the_cause_and_what_was_undone() -> None:
    announcement = announced(real_detail("rolled-back"))
    assert announcement.is_failure
    assert announcement.error == "DeploymentFailedError"
    assert announcement.cause is not None
    assert announcement.cause.startswith("ECS rolled the deployment back")
    assert announcement.summary.startswith(
        "↩️ scorekeep: deployment failed, rolled back — ECS rolled the deployment back"
    )
    assert announcement.items("Rolled back") == (
        "restored service scorekeep",
        "deleted task-definition arn:aws:ecs:us-east-1:123456789012:task-definition/scorekeep:6",
    )
    assert [found.heading for found in announcement.lists] == ["Rolled back"]  # nothing left
    trigger = {f.label: f.value for f in announcement.facts}["Trigger"]
    assert trigger == "image push scorekeep-api:v2 (sha256:9f86d081884c) for scorekeep-api"


def test_a_failed_rollback_says_how_much_is_left_to_clean_up() -> None:
    detail = detail_in_state("ROLLBACK_FAILED", leftBehind=["vpc vpc-1", "eip eipalloc-2"])
    announcement = announced(detail)
    assert announcement.summary == (
        "🔥 scorekeep: rollback failed, resources left behind — 2 to clean up by hand"
    )
    assert announcement.items("Left behind: clean up by hand") == ("vpc vpc-1", "eip eipalloc-2")


def test_a_rollback_that_crashed_without_a_list_is_summarised_by_its_cause() -> None:
    detail = detail_in_state("ROLLBACK_FAILED", cause="Lambda timed out", error="States.Timeout")
    del detail["leftBehind"], detail["rolledBack"]
    announcement = announced(detail)
    assert announcement.summary == (
        "🔥 scorekeep: rollback failed, resources left behind — Lambda timed out"
    )


def test_a_start_says_who_started_it_and_shows_no_duration_yet() -> None:
    detail = detail_in_state("STARTED")
    announcement = announced(detail)
    assert announcement.summary.startswith("🚀 scorekeep: deployment started (image push")
    assert "Duration" not in {f.label for f in announcement.facts}


def test_a_rejection_summary_is_the_first_problem_of_the_spec() -> None:
    detail = detail_in_state(
        "REJECTED",
        cause="specs/web.yaml:3:5: service.name: must be 'web'\nspecs/web.yaml:9:1: cpu: bad",
        error="SpecError",
    )
    announcement = announced(detail)
    assert announcement.summary == (
        "⛔ scorekeep: spec rejected — specs/web.yaml:3:5: service.name: must be 'web'"
    )
    assert announcement.cause is not None and announcement.cause.count("\n") == 1


@pytest.mark.parametrize("state", ["NOOP", "", "SOMETHING_NEW", None])
def test_states_that_are_not_announced_give_no_announcement(state: str | None) -> None:
    detail = detail_in_state("SUCCEEDED")
    detail["state"] = state
    assert announcement_of(detail) is None


@pytest.mark.parametrize("state", ALL_STATES)
def test_every_state_has_its_own_emoji_and_colour(state: str) -> None:
    announcement = announced(detail_in_state(state))
    assert announcement.title.startswith(STYLES[state].emoji)
    others = [s for s in ALL_STATES if s != state]
    assert all(STYLES[state].colour != STYLES[o].colour for o in others)
    assert all(STYLES[state].emoji != STYLES[o].emoji for o in others)


def test_a_detail_of_another_shape_still_reads_without_failing() -> None:
    """Events may come from an older or newer ecsdrop: odd fields are left out, not fatal."""
    detail = {
        "state": "FAILED",
        "service": None,
        "trigger": "not a mapping",
        "taskDefinition": ["not", "a", "mapping"],
        "spec": None,
        "durationSeconds": "12",
        "rolledBack": "not a list",
        "leftBehind": [None, "", "vpc vpc-1"],
        "notifications": {"channels": "games"},
    }
    announcement = announced(detail)
    assert announcement.service is None
    assert announcement.subject == "(unknown service)"
    assert announcement.summary == "❌ (unknown service): deployment failed"
    assert announcement.facts == ()
    assert announcement.lists == (ItemList("Left behind: clean up by hand", ("vpc vpc-1",)),)
    assert announcement.channels == frozenset()
    assert announcement.console_url is None


def test_the_specs_notification_preferences_are_read_case_insensitively() -> None:
    detail = detail_in_state(
        "SUCCEEDED", notifications={"channels": ["Games", "oncall"], "states": ["FAILED"]}
    )
    announcement = announced(detail)
    assert announcement.channels == {"games", "oncall"}
    assert announcement.spec_states == {"FAILED"}


def test_without_notifications_every_state_is_wanted_and_no_channel_is_named() -> None:
    detail = detail_in_state("SUCCEEDED")
    del detail["notifications"]
    announcement = announced(detail)
    assert announcement.channels == frozenset()
    assert announcement.spec_states == set(ALL_STATES)  # ROLLING_OUT included


@pytest.mark.parametrize(
    ("trigger", "described"),
    [
        ({"type": "spec-upload", "requester": "123456789012"}, "spec upload by 123456789012"),
        (
            {"type": "spec-upload", "uploader": "arn:aws:iam::123456789012:user/bob"},
            "spec upload by bob",
        ),
        ({"type": "spec-upload"}, "spec upload"),
        (
            {"type": "ecr-push", "repository": "api", "tag": "v1", "digest": "sha256:" + "a" * 64},
            "image push api:v1 (sha256:aaaaaaaaaaaa)",
        ),
        ({"type": "plan", "requester": "123456789012"}, "plan upload by 123456789012"),
        ({"type": "spec-delete", "requester": "arn:aws:iam::1:user/bob"}, "spec deleted by bob"),
        ({"type": "delete-request"}, "delete request"),
        ({"type": "rollback", "toRevision": 7}, "rollback to revision 7"),
        ({"type": "rollback", "requester": "bob"}, "rollback by bob"),
        ({"type": "redeploy"}, "redeploy"),
        ({}, "unknown"),
    ],
)
def test_triggers_are_described_for_people(trigger: dict[str, str], described: str) -> None:
    assert describe_trigger(trigger) == described


@pytest.mark.parametrize(
    ("task", "shown"),
    [
        ({"current": "arn:x:task-definition/web:2", "previous": "arn:x:task-definition/web:1"},
         "web:2 (was web:1)"),
        ({"current": "arn:x:task-definition/web:2", "previous": "arn:x:task-definition/web:2"},
         "web:2 (unchanged)"),
        ({"current": "arn:x:task-definition/web:1", "previous": None}, "web:1"),
        ({"current": None, "previous": "arn:x:task-definition/web:7"}, "web:7 running"),
        ({}, ""),
    ],
)  # fmt: skip
def test_task_definition_changes_read_as_family_and_revision(
    task: dict[str, str | None], shown: str
) -> None:
    assert task_definition_change(task) == shown


# --------------------------------------------------------------------------- a service's end


def test_a_deletion_lists_everything_that_went() -> None:
    detail = real_detail("deleted")
    announcement = announced(detail)
    assert announcement.title == "🗑️ scorekeep: deleted"
    assert announcement.summary == "🗑️ scorekeep: deleted — 8 resources removed"
    assert announcement.lists == (ItemList("Deleted", tuple(detail["deleted"])),)
    facts = {f.label: f.value for f in announcement.facts}
    assert facts["Trigger"] == "spec deleted by Deployer/alice"
    assert facts["Task definition"] == "scorekeep:5 (the last deployed)"  # not "running"
    assert announcement.footer.startswith("deletion 5f1e2d3c")
    assert announcement.advice is None


def test_a_retained_service_says_it_still_runs_costs_money_and_how_to_remove_it() -> None:
    detail = real_detail("retained")
    announcement = announced(detail)
    assert announcement.title == "📌 scorekeep: spec deleted, service still running"
    assert announcement.summary.endswith("— 4 resources still billed")
    assert announcement.items("Still running, and billed") == tuple(detail["retained"])
    assert announcement.advice is not None
    for needed in ("no longer manages or redeploys scorekeep", "costs money",
                   "`service.deletionPolicy: delete`", "upload the spec again and delete it",
                   "by hand"):  # fmt: skip
        assert needed in announcement.advice


def test_a_failed_deletion_is_a_failure_that_says_what_is_left_and_how_to_finish() -> None:
    detail = real_detail("delete-failed")
    announcement = announced(detail)
    assert announcement.is_failure
    assert announcement.summary == (
        "🧨 scorekeep: deletion failed, resources left behind — 2 left behind"
    )
    assert announcement.items("Deleted") == tuple(detail["deleted"])
    assert announcement.items("Left behind") == tuple(detail["leftBehind"])
    assert announcement.code == CodeBlock("Cause", detail["cause"])
    assert announcement.advice is not None
    assert "Retry with `ecsdrop delete scorekeep` to finish" in announcement.advice
    assert {f.label: f.value for f in announcement.facts}["Trigger"] == (
        "delete request by Deployer/alice"
    )


def test_which_of_the_new_states_are_failures() -> None:
    assert "DELETE_FAILED" in FAILURE_STATES
    for state in ("DELETED", "RETAINED", "PLANNED"):
        assert not announced(detail_in_state(state)).is_failure, state


def test_a_deletion_start_says_deletion_started() -> None:
    deletion = detail_in_state(
        "STARTED", action="delete", trigger=real_detail("deleted")["trigger"]
    )
    announcement = announced(deletion)
    assert announcement.title == "🚀 scorekeep: deletion started"
    assert announcement.summary == "🚀 scorekeep: deletion started (spec deleted by Deployer/alice)"
    assert announcement.footer.startswith("deletion ")
    requested = detail_in_state("STARTED", trigger={"type": "delete-request", "requester": "bob"})
    assert announced(requested).summary == "🚀 scorekeep: deletion started (delete request by bob)"


def test_a_rollback_run_names_the_revision_and_who_asked_for_it() -> None:
    trigger = {"type": "rollback", "toRevision": 4, "requester": "arn:aws:iam::1:user/alice"}
    started = announced(detail_in_state("STARTED", trigger=trigger))
    assert started.summary == "🚀 scorekeep: rollback started (rollback to revision 4 by alice)"
    done = announced(
        detail_in_state(
            "SUCCEEDED",
            trigger=trigger,
            taskDefinition={
                "current": "arn:aws:ecs:us-east-1:1:task-definition/scorekeep:4",
                "previous": "arn:aws:ecs:us-east-1:1:task-definition/scorekeep:5",
            },
        )
    )
    assert done.summary == "✅ scorekeep: rollback deployed scorekeep:4 (was scorekeep:5) in 2m 14s"
    assert {f.label: f.value for f in done.facts}["Trigger"] == "rollback to revision 4 by alice"


# --------------------------------------------------------------------------- a plan


def test_a_plan_with_changes_shows_its_diff_and_counts_the_lines() -> None:
    detail = real_detail("planned")
    announcement = announced(detail)
    assert announcement.title == "📝 scorekeep: plan, changes to apply"
    assert announcement.summary == "📝 scorekeep: plan, changes to apply (+1 -1 lines)"
    assert announcement.code == CodeBlock("Diff", detail["diff"], language="diff")
    facts = {f.label: f.value for f in announcement.facts}
    assert facts["Changes"] == "+1 -1 lines"
    assert facts["Trigger"] == "plan upload by Deployer/alice"
    assert announcement.footer.startswith(f"plan {detail['deploymentId']}")


def test_a_plan_without_changes_says_so_and_shows_no_diff() -> None:
    announcement = announced(detail_in_state("PLANNED", changes=False, diff=""))
    assert announcement.title == "📝 scorekeep: plan, no changes"
    assert announcement.summary == announcement.title
    assert announcement.code is None
    assert {f.label: f.value for f in announcement.facts}["Changes"] == (
        "none: what runs matches the spec"
    )


def test_a_rejected_plan_reads_as_a_plan() -> None:
    plan = real_detail("planned")
    detail = detail_in_state(
        "REJECTED",
        trigger=plan["trigger"],
        spec=plan["spec"],
        cause="plans/scorekeep.yaml:4:3: bad",
    )
    announcement = announced(detail)
    assert announcement.summary == ("⛔ scorekeep: plan rejected — plans/scorekeep.yaml:4:3: bad")
    assert announcement.footer.startswith("plan ")


# --------------------------------------------------------------------------- no service


def test_a_spec_at_a_key_ecsdrop_does_not_accept_is_named_by_its_key_and_reason() -> None:
    detail = real_detail("rejected-key")
    announcement = announced(detail)
    assert announcement.service is None
    assert announcement.subject == "specs/team/x.yaml"
    assert announcement.title == "⛔ specs/team/x.yaml: spec rejected"
    assert announcement.summary == f"⛔ specs/team/x.yaml: spec rejected — {detail['cause']}"
    assert announcement.code == CodeBlock("Cause", detail["cause"])
    assert {f.label: f.value for f in announcement.facts}["Spec"].startswith("specs/team/x.yaml")
