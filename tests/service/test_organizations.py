"""Use cases of the organization: creation with its first admin, reading and settings."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.errors import Forbidden, RuleViolation, StaleVersion
from domain.members import Role
from domain.organizations import Locale, OrganizationChanges, ReviewSettings
from service.auth import Scope
from service.context import Deps
from service.organizations import (
    NewOrganization,
    create_organization,
    get_organization,
    update_organization,
)
from service.storage.postgres import tables
from tests.service.harness import NOW, FixedClock, Tenant, hire, principal_of, stored_member


async def test_create_organization_stores_the_org_and_its_first_admin(deps: Deps) -> None:
    org, admin = await create_organization(
        deps,
        NewOrganization(
            name="  Acme Sales  ",
            admin_email="  Boss@Acme.Example ",
            time_zone="Asia/Shanghai",
            locale=Locale.ZH_CN,
        ),
    )

    assert (org.name, org.time_zone, org.locale, org.version) == (
        "Acme Sales",
        "Asia/Shanghai",
        Locale.ZH_CN,
        1,
    )
    assert org.created_at == org.updated_at == NOW
    assert admin.organization_id == org.id
    assert admin.email == "boss@acme.example"
    assert admin.name == "boss"  # defaults to the address's local part
    assert admin.roles == frozenset({Role.ADMIN})
    assert admin.active
    assert await get_organization(deps, principal_of(admin)) == org
    assert await stored_member(deps, admin) == admin


async def test_create_organization_refuses_an_unknown_time_zone_and_stores_nothing(
    deps: Deps, engine: AsyncEngine
) -> None:
    before = await _everyone(engine)
    with pytest.raises(RuleViolation) as caught:
        await create_organization(
            deps, NewOrganization(name="Acme", admin_email="a@acme.example", time_zone="Mars/Base")
        )
    assert caught.value.code == "validation_failed"
    assert caught.value.errors[0].field == "time_zone"
    assert await _everyone(engine) == before


async def _everyone(engine: AsyncEngine) -> tuple[int | None, int | None]:
    """How many organizations and members the session's database holds, all tenants together:
    a refused organization has no id to count by."""
    async with engine.connect() as conn:
        return (
            await conn.scalar(select(func.count()).select_from(tables.organizations)),
            await conn.scalar(select(func.count()).select_from(tables.members)),
        )


async def test_members_and_readers_see_their_organization(deps: Deps, acme: Tenant) -> None:
    plain = await hire(deps, acme, "Ann")
    assert await get_organization(deps, principal_of(plain)) == acme.org
    assert await get_organization(deps, acme.reader) == acme.org


async def test_a_service_without_a_read_scope_cannot_read_the_organization(
    deps: Deps, acme: Tenant
) -> None:
    with pytest.raises(Forbidden) as caught:
        await get_organization(deps, acme.service(Scope.REVIEWS_EXPORT))
    assert caught.value.code == "forbidden"


async def test_an_admin_updates_the_organization_and_bumps_its_version(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    clock.current = NOW + timedelta(hours=1)
    reviews = ReviewSettings(peer_anonymity_threshold=5, min_peers=5)

    updated = await update_organization(
        deps,
        acme.admin,
        OrganizationChanges(name="Acme Corp", locale=Locale.ZH_CN, reviews=reviews),
        expected_version=1,
    )

    assert updated == replace(
        acme.org,
        name="Acme Corp",
        locale=Locale.ZH_CN,
        reviews=reviews,
        version=2,
        updated_at=NOW + timedelta(hours=1),
    )
    assert await get_organization(deps, acme.admin) == updated


@pytest.mark.parametrize("roles", [frozenset({Role.MEMBER}), frozenset({Role.HR, Role.MANAGER})])
async def test_only_admins_update_the_organization(
    deps: Deps, acme: Tenant, roles: frozenset[Role]
) -> None:
    someone = await hire(deps, acme, "Ann", roles=roles)
    with pytest.raises(Forbidden) as caught:
        await update_organization(deps, principal_of(someone), OrganizationChanges(name="Mine"))
    assert caught.value.code == "forbidden"
    with pytest.raises(Forbidden):
        await update_organization(deps, acme.service(*Scope.ALL), OrganizationChanges(name="x"))
    assert await get_organization(deps, acme.admin) == acme.org


async def test_a_stale_expected_version_is_refused(deps: Deps, acme: Tenant) -> None:
    await update_organization(deps, acme.admin, OrganizationChanges(name="Acme 2"))

    with pytest.raises(StaleVersion) as caught:
        await update_organization(
            deps, acme.admin, OrganizationChanges(name="Acme 3"), expected_version=1
        )

    assert caught.value.code == "stale_version"
    assert caught.value.extra == {"current_version": 2}
    assert (await get_organization(deps, acme.admin)).name == "Acme 2"


async def test_invalid_settings_are_refused_and_nothing_changes(deps: Deps, acme: Tenant) -> None:
    lopsided = ReviewSettings(weight_self=Decimal("0.5"))  # the weights no longer sum to 1
    with pytest.raises(RuleViolation) as caught:
        await update_organization(deps, acme.admin, OrganizationChanges(reviews=lopsided))
    assert caught.value.code == "validation_failed"
    assert [e.code for e in caught.value.errors] == ["weights_sum"]
    assert await get_organization(deps, acme.admin) == acme.org


async def test_each_admin_updates_only_their_own_organization(
    deps: Deps, acme: Tenant, globex: Tenant
) -> None:
    await update_organization(deps, globex.admin, OrganizationChanges(name="Globex Intl"))
    assert await get_organization(deps, acme.admin) == acme.org
    assert (await get_organization(deps, globex.admin)).name == "Globex Intl"
