# Qualitas: `make run` to try it, `make test` before every commit.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test
CHROMIUM ?= /usr/bin/chromium
# Test processes (pytest-xdist): one per core by default; TEST_WORKERS=0 runs in this process.
TEST_WORKERS ?= auto
# `make run` listens on 127.0.0.1:$(PORT).
PORT ?= 8000

.PHONY: install constraints run test lint test-postgres e2e chromium bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Re-pin constraints.txt to the installed versions (after an upgrade that passed `make test`).
constraints:
	{ grep '^#' constraints.txt; $(BIN)/python -m pip freeze --exclude-editable; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

## Serve the demo organisation on http://127.0.0.1:8000 (migrates and loads demo data first);
## `make run PORT=8080` serves on another port.
run: install
	QUALITAS_DEMO=1 $(BIN)/qualitas serve --demo --port $(PORT)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports --no-logo --no-cache
	env -u QUALITAS_DATABASE_URL QUALITAS_DATA_DIR=$$(mktemp -d) $(BIN)/qualitas makemigrations --check --dry-run

## The whole suite on SQLite (browser tests excluded: `make e2e`).
test: lint
	env -u QUALITAS_DATABASE_URL $(BIN)/pytest -n $(TEST_WORKERS) --ignore=tests/e2e --durations=10

## The same suite against PostgreSQL (QUALITAS_DATABASE_URL, or the local test database).
test-postgres: install
	QUALITAS_DATABASE_URL=$${QUALITAS_DATABASE_URL:-$(POSTGRES_URL)} $(BIN)/pytest -n $(TEST_WORKERS) --ignore=tests/e2e \
		--durations=10

## Browser journeys in headless Chromium (installs Debian's chromium when missing).
e2e: install chromium
	QUALITAS_CHROMIUM=$(CHROMIUM) $(BIN)/pytest tests/e2e --durations=10

chromium:
	@test -x $(CHROMIUM) || { apt-get update -qq && apt-get install -y -qq chromium; }

bench: install
	@for script in bench/*_bench.py; do echo "== $$script"; PYTHONPATH=src $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) build dist src/*.egg-info
