# Two set-up commands: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
TEREZE_TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
export TEREZE_TEST_DATABASE_URL

.PHONY: install run test lint types test-sqlite test-postgres bench fuzz messages worker

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	touch $@

install: $(BIN)/.installed

# axe-core for the accessibility checks in the browser tests (from the npm registry, pinned in package-lock.json).
node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: install
	$(BIN)/tereze migrate --noinput -v0
	$(BIN)/tereze demo_country
	@echo "Serving on http://127.0.0.1:$(PORT)/ (catalogue), /staff/login/ (staff), /admin/, /api/v1/docs"
	@trap 'kill 0' INT TERM EXIT; \
	  $(BIN)/tereze run_huey --quiet >/dev/null 2>&1 & \
	  DEBUG=1 $(BIN)/tereze runserver 127.0.0.1:$(PORT)

worker: install
	$(BIN)/tereze run_huey

lint: install
	$(BIN)/ruff check tereze tests benchmarks

types: install
	$(BIN)/mypy tereze

test-sqlite: install
	@echo "== pytest on SQLite"
	$(BIN)/pytest

test-postgres: install
	@echo "== pytest on PostgreSQL ($(TEREZE_TEST_DATABASE_URL))"
	DATABASE_URL=$(TEREZE_TEST_DATABASE_URL) $(BIN)/pytest

test: lint types install node_modules/axe-core/axe.min.js
	$(BIN)/tereze makemigrations --check --dry-run -v0
	@$(MAKE) --no-print-directory test-sqlite
	@if $(BIN)/python -c "import os, psycopg; psycopg.connect(os.environ['TEREZE_TEST_DATABASE_URL'], connect_timeout=3).close()" 2>/dev/null; then \
	  $(MAKE) --no-print-directory test-postgres && echo "Databases tested: SQLite, PostgreSQL"; \
	else \
	  echo "PostgreSQL not reachable at $(TEREZE_TEST_DATABASE_URL): skipped. Databases tested: SQLite"; \
	fi

# Long runs on PostgreSQL (each script makes and drops its own database); figures are printed.
bench: install
	$(BIN)/python benchmarks/intake.py --workers 2 --threads 2 --pin-cpus --levels 8,16,32 --profile
	$(BIN)/python benchmarks/flash_crowd.py --workers 2 --threads 2 --pin-cpus
	$(BIN)/python benchmarks/crash.py
	$(BIN)/python benchmarks/call_next.py

# Schemathesis with many examples per operation (make test runs 15).
fuzz: install
	TEREZE_FUZZ_EXAMPLES=$${TEREZE_FUZZ_EXAMPLES:-500} $(BIN)/pytest tests/harness/test_schemathesis.py -q

messages: install
	cd tereze && ../$(BIN)/tereze makemessages -l kk -l ru -l en --no-obsolete && ../$(BIN)/tereze compilemessages
