"""The shapes of API clients. The secret appears only in ``ApiClientWithSecretOut``
(creation and rotation); reads show its first characters (``secret_hint``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from api.shapes import Input, Output
from api.times import UtcInstant
from domain.api_clients import ApiClient
from domain.limits import API_CLIENT_NAME_MAX_LENGTH
from service import api_clients

_ID = "01a209b4-22a0-764f-84e2-80f0bf395a36"
_UNIT = "01a209b4-22a0-764f-84e2-80f0bf395a37"


class ApiClientCreate(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Regional HR system",
                    "scopes": ["org:read", "reviews:export"],
                    "unit_id": _UNIT,
                    "expires_at": "2027-12-31T00:00:00Z",
                }
            ]
        },
    )

    name: str = Field(max_length=API_CLIENT_NAME_MAX_LENGTH, examples=["Regional HR system"])
    scopes: list[str] = Field(
        min_length=1,
        examples=[["org:read", "reviews:export"]],
        description="Scopes its tokens may carry (a token asks for a subset).",
    )
    unit_id: UUID | None = Field(
        default=None,
        examples=[_UNIT],
        description="Limit the client to this unit and the units under it; null: the whole "
        "organization.",
    )
    expires_at: UtcInstant | None = Field(
        default=None,
        examples=["2027-12-31T00:00:00Z"],
        description="After this no token is issued and issued ones stop; null: never.",
    )

    def to_new(self) -> api_clients.NewApiClient:
        return api_clients.NewApiClient(
            name=self.name, scopes=self.scopes, unit_id=self.unit_id, expires_at=self.expires_at
        )


class ApiClientOut(Output):
    id: UUID = Field(examples=[_ID], description="Also the OAuth2 `client_id`.")
    client_id: str = Field(examples=[_ID], description="The OAuth2 `client_id` (the id).")
    name: str = Field(examples=["Regional HR system"])
    scopes: list[str] = Field(examples=[["org:read", "reviews:export"]])
    unit_id: UUID | None = Field(examples=[_UNIT])
    expires_at: datetime | None = Field(examples=["2027-12-31T00:00:00Z"])
    secret_hint: str = Field(
        examples=["okrcs_Xy3k"], description="The first characters of the current secret."
    )
    previous_secret_expires_at: datetime | None = Field(
        examples=["2026-02-15T09:30:00Z"],
        description="After a rotation, until when the previous secret still works.",
    )
    created_at: datetime
    updated_at: datetime
    revoked_at: datetime | None = Field(examples=[None])
    last_used_at: datetime | None = Field(
        examples=["2026-02-14T09:30:00Z"], description="When it last got a token."
    )

    @classmethod
    def of_client(cls, client: ApiClient) -> Self:
        return cls(
            id=client.id,
            client_id=str(client.id),
            name=client.name,
            scopes=sorted(client.scopes),
            unit_id=client.unit_id,
            expires_at=client.expires_at,
            secret_hint=client.secret_hint,
            previous_secret_expires_at=client.previous_secret_expires_at,
            created_at=client.created_at,
            updated_at=client.updated_at,
            revoked_at=client.revoked_at,
            last_used_at=client.last_used_at,
        )


class ApiClientWithSecretOut(ApiClientOut):
    client_secret: str = Field(
        examples=["okrcs_Xy3kq0b1TQ7pY2mZ9cW4vN8rL6sD5fG3hJ1kA0bC2dE"],
        description="The client secret: shown now only, stored hashed.",
    )

    @classmethod
    def of_created(cls, created: api_clients.ClientWithSecret) -> Self:
        base = ApiClientOut.of_client(created.client)
        return cls(**base.model_dump(), client_secret=created.secret)


class ApiClientListOut(BaseModel):
    items: list[ApiClientOut]


def without_secret(body: bytes) -> bytes:
    """What the idempotency store keeps of a creation's answer: not the secret."""
    kept = json.loads(body)
    kept.pop("client_secret", None)
    return json.dumps(kept).encode()
