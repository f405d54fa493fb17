"""The composition root: builds the engine, the adapters and the ASGI app, once."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI
from sqlalchemy import QueuePool
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.config import ApiConfig, GraphQLConfig, TokenConfig
from api.metrics import HttpMetrics, PoolUsage
from service import webhooks
from service.context import Deps, Services, SystemClock
from service.ports import Clock
from service.runtime.logging import configure_logging
from service.runtime.settings import Settings
from service.runtime.signing_keys import service_token_config
from service.storage.postgres.database import PostgresReadiness, create_engine
from service.storage.postgres.organization_cache import OrganizationCache
from service.storage.postgres.outage import discard_dead_connections, is_outage
from service.storage.postgres.replica import ReplicaReadUnitOfWorkFactory, create_replica_engine
from service.storage.postgres.repositories import PostgresIdempotencyStore
from service.storage.postgres.unit_of_work import PostgresUnitOfWorkFactory


def token_config(settings: Settings) -> TokenConfig:
    """How the API verifies tokens. Reading ``hmac_secret`` may create the development key."""
    return TokenConfig(
        algorithms=tuple(settings.jwt_algorithms),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        leeway_seconds=settings.jwt_leeway_seconds,
        org_claim=settings.jwt_org_claim,
        roles_claim=settings.jwt_roles_claim,
        scope_claim=settings.jwt_scope_claim,
        hmac_secret=settings.hmac_secret if settings.uses_hmac else None,
        public_key_file=settings.jwt_public_key_file,
        jwks_url=settings.jwt_jwks_url,
        service=service_token_config(settings),
    )


def api_config(settings: Settings) -> ApiConfig:
    """What the inbound adapters read, taken from the process settings."""
    return ApiConfig(
        tokens=token_config(settings),
        graphql=GraphQLConfig(
            max_depth=settings.graphql_max_depth,
            max_aliases=settings.graphql_max_aliases,
            max_tokens=settings.graphql_max_tokens,
            introspection=settings.graphql_introspection,
        ),
        cors_origins=tuple(settings.cors_origins),
        max_body_bytes=settings.max_body_bytes,
    )


def build_services(
    engine: AsyncEngine,
    settings: Settings,
    clock: Clock | None = None,
    *,
    replica: AsyncEngine | None = None,
) -> Services:
    read_models = ReplicaReadUnitOfWorkFactory(engine, replica) if replica else None
    organizations = OrganizationCache()
    return Services(
        deps=Deps(
            uow=PostgresUnitOfWorkFactory(engine, organizations=organizations),
            reads=PostgresUnitOfWorkFactory(engine, read_only=True, organizations=organizations),
            clock=clock or SystemClock(),
            read_models_uow=read_models,
        ),
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
    replica = _replica_engine(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # What exists at start-up (routes, the GraphQL schema, models: ~230k objects) lives
        # as long as the process: keep it out of the collector's full passes, which walked
        # it again and again while a large answer was built (the 10k-objective tree's p50
        # 588 -> 314 ms, measured in-process).
        gc.collect()
        gc.freeze()
        yield
        await engine.dispose()
        if replica is not None:
            await replica.dispose()

    services = build_services(engine, settings, clock, replica=replica)
    metrics = None
    if settings.serves_metrics:
        metrics = HttpMetrics(
            pools=partial(pool_usage, {"primary": engine, "replica": replica}),
            backlog=partial(webhooks.backlog, services.deps),
        )
    app = create_app(
        services,
        api_config(settings),
        lifespan=lifespan,
        metrics=metrics,
    )
    # What the app was built from, for whoever holds the app and mints its tokens (tests,
    # `make bench`); the adapters read only their ApiConfig.
    app.state.settings = settings
    return app


def pool_usage(engines: dict[str, AsyncEngine | None]) -> list[PoolUsage]:
    """What each engine's pool holds now, read by ``GET /metrics`` at scrape time."""
    return [
        PoolUsage(database=name, checked_out=engine.pool.checkedout(), size=engine.pool.size())
        for name, engine in engines.items()
        if engine is not None and isinstance(engine.pool, QueuePool)
    ]


def _replica_engine(settings: Settings) -> AsyncEngine | None:
    """The read replica's engine (``OKR_DATABASE_REPLICA_URL``), with the primary's options."""
    if settings.database_replica_url is None:
        return None
    replica = create_replica_engine(
        settings.database_replica_url,
        pool_size=settings.db_pool_size,
        statement_cache_size=settings.db_statement_cache_size,
    )
    discard_dead_connections(replica)
    return replica


def app_from_environment() -> FastAPI:
    """ASGI factory for ``uvicorn --factory service.runtime.app:app_from_environment``.

    Needs DATABASE_URL: the embedded Postgres is started by ``okr serve``, not by workers.
    """
    settings = Settings()
    configure_logging(level=settings.log_level, json=settings.log_json)
    if settings.database_url is None:
        raise RuntimeError("set DATABASE_URL, or start the service with `okr serve`")
    return build_app(settings, settings.database_url)
