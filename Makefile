# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The PostgreSQL the suite runs on too (trust auth; pytest-django creates test_<name>).
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=

.PHONY: install run test test-sqlite test-postgres test-fast lint fmt bench clean

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Handraise needs Python 3.11 or newer ($(PYTHON) is older)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/handraise serve --demo

test: install test-sqlite test-postgres

test-sqlite: install
	@echo "== test suite on SQLite =="
	env -u HANDRAISE_DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)

# Runs on PostgreSQL whenever it is reachable; in CI (CI set) an unreachable
# PostgreSQL is a failure, never a silent skip.
test-postgres: install
	@if $(BIN)/python -c 'import sys, psycopg; psycopg.connect(sys.argv[1], connect_timeout=3).close()' "$(PG_TEST_URL)" 2>/dev/null; then \
		echo "== test suite on PostgreSQL =="; \
		HANDRAISE_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest $(PYTEST_ARGS); \
	elif [ -n "$$CI" ]; then \
		echo "PostgreSQL is not reachable at $(PG_TEST_URL); CI must run the suite on it."; exit 1; \
	else \
		echo "!! PostgreSQL is not reachable at $(PG_TEST_URL): the PostgreSQL run was SKIPPED."; \
		echo "!! Start it, or set PG_TEST_URL; CI fails here instead of skipping."; \
	fi

test-fast: install
	env -u HANDRAISE_DATABASE_URL $(BIN)/pytest -m unit -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Benchmarks, each beside its reference; rewrites docs/benchmarks.md.
bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache *.egg-info
