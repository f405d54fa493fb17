"""Drive the real app over ASGI on a real Postgres, with tokens minted like `okr token`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
from fastapi import FastAPI

from service.organizations import NewOrganization, create_organization
from service.runtime.settings import Settings
from service.runtime.tokens import mint_token

TEST_SECRET = "test-secret-" + "x" * 40


def test_settings(**overrides: Any) -> Settings:
    return Settings(database_url=None, jwt_secret=TEST_SECRET, log_json=True, **overrides)


class SettableClock:
    """A clock on real time until a test pins it to an instant."""

    def __init__(self) -> None:
        self.pinned: datetime | None = None

    def pin(self, instant: datetime) -> None:
        self.pinned = instant

    def reset(self) -> None:
        """Back to real time: the ``clock`` fixture calls it around every test."""
        self.pinned = None

    def now(self) -> datetime:
        return self.pinned or datetime.now(UTC)


@dataclass
class Tenant:
    """An organization with its first admin, and a client for any member of it."""

    organization_id: UUID
    admin_id: UUID
    app: FastAPI
    settings: Settings

    def token(
        self, member_id: UUID | None = None, *roles: str, scopes: tuple[str, ...] = ()
    ) -> str:
        return mint_token(
            self.settings,
            organization_id=self.organization_id,
            member_id=member_id,
            roles=roles,
            scopes=scopes,
        )

    def client(self, token: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app, raise_app_exceptions=False),
            base_url="http://okr.test",
            headers=headers,
        )

    def admin(self) -> httpx.AsyncClient:
        return self.client(self.token(self.admin_id, "admin"))

    def as_member(self, member_id: UUID, *roles: str) -> httpx.AsyncClient:
        return self.client(self.token(member_id, *roles))


async def new_tenant(app: FastAPI, settings: Settings, name: str = "Acme") -> Tenant:
    services = app.state.okr.services
    org, admin = await create_organization(
        services.deps, NewOrganization(name=name, admin_email=f"admin@{name.lower()}.example")
    )
    return Tenant(organization_id=org.id, admin_id=admin.id, app=app, settings=settings)


async def create_member(client: httpx.AsyncClient, name: str, **fields: Any) -> dict[str, Any]:
    email = fields.pop("email", f"{name.lower().replace(' ', '.')}@example.com")
    response = await client.post("/v1/members", json={"name": name, "email": email, **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body
