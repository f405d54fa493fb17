"""`make bench` (``python -m tests.bench``): seed a realistic organization in bulk, serve the
API in its own process, drive it over HTTP and compare it with raw-asyncpg and bare-app
baselines. Prints numbers; asserts nothing (not part of `make test`).

- :mod:`tests.bench.seed`: the organization, built in memory and COPied into Postgres;
- :mod:`tests.bench.servers`: the API and the bare app as subprocesses, their access log
  and peak RSS;
- :mod:`tests.bench.load`: one endpoint driven at a concurrency, latency percentiles;
- :mod:`tests.bench.baseline`: the alignment tree read straight from Postgres;
- :mod:`tests.bench.bare_app`: a minimal Starlette + asyncpg app (the floor for one read
  and for one check-in insert);
- :mod:`tests.bench.pgbouncer`: PgBouncer in transaction mode in front of Postgres
  (``--pgbouncer``, `make bench-pgbouncer`);
- :mod:`tests.bench.smoke`: the short REST smoke run through PgBouncer before the bench;
- :mod:`tests.bench.report`: the printed lines and the summary against the targets of
  issue 16, ending with ``N of M targets met``;
- :mod:`tests.bench.__main__`: the run, start to end.
"""
