# Biotraza developer commands. `make help` lists them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
WEBAPP := api/webapp
NPM_STAMP := $(WEBAPP)/node_modules/.installed

.PHONY: help dev webapp webapp-test demo serve test test-fast lint fmt typecheck bench db-upgrade clean

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

dev: $(STAMP) ## create .venv and install biotraza with its dev tools

# The browser app: npm installs exactly what the lockfile says, Vite builds dist/ (served at /app/).
$(NPM_STAMP): $(WEBAPP)/package-lock.json
	cd $(WEBAPP) && npm ci --no-audit --no-fund
	touch $(NPM_STAMP)

webapp: $(NPM_STAMP) ## build the browser app (api/webapp/dist, served at /app/)
	cd $(WEBAPP) && npm run --silent build

webapp-test: $(NPM_STAMP) ## type-check and unit-test the browser app (vitest)
	cd $(WEBAPP) && npm run --silent typecheck && npm test --silent

PORT ?= 8000
DEMO_DIR ?= biotraza-demo

demo: $(STAMP) webapp ## build the demo ledger (SQLite in DEMO_DIR) and serve it on http://127.0.0.1:$(PORT)
	$(BIN)/biotraza demo --port $(PORT) --data-dir $(DEMO_DIR)

serve: $(STAMP) webapp ## serve the configured ledger
	$(BIN)/biotraza serve

lint: $(STAMP) ## ruff check + format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(STAMP) ## format the code
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(STAMP) ## mypy --strict on the packages
	$(BIN)/mypy

test: $(STAMP) lint typecheck webapp webapp-test ## the whole suite: lint, types, all tests on SQLite and PostgreSQL
	scripts/ensure-postgres
	scripts/ensure-chromium
	$(BIN)/python -m pytest

test-fast: $(STAMP) webapp ## tests without the slow multi-process ones
	scripts/ensure-postgres
	scripts/ensure-chromium
	$(BIN)/python -m pytest -m "not slow"

bench: $(STAMP) webapp ## run the benchmarks and record docs/performance.md
	scripts/ensure-postgres
	scripts/ensure-chromium
	$(BIN)/python -m bench.run_all --markdown docs/performance.md

db-upgrade: $(STAMP) ## apply database migrations to the configured database
	$(BIN)/biotraza db upgrade

clean: ## remove the virtualenv and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis $(WEBAPP)/node_modules $(WEBAPP)/dist
