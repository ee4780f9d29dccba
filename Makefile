# peergraph: the two commands a fresh machine needs are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo serve test check lint typecheck contracts deadcode schema bench fuzz hadolint clean web web-check screenshots

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip==25.3"
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## Start the API on http://127.0.0.1:8000/graphql with demo data, on the embedded default.
demo: $(STAMP)
	$(BIN)/peergraph demo --serve

serve: $(STAMP)
	$(BIN)/peergraph serve

## Run the test suite (SQLite always; PostgreSQL and Redis when they answer).
test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy .

## The layer directions (models <- resolvers <- schema <- server <- app), by import-linter.
contracts: $(STAMP)
	$(BIN)/lint-imports

## Code nothing uses (vulture; its false positives are in vulture_whitelist.py).
deadcode: $(STAMP)
	$(BIN)/vulture

## ruff, mypy --strict, the layer contracts, dead code and the tests.
check: lint typecheck contracts deadcode test

## Rewrite schema.graphql from the code (a test fails when it drifts).
schema: $(STAMP)
	$(BIN)/peergraph export-schema > schema.graphql

## Build the web client (web/src -> web/static) from the pinned web/package-lock.json.
web:
	cd web && npm ci --no-audit --no-fund --loglevel=error && node build.mjs

## Rebuild the web client and fail if the committed web/static differs (CI).
web-check: web
	@if [ -n "$$(git status --porcelain -- web/static)" ]; then \
	  git status --short -- web/static; \
	  echo "web/static differs from a fresh build of web/src: run 'make web' and commit" >&2; \
	  exit 1; \
	fi

## Rewrite the screenshots in docs/ from the browser tests (needs chromium).
screenshots: $(STAMP)
	PEERGRAPH_SCREENSHOTS_DIR=docs $(BIN)/pytest tests/web -q

hadolint: $(STAMP)
	$(BIN)/hadolint Dockerfile

## Fuzz a real server (PostgreSQL, its own redis-server, a separate worker) with schemathesis and
## stateful user sequences (tests/partners/fuzz_stateful.py); fails on any 5xx (docs/partners.md).
fuzz: $(STAMP)
	BIN=$(BIN) tests/partners/fuzz.sh

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
