# The two commands of the README: `make run` and `make test`. Both install what they need.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck contracts pytest bench export clean test-client

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		(echo "Python 3.11+ is needed (PYTHON=$(PYTHON))"; exit 1)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/okr serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

pytest: $(STAMP)
	$(BIN)/pytest

test: lint typecheck contracts pytest

# The contract from the client side (client/README.md): a generated TypeScript client,
# graphql-js and headless Chromium against a live service. Needs node 20+ and npm.
test-client: $(STAMP)
	OKR=$(abspath $(BIN))/okr client/run.sh

bench: $(STAMP)
	$(BIN)/python -m tests.bench

export: $(STAMP)
	$(BIN)/okr export

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
