"""The states a run announces: one list, which the spec's schema offers and defaults to."""

from __future__ import annotations

import json

from ecsdrop.notify.message import announcement_of
from ecsdrop.notify.states import ALL_STATES, FAILURE_STATES, STYLES
from ecsdrop.spec import validate
from ecsdrop.spec.schema import load_schema

NEW_STATES = ("DELETED", "RETAINED", "DELETE_FAILED", "PLANNED")


def spec_with(**notifications: object) -> str:
    spec = {
        "version": 1,
        "service": {"name": "web"},
        "taskDefinition": {"containerDefinitions": [{"name": "web", "image": "nginx:1.27"}]},
        "notifications": notifications,
    }
    return json.dumps(spec)


def test_the_schema_offers_every_announced_state_in_the_same_order() -> None:
    states = load_schema()["$defs"]["notifications"]["properties"]["states"]
    assert states["items"]["enum"] == list(ALL_STATES) == list(STYLES)
    assert set(NEW_STATES) <= set(ALL_STATES)


def test_a_spec_that_names_no_states_hears_all_of_them_the_new_ones_too() -> None:
    """All that can happen to it: a service has no scheduled runs, so no RUN_FAILED (and its
    complete spec, digest included, stays what it was before scheduled jobs came)."""
    validation = validate(spec_with(channels=["web"]), "web.json")
    assert validation.spec is not None
    wanted = [s for s in ALL_STATES if s not in ("RUN_FAILED", "ROLLING_OUT")]
    assert validation.spec.notifications["states"] == wanted


def test_a_progressive_service_that_names_no_states_hears_its_stages_too() -> None:
    """ROLLING_OUT, the stages of a blue/green, linear or canary deployment, only where there
    are stages (a rolling service's complete spec, digest included, stays as it was)."""
    document = json.loads(spec_with(channels=["web"]))
    document["service"]["deployment"] = {"strategy": "canary"}
    (container,) = document["taskDefinition"]["containerDefinitions"]
    container["portMappings"] = [{"containerPort": 80}]
    validation = validate(json.dumps(document), "web.json")
    assert validation.problems == ()
    assert validation.spec is not None
    assert validation.spec.notifications["states"] == [s for s in ALL_STATES if s != "RUN_FAILED"]


def test_a_scheduled_job_that_names_no_states_hears_its_failed_runs_too() -> None:
    job = json.loads(spec_with(channels=["web"]))
    job["schedule"] = {"expression": "rate(1 hour)"}
    validation = validate(json.dumps(job), "web.json")
    assert validation.spec is not None
    assert validation.spec.notifications["states"] == [s for s in ALL_STATES if s != "ROLLING_OUT"]
    assert "RUN_FAILED" in FAILURE_STATES


def test_a_spec_may_ask_for_just_the_deletion_and_plan_states() -> None:
    validation = validate(spec_with(states=list(NEW_STATES)), "web.json")
    assert validation.problems == ()
    assert validation.spec is not None
    assert validation.spec.notifications["states"] == list(NEW_STATES)


def test_a_state_the_notifier_does_not_know_is_refused_by_the_spec() -> None:
    validation = validate(spec_with(states=["DELETING"]), "web.json")
    assert [p.path for p in validation.problems] == [("notifications", "states", 0)]


def test_only_the_failed_deletion_among_the_new_states_is_a_failure() -> None:
    assert {s for s in NEW_STATES if s in FAILURE_STATES} == {"DELETE_FAILED"}


def test_a_network_prepared_for_a_task_is_published_but_never_posted() -> None:
    """PREPARED (`ecsdrop run` before the first deployment) has no STARTED before it: a post
    would announce a service that does not run. A spec cannot ask for it."""
    assert announcement_of({"state": "PREPARED", "service": "web"}) is None
    assert "PREPARED" not in ALL_STATES
    validation = validate(spec_with(states=["PREPARED"]), "web.json")
    assert [p.path for p in validation.problems] == [("notifications", "states", 0)]
