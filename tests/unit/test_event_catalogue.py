"""The outbox mapping: audit action -> the catalogue's event, a pure function."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from service.event_ports import Audience
from service.events import _RENAMED, CATALOGUE, changed_fields, from_audit
from service.okr_ports import AuditEvent


def _audit(action: str, resource_type: str, **states: object) -> AuditEvent:
    return AuditEvent(
        id=uuid4(),
        organization_id=uuid4(),
        occurred_at=datetime(2027, 1, 1, tzinfo=UTC),
        actor="someone",
        action=action,
        resource_type=resource_type,
        resource_id=uuid4(),
        before=states.get("before"),  # type: ignore[arg-type]
        after=states.get("after"),  # type: ignore[arg-type]
    )


def test_every_renamed_action_lands_in_the_catalogue() -> None:
    assert set(_RENAMED.values()) <= set(CATALOGUE)


def test_what_integrations_do_not_hear_makes_no_event() -> None:
    for action in ("comment.created", "kpi.updated", "meeting.deleted", "organization.updated"):
        assert from_audit(_audit(action, action.split(".")[0])) is None


def test_an_update_names_what_changed_but_not_its_bookkeeping() -> None:
    kr_objective = str(uuid4())
    event = from_audit(
        _audit(
            "key_result.moved",
            "key_result",
            before={"objective_id": str(uuid4()), "title": "A", "version": 1},
            after={"objective_id": kr_objective, "title": "A", "version": 2},
        )
    )
    assert event is not None
    assert (event.type, event.audience, event.changes) == (
        "key_result.updated",
        Audience.OKRS,
        ("objective_id",),
    )
    assert str(event.objective_id) == kr_objective
    assert event.link == f"/v1/key-results/{event.resource_id}"


def test_creations_carry_no_changes() -> None:
    event = from_audit(_audit("objective.copied", "objective", after={"title": "A"}))
    assert event is not None
    assert (event.type, event.changes, event.objective_id) == (
        "objective.created",
        (),
        event.resource_id,
    )


def test_changed_fields() -> None:
    assert changed_fields({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == ("b", "c")
    assert changed_fields(None, None) == ()


def test_a_kr_track_event_is_about_the_kr_and_its_objective() -> None:
    objective_id = str(uuid4())
    for action in ("key_result.track_status_changed", "key_result.stale"):
        event = from_audit(_audit(action, "key_result", after={"objective_id": objective_id}))
        assert event is not None
        assert (event.type, event.audience, event.changes) == (action, Audience.OKRS, ())
        assert str(event.objective_id) == objective_id
        assert event.key_result_id == event.resource_id
