"""The schema, as SQLAlchemy Core tables. Alembic migrations must produce exactly this.

Every table carries ``organization_id`` and every primary, unique and foreign key
includes it (ARCHITECTURE.md): tenants never mix, and the schema can be distributed by
``organization_id`` later without a rewrite. Constraint names follow one convention so
the repositories can turn a violated constraint into a domain error by name.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Computed,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from domain.limits import (
    API_CLIENT_NAME_MAX_LENGTH,
    CHECK_IN_ORIGIN_MAX_LENGTH,
    CYCLE_NAME_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    EXTERNAL_ID_MAX_LENGTH,
    FORECAST_NOTE_MAX_LENGTH,
    KEY_RESULT_UNIT_MAX_LENGTH,
    KPI_NAME_MAX_LENGTH,
    KPI_RECORDED_BY_MAX_LENGTH,
    KPI_UNIT_MAX_LENGTH,
    MEETING_TITLE_MAX_LENGTH,
    MEMBER_NAME_MAX_LENGTH,
    OKR_TITLE_MAX_LENGTH,
    ORGANIZATION_NAME_MAX_LENGTH,
    PRINCIPAL_SUBJECT_MAX_LENGTH,
    REVIEW_CYCLE_NAME_MAX_LENGTH,
    TEMPLATE_KEY_MAX_LENGTH,
    TEMPLATE_ROLE_NAME_MAX_LENGTH,
    UNIT_NAME_MAX_LENGTH,
    WEBHOOK_DESCRIPTION_MAX_LENGTH,
    WEBHOOK_URL_MAX_LENGTH,
)

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
    Column("name", String(ORGANIZATION_NAME_MAX_LENGTH), nullable=False),
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
    Column("name", String(MEMBER_NAME_MAX_LENGTH), nullable=False),
    Column("email", String(EMAIL_MAX_LENGTH), nullable=False),
    Column("external_id", String(EXTERNAL_ID_MAX_LENGTH)),
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
    Column("name", String(UNIT_NAME_MAX_LENGTH), nullable=False),
    Column("parent_id", UUID(as_uuid=True)),
    Column("lead_id", UUID(as_uuid=True)),
    Column("version", Integer, nullable=False),
    *_timestamps(),
    # Its default pacing curve (domain.pacing_setting), NULL: the organization's.
    Column("pacing", JSONB),
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
    Column("name", String(CYCLE_NAME_MAX_LENGTH), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("parent_id", UUID(as_uuid=True)),
    Column("state", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    *_timestamps(),
    Column("closed_at", DateTime(timezone=True)),
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
    Column("caller", String(PRINCIPAL_SUBJECT_MAX_LENGTH), nullable=False),
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

# -- OKRs ----------------------------------------------------------------------------------

objectives = Table(
    "objectives",
    metadata,
    Column("organization_id", UUID(as_uuid=True), nullable=False),
    Column("id", UUID(as_uuid=True), nullable=False),
    Column("cycle_id", UUID(as_uuid=True), nullable=False),
    Column("title", String(OKR_TITLE_MAX_LENGTH), nullable=False),
    Column("description", Text, nullable=False),
    Column("owner_kind", String(8), nullable=False),
    # A polymorphic owner kept in two columns so both get a real foreign key.
    Column("owner_member_id", UUID(as_uuid=True)),
    Column("owner_unit_id", UUID(as_uuid=True)),
    Column("level", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("visibility", String(8), nullable=False),
    Column("roll_up", Boolean, nullable=False),
    Column("parent_objective_id", UUID(as_uuid=True)),
    Column("parent_key_result_id", UUID(as_uuid=True)),
    Column("source_objective_id", UUID(as_uuid=True)),
    Column("ambition", String(16), nullable=False, server_default=text("'aspirational'")),
    Column("version", Integer, nullable=False),
    *_timestamps(),
    PrimaryKeyConstraint("organization_id", "id"),
    ForeignKeyConstraint(["organization_id"], ["organizations.organization_id"]),
    ForeignKeyConstraint(["organization_id", "cycle_id"], ["cycles.organization_id", "cycles.id"]),
    ForeignKeyConstraint(
        ["organization_id", "owner_member_id"], ["members.organization_id", "members.id"]
    ),
    ForeignKeyConstraint(
        ["organization_id", "owner_unit_id"], ["org_units.organization_id", "org_units.id"]
    ),
    ForeignKeyConstraint(
        ["organization_id", "parent_objective_id"],
        ["objectives.organization_id", "objectives.id"],
    ),
    ForeignKeyConstraint(
        ["organization_id", "source_objective_id"],
        ["objectives.organization_id", "objectives.id"],
    ),
    # objectives <-> key_results reference each other: this one is added after both exist.
    ForeignKeyConstraint(
        ["organization_id", "parent_key_result_id"],
        ["key_results.organization_id", "key_results.id"],
        use_alter=True,
        name="fk_objectives_organization_id_parent_key_result_id_key_results",
    ),
    CheckConstraint(
        "(owner_kind = 'member' AND owner_member_id IS NOT NULL AND owner_unit_id IS NULL)"
        " OR (owner_kind = 'unit' AND owner_unit_id IS NOT NULL AND owner_member_id IS NULL)",
        name="one_owner",
    ),
    CheckConstraint(
        "parent_objective_id IS NULL OR parent_key_result_id IS NULL", name="one_parent_link"
    ),
    CheckConstraint("level IN ('company', 'department', 'team', 'individual')", name="level"),
    CheckConstraint("status IN ('draft', 'active', 'closed', 'archived')", name="status"),
    CheckConstraint("visibility IN ('public', 'private')", name="visibility"),
    CheckConstraint("ambition IN ('committed', 'aspirational')", name="ambition"),
    Index(None, "organization_id", "cycle_id"),
    Index(None, "organization_id", "owner_member_id"),
    Index(None, "organization_id", "owner_unit_id"),
    Index(None, "organization_id", "parent_objective_id"),
    Index(None, "organization_id", "parent_key_result_id"),
)

key_results = Table(
    "key_results",
    metadata,
    Column("organization_id", UUID(as_uuid=True), nullable=False),
    Column("id", UUID(as_uuid=True), nullable=False),
    Column("objective_id", UUID(as_uuid=True), nullable=False),
    Column("title", String(OKR_TITLE_MAX_LENGTH), nullable=False),
    Column("owner_id", UUID(as_uuid=True), nullable=False),
    Column("metric_kind", String(16), nullable=False),
    Column("unit", String(KEY_RESULT_UNIT_MAX_LENGTH)),
    Column("currency", String(3)),
    Column("start_value", Numeric, nullable=False),
    Column("target_value", Numeric, nullable=False),
    Column("direction", String(8), nullable=False),
    Column("weight", Numeric, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("confidence", SmallInteger),
    Column("milestones", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("final_score", Numeric),
    Column("final_score_reason", Text),
    Column("final_scored_at", DateTime(timezone=True)),
    # How often the owner checks in (domain.cadence): stale past it.
    Column("cadence", String(8), nullable=False, server_default=text("'weekly'")),
    Column("version", Integer, nullable=False),
    *_timestamps(),
    # The KPI it follows (OKR and KPI together): each new measurement is a check-in.
    Column("kpi_id", UUID(as_uuid=True)),
    # Its latest check-in by (created_at, id) and the figures a score reads from it, written
    # by the check-in's own statement (PostgresCheckIns.add): derived state, so a tree of
    # 40,000 KRs reads them here instead of probing each KR's history. NULL: none yet.
    Column("latest_check_in_id", UUID(as_uuid=True)),
    Column("latest_check_in_at", DateTime(timezone=True)),
    Column("current_value", Numeric),
    Column("current_milestones_done", ARRAY(UUID(as_uuid=True))),
    # The score of those figures (domain.scoring.kr_progress, quantized), kept by Postgres
    # on every write of the row (migration 0030): a tree weighs 40,000 of them per read.
    Column(
        "current_score",
        Numeric,
        Computed(
            "okr_kr_score(metric_kind, start_value, target_value, direction, current_value, "
            "milestones, current_milestones_done)",
            persisted=True,
        ),
    ),
    # What the track events last reported (service/key_result_tracks.py): the track status
    # and the due instant the stale spell began at. NULL status: not looked at yet (KRs from
    # before migration 0018): the first look reports nothing, so a deploy floods no feed.
    Column("reported_track_status", String(16), server_default=text("'on_track'")),
    Column("reported_stale_since", DateTime(timezone=True)),
    # Its own pacing curve (domain.pacing_setting), NULL: inherited (unit, organization).
    Column("pacing", JSONB),
    # Quota roll-up (domain.quotas): the KR this one adds into, and how its value is read.
    Column("contributes_to_key_result_id", UUID(as_uuid=True)),
    Column("aggregation", String(8), nullable=False, server_default=text("'none'")),
    PrimaryKeyConstraint("organization_id", "id"),
    ForeignKeyConstraint(
        ["organization_id", "objective_id"], ["objectives.organization_id", "objectives.id"]
    ),
    ForeignKeyConstraint(
        ["organization_id", "contributes_to_key_result_id"],
        ["key_results.organization_id", "key_results.id"],
        name="fk_key_results_contributes_to_key_result_id_key_results",
    ),
    CheckConstraint("aggregation IN ('none', 'sum')", name="aggregation"),
    ForeignKeyConstraint(
        ["organization_id", "owner_id"], ["members.organization_id", "members.id"]
    ),
    # No ON DELETE action: a KPI that KRs follow cannot be deleted (unlink them first).
    ForeignKeyConstraint(
        ["organization_id", "kpi_id"],
        ["kpis.organization_id", "kpis.id"],
        name="fk_key_results_kpi_id_kpis",
    ),
    CheckConstraint(
        "metric_kind IN ('number', 'percent', 'currency', 'boolean', 'milestones')",
        name="metric_kind",
    ),
    CheckConstraint("direction IN ('increase', 'decrease')", name="direction"),
    CheckConstraint("weight >= 0", name="weight"),
    CheckConstraint("confidence BETWEEN 0 AND 10", name="confidence"),
    CheckConstraint("cadence IN ('daily', 'weekly', 'biweekly', 'monthly')", name="cadence"),
    CheckConstraint(
        "reported_track_status IN ('on_track', 'at_risk', 'off_track', 'scored')",
        name="reported_track_status",
    ),
    Index(None, "organization_id", "objective_id"),
    Index(None, "organization_id", "owner_id"),
    Index("ix_key_results_kpi_id", "organization_id", "kpi_id"),
    Index("ix_key_results_contributes_to", "organization_id", "contributes_to_key_result_id"),
)

# When each KR added into which KR (quota roll-up read ``as_of``): one row per period of a
# link, ``valid_to`` NULL while it holds. Written only by the trigger of migration 0029 on
# every change of ``key_results.contributes_to_key_result_id``, whatever path writes it.
key_result_contributions = Table(
    "key_result_contributions",
    metadata,
    Column("organization_id", UUID(as_uuid=True), nullable=False),
    Column("key_result_id", UUID(as_uuid=True), nullable=False),
    Column("into_key_result_id", UUID(as_uuid=True), nullable=False),
    Column("valid_from", DateTime(timezone=True), nullable=False),
    Column("valid_to", DateTime(timezone=True)),
    PrimaryKeyConstraint("organization_id", "key_result_id", "valid_from"),
    ForeignKeyConstraint(
        ["organization_id", "key_result_id"],
        ["key_results.organization_id", "key_results.id"],
        name="fk_key_result_contributions_key_result_id_key_results",
        ondelete="CASCADE",
    ),
    ForeignKeyConstraint(
        ["organization_id", "into_key_result_id"],
        ["key_results.organization_id", "key_results.id"],
        name="fk_key_result_contributions_into_key_result_id_key_results",
        ondelete="CASCADE",
    ),
    # "The rows into any of these KRs valid at T": a sum read as of an instant.
    Index(
        "ix_key_result_contributions_into",
        "organization_id",
        "into_key_result_id",
        "valid_from",
    ),
)

check_ins = Table(
    "check_ins",
    metadata,
    Column("organization_id", UUID(as_uuid=True), nullable=False),
    Column("id", UUID(as_uuid=True), nullable=False),
    Column("key_result_id", UUID(as_uuid=True), nullable=False),
    Column("author", String(PRINCIPAL_SUBJECT_MAX_LENGTH), nullable=False),
    Column("value", Numeric),
    Column("milestones_done", ARRAY(UUID(as_uuid=True))),
    Column("confidence", SmallInteger),
    Column("note", Text, nullable=False),
    Column("blockers", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("source", String(16), nullable=False, server_default=text("'person'")),
    Column("integration", String(CHECK_IN_ORIGIN_MAX_LENGTH)),
    Column("external_id", String(CHECK_IN_ORIGIN_MAX_LENGTH)),
    PrimaryKeyConstraint("organization_id", "id"),
    ForeignKeyConstraint(
        ["organization_id", "key_result_id"], ["key_results.organization_id", "key_results.id"]
    ),
    CheckConstraint("confidence BETWEEN 0 AND 10", name="confidence"),
    CheckConstraint("source IN ('person', 'api', 'kpi', 'integration')", name="source"),
    CheckConstraint("(source = 'integration') = (integration IS NOT NULL)", name="integration"),
    # The latest check-in of a KR (its current value) is one index probe away.
    Index(None, "organization_id", "key_result_id", "created_at"),
    # One check-in per external id and KR: a resent update is the same check-in. NULLs are
    # distinct, so check-ins without one never collide; the insert names it ON CONFLICT.
    UniqueConstraint("organization_id", "key_result_id", "external_id"),
)

actions = Table(
    "actions",
    metadata,
    Column("organization_id", UUID(as_uuid=True), nullable=False),
    Column("id", UUID(as_uuid=True), nullable=False),
    Column("key_result_id", UUID(as_uuid=True), nullable=False),
    Column("title", String(OKR_TITLE_MAX_LENGTH), nullable=False),
    Column("owner_id", UUID(as_uuid=True)),
    Column("due_date", Date),
    Column("status", String(8), nullable=False),
    Column("completion_standard", Text),
    Column("accepted_by", UUID(as_uuid=True)),
    Column("accepted_at", DateTime(timezone=True)),
    Column("version", Integer, nullable=False),
    *_timestamps(),
    PrimaryKeyConstraint("organization_id", "id"),
    ForeignKeyConstraint(
        ["organization_id", "key_result_id"], ["key_results.organization_id", "key_results.id"]
    ),
    ForeignKeyConstraint(
        ["organization_id", "owner_id"], ["members.organization_id", "members.id"]
    ),
    ForeignKeyConstraint(
        ["organization_id", "accepted_by"], ["members.organization_id", "members.id"]
    ),
    CheckConstraint("status IN ('todo', 'doing', 'done', 'blocked')", name="status"),
    Index(None, "organization_id", "key_result_id"),
    Index(None, "organization_id", "owner_id"),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("organization_id", UUID(as_uuid=True), nullable=False),
    Column("id", UUID(as_uuid=True), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("actor", String(PRINCIPAL_SUBJECT_MAX_LENGTH), nullable=False),
    Column("action", String(60), nullable=False),
    Column("resource_type", String(40), nullable=False),
    Column("resource_id", UUID(as_uuid=True), nullable=False),
    Column("before", JSONB),
    Column("after", JSONB),
    PrimaryKeyConstraint("organization_id", "id"),
    ForeignKeyConstraint(["organization_id"], ["organizations.organization_id"]),
    Index(None, "organization_id", "resource_type", "resource_id"),
    Index(None, "organization_id", "actor"),
)

# The outbox of integration events (service/events.py), written with their audit event.
# ``transaction_id`` is the writing transaction's (pg_current_xact_id()) and ``seq`` the
# insert order: the feed reads in (transaction_id, seq) order, and only transactions that
# have ended, so an event never lands behind a reader's cursor.
events = Table(
    "events",
    metadata,
    Column("organization_id", UUID(as_uuid=True), nullable=False),
    Column("id", UUID(as_uuid=True), nullable=False),
    Column("transaction_id", BigInteger, nullable=False),
    Column("seq", BigInteger, Identity(), nullable=False),
    Column("type", String(60), nullable=False),
    Column("version", SmallInteger, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("resource_type", String(40), nullable=False),
    Column("resource_id", UUID(as_uuid=True), nullable=False),
    Column("audience", String(16), nullable=False),
    Column("objective_id", UUID(as_uuid=True)),
    Column("key_result_id", UUID(as_uuid=True)),
    Column("changes", JSONB, nullable=False),
    Column("link", String(200), nullable=False),
    # Whether its objective was public before the change: the feed shows an OKR event to
    # who may see the objective now or, when it was public, to who could read it before.
    Column("public_before", Boolean, nullable=False, server_default=text("false")),
    # The type's allow-listed values (service/events.py ``DATA_FIELDS``); null on events
    # written before revision 0020.
    Column("data", JSONB),
    PrimaryKeyConstraint("organization_id", "id"),
    ForeignKeyConstraint(["organization_id"], ["organizations.organization_id"]),
    Index(None, "organization_id", "transaction_id", "seq"),
    # For the retention sweep, across organizations.
    Index(None, "occurred_at"),
    # For the webhook dispatcher, which reads every organization's events in commit order.
    Index(None, "transaction_id", "seq"),
)

# -- 360 reviews ---------------------------------------------------------------------------

review_cycles = Table(
    "review_cycles",
    metadata,
    Column("organization_id", UUID(as_uuid=True), nullable=False),
    Column("id", UUID(as_uuid=True), nullable=False),
    Column("cycle_id", UUID(as_uuid=True), nullable=False),
    Column("name", String(REVIEW_CYCLE_NAME_MAX_LENGTH), nullable=False),
    Column("phase", String(16), nullable=False),
    Column("questions", JSONB, nullable=False),
    Column("weight_self", Numeric, nullable=False),
    Column("weight_peer", Numeric, nullable=False),
    Column("weight_manager", Numeric, nullable=False),
    Column("weight_skip_level", Numeric, nullable=False),
    Column("peer_anonymity_threshold", SmallInteger, nullable=False),
    Column("min_peers", SmallInteger, nullable=False),
    Column("max_peers", SmallInteger, nullable=False),
    Column("version", Integer, nullable=False),
    *_timestamps(),
    Column("published_at", DateTime(timezone=True), nullable=True),
    Column("okr_scores", JSONB, nullable=True),
    PrimaryKeyConstraint("organization_id", "id"),
    ForeignKeyConstraint(["organization_id"], ["organizations.organization_id"]),
    ForeignKeyConstraint(["organization_id", "cycle_id"], ["cycles.organization_id", "cycles.id"]),
    CheckConstraint("phase IN ('draft', 'collecting', 'closed', 'published')", name="phase"),
    Index(None, "organization_id", "cycle_id"),
)

review_assignments = Table(
    "review_assignments",
    metadata,
    Column("organization_id", UUID(as_uuid=True), nullable=False),
    Column("id", UUID(as_uuid=True), nullable=False),
    Column("review_cycle_id", UUID(as_uuid=True), nullable=False),
    Column("reviewee_id", UUID(as_uuid=True), nullable=False),
    Column("reviewer_id", UUID(as_uuid=True), nullable=False),
    Column("role", String(16), nullable=False),
    PrimaryKeyConstraint("organization_id", "id"),
    # Named by hand where the convention's name would pass Postgres's 63 characters.
    ForeignKeyConstraint(
        ["organization_id", "review_cycle_id"],
        ["review_cycles.organization_id", "review_cycles.id"],
        name="fk_review_assignments_review_cycle_id_review_cycles",
    ),
    ForeignKeyConstraint(
        ["organization_id", "reviewee_id"], ["members.organization_id", "members.id"]
    ),
    ForeignKeyConstraint(
        ["organization_id", "reviewer_id"], ["members.organization_id", "members.id"]
    ),
    UniqueConstraint(
        "organization_id",
        "review_cycle_id",
        "reviewee_id",
        "reviewer_id",
        name="uq_review_assignments_reviewee_reviewer",
    ),
    CheckConstraint("role IN ('self', 'peer', 'manager', 'skip_level')", name="role"),
    Index(
        "ix_review_assignments_reviewer",
        "organization_id",
        "review_cycle_id",
        "reviewer_id",
    ),
    Index(
        "ix_review_assignments_reviewee",
        "organization_id",
        "review_cycle_id",
        "reviewee_id",
    ),
)

review_responses = Table(
    "review_responses",
    metadata,
    Column("organization_id", UUID(as_uuid=True), nullable=False),
    Column("assignment_id", UUID(as_uuid=True), nullable=False),
    Column("answers", JSONB, nullable=False),
    # For the reviewer's own view only: results never read them.
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("organization_id", "assignment_id"),
    ForeignKeyConstraint(
        ["organization_id", "assignment_id"],
        ["review_assignments.organization_id", "review_assignments.id"],
        ondelete="CASCADE",
        name="fk_review_responses_assignment_id_review_assignments",
    ),
)

# -- templates -----------------------------------------------------------------------------

# An organization's own OKR templates; the built-ins ship in the code and are not stored.
# A template is edited whole, so its key results (with their milestones and actions) are
# one JSONB document rather than child tables.
templates = Table(
    "templates",
    metadata,
    Column("organization_id", UUID(as_uuid=True), nullable=False),
    Column("id", UUID(as_uuid=True), nullable=False),
    Column("key", String(TEMPLATE_KEY_MAX_LENGTH)),
    Column("role_name_zh", String(TEMPLATE_ROLE_NAME_MAX_LENGTH), nullable=False),
    Column("role_name_en", String(TEMPLATE_ROLE_NAME_MAX_LENGTH), nullable=False),
    Column("title_zh", String(OKR_TITLE_MAX_LENGTH), nullable=False),
    Column("title_en", String(OKR_TITLE_MAX_LENGTH), nullable=False),
    Column("description_zh", Text, nullable=False),
    Column("description_en", Text, nullable=False),
    Column("level", String(16), nullable=False),
    Column("key_results", JSONB, nullable=False),
    Column("version", Integer, nullable=False),
    *_timestamps(),
    PrimaryKeyConstraint("organization_id", "id"),
    ForeignKeyConstraint(["organization_id"], ["organizations.organization_id"]),
    # NULLs are distinct: any number of templates without a key.
    UniqueConstraint("organization_id", "key"),
    CheckConstraint("level IN ('company', 'department', 'team', 'individual')", name="level"),
)

# -- the management rhythm: review meetings, comments with @mentions ------------------------

# A review meeting (复盘会, 周会, 月报) of a cycle, a unit, or a unit within a cycle. It keeps
# its unit: a unit with meetings is never deleted (the record of its retrospectives); a
# closed cycle keeps its meetings.
meetings = Table(
    "meetings",
    metadata,
    Column("organization_id", UUID(as_uuid=True), nullable=False),
    Column("id", UUID(as_uuid=True), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("title", String(MEETING_TITLE_MAX_LENGTH), nullable=False),
    Column("held_on", Date, nullable=False),
    Column("cycle_id", UUID(as_uuid=True)),
    Column("unit_id", UUID(as_uuid=True)),
    Column("findings", Text, nullable=False),
    Column("version", Integer, nullable=False),
    *_timestamps(),
    PrimaryKeyConstraint("organization_id", "id"),
    ForeignKeyConstraint(["organization_id"], ["organizations.organization_id"]),
    ForeignKeyConstraint(
        ["organization_id", "cycle_id"],
        ["cycles.organization_id", "cycles.id"],
        name="fk_meetings_cycle_id_cycles",
    ),
    ForeignKeyConstraint(
        ["organization_id", "unit_id"],
        ["org_units.organization_id", "org_units.id"],
        name="fk_meetings_unit_id_org_units",
    ),
    CheckConstraint("kind IN ('retrospective', 'weekly', 'monthly_report')", name="kind"),
    CheckConstraint("cycle_id IS NOT NULL OR unit_id IS NOT NULL", name="cycle_or_unit"),
    Index("ix_meetings_cycle_id", "organization_id", "cycle_id"),
    Index("ix_meetings_unit_id", "organization_id", "unit_id"),
)


def _meeting_link(name: str, column: str, table: str, *, cascade: bool) -> Table:
    """A meeting's attendees, reviewed objectives or follow-up actions: one row per link,
    ``position`` keeping the order they were written in. The links go with the meeting,
    and (``cascade``) with the row they point at."""
    return Table(
        name,
        metadata,
        Column("organization_id", UUID(as_uuid=True), nullable=False),
        Column("meeting_id", UUID(as_uuid=True), nullable=False),
        Column(column, UUID(as_uuid=True), nullable=False),
        Column("position", SmallInteger, nullable=False),
        PrimaryKeyConstraint("organization_id", "meeting_id", column),
        ForeignKeyConstraint(
            ["organization_id", "meeting_id"],
            ["meetings.organization_id", "meetings.id"],
            ondelete="CASCADE",
            name=f"fk_{name}_meeting_id_meetings",
        ),
        ForeignKeyConstraint(
            ["organization_id", column],
            [f"{table}.organization_id", f"{table}.id"],
            ondelete="CASCADE" if cascade else None,
            name=f"fk_{name}_{column}_{table}",
        ),
        # "The meetings that reviewed this objective", and the cascade's lookup.
        Index(f"ix_{name}_{column}", "organization_id", column),
    )


meeting_attendees = _meeting_link("meeting_attendees", "member_id", "members", cascade=False)
meeting_objectives = _meeting_link("meeting_objectives", "objective_id", "objectives", cascade=True)
meeting_actions = _meeting_link("meeting_actions", "action_id", "actions", cascade=True)

# A comment on an objective, a key result or an action: the target in three columns so
# each gets a real foreign key; the comment goes with its target.
comments = Table(
    "comments",
    metadata,
    Column("organization_id", UUID(as_uuid=True), nullable=False),
    Column("id", UUID(as_uuid=True), nullable=False),
    Column("target_type", String(16), nullable=False),
    Column("objective_id", UUID(as_uuid=True)),
    Column("key_result_id", UUID(as_uuid=True)),
    Column("action_id", UUID(as_uuid=True)),
    Column("author_id", UUID(as_uuid=True), nullable=False),
    Column("body", Text, nullable=False),
    Column("version", Integer, nullable=False),
    *_timestamps(),
    PrimaryKeyConstraint("organization_id", "id"),
    ForeignKeyConstraint(["organization_id"], ["organizations.organization_id"]),
    ForeignKeyConstraint(
        ["organization_id", "objective_id"],
        ["objectives.organization_id", "objectives.id"],
        ondelete="CASCADE",
        name="fk_comments_objective_id_objectives",
    ),
    ForeignKeyConstraint(
        ["organization_id", "key_result_id"],
        ["key_results.organization_id", "key_results.id"],
        ondelete="CASCADE",
        name="fk_comments_key_result_id_key_results",
    ),
    ForeignKeyConstraint(
        ["organization_id", "action_id"],
        ["actions.organization_id", "actions.id"],
        ondelete="CASCADE",
        name="fk_comments_action_id_actions",
    ),
    ForeignKeyConstraint(
        ["organization_id", "author_id"],
        ["members.organization_id", "members.id"],
        name="fk_comments_author_id_members",
    ),
    CheckConstraint("target_type IN ('objective', 'key_result', 'action')", name="target_type"),
    CheckConstraint(
        "(target_type = 'objective' AND objective_id IS NOT NULL"
        " AND key_result_id IS NULL AND action_id IS NULL)"
        " OR (target_type = 'key_result' AND key_result_id IS NOT NULL"
        " AND objective_id IS NULL AND action_id IS NULL)"
        " OR (target_type = 'action' AND action_id IS NOT NULL"
        " AND objective_id IS NULL AND key_result_id IS NULL)",
        name="one_target",
    ),
    # A target's comments, oldest first, are one index range.
    Index("ix_comments_objective_id", "organization_id", "objective_id", "id"),
    Index("ix_comments_key_result_id", "organization_id", "key_result_id", "id"),
    Index("ix_comments_action_id", "organization_id", "action_id", "id"),
)

# The members a comment mentions (@[Name](id)), ``position`` keeping their order in the body.
comment_mentions = Table(
    "comment_mentions",
    metadata,
    Column("organization_id", UUID(as_uuid=True), nullable=False),
    Column("comment_id", UUID(as_uuid=True), nullable=False),
    Column("member_id", UUID(as_uuid=True), nullable=False),
    Column("position", SmallInteger, nullable=False),
    PrimaryKeyConstraint("organization_id", "comment_id", "member_id"),
    ForeignKeyConstraint(
        ["organization_id", "comment_id"],
        ["comments.organization_id", "comments.id"],
        ondelete="CASCADE",
        name="fk_comment_mentions_comment_id_comments",
    ),
    ForeignKeyConstraint(
        ["organization_id", "member_id"],
        ["members.organization_id", "members.id"],
        name="fk_comment_mentions_member_id_members",
    ),
    # "Mentions of me", newest first: one backward index scan.
    Index("ix_comment_mentions_member_id", "organization_id", "member_id", "comment_id"),
)

# -- KPIs ----------------------------------------------------------------------------------

# Standing metrics (关键绩效指标) measured period after period; a key result may follow one
# (key_results.kpi_id). Measurements are immutable and go with their KPI when it is deleted.
kpis = Table(
    "kpis",
    metadata,
    Column("organization_id", UUID(as_uuid=True), nullable=False),
    Column("id", UUID(as_uuid=True), nullable=False),
    Column("name", String(KPI_NAME_MAX_LENGTH), nullable=False),
    Column("owner_id", UUID(as_uuid=True), nullable=False),
    Column("unit", String(KPI_UNIT_MAX_LENGTH)),
    Column("target", Numeric, nullable=False),
    Column("direction", String(8), nullable=False),
    Column("version", Integer, nullable=False),
    *_timestamps(),
    PrimaryKeyConstraint("organization_id", "id"),
    ForeignKeyConstraint(["organization_id"], ["organizations.organization_id"]),
    ForeignKeyConstraint(
        ["organization_id", "owner_id"], ["members.organization_id", "members.id"]
    ),
    CheckConstraint("direction IN ('increase', 'decrease')", name="direction"),
    Index(None, "organization_id", "owner_id"),
)

kpi_measurements = Table(
    "kpi_measurements",
    metadata,
    Column("organization_id", UUID(as_uuid=True), nullable=False),
    Column("id", UUID(as_uuid=True), nullable=False),
    Column("kpi_id", UUID(as_uuid=True), nullable=False),
    Column("value", Numeric, nullable=False),
    Column("measured_at", DateTime(timezone=True), nullable=False),
    Column("recorded_by", String(KPI_RECORDED_BY_MAX_LENGTH), nullable=False),
    Column("note", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("organization_id", "id"),
    ForeignKeyConstraint(
        ["organization_id", "kpi_id"],
        ["kpis.organization_id", "kpis.id"],
        ondelete="CASCADE",
        name="fk_kpi_measurements_kpi_id_kpis",
    ),
    # A KPI's history newest first, and its latest reading, are one index scan away.
    Index("ix_kpi_measurements_kpi_measured_at", "organization_id", "kpi_id", "measured_at"),
)

# -- webhooks (service/webhooks.py) --------------------------------------------------------

# An admin's endpoint. ``secret`` is the signing key itself (``whsec_...``): HMAC needs it,
# so it is stored as is (a hash could not sign); reads never return it.
webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("organization_id", UUID(as_uuid=True), nullable=False),
    Column("id", UUID(as_uuid=True), nullable=False),
    Column("url", String(WEBHOOK_URL_MAX_LENGTH), nullable=False),
    Column("description", String(WEBHOOK_DESCRIPTION_MAX_LENGTH), nullable=False),
    Column("event_types", ARRAY(String(60))),  # NULL: every type of the catalogue
    Column("enabled", Boolean, nullable=False),
    Column("disabled_reason", String(500)),
    Column("secret", String(200), nullable=False),
    # After a rotation the old secret signs too (a second signature) until it expires.
    Column("previous_secret", String(200)),
    Column("previous_secret_expires_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("last_success_at", DateTime(timezone=True)),
    PrimaryKeyConstraint("organization_id", "id"),
    ForeignKeyConstraint(["organization_id"], ["organizations.organization_id"]),
)

# One event for one endpoint: its state, its last attempt, and whether a job is queued for
# it (``queued``): the dispatcher queues a job for each pending delivery not queued yet.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("organization_id", UUID(as_uuid=True), nullable=False),
    Column("id", UUID(as_uuid=True), nullable=False),
    Column("endpoint_id", UUID(as_uuid=True), nullable=False),
    Column("event_id", UUID(as_uuid=True), nullable=False),
    Column("event_type", String(60), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("queued", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("last_attempt_at", DateTime(timezone=True)),
    Column("response_status", Integer),
    Column("duration_ms", Integer),
    Column("last_error", String(500)),
    Column("delivered_at", DateTime(timezone=True)),
    PrimaryKeyConstraint("organization_id", "id"),
    UniqueConstraint("organization_id", "endpoint_id", "event_id"),
    ForeignKeyConstraint(
        ["organization_id", "endpoint_id"],
        ["webhook_endpoints.organization_id", "webhook_endpoints.id"],
        ondelete="CASCADE",
        name="fk_webhook_deliveries_endpoint_id_webhook_endpoints",
    ),
    Index(None, "organization_id", "endpoint_id", "created_at"),
    # The dispatcher's scan for pending deliveries without a job, across organizations.
    Index(None, "status", "queued"),
    # The retention's scan for the oldest deliveries, across organizations.
    Index(None, "created_at"),
)

# Every attempt of a delivery (its log), numbered from 1 across replays. Only what came back
# is kept (status, error, the start of the answer): never what was signed, nor the secret.
webhook_delivery_attempts = Table(
    "webhook_delivery_attempts",
    metadata,
    Column("organization_id", UUID(as_uuid=True), nullable=False),
    Column("delivery_id", UUID(as_uuid=True), nullable=False),
    Column("number", Integer, nullable=False),
    Column("attempted_at", DateTime(timezone=True), nullable=False),
    Column("duration_ms", Integer, nullable=False),
    Column("response_status", Integer),
    Column("error", String(500)),
    Column("response_excerpt", String(1024)),
    PrimaryKeyConstraint("organization_id", "delivery_id", "number"),
    ForeignKeyConstraint(
        ["organization_id", "delivery_id"],
        ["webhook_deliveries.organization_id", "webhook_deliveries.id"],
        ondelete="CASCADE",
        name="fk_webhook_delivery_attempts_delivery_id_webhook_deliveries",
    ),
    # The retention's scan for the oldest attempts, across organizations.
    Index(None, "attempted_at"),
)

# The dispatcher's place in the outbox: one row, for every organization (the outbox is read
# in commit order across tenants, as one process sweeps it). Locked while it moves.
webhook_dispatch_cursor = Table(
    "webhook_dispatch_cursor",
    metadata,
    Column("id", SmallInteger, nullable=False),
    Column("transaction_id", BigInteger, nullable=False),
    Column("seq", BigInteger, nullable=False),
    PrimaryKeyConstraint("id"),
)

# -- push URLs -----------------------------------------------------------------------------

# A KR's push URLs (service/push_urls.py): a secret URL a tool that can only call a URL (a
# CRM workflow, a spreadsheet script) checks in through. Only the SHA-256 of the secret is
# kept. ``window_started_at`` / ``window_count`` are the fixed-window rate limit, moved by
# the push's lookup itself (PostgresPushUrls.admit).
push_urls = Table(
    "push_urls",
    metadata,
    Column("organization_id", UUID(as_uuid=True), nullable=False),
    Column("id", UUID(as_uuid=True), nullable=False),
    Column("key_result_id", UUID(as_uuid=True), nullable=False),
    Column("name", String(CHECK_IN_ORIGIN_MAX_LENGTH), nullable=False),
    Column("token_hash", LargeBinary, nullable=False),
    Column("created_by", String(PRINCIPAL_SUBJECT_MAX_LENGTH), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_by", String(PRINCIPAL_SUBJECT_MAX_LENGTH)),
    Column("window_started_at", DateTime(timezone=True)),
    Column("window_count", Integer, nullable=False, server_default=text("0")),
    PrimaryKeyConstraint("organization_id", "id"),
    # A deleted KR (only one never checked in on) takes its push URLs with it.
    ForeignKeyConstraint(
        ["organization_id", "key_result_id"],
        ["key_results.organization_id", "key_results.id"],
        ondelete="CASCADE",
        name="fk_push_urls_key_result_id_key_results",
    ),
    CheckConstraint("octet_length(token_hash) = 32", name="token_hash"),
    CheckConstraint("(revoked_at IS NULL) = (revoked_by IS NULL)", name="revoked"),
    UniqueConstraint("organization_id", "token_hash"),
    # A push knows only its secret: it is found by the hash alone, across organizations.
    Index(None, "token_hash"),
    Index(None, "organization_id", "key_result_id"),
)

# -- external forecasts --------------------------------------------------------------------

# A KR's external forecast series (service/forecasts.py): a CRM's commit and best case, never
# edited. Source, integration and external id follow check_ins' rules.
key_result_forecasts = Table(
    "key_result_forecasts",
    metadata,
    Column("organization_id", UUID(as_uuid=True), nullable=False),
    Column("id", UUID(as_uuid=True), nullable=False),
    Column("key_result_id", UUID(as_uuid=True), nullable=False),
    Column("commit", Numeric, nullable=False),
    Column("best_case", Numeric),
    Column("as_of_date", Date, nullable=False),
    Column("note", String(FORECAST_NOTE_MAX_LENGTH), nullable=False),
    Column("author", String(PRINCIPAL_SUBJECT_MAX_LENGTH), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("source", String(16), nullable=False),
    Column("integration", String(CHECK_IN_ORIGIN_MAX_LENGTH)),
    Column("external_id", String(CHECK_IN_ORIGIN_MAX_LENGTH)),
    PrimaryKeyConstraint("organization_id", "id"),
    # A deleted KR (only one never checked in on) takes its forecasts with it.
    ForeignKeyConstraint(
        ["organization_id", "key_result_id"],
        ["key_results.organization_id", "key_results.id"],
        ondelete="CASCADE",
        name="fk_key_result_forecasts_key_result_id_key_results",
    ),
    CheckConstraint("source IN ('person', 'api', 'integration')", name="source"),
    CheckConstraint("(source = 'integration') = (integration IS NOT NULL)", name="integration"),
    # The latest forecast of many KRs (at an instant) is one index probe each.
    Index(None, "organization_id", "key_result_id", "created_at"),
    # One forecast per external id and KR: a resent forecast is the same entry (NULLs distinct).
    UniqueConstraint("organization_id", "key_result_id", "external_id"),
)

# -- API clients (service/api_clients.py) --------------------------------------------------

# A machine identity (OAuth2 client credentials). Secrets are argon2 hashes, never the secret;
# ``secret_hint`` is its first characters. After a rotation the previous hash keeps working
# until ``previous_secret_expires_at``.
api_clients = Table(
    "api_clients",
    metadata,
    Column("organization_id", UUID(as_uuid=True), nullable=False),
    Column("id", UUID(as_uuid=True), nullable=False),
    Column("name", String(API_CLIENT_NAME_MAX_LENGTH), nullable=False),
    Column("scopes", ARRAY(String(60)), nullable=False),
    Column("unit_id", UUID(as_uuid=True)),
    Column("expires_at", DateTime(timezone=True)),
    Column("secret_hash", String(200), nullable=False),
    Column("secret_hint", String(20), nullable=False),
    Column("previous_secret_hash", String(200)),
    Column("previous_secret_expires_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("last_used_at", DateTime(timezone=True)),
    PrimaryKeyConstraint("organization_id", "id"),
    ForeignKeyConstraint(["organization_id"], ["organizations.organization_id"]),
    # No foreign key on ``unit_id``: a deleted unit leaves the client an empty subtree (it
    # then sees nothing: fail closed) instead of blocking the unit's deletion.
    # The token endpoint finds a client by its id alone (the OAuth client_id): an index, not
    # a unique key (keys include organization_id; ids are generated UUIDv7s), as push URLs
    # are found by their hash alone.
    Index(None, "id"),
)

# -- SCIM directory sync (service/scim.py) -------------------------------------------------

# What SCIM carries about a member beyond the member itself: the login (``userName``, unique
# per organization), the parts of the name, and the enterprise extension's department and
# employee number. One row per member created or written through SCIM.
scim_users = Table(
    "scim_users",
    metadata,
    Column("organization_id", UUID(as_uuid=True), nullable=False),
    Column("member_id", UUID(as_uuid=True), nullable=False),
    Column("user_name", String(EMAIL_MAX_LENGTH), nullable=False),
    Column("given_name", String(MEMBER_NAME_MAX_LENGTH)),
    Column("family_name", String(MEMBER_NAME_MAX_LENGTH)),
    Column("department", String(UNIT_NAME_MAX_LENGTH)),
    Column("employee_number", String(EXTERNAL_ID_MAX_LENGTH)),
    PrimaryKeyConstraint("organization_id", "member_id"),
    ForeignKeyConstraint(
        ["organization_id", "member_id"], ["members.organization_id", "members.id"]
    ),
)
# userName is caseExact false (RFC 7643): unique ignoring case, and every SCIM lookup by it
# (a create's uniqueness check, an identity provider's ``userName eq``) is an index probe.
Index(
    "uq_scim_users_organization_id_lower_user_name",
    scim_users.c.organization_id,
    text("lower(user_name)"),
    unique=True,
)

# A manager that a SCIM client named before that manager existed: ``manager_ref`` is the
# manager's SCIM id or externalId. Resolved (and deleted) when that User is created; no
# foreign key on it, since nothing to point at exists yet.
scim_pending_managers = Table(
    "scim_pending_managers",
    metadata,
    Column("organization_id", UUID(as_uuid=True), nullable=False),
    Column("member_id", UUID(as_uuid=True), nullable=False),
    Column("manager_ref", String(EXTERNAL_ID_MAX_LENGTH), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("organization_id", "member_id"),
    ForeignKeyConstraint(
        ["organization_id", "member_id"], ["members.organization_id", "members.id"]
    ),
    Index(None, "organization_id", "manager_ref"),
)
