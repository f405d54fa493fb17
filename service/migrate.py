"""Apply the Alembic migrations (the only way the schema changes)."""

from __future__ import annotations

from alembic import command

from service.storage.postgres.database import alembic_config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)
