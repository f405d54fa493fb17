"""``python tests/integration/webhook_worker.py DATABASE_URL``: the real webhook worker with
the tests' short schedule, in a process of its own that a test may kill -9
(tests/integration/test_webhooks_recovery.py). A kill leaves its job picked: another worker
takes it once the heartbeat is 1 s stale (30 s in production)."""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta

from service.runtime.worker import Worker, WorkerConfig
from service.webhooks import RetrySchedule

CONFIG = WorkerConfig(
    schedule=RetrySchedule((timedelta(milliseconds=50),) * 3, jitter=0),
    allow_private=True,
    dispatch_interval=0.02,
    sweep_interval=0.5,
    heartbeat_timeout=1.0,
)

if __name__ == "__main__":
    asyncio.run(Worker(sys.argv[1], CONFIG).run())
