# zuofeng — the two commands of the README: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/zuofeng
VENDOR := zuofeng/static/vendor
STAMP := $(VENV)/.installed

.PHONY: install assets demo serve test test-sqlite test-postgres lint format bench clean

install: $(STAMP) assets

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv>=0.5"
	@$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	@$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps --config-settings editable_mode=compat -e .
	@touch $(STAMP)

assets: $(VENDOR)/.stamp

$(VENDOR)/.stamp: package.json package-lock.json
	@npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@mkdir -p $(VENDOR)
	@cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	@cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/
	@cp node_modules/@picocss/pico/css/pico.red.min.css $(VENDOR)/pico.min.css
	@touch $@

demo: install
	@PORT=$(PORT) $(BIN)/zuofeng demo --serve

serve: install
	@$(BIN)/zuofeng serve --port $(PORT)

lint: install
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check --quiet . || { echo "ruff format: run 'make format'"; exit 1; }

format: install
	@$(BIN)/ruff format .
	@$(BIN)/ruff check --fix .

test: install lint test-sqlite test-postgres

test-sqlite:
	@echo "== tests on SQLite =="
	@env -u DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)

# PostgreSQL: DATABASE_URL when it names one, else a server on 127.0.0.1:5432 if it answers.
test-postgres:
	@url="$${DATABASE_URL:-}"; \
	if [ -z "$$url" ] && $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; then url="$(PG_TEST_URL)"; fi; \
	if [ -z "$$url" ]; then echo "== PostgreSQL: no server, skipped =="; exit 0; fi; \
	echo "== tests on PostgreSQL =="; \
	DATABASE_URL="$$url" $(BIN)/pytest $(PYTEST_ARGS)

bench: install
	@$(BIN)/python -m bench $(BENCH_ARGS)

# PostgreSQL named by DATABASE_URL (default .../zuofeng_province, dropped and generated again);
# sizes from PROVINCE_ORGS, PROVINCE_PEOPLE, … (docs/scaling.md). Exits 0 whatever the figures.
.PHONY: bench-province
bench-province: install
	@$(BIN)/python -m bench.province

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var
