"""The destinations secret: validated loudly, and who hears which event."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ecsdrop.errors import DestinationsConfigError
from ecsdrop.notify.destinations import CachedDestinations, Destination, parse_destinations
from tests.unit.notify.samples import announced, detail_in_state, real_detail

SLACK_URL = "https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX"


def secret(*destinations: dict[str, Any]) -> str:
    return json.dumps({"destinations": list(destinations)})


def test_a_complete_secret_reads_into_destinations() -> None:
    (slack, teams) = parse_destinations(
        secret(
            {
                "name": "deploys",
                "type": "slack",
                "url": SLACK_URL,
                "states": ["FAILED", "ROLLED_BACK"],
                "services": ["score*"],
                "channels": ["Games"],
            },
            {"name": "platform", "type": "teams", "url": "https://example.webhook.office.com/x"},
        ),
        "secret arn:test",
    )
    assert slack == Destination(
        name="deploys",
        type="slack",
        url=SLACK_URL,
        states=frozenset({"FAILED", "ROLLED_BACK"}),
        services=("score*",),
        channels=frozenset({"games"}),
    )
    assert teams.states is None and teams.services == () and teams.channels == frozenset()


def test_the_default_secret_means_no_destinations() -> None:
    assert parse_destinations('{"destinations": []}', "secret arn:test") == ()


def test_every_problem_is_named_at_once_and_no_url_is_ever_echoed() -> None:
    broken = secret(
        {"name": "a", "type": "slak", "url": "http://hooks.slack.com/services/T/B/SECRET1"},
        {"name": "a", "type": "discord", "url": "https://discord.com/api/webhooks/1/SECRET2"},
        {"type": "json", "url": "ftp://example.com/SECRET3", "state": ["FAILED"]},
        {"name": "b", "type": "teams", "url": "https://x.example/SECRET4", "states": ["DONE"]},
        {"name": "c", "type": "json", "url": "https://x.example/SECRET5", "channels": ["a b"]},
        "not an object",
    )
    with pytest.raises(DestinationsConfigError) as raised:
        parse_destinations(broken, "secret arn:aws:secretsmanager:us-east-1:1:secret:d")
    message = str(raised.value)
    assert message.startswith(
        "secret arn:aws:secretsmanager:us-east-1:1:secret:d is not a valid destinations secret:"
    )
    for expected in [
        "destinations[0].type: must be one of slack, teams, googlechat, discord, json",
        "destinations[0].url: must be an https:// URL (http:// only to localhost)",
        "destinations[2].name: must be a non-empty string",
        "destinations[2].url: must be an https:// URL",
        "destinations[2]: unknown key(s) state",
        "destinations[3].states: must be a non-empty list of",
        "destinations[4].channels: channel names are letters, digits",
        "destinations[5]: must be an object",
    ]:
        assert expected in message
    assert "SECRET" not in message


def test_a_name_used_twice_is_refused() -> None:
    twice = secret(
        {"name": "a", "type": "json", "url": "https://x.example/1"},
        {"name": "a", "type": "json", "url": "https://x.example/2"},
    )
    with pytest.raises(DestinationsConfigError, match="destination name 'a' is used twice"):
        parse_destinations(twice, "s")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("not json", "s: not JSON"),
        ("[]", 'must be an object {"destinations": [...]}'),
        ('{"destinations": {}}', 'must be an object {"destinations": [...]}'),
        ('{"destinations": [], "extra": 1}', "unknown key(s) extra"),
    ],
)
def test_a_secret_of_the_wrong_shape_is_refused(text: str, problem: str) -> None:
    with pytest.raises(DestinationsConfigError) as raised:
        parse_destinations(text, "s")
    assert problem in str(raised.value)


def test_plain_http_is_allowed_only_to_this_machine() -> None:
    for url in ("http://127.0.0.1:8080/hook", "http://localhost/hook", "http://[::1]:9/hook"):
        assert parse_destinations(secret({"name": "n", "type": "json", "url": url}), "s")
    with pytest.raises(DestinationsConfigError):
        parse_destinations(secret({"name": "n", "type": "json", "url": "http://10.0.0.1/"}), "s")


def test_the_url_stays_out_of_reprs() -> None:
    (destination,) = parse_destinations(
        secret({"name": "n", "type": "slack", "url": SLACK_URL}), "s"
    )
    assert "SECRET" not in repr(destination)


# --------------------------------------------------------------------------- who hears what


def destination(**filters: Any) -> Destination:
    return Destination(name="d", type="json", url="https://x.example", **filters)


def event(state: str = "SUCCEEDED", service: str = "scorekeep", **notifications: Any) -> Any:
    prefs = {"channels": notifications.get("channels", []), **notifications}
    return announced(detail_in_state(state, service=service, notifications=prefs))


def test_a_destination_without_filters_hears_everything() -> None:
    assert destination().wants(event())
    assert destination().wants(event("REJECTED", service="other"))


def test_state_and_service_filters_narrow_what_a_feed_hears() -> None:
    failures = destination(states=frozenset({"FAILED", "ROLLED_BACK"}))
    assert failures.wants(event("ROLLED_BACK"))
    assert not failures.wants(event("SUCCEEDED"))
    scorekeep_only = destination(services=("score*", "billing-?"))
    assert scorekeep_only.wants(event(service="scorekeep"))
    assert scorekeep_only.wants(event(service="billing-1"))
    assert not scorekeep_only.wants(event(service="billing-10"))


def test_a_feed_without_channels_hears_services_whatever_their_spec_says() -> None:
    assert destination().wants(event(channels=["games"], states=["FAILED"]))


def test_a_channel_destination_hears_only_services_whose_spec_names_its_channel() -> None:
    games = destination(channels=frozenset({"games"}))
    assert games.wants(event(channels=["Games", "oncall"]))
    assert not games.wants(event(channels=["billing"]))
    assert not games.wants(event(channels=[]))


def test_a_channel_destination_hears_only_the_states_the_spec_asks_for() -> None:
    games = destination(channels=frozenset({"games"}))
    assert games.wants(event("FAILED", channels=["games"], states=["FAILED"]))
    assert not games.wants(event("SUCCEEDED", channels=["games"], states=["FAILED"]))


def test_a_channel_destinations_own_filters_still_apply() -> None:
    games = destination(channels=frozenset({"games"}), states=frozenset({"ROLLED_BACK"}))
    assert not games.wants(event("FAILED", channels=["games"]))
    assert games.wants(event("ROLLED_BACK", channels=["games"]))


def test_an_event_without_a_spec_reaches_feeds_but_no_channel() -> None:
    """A spec rejected before it was read names no channel: only the feeds hear of it."""
    detail = detail_in_state("REJECTED")
    del detail["notifications"]
    rejected = announced(detail)
    assert destination().wants(rejected)
    assert not destination(channels=frozenset({"games"})).wants(rejected)


# --------------------------------------------------------------------------- the cache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_secret_is_read_again_only_after_its_max_age() -> None:
    values = iter(
        [
            secret({"name": "one", "type": "json", "url": "https://x.example/1"}),
            secret({"name": "two", "type": "json", "url": "https://x.example/2"}),
        ]
    )
    reads: list[int] = []

    def read() -> str:
        reads.append(1)
        return next(values)

    clock = Clock()
    cached = CachedDestinations(read, "s", max_age_seconds=60, clock=clock)
    assert [d.name for d in cached()] == ["one"]
    clock.now += 59
    assert [d.name for d in cached()] == ["one"]
    assert len(reads) == 1
    clock.now += 1
    assert [d.name for d in cached()] == ["two"]
    assert len(reads) == 2


def test_an_invalid_secret_is_not_cached_so_a_fix_takes_effect_at_once() -> None:
    values = iter(["{broken", secret({"name": "ok", "type": "json", "url": "https://x/1"})])
    cached = CachedDestinations(lambda: next(values), "s", max_age_seconds=60, clock=Clock())
    with pytest.raises(DestinationsConfigError):
        cached()
    assert [d.name for d in cached()] == ["ok"]


def test_an_event_that_names_no_service_reaches_only_feeds_without_a_services_filter() -> None:
    """A spec at a key ecsdrop does not accept belongs to no service: the platform team's
    unlimited feeds hear of it; a destination limited to some services, even to "*", does
    not, nor does a channel destination (no spec names its channel)."""
    rejected = announced(real_detail("rejected-key"))
    assert rejected.service is None
    assert destination().wants(rejected)
    assert destination(states=frozenset({"REJECTED"})).wants(rejected)
    assert not destination(services=("score*",)).wants(rejected)
    assert not destination(services=("*",)).wants(rejected)
    assert not destination(channels=frozenset({"games"})).wants(rejected)


def test_a_secret_may_filter_on_the_deletion_and_plan_states() -> None:
    (only_ends,) = parse_destinations(
        secret(
            {
                "name": "ends",
                "type": "json",
                "url": "https://x.example/1",
                "states": ["DELETED", "RETAINED", "DELETE_FAILED", "PLANNED"],
            }
        ),
        "s",
    )
    assert only_ends.wants(announced(real_detail("retained")))
    assert not only_ends.wants(event("SUCCEEDED"))


def test_a_channel_destination_hears_a_deletion_of_a_service_whose_spec_names_it() -> None:
    """The workflow sends the deleted spec's notifications with the deletion's events."""
    games = destination(channels=frozenset({"games"}))
    assert games.wants(announced(real_detail("deleted")))
    quiet = announced(
        real_detail("deleted")
        | {"notifications": {"channels": ["games"], "states": ["DELETE_FAILED"]}}
    )
    assert not games.wants(quiet)
