"""The composition root: builds the engine, the adapters and the ASGI app, once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from service.context import Deps, Services, SystemClock
from service.logging import configure_logging
from service.ports import Clock
from service.settings import Settings
from service.storage.postgres.database import PostgresReadiness, create_engine
from service.storage.postgres.outage import discard_dead_connections, is_outage
from service.storage.postgres.repositories import PostgresIdempotencyStore
from service.storage.postgres.unit_of_work import PostgresUnitOfWorkFactory


def build_services(engine: AsyncEngine, settings: Settings, clock: Clock | None = None) -> Services:
    return Services(
        deps=Deps(uow=PostgresUnitOfWorkFactory(engine), clock=clock or SystemClock()),
        idempotency=PostgresIdempotencyStore(engine, settings.idempotency_retention_hours),
        readiness=PostgresReadiness(engine),
        is_outage=is_outage,
    )


def build_app(settings: Settings, database_url: str, *, clock: Clock | None = None) -> FastAPI:
    """The whole service on the Postgres at ``database_url``; the engine closes on shutdown.

    ``clock`` lets tests pin "now" (expected progress depends on the date)."""
    engine = create_engine(
        database_url,
        pool_size=settings.db_pool_size,
        statement_cache_size=settings.db_statement_cache_size,
    )
    # The first requests after Postgres comes back must not get the connections it dropped.
    discard_dead_connections(engine)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    return create_app(build_services(engine, settings, clock), settings, lifespan=lifespan)


def app_from_environment() -> FastAPI:
    """ASGI factory for ``uvicorn --factory service.app:app_from_environment``.

    Needs DATABASE_URL: the embedded Postgres is started by ``okr serve``, not by workers.
    """
    settings = Settings()
    configure_logging(level=settings.log_level, json=settings.log_json)
    if settings.database_url is None:
        raise RuntimeError("set DATABASE_URL, or start the service with `okr serve`")
    return build_app(settings, settings.database_url)
