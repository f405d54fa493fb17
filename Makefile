# The two commands of the README: `make run` and `make test`. Both install what they need.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck contracts pytest bench bench-pgbouncer bench-webhooks export clean test-client

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		(echo "Python 3.11+ is needed (PYTHON=$(PYTHON))"; exit 1)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/okr serve --with-worker

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

# Test files run in parallel processes (one per core, at most 4), each with its own embedded
# Postgres; a file's tests stay together in one process (their module fixtures).
pytest: $(STAMP)
	$(BIN)/pytest -n auto --maxprocesses 4 --dist loadfile

test: lint typecheck contracts pytest

# The contract from the client side (client/README.md): a generated TypeScript client,
# graphql-js and headless Chromium against a live service. Needs node 20+ and npm.
test-client: $(STAMP)
	OKR=$(abspath $(BIN))/okr client/run.sh

bench: $(STAMP)
	$(BIN)/python -m tests.bench

# The bench through PgBouncer in transaction mode (Debian's pgbouncer, installed if missing).
bench-pgbouncer: $(STAMP)
	@command -v pgbouncer >/dev/null || test -x /usr/sbin/pgbouncer || { \
		sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
		$$sudo apt-get update -qq && \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pgbouncer; }
	$(BIN)/python -m tests.bench --pgbouncer

# Webhook delivery latency (commit to receiver) and worker throughput, 1 and 2 workers.
bench-webhooks: $(STAMP)
	$(BIN)/python -m tests.bench.webhooks

export: $(STAMP)
	$(BIN)/okr export

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
