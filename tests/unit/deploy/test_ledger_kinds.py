"""Every kind of resource a run can record in its ledger has its undo in the rollback, and the
rollback knows no kind that nothing records: a new kind without an undo would be left behind
by every failed run (and reported ROLLBACK_FAILED "no way to undo")."""

from __future__ import annotations

from ecsdrop.deploy import rollback
from ecsdrop.deploy.ledger import Changed, Created


def test_every_kind_a_run_creates_has_a_deletion() -> None:
    assert {kind.value for kind in Created} == set(rollback._UNDO_CREATED)


def test_every_kind_a_run_changes_has_a_restoration() -> None:
    assert {kind.value for kind in Changed} == set(rollback._UNDO_CHANGED)


def test_kinds_are_stored_as_their_plain_names() -> None:
    # the ledger's items and the teardown's entries carry the value, which DynamoDB and the
    # rollback read back as a string
    assert Created.NAT_GATEWAY.value == "natgateway"
    assert f"{Created.TARGET_GROUP}-intent" == "target-group-intent"
