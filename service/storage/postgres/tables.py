"""The schema, as SQLAlchemy Core tables. Alembic migrations must produce exactly this.

Every table carries ``organization_id`` and every primary, unique and foreign key
includes it (ARCHITECTURE.md): tenants never mix, and the schema can be distributed by
``organization_id`` later without a rewrite. Constraint names follow one convention so
the repositories can turn a violated constraint into a domain error by name.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _timestamps() -> list[Column[object]]:
    return [
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
    ]


organizations = Table(
    "organizations",
    metadata,
    Column("organization_id", UUID(as_uuid=True), nullable=False),
    Column("name", String(200), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("locale", String(8), nullable=False),
    Column("settings", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("version", Integer, nullable=False),
    *_timestamps(),
    PrimaryKeyConstraint("organization_id"),
)

members = Table(
    "members",
    metadata,
    Column("organization_id", UUID(as_uuid=True), nullable=False),
    Column("id", UUID(as_uuid=True), nullable=False),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False),
    Column("external_id", String(200)),
    Column("manager_id", UUID(as_uuid=True)),
    Column("roles", ARRAY(String(16)), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    *_timestamps(),
    PrimaryKeyConstraint("organization_id", "id"),
    UniqueConstraint("organization_id", "email"),
    UniqueConstraint("organization_id", "external_id"),
    ForeignKeyConstraint(["organization_id"], ["organizations.organization_id"]),
    ForeignKeyConstraint(
        ["organization_id", "manager_id"], ["members.organization_id", "members.id"]
    ),
    Index(None, "organization_id", "manager_id"),
)

org_units = Table(
    "org_units",
    metadata,
    Column("organization_id", UUID(as_uuid=True), nullable=False),
    Column("id", UUID(as_uuid=True), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("name", String(200), nullable=False),
    Column("parent_id", UUID(as_uuid=True)),
    Column("lead_id", UUID(as_uuid=True)),
    Column("version", Integer, nullable=False),
    *_timestamps(),
    PrimaryKeyConstraint("organization_id", "id"),
    ForeignKeyConstraint(["organization_id"], ["organizations.organization_id"]),
    ForeignKeyConstraint(
        ["organization_id", "parent_id"], ["org_units.organization_id", "org_units.id"]
    ),
    ForeignKeyConstraint(["organization_id", "lead_id"], ["members.organization_id", "members.id"]),
    CheckConstraint("kind IN ('company', 'department', 'team')", name="kind"),
    Index(None, "organization_id", "parent_id"),
    # One company unit per organization.
    Index(
        "uq_org_units_one_company",
        "organization_id",
        unique=True,
        postgresql_where=text("kind = 'company'"),
    ),
)

unit_members = Table(
    "unit_members",
    metadata,
    Column("organization_id", UUID(as_uuid=True), nullable=False),
    Column("unit_id", UUID(as_uuid=True), nullable=False),
    Column("member_id", UUID(as_uuid=True), nullable=False),
    PrimaryKeyConstraint("organization_id", "unit_id", "member_id"),
    ForeignKeyConstraint(
        ["organization_id", "unit_id"],
        ["org_units.organization_id", "org_units.id"],
        ondelete="CASCADE",
    ),
    ForeignKeyConstraint(
        ["organization_id", "member_id"], ["members.organization_id", "members.id"]
    ),
    Index(None, "organization_id", "member_id"),
)

cycles = Table(
    "cycles",
    metadata,
    Column("organization_id", UUID(as_uuid=True), nullable=False),
    Column("id", UUID(as_uuid=True), nullable=False),
    Column("name", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("parent_id", UUID(as_uuid=True)),
    Column("state", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    *_timestamps(),
    PrimaryKeyConstraint("organization_id", "id"),
    ForeignKeyConstraint(["organization_id"], ["organizations.organization_id"]),
    ForeignKeyConstraint(["organization_id", "parent_id"], ["cycles.organization_id", "cycles.id"]),
    CheckConstraint("kind IN ('year', 'quarter', 'month')", name="kind"),
    CheckConstraint("state IN ('planning', 'active', 'closed')", name="state"),
    CheckConstraint("end_date >= start_date", name="dates_ordered"),
    Index(None, "organization_id", "parent_id"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("organization_id", UUID(as_uuid=True), nullable=False),
    Column("caller", String(200), nullable=False),
    Column("key", String(255), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("response_status", SmallInteger),
    Column("response_body", LargeBinary),
    Column("response_headers", JSONB),
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("organization_id", "caller", "key"),
    ForeignKeyConstraint(["organization_id"], ["organizations.organization_id"]),
    Index(None, "created_at"),
)
