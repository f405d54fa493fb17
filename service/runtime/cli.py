"""The ``okr`` command: serve, migrate, mint tokens, create organizations, export schemas."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import re
import signal
import socket
import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar
from uuid import UUID

import typer

from service.runtime.settings import (
    DatabaseSettings,
    Settings,
    SettingsError,
    WorkerSettings,
    load_settings,
)

if TYPE_CHECKING:
    from service.runtime.demo import DemoOrganization

cli = typer.Typer(help="The headless OKR service.", no_args_is_help=True, add_completion=False)
org_cli = typer.Typer(help="Manage organizations (tenants).", no_args_is_help=True)
cli.add_typer(org_cli, name="org")

_TTL = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


_S = TypeVar("_S", bound=DatabaseSettings)


def _settings(kind: type[_S]) -> _S:
    """The settings a command reads, or one line saying which is wrong (never its value)."""
    try:
        return load_settings(kind)
    except SettingsError as error:
        typer.echo(f"configuration error: {error}", err=True)
        raise typer.Exit(2) from None


class PortInUse(Exception):
    """``okr serve`` cannot listen where it was told to."""


@contextmanager
def _refusals() -> Iterator[None]:
    """What the operator must fix before the command can run (the database unreachable or
    not migrated, the port or the data folder taken): one line on stderr and exit code 1,
    not a traceback."""
    from service.runtime.embedded import AlreadyServing
    from service.runtime.migrate import DatabaseNotReady

    try:
        yield
    except (DatabaseNotReady, AlreadyServing, PortInUse) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None


@contextmanager
def _database(settings: DatabaseSettings) -> Iterator[str]:
    """DATABASE_URL, or the embedded Postgres for the duration of the block (stopped
    afterwards unless another process still uses it)."""
    if settings.database_url is not None:
        yield settings.database_url
        return
    from service.runtime.embedded import embedded_database

    with embedded_database(settings.pgdata_dir) as url:
        yield url


def _migrate(url: str, revision: str = "head") -> None:
    from service.runtime.migrate import schema_revision, upgrade

    schema_revision(url)  # an unreachable database: one line, not Alembic's traceback
    upgrade(url, revision)


def _check_port(host: str, port: int) -> None:
    """Refuse before anything starts when ``host:port`` is taken. Binding as uvicorn will
    (SO_REUSEADDR) and letting go leaves a moment for another to take it: then uvicorn
    fails to bind, and the embedded Postgres is still stopped only if nobody else uses it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        socket.create_server((host, port), family=family).close()
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise PortInUse(
                f"port {port} on {host} is in use: stop what listens there, "
                "or choose another port (--port, OKR_PORT)"
            ) from None
        raise PortInUse(f"cannot listen on {host}:{port}: {error.strerror}") from None


def _parse_ttl(value: str) -> timedelta:
    match = _TTL.match(value.strip())
    if match is None or int(match.group(1)) == 0:
        raise typer.BadParameter("use a positive number and a unit, e.g. 30m, 1h, 7d")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (OKR_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (OKR_PORT).")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (OKR_WORKERS).")] = None,
    migrate: Annotated[
        bool, typer.Option(help="Apply migrations first (default only for the embedded DB).")
    ] = False,
    with_worker: Annotated[
        bool, typer.Option(help="Run one `okr worker` beside the API (webhooks): `make run`.")
    ] = False,
) -> None:
    """Serve the API. Without DATABASE_URL: start the embedded Postgres and migrate it."""
    settings = _settings(Settings)
    bind_host, bind_port = host or settings.host, port or settings.port
    with _refusals(), ExitStack() as stack:
        if settings.embedded:
            from service.runtime.embedded import serving

            # One `okr serve` per data folder: a second one is refused before it touches
            # the first one's Postgres.
            stack.enter_context(serving(settings.pgdata_dir))
        _check_port(bind_host, bind_port)
        url = stack.enter_context(_database(settings))
        if settings.embedded or migrate:
            _migrate(url)
        empty = asyncio.run(_no_organizations(url))
        if with_worker:
            stack.enter_context(_worker_process(url))
        _serve(settings, url, bind_host, bind_port, workers, empty=empty)


async def _no_organizations(url: str) -> bool:
    """Whether the database holds no organization yet (False when it cannot tell, e.g.
    before the migrations ran)."""
    from sqlalchemy import exists, select

    from service.storage.postgres.database import create_engine
    from service.storage.postgres.tables import organizations

    engine = create_engine(url, pool_size=1, statement_cache_size=0)
    try:
        async with engine.connect() as conn:
            return not await conn.scalar(select(exists().select_from(organizations)))
    except Exception:  # a hint is not worth failing the start for
        return False
    finally:
        await engine.dispose()


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _serve(
    settings: Settings,
    url: str,
    bind_host: str,
    bind_port: int,
    workers: int | None,
    *,
    empty: bool = False,
) -> None:
    import uvicorn

    # Workers are new processes: they find the database through the environment.
    os.environ["DATABASE_URL"] = url
    base = f"http://{bind_host}:{bind_port}"
    typer.echo(
        f"OKR service on {base}\n"
        f"  REST docs: {base}/docs  and  {base}/redoc\n"
        f"  GraphQL:   {base}/graphql\n"
        f"  Ready?     {base}/readyz\n"
        "  First organization and admin token:  .venv/bin/okr org create 'Acme' "
        "--admin-email admin@example.com\n"
        "  Another token:  .venv/bin/okr token --org ORG_ID --member MEMBER_ID --role admin"
        + ("\n  Embedded Postgres data: " + str(settings.pgdata_dir) if settings.embedded else "")
        + ("\n  empty database: run `.venv/bin/okr demo` for a demo organization" if empty else "")
    )
    # uvicorn shuts down gracefully on SIGTERM, then re-sends it to the handler found
    # before it started: by default that kills the process where it stands, skipping the
    # `finally` that stops the embedded Postgres (`docker stop`, `kill`, systemd). Exit
    # through Python instead, as Ctrl-C does.
    if threading.current_thread() is threading.main_thread():  # handlers live there only
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
    processes = workers or settings.workers
    with _shared_metrics(processes):
        uvicorn.run(
            "service.runtime.app:app_from_environment",
            factory=True,
            host=bind_host,
            port=bind_port,
            workers=processes,
            log_config=None,
            proxy_headers=True,
            server_header=False,
        )


# The files prometheus-client writes in PROMETHEUS_MULTIPROC_DIR (counter_<pid>.db, ...).
_METRIC_FILES = ("counter_*.db", "gauge_*.db", "histogram_*.db", "summary_*.db")


@contextmanager
def _shared_metrics(workers: int) -> Iterator[None]:
    """Where several workers' metrics meet, so any worker answers ``/metrics`` for all.

    prometheus-client's multiprocess mode reads PROMETHEUS_MULTIPROC_DIR when a worker
    imports it, so the folder is set before uvicorn starts them. One the operator set is
    used, emptied of a previous run's values (they would be counted again); otherwise a
    temporary one is made for two workers or more, and removed afterwards."""
    chosen = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if chosen:
        folder = Path(chosen)
        folder.mkdir(parents=True, exist_ok=True)
        for pattern in _METRIC_FILES:
            for stale in folder.glob(pattern):
                stale.unlink()
        yield
        return
    if workers < 2:
        yield
        return
    with tempfile.TemporaryDirectory(prefix="okr-metrics-") as made:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = made
        try:
            yield
        finally:
            del os.environ["PROMETHEUS_MULTIPROC_DIR"]


@contextmanager
def _worker_process(url: str) -> Iterator[None]:
    """``okr worker`` in a process of its own beside the API, stopped with it."""
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "service.runtime.cli", "worker"],
        env={**os.environ, "DATABASE_URL": url},
    )
    try:
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@cli.command()
def worker() -> None:
    """Deliver webhooks: the dispatcher and the job queue's consumer, until stopped
    (SIGTERM or Ctrl-C). Run as many as you like: they share the work, none sends a
    delivery another is sending. Installs the queue's tables (pgqueuer) on first start."""
    from service.runtime.migrate import require_head
    from service.runtime.worker import Worker, WorkerConfig

    settings = _settings(WorkerSettings)
    config = WorkerConfig(
        allow_private=settings.private_addresses_allowed,
        timeout=settings.webhooks_timeout_seconds,
        concurrency=settings.worker_concurrency,
    )

    async def work(url: str) -> None:
        running = Worker(url, config)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, running.stop)
        await running.run()

    with _refusals(), _database(settings) as url:
        if settings.embedded:
            _migrate(url)
        require_head(url)
        typer.echo("okr worker: delivering webhooks (Ctrl-C to stop)")
        asyncio.run(work(url))


@cli.command()
def migrate(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply the Alembic migrations up to REVISION (run once per release, before serving).

    Reads only the database settings: a migration job needs no JWT configuration."""
    from alembic.util import CommandError

    with _refusals(), _database(_settings(DatabaseSettings)) as url:
        try:
            _migrate(url, revision)
        except CommandError as error:  # e.g. an unknown revision
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(2) from None
    typer.echo(f"migrated to {revision}")


@cli.command()
def token(
    org: Annotated[UUID, typer.Option("--org", help="Organization id.")],
    member: Annotated[UUID | None, typer.Option("--member", help="Member id.")] = None,
    role: Annotated[list[str] | None, typer.Option("--role", help="admin, hr, manager.")] = None,
    scope: Annotated[
        list[str] | None, typer.Option("--scope", help="Service scopes, without --member.")
    ] = None,
    ttl: Annotated[str, typer.Option(help="Lifetime, e.g. 30m, 1h, 7d.")] = "1h",
) -> None:
    """Mint a development token signed with the configured HS key."""
    from domain.members import Role
    from service.auth import Scope
    from service.runtime.tokens import ExternalKeysOnly, mint_token

    settings = _settings(Settings)
    roles, scopes = role or [], scope or []
    bad_roles = sorted(set(roles) - {r.value for r in Role})
    bad_scopes = sorted(set(scopes) - Scope.ALL)
    if bad_roles or bad_scopes:
        raise typer.BadParameter(f"unknown roles {bad_roles} or scopes {bad_scopes}")
    if member is not None and scopes:
        raise typer.BadParameter("scopes are for service tokens: drop --member")
    if member is None and roles:
        raise typer.BadParameter("roles are for member tokens: give --member, or drop --role")
    if member is None and not scopes:
        raise typer.BadParameter("give --member (a member token) or --scope (a service token)")
    try:
        typer.echo(
            mint_token(
                settings,
                organization_id=org,
                member_id=member,
                roles=roles,
                scopes=scopes,
                ttl=_parse_ttl(ttl),
            )
        )
    except ExternalKeysOnly as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None


@org_cli.command("create")
def org_create(
    name: Annotated[str, typer.Argument(help="The organization's name.")],
    admin_email: Annotated[str, typer.Option("--admin-email", help="The first admin's email.")],
    admin_name: Annotated[str | None, typer.Option("--admin-name")] = None,
    time_zone: Annotated[str, typer.Option("--time-zone")] = "UTC",
    locale: Annotated[str, typer.Option("--locale", help="en or zh-CN.")] = "en",
) -> None:
    """Create an organization and its first admin; print both ids and an admin token."""
    from domain.errors import DomainError
    from domain.organizations import Locale
    from service.organizations import NewOrganization, create_organization
    from service.runtime.migrate import require_head
    from service.runtime.tokens import ExternalKeysOnly, mint_token

    settings = _settings(Settings)

    async def create(url: str) -> tuple[UUID, UUID]:
        from service.context import Deps
        from service.storage.postgres.database import create_engine
        from service.storage.postgres.unit_of_work import PostgresUnitOfWorkFactory

        engine = create_engine(url, pool_size=1, statement_cache_size=0)
        try:
            org, admin = await create_organization(
                Deps(uow=PostgresUnitOfWorkFactory(engine)),
                NewOrganization(
                    name=name,
                    admin_email=admin_email,
                    admin_name=admin_name,
                    time_zone=time_zone,
                    locale=Locale(locale),
                ),
            )
        finally:
            await engine.dispose()
        return org.id, admin.id

    try:
        with _refusals(), _database(settings) as url:
            if settings.embedded:
                _migrate(url)
            require_head(url)
            org_id, admin_id = asyncio.run(create(url))
    except (DomainError, ValueError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    out: dict[str, str] = {"organization_id": str(org_id), "admin_member_id": str(admin_id)}
    try:
        out["admin_token"] = mint_token(
            settings, organization_id=org_id, member_id=admin_id, roles=["admin"]
        )
    except ExternalKeysOnly:
        out["admin_token"] = "(external keys only: ask your identity provider)"  # noqa: S105
    typer.echo(json.dumps(out, indent=2))


@cli.command()
def demo(
    ttl: Annotated[str, typer.Option(help="Lifetime of the printed tokens, e.g. 1h, 7d.")] = "1h",
) -> None:
    """Load the demo organization (once) and print tokens for an admin, a manager, a member.

    Built from the worked examples of DOMAIN.md through the use cases. Running it again
    finds the same organization and prints fresh tokens.
    """
    from domain.errors import DomainError
    from service.runtime.migrate import require_head
    from service.runtime.tokens import ExternalKeysOnly, mint_token

    settings = _settings(Settings)
    lifetime = _parse_ttl(ttl)
    try:
        with _refusals(), _database(settings) as url:
            if settings.embedded:
                _migrate(url)
            require_head(url)
            found, created = asyncio.run(_load_demo(url))
    except (DomainError, ValueError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    people: dict[str, tuple[UUID, str]] = {
        "admin": (found.admin_id, "admin"),
        "manager": (found.manager_id, "manager"),
        "member": (found.member_id, "member"),
    }
    out: dict[str, object] = {
        "organization_id": str(found.organization_id),
        "created": created,
        "members": {who: str(member_id) for who, (member_id, _) in people.items()},
    }
    try:
        tokens = {
            who: mint_token(
                settings,
                organization_id=found.organization_id,
                member_id=member_id,
                roles=[role],
                ttl=lifetime,
            )
            for who, (member_id, role) in people.items()
        }
    except ExternalKeysOnly:
        out["tokens"] = "(external keys only: ask your identity provider for these members)"
    else:
        out["tokens"] = tokens
        out["try"] = (
            f"curl -H 'Authorization: Bearer {tokens['member']}' "
            f"http://{settings.host}:{settings.port}/v1/objectives"
        )
    typer.echo(json.dumps(out, indent=2))


# Held while looking for the demo and loading it, so two `okr demo` at once make one.
_DEMO_LOCK = 0x6F6B7264656D6F  # "okrdemo"


async def _load_demo(url: str) -> tuple[DemoOrganization, bool]:
    """The demo organization, loaded unless already there; and whether it was loaded now.

    Organizations are not listable through the use cases (each is a tenant), so the demo
    is found here: the organization with the demo's final name whose admin has the demo
    CEO's email. A load that broke off left the loading name, and is not found.
    """
    from sqlalchemy import any_, literal, select, text

    from service.context import Deps
    from service.runtime.demo import ADMIN_EMAIL, DEMO_NAME, find_demo_people, load_demo
    from service.storage.postgres.database import create_engine
    from service.storage.postgres.tables import members, organizations
    from service.storage.postgres.unit_of_work import PostgresUnitOfWorkFactory

    engine = create_engine(url, pool_size=2, statement_cache_size=0)
    deps = Deps(uow=PostgresUnitOfWorkFactory(engine))
    o, m = organizations.c, members.c
    find = (
        select(o.organization_id, m.id)
        .join_from(organizations, members, m.organization_id == o.organization_id)
        .where(o.name == DEMO_NAME, m.email == ADMIN_EMAIL, literal("admin") == any_(m.roles))
        .order_by(o.created_at)
        .limit(1)
    )
    try:
        async with engine.connect() as lock:
            await lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _DEMO_LOCK})
            try:
                row = (await lock.execute(find)).first()
                await lock.commit()  # do not sit idle in a transaction while loading
                if row is not None:
                    return await find_demo_people(deps, row[0], row[1]), False
                return await load_demo(deps), True
            finally:
                await lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _DEMO_LOCK})
    finally:
        await engine.dispose()


@cli.command()
def export(
    out: Annotated[Path, typer.Option(help="Folder for openapi.json and schema.graphql.")] = Path(
        "openapi"
    ),
) -> None:
    """Write the OpenAPI document and the GraphQL SDL the app serves."""
    from service.runtime.exports import export_schemas

    for path in export_schemas(out):
        typer.echo(f"wrote {path}")


def main() -> None:
    from service.runtime.logging import configure_logging

    # Only what every command reads: each command reads (and checks) the rest it needs.
    try:
        settings = load_settings(DatabaseSettings)
    except SettingsError as error:
        typer.echo(f"configuration error: {error}", err=True)
        raise SystemExit(2) from None
    configure_logging(level=settings.log_level, json=settings.log_json)
    cli()


if __name__ == "__main__":
    main()
