"""Prometheus metrics of the service, served at ``GET /metrics`` (prometheus-client).

Requests are counted by route *template* (``/v1/objectives/{objective_id}``, never the raw
path: one series per id would grow without bound), method and status, with a latency
histogram and a histogram of the SQL statements each request sent; requests in flight; the
database pools (connections checked out and the pool's size), read at scrape time through
the reader the composition root hands over, since this adapter never touches the database.

Several worker processes (``okr serve --workers N``) each count their own requests: the
CLI then gives them a shared ``PROMETHEUS_MULTIPROC_DIR`` before they start, prometheus-client
writes every value there, and whichever worker answers the scrape adds up all of them.

Webhooks (issue 17): the outbox's lag, the queue's delivery jobs and the deliveries by status
are read from the database at scrape time, through the reader the composition root hands
over (service.webhooks.backlog), not counted in memory: ``okr worker`` is another process
that shares no metrics directory with the API, and the database already holds each figure.
They are gauges: a count of the delivery log by status goes down when an endpoint is deleted
or a delivery replayed, which a counter may not. Read once per scrape by whichever process
answers, so in multiprocess mode they are added after the merge, never summed over workers.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from service.webhook_ports import WebhookBacklog

log = logging.getLogger("okr.metrics")

# What a method label may be: anything else a client sends is counted as "other".
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# The route label of a request no route matched (a 404): never the path the client chose.
UNMATCHED = "unmatched"
# Statements per request: most answer in one to three; a list that loads per row shows up
# in the upper buckets.
_SQL_BUCKETS = (0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64)
# The files prometheus-client keeps for a worker's live gauges: "gauge_livesum_<pid>.db".
_LIVE_GAUGE_FILE = re.compile(r"^gauge_live\w+_(\d+)\.db$")


@dataclass(frozen=True, slots=True)
class PoolUsage:
    """One connection pool at one instant: ``database`` is "primary" or "replica"."""

    database: str
    checked_out: int
    size: int


PoolReader = Callable[[], Iterable[PoolUsage]]
BacklogReader = Callable[[], Awaitable[WebhookBacklog]]


class _BacklogCollector:
    """The webhook figures of the last scrape, as prometheus-client collects them."""

    def __init__(self) -> None:
        self.latest: WebhookBacklog | None = None

    def collect(self) -> Iterator[Metric]:
        backlog = self.latest
        if backlog is None:  # the database did not answer this scrape: no figure, not 0
            return
        yield GaugeMetricFamily(
            "okr_outbox_lag_seconds",
            "Age of the oldest event the webhook dispatcher has not made into deliveries yet.",
            value=backlog.outbox_lag_seconds,
        )
        jobs = GaugeMetricFamily(
            "okr_webhook_jobs",
            "Webhook delivery jobs in the queue (pgqueuer), by status (queued, picked).",
            labels=["status"],
        )
        for status in ("queued", "picked"):
            jobs.add_metric([status], backlog.jobs.get(status, 0))
        yield jobs
        deliveries = GaugeMetricFamily(
            "okr_webhook_deliveries",
            "Webhook deliveries in the log, by status (pending, succeeded, failed).",
            labels=["status"],
        )
        for status in ("pending", "succeeded", "failed"):
            deliveries.add_metric([status], backlog.deliveries.get(status, 0))
        yield deliveries


def multiprocess_directory() -> Path | None:
    """Where the workers' values are shared, or None in a single process.

    prometheus-client chose how to store values from this variable when it was imported;
    reading the same variable here keeps the scrape in step with what the library did."""
    found = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return Path(found) if found else None


class HttpMetrics:
    """The metrics of one app. Its own registry, so two apps in one process (tests) do not
    register the same names twice."""

    def __init__(
        self, *, pools: PoolReader | None = None, backlog: BacklogReader | None = None
    ) -> None:
        self._pools = pools
        self._backlog_reader = backlog
        self._backlog = _BacklogCollector()
        self._shared = multiprocess_directory()
        self.registry = CollectorRegistry()
        if self._shared is None:
            # Per-process figures (CPU, memory, open files) mean nothing summed over workers.
            ProcessCollector(registry=self.registry)
            PlatformCollector(registry=self.registry)
            self.registry.register(self._backlog)  # in multiprocess mode: after the merge
        self._requests = Counter(
            "okr_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self._duration = Histogram(
            "okr_http_request_duration_seconds",
            "Time from the request's arrival to the end of its answer, by route template.",
            ["method", "route"],
            registry=self.registry,
        )
        self._sql = Histogram(
            "okr_http_request_sql_statements",
            "SQL statements sent to Postgres per request, by route template.",
            ["method", "route"],
            buckets=_SQL_BUCKETS,
            registry=self.registry,
        )
        # "livesum": across workers, the sum over the processes still alive.
        self._in_flight = Gauge(
            "okr_http_requests_in_flight",
            "HTTP requests being answered now.",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self._pool_checked_out = Gauge(
            "okr_db_pool_checked_out_connections",
            "Database connections in use by requests, by database (primary, replica).",
            ["database"],
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self._pool_size = Gauge(
            "okr_db_pool_size_connections",
            "Connections the pool may hold, by database (primary, replica).",
            ["database"],
            registry=self.registry,
            multiprocess_mode="livesum",
        )

    def request_started(self) -> None:
        self._in_flight.inc()

    def request_finished(
        self, *, method: str, route: str | None, status: int, seconds: float, sql: int
    ) -> None:
        method = method if method in _METHODS else "other"
        route = route or UNMATCHED
        self._in_flight.dec()
        self._requests.labels(method, route, str(status)).inc()
        self._duration.labels(method, route).observe(seconds)
        self._sql.labels(method, route).observe(sql)
        if self._shared is not None:
            # The worker that answers a scrape reads only its own pools: each worker keeps
            # its figures current after every request instead.
            self._read_pools()

    async def read_backlog(self) -> None:
        """The webhook figures, fresh for this scrape; none if the database fails."""
        if self._backlog_reader is None:
            return
        try:
            self._backlog.latest = await self._backlog_reader()
        except Exception:  # a scrape still answers while the database is away
            log.exception("reading the webhook backlog for /metrics failed")
            self._backlog.latest = None

    def exposition(self, accept: str) -> tuple[bytes, str]:
        """The metrics in the format the scraper asked for (Prometheus text or OpenMetrics)."""
        encode, content_type = choose_encoder(accept)
        self._read_pools()
        if self._shared is None:
            return encode(self.registry), content_type
        _forget_dead_workers(self._shared)
        merged = CollectorRegistry()
        # prometheus_client.multiprocess has no annotations.
        MultiProcessCollector(merged, path=str(self._shared))  # type: ignore[no-untyped-call]
        merged.register(self._backlog)
        return encode(merged), content_type

    def _read_pools(self) -> None:
        if self._pools is None:
            return
        for pool in self._pools():
            self._pool_checked_out.labels(pool.database).set(pool.checked_out)
            self._pool_size.labels(pool.database).set(pool.size)


def _forget_dead_workers(directory: Path) -> None:
    """Drop the live gauges of workers that are gone (uvicorn replaces a worker that dies):
    their last in-flight count and pool figures would otherwise be added up forever."""
    for path in directory.glob("gauge_live*.db"):
        match = _LIVE_GAUGE_FILE.match(path.name)
        if match is not None and not _alive(int(match[1])):
            mark_process_dead(int(match[1]), str(directory))  # type: ignore[no-untyped-call]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, run by someone else
        return True
    return True


def install_metrics(app: Starlette, metrics: HttpMetrics) -> None:
    """``GET /metrics``: no token, outside the OpenAPI document (README: Observability)."""

    async def scrape(request: Request) -> Response:
        await metrics.read_backlog()
        body, content_type = metrics.exposition(request.headers.get("accept", ""))
        return Response(body, headers={"Content-Type": content_type})

    app.add_route("/metrics", scrape, methods=["GET"], include_in_schema=False)
