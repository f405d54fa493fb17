"""The shapes of push URLs and of a push: REST's bodies and, through ``strawberry.pydantic``,
GraphQL's ``PushUrl``."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Self
from uuid import UUID

import strawberry
from pydantic import ConfigDict, Field

from api.shapes import Input, Output
from domain.limits import CHECK_IN_ORIGIN_MAX_LENGTH, CHECK_IN_TEXT_MAX_LENGTH
from service.push_urls import CreatedPushUrl, Push

_EXAMPLE_ID = "01a209b4-22a0-764f-84e2-80f0bf395a35"
_EXAMPLE_TOKEN = "okrp_4aT0yq1Jc9Qm2x3b7Rk5VnZp0sLd8Fh6GwEuYiOtMeA"  # noqa: S105 - an example

PushUrlName = Annotated[str, Field(max_length=CHECK_IN_ORIGIN_MAX_LENGTH)]


@strawberry.pydantic.type(
    name="PushUrl",
    description="A key result's push URL: its secret is shown once, when it is created.",
)
class PushUrlOut(Output):
    id: UUID = Field(examples=[_EXAMPLE_ID])
    key_result_id: UUID = Field(examples=[_EXAMPLE_ID])
    name: str = Field(
        examples=["hubspot"],
        description="The integration calling it: the `integration` of its check-ins.",
    )
    created_by: str = Field(examples=[_EXAMPLE_ID], description="Who created it (a member id).")
    created_at: datetime
    last_used_at: datetime | None = Field(
        description="When it was last called (refused calls included); null if never."
    )
    revoked: bool = Field(description="Revoked: its calls are 404 for good.")
    revoked_at: datetime | None
    revoked_by: str | None = Field(description="Who revoked it.")


_NEVER_REPLAYED = " Null in a replayed answer (`Idempotent-Replayed: true`): it is not kept."


class PushUrlCreatedOut(PushUrlOut):
    url: str | None = Field(
        examples=[f"https://okr.example/v1/push/{_EXAMPLE_TOKEN}"],
        description="POST here to check in on the KR: the secret is in it. Shown only now: "
        "keep it like a password (revoke it and make another if it leaks)." + _NEVER_REPLAYED,
    )
    token: str | None = Field(
        examples=[_EXAMPLE_TOKEN],
        description="The secret alone, for tools that send it as `Authorization: Bearer "
        "<token>` to `POST /v1/push` instead. Shown only now." + _NEVER_REPLAYED,
    )

    @classmethod
    def of_created(cls, created: CreatedPushUrl, url: str) -> Self:
        shown = PushUrlOut.of(created.push_url).model_dump()
        return cls(**shown, url=url, token=created.token)

    @staticmethod
    def without_secret(body: bytes) -> bytes:
        """The answer as an ``Idempotency-Key`` replay gets it: the secret is never stored."""
        shown = json.loads(body)
        if isinstance(shown, dict) and "token" in shown:
            shown.update(url=None, token=None)
        return json.dumps(shown).encode()


class PushUrlCreate(Input):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "hubspot"}]})
    name: PushUrlName = Field(
        description="The integration that will call it (`hubspot`, `revenue sheet`): its "
        "check-ins name it as their `integration`."
    )


class PushIn(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"value": "42"},
                {"increment": "3", "note": "deal won", "external_id": "deal-8812-won"},
            ]
        },
    )
    value: Decimal | None = Field(default=None, description="The KR's new value.")
    increment: Decimal | None = Field(
        default=None,
        description="Added to the KR's current value (its start before any check-in); "
        "concurrent increments all count. Send `value` or `increment`, not both.",
    )
    note: Annotated[str, Field(max_length=CHECK_IN_TEXT_MAX_LENGTH)] = Field(
        default="", description="What happened."
    )
    external_id: Annotated[str, Field(max_length=CHECK_IN_ORIGIN_MAX_LENGTH)] | None = Field(
        default=None,
        description="Your id of this update (a CRM event): sent again, it is the same "
        "check-in (answered 200 with it) and never counted twice, increments included.",
    )

    def to_push(self, *, idempotency_key: str | None = None) -> Push:
        """The push; an ``Idempotency-Key`` header stands for ``external_id`` when the body
        has none (both name the one update a retry repeats)."""
        return Push(
            value=self.value,
            increment=self.increment,
            note=self.note,
            external_id=self.external_id if self.external_id is not None else idempotency_key,
        )
