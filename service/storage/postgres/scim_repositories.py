"""SCIM's rows beside the members: profiles (userName, HR attributes) and pending managers."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Select,
    String,
    and_,
    cast,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import Conflict, FieldError
from service.scim_ports import (
    OwnedWork,
    ScimAttribute,
    ScimCondition,
    ScimOperator,
    ScimProfile,
    ScimUserQuery,
)
from service.storage.postgres import tables as t
from service.storage.postgres.errors import constraint_name, translate

_USER_NAME_TAKEN = "uq_scim_users_organization_id_lower_user_name"

_m = t.members.c
_s = t.scim_users.c


def _column(attribute: ScimAttribute) -> ColumnElement[Any]:
    """The SQL expression of a User attribute (userName falls back to the email)."""
    columns: dict[ScimAttribute, ColumnElement[Any]] = {
        ScimAttribute.ID: cast(_m.id, String),
        ScimAttribute.USER_NAME: func.coalesce(_s.user_name, _m.email),
        ScimAttribute.EXTERNAL_ID: _m.external_id,
        ScimAttribute.EMAIL: _m.email,
        ScimAttribute.ACTIVE: _m.active,
        ScimAttribute.FAMILY_NAME: _s.family_name,
        ScimAttribute.GIVEN_NAME: _s.given_name,
        ScimAttribute.CREATED: _m.created_at,
        ScimAttribute.LAST_MODIFIED: _m.updated_at,
    }
    return columns[attribute]


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _with_user_name(organization_id: UUID, user_name: str) -> Select[tuple[UUID]]:
    """The members whose userName is ``user_name`` (ignoring case), by index probes only.

    ``coalesce(user_name, email)`` is what a User's userName is, but no index serves it: a
    SCIM User is found by ``(organization_id, lower(user_name))``, a member without a SCIM
    row by its email, ``(organization_id, email)``, stored lower-case.
    """
    value = user_name.lower()
    profiled = select(_s.member_id.label("id")).where(
        _s.organization_id == organization_id, func.lower(_s.user_name) == value
    )
    by_email = select(_m.id).where(
        _m.organization_id == organization_id,
        _m.email == value,
        ~exists().where(_s.organization_id == _m.organization_id, _s.member_id == _m.id),
    )
    return select(union_all(profiled, by_email).subquery().c.id)


def _condition(organization_id: UUID, condition: ScimCondition) -> ColumnElement[bool]:
    column = _column(condition.attribute)
    if (
        condition.attribute is ScimAttribute.USER_NAME
        and condition.operator is ScimOperator.EQ
        and isinstance(condition.value, str)
    ):
        # What an identity provider asks before every create: an index probe, not a scan.
        return _m.id.in_(_with_user_name(organization_id, condition.value))
    if isinstance(condition.value, bool):
        # Only ``active`` is boolean; comparing a text attribute to true/false matches nothing.
        if condition.attribute is not ScimAttribute.ACTIVE:
            return literal(False, Boolean)
        return column.is_(condition.value)
    # RFC 7643: these attributes are caseExact false, so every comparison ignores case.
    value = condition.value.lower()
    text_column = func.lower(cast(column, String))
    if condition.operator is ScimOperator.EQ:
        return text_column == value
    pattern = _escape_like(value)
    if condition.operator is ScimOperator.CO:
        return text_column.like(f"%{pattern}%", escape="\\")
    return text_column.like(f"{pattern}%", escape="\\")


_LOCK_EXCLUSIVE = text("SELECT pg_advisory_xact_lock(:key)")
_LOCK_SHARED = text("SELECT pg_advisory_xact_lock_shared(:key)")


def _references_lock_key(organization_id: UUID) -> int:
    """A stable signed 64-bit advisory-lock key for the organization's manager references
    (a prefix of its own, apart from the graphs' keys of ``lock_graph``)."""
    digest = hashlib.blake2b(f"okr-scim-managers:{organization_id}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


class PostgresScimStore:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def profiles(
        self, organization_id: UUID, member_ids: Sequence[UUID]
    ) -> Mapping[UUID, ScimProfile]:
        if not member_ids:
            return {}
        rows = await self._conn.execute(
            select(t.scim_users).where(
                _s.organization_id == organization_id, _s.member_id.in_(member_ids)
            )
        )
        return {
            row.member_id: ScimProfile(
                member_id=row.member_id,
                user_name=row.user_name,
                given_name=row.given_name,
                family_name=row.family_name,
                department=row.department,
                employee_number=row.employee_number,
            )
            for row in rows
        }

    async def save_profile(self, organization_id: UUID, profile: ScimProfile) -> None:
        values = {
            "user_name": profile.user_name,
            "given_name": profile.given_name,
            "family_name": profile.family_name,
            "department": profile.department,
            "employee_number": profile.employee_number,
        }
        statement = (
            pg_insert(t.scim_users)
            .values(organization_id=organization_id, member_id=profile.member_id, **values)
            .on_conflict_do_update(index_elements=["organization_id", "member_id"], set_=values)
        )
        try:
            await self._conn.execute(statement)
        except IntegrityError as error:
            if constraint_name(error) == _USER_NAME_TAKEN:
                raise Conflict(
                    "another User of this organization has this userName",
                    code="user_name_taken",
                    errors=[FieldError("userName", "already used", "taken")],
                ) from None
            raise translate(error) from None

    async def search(self, organization_id: UUID, query: ScimUserQuery) -> tuple[int, list[UUID]]:
        joined = t.members.outerjoin(
            t.scim_users,
            and_(_s.organization_id == _m.organization_id, _s.member_id == _m.id),
        )
        where = and_(
            _m.organization_id == organization_id,
            *(_condition(organization_id, c) for c in query.conditions),
        )
        sort = _column(query.sort_by) if query.sort_by is not None else _m.created_at
        order = sort.desc().nulls_last() if query.descending else sort.asc().nulls_last()
        # The total rides along each row (one statement); an empty page needs its own count.
        statement = (
            select(_m.id, func.count().over().label("total"))
            .select_from(joined)
            .where(where)
            .order_by(order, _m.id)
            .offset(query.start_index - 1)
            .limit(query.count)
        )
        rows = list(await self._conn.execute(statement)) if query.count > 0 else []
        if rows:
            return int(rows[0].total), [row.id for row in rows]
        total = await self._conn.scalar(select(func.count()).select_from(joined).where(where))
        return int(total or 0), []

    async def member_named_by(self, organization_id: UUID, ref: str) -> UUID | None:
        # No ORDER BY and LIMIT: with them the planner may walk the primary key in id order
        # (a scan that grows with the directory) instead of probing (organization_id,
        # external_id). The id is matched only when ``ref`` is a UUID; the id wins.
        try:
            as_id: UUID | None = UUID(ref)
        except ValueError:
            as_id = None
        named = _m.external_id == ref
        if as_id is not None:
            named = or_(_m.id == as_id, named)
        rows = await self._conn.execute(
            select(_m.id).where(_m.organization_id == organization_id, named)
        )
        found = [row.id for row in rows]
        return as_id if as_id in found else (found[0] if found else None)

    async def user_name_owner(self, organization_id: UUID, user_name: str) -> UUID | None:
        found: UUID | None = await self._conn.scalar(
            _with_user_name(organization_id, user_name).limit(1)
        )
        return found

    async def pending_managers(
        self, organization_id: UUID, member_ids: Sequence[UUID]
    ) -> Mapping[UUID, str]:
        if not member_ids:
            return {}
        p = t.scim_pending_managers.c
        rows = await self._conn.execute(
            select(p.member_id, p.manager_ref).where(
                p.organization_id == organization_id, p.member_id.in_(member_ids)
            )
        )
        return {row.member_id: row.manager_ref for row in rows}

    async def waiting_for(self, organization_id: UUID, refs: Sequence[str]) -> list[UUID]:
        p = t.scim_pending_managers.c
        rows = await self._conn.execute(
            select(p.member_id)
            .where(p.organization_id == organization_id, p.manager_ref.in_(refs))
            .order_by(p.created_at, p.member_id)
        )
        return [row.member_id for row in rows]

    async def lock_manager_references(self, organization_id: UUID, *, exclusive: bool) -> None:
        # A transaction-scoped advisory lock (released by the commit or rollback, after the
        # commit is visible), as ``lock_graph`` takes for the graphs, on a key of its own.
        statement = _LOCK_EXCLUSIVE if exclusive else _LOCK_SHARED
        await self._conn.execute(statement, {"key": _references_lock_key(organization_id)})

    async def set_pending_manager(
        self, organization_id: UUID, member_id: UUID, manager_ref: str, at: datetime
    ) -> None:
        statement = (
            pg_insert(t.scim_pending_managers)
            .values(
                organization_id=organization_id,
                member_id=member_id,
                manager_ref=manager_ref,
                created_at=at,
            )
            .on_conflict_do_update(
                index_elements=["organization_id", "member_id"],
                set_={"manager_ref": manager_ref, "created_at": at},
            )
        )
        await self._conn.execute(statement)

    async def clear_pending_manager(self, organization_id: UUID, member_id: UUID) -> None:
        p = t.scim_pending_managers.c
        await self._conn.execute(
            delete(t.scim_pending_managers).where(
                p.organization_id == organization_id, p.member_id == member_id
            )
        )

    async def owned_by(self, organization_id: UUID, member_id: UUID) -> OwnedWork:
        o, k, q, a = t.objectives.c, t.key_results.c, t.kpis.c, t.actions.c
        parts = [
            select(literal("objective").label("kind"), o.id, o.created_at).where(
                o.organization_id == organization_id, o.owner_member_id == member_id
            ),
            select(literal("key_result").label("kind"), k.id, k.created_at).where(
                k.organization_id == organization_id, k.owner_id == member_id
            ),
            select(literal("kpi").label("kind"), q.id, q.created_at).where(
                q.organization_id == organization_id, q.owner_id == member_id
            ),
            select(literal("action").label("kind"), a.id, a.created_at).where(
                a.organization_id == organization_id, a.owner_id == member_id
            ),
        ]
        everything = union_all(*parts).subquery()
        rows = await self._conn.execute(
            select(everything.c.kind, everything.c.id).order_by(
                everything.c.created_at, everything.c.id
            )
        )
        found: dict[str, list[UUID]] = {"objective": [], "key_result": [], "kpi": [], "action": []}
        for row in rows:
            found[row.kind].append(row.id)
        return OwnedWork(
            objectives=tuple(found["objective"]),
            key_results=tuple(found["key_result"]),
            kpis=tuple(found["kpi"]),
            actions=tuple(found["action"]),
        )
