"""The tenant rule of ARCHITECTURE.md, checked on the migrated schema in pg_catalog.

Every table carries ``organization_id``, and every primary key, unique constraint, unique
index and foreign key (on both sides) includes it, so a tenant's rows never mix and the
schema can be distributed by ``organization_id`` later.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from service.storage.postgres.database import async_url
from service.storage.postgres.tables import metadata

TENANT = "organization_id"
# Not a tenant's data: the migration state, and the webhook dispatcher's one position in
# the outbox of every organization (a local table on a Citus coordinator).
IGNORED = ("alembic_version", "webhook_dispatch_cursor")

_TABLES_WITHOUT_TENANT = text(
    """
    SELECT c.relname AS table_name
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public'
      AND c.relkind IN ('r', 'p')
      AND c.relname <> ALL(:ignored)
      AND NOT EXISTS (
          SELECT 1 FROM pg_attribute a
          WHERE a.attrelid = c.oid AND a.attname = :tenant
            AND a.attnum > 0 AND NOT a.attisdropped
      )
    ORDER BY c.relname
    """
)

# Key columns in key order; ``WITH ORDINALITY`` keeps the order of conkey / confkey.
_CONSTRAINTS = text(
    """
    SELECT con.conname AS name,
           con.contype::text AS kind,
           c.relname AS table_name,
           ARRAY(
               SELECT a.attname::text
               FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, pos)
               JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
               ORDER BY k.pos
           ) AS columns,
           ARRAY(
               SELECT a.attname::text
               FROM unnest(coalesce(con.confkey, '{}')) WITH ORDINALITY AS k(attnum, pos)
               JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
               ORDER BY k.pos
           ) AS referenced_columns,
           coalesce(rc.relname, '') AS referenced_table
    FROM pg_constraint con
    JOIN pg_class c ON c.oid = con.conrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_class rc ON rc.oid = con.confrelid
    WHERE n.nspname = 'public'
      AND con.contype IN ('p', 'u', 'f')
      AND c.relname <> ALL(:ignored)
    ORDER BY c.relname, con.conname
    """
)

# Every unique index, including those behind constraints and partial or expression indexes
# (an expression key has attnum 0 and so never counts as the tenant column).
_UNIQUE_INDEXES = text(
    """
    SELECT i.relname AS name,
           c.relname AS table_name,
           ARRAY(
               SELECT a.attname::text
               FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, pos)
               JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum
               WHERE k.pos <= ix.indnkeyatts
               ORDER BY k.pos
           ) AS columns
    FROM pg_index ix
    JOIN pg_class i ON i.oid = ix.indexrelid
    JOIN pg_class c ON c.oid = ix.indrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public'
      AND ix.indisunique
      AND c.relname <> ALL(:ignored)
    ORDER BY c.relname, i.relname
    """
)

_KINDS = {"p": "primary key", "u": "unique constraint", "f": "foreign key"}


async def tenant_rule_violations(conn: AsyncConnection) -> list[str]:
    """Every table, key and index of schema public that breaks the tenant rule."""
    params = {"ignored": list(IGNORED), "tenant": TENANT}
    problems: list[str] = []
    for row in await conn.execute(_TABLES_WITHOUT_TENANT, params):
        problems.append(f"table {row.table_name} has no {TENANT} column")
    for row in await conn.execute(_CONSTRAINTS, params):
        kind = _KINDS[row.kind]
        where = f"{kind} {row.name} on {row.table_name}{tuple(row.columns)}"
        if TENANT not in row.columns:
            problems.append(f"{where} does not include {TENANT}")
        elif row.kind == "f":
            referenced = list(row.referenced_columns)
            target = f"{row.referenced_table}{tuple(referenced)}"
            if TENANT not in referenced:
                problems.append(f"{where} references {target} without {TENANT}")
            elif referenced.index(TENANT) != list(row.columns).index(TENANT):
                # The local tenant column must point at the referenced tenant column.
                problems.append(f"{where} pairs {TENANT} with another column of {target}")
    for row in await conn.execute(_UNIQUE_INDEXES, params):
        if TENANT not in row.columns:
            problems.append(
                f"unique index {row.name} on {row.table_name}{tuple(row.columns)} "
                f"does not include {TENANT}"
            )
    return problems


@pytest.fixture
async def conn(database_url: str) -> AsyncIterator[AsyncConnection]:
    engine = create_async_engine(async_url(database_url))
    try:
        async with engine.connect() as connection:
            yield connection
    finally:
        await engine.dispose()


async def test_every_table_key_and_index_includes_organization_id(
    conn: AsyncConnection,
) -> None:
    tables = await conn.scalar(
        text(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'alembic_version'"
        )
    )
    assert tables, "the migrated database has no tables: is the fixture migrated?"

    problems = await tenant_rule_violations(conn)

    assert problems == [], "the tenant rule is broken:\n" + "\n".join(problems)


async def test_the_check_reports_every_kind_of_violation(conn: AsyncConnection) -> None:
    """Scratch tables that break the rule in each way are all reported (the test can fail)."""
    async with conn.begin():
        await conn.execute(text("CREATE TABLE bad_no_tenant (id uuid PRIMARY KEY)"))
        await conn.execute(
            text(
                "CREATE TABLE bad_ref ("
                " organization_id uuid NOT NULL, id uuid NOT NULL, other uuid NOT NULL,"
                " CONSTRAINT bad_ref_pk PRIMARY KEY (organization_id, id),"
                " CONSTRAINT bad_ref_other_key UNIQUE (other, id),"
                " CONSTRAINT bad_ref_swapped_key UNIQUE (id, organization_id))"
            )
        )
        await conn.execute(
            text(
                "CREATE TABLE bad ("
                " organization_id uuid NOT NULL, id uuid NOT NULL, code text,"
                " ref_id uuid, ref_other uuid,"
                " CONSTRAINT bad_pk PRIMARY KEY (id),"
                " CONSTRAINT bad_code_key UNIQUE (code),"
                " CONSTRAINT bad_local_fk FOREIGN KEY (ref_other, ref_id)"
                "   REFERENCES bad_ref (other, id),"
                " CONSTRAINT bad_remote_fk FOREIGN KEY (organization_id, ref_id)"
                "   REFERENCES bad_ref (other, id),"
                " CONSTRAINT bad_swapped_fk FOREIGN KEY (organization_id, ref_id)"
                "   REFERENCES bad_ref (id, organization_id))"
            )
        )
        await conn.execute(text("CREATE UNIQUE INDEX bad_lower_code ON bad (lower(code))"))
        await conn.execute(
            text("CREATE UNIQUE INDEX bad_partial ON bad (id) WHERE code IS NOT NULL")
        )

        problems = await tenant_rule_violations(conn)
        await conn.rollback()

    report = "\n".join(problems)
    assert "table bad_no_tenant has no organization_id column" in report
    for name in (
        "bad_no_tenant_pkey",
        "bad_pk",
        "bad_code_key",
        "bad_local_fk",
        "bad_remote_fk",
        "bad_swapped_fk",
        "bad_ref_other_key",
        "bad_lower_code",
        "bad_partial",
    ):
        assert f" {name} " in report, f"{name} not reported in:\n{report}"
    # Well-formed keys of the scratch tables, and the real schema, are not reported.
    for name in ("bad_ref_pk ", "bad_ref_swapped_key ", " members", " organizations"):
        assert name not in report, report
    assert all("bad" in line for line in problems), report


def _citus_distribution_order() -> list[str]:
    """The tables the README's Citus DDL distributes, in its order."""
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    block = readme[readme.index("FROM unnest(ARRAY[") : readme.index("]) AS t;")]
    return ["organizations", *re.findall(r"'(\w+)'", block)]


def test_the_readme_distributes_every_tenant_table_parents_first() -> None:
    """The README's Citus DDL names every table but the local ones, each after the tables
    it references (``create_distributed_table`` needs a foreign key's target distributed
    first), except the objectives -> key_results link it drops and restores."""
    order = _citus_distribution_order()
    assert sorted(order) == sorted(set(metadata.tables) - set(IGNORED))
    position = {name: i for i, name in enumerate(order)}
    late = [
        (table.name, fk.column.table.name)
        for table in metadata.sorted_tables
        if table.name in position
        for fk in table.foreign_keys
        if position[fk.column.table.name] > position[table.name]
        and (table.name, fk.column.table.name) != ("objectives", "key_results")
    ]
    assert late == []
