# Deelpunt — the two commands: `make run` and `make test` (see README.md).
#   make run [HOST=127.0.0.1] [PORT=8000] [UITPAS_PORT=8100]
#       migrate, load the demo (prints the accounts and codes to scan), start the UiTPAS
#       stand-in on UITPAS_PORT and the app on HOST:PORT, pointed at that stand-in.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
UITPAS_PORT ?= 8100

.PHONY: run test lint bench fuzz install install-dev translations messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

translations: install
	$(MANAGE) compile_translations --verbosity 0

# The app is pointed at the stand-in this target starts, on whatever UITPAS_PORT says.
run: install translations
	$(MANAGE) migrate --no-input
	$(MANAGE) load_demo
	@echo "Deelpunt draait op http://$(HOST):$(PORT)/ — stoppen met Ctrl+C"
	@echo "UiTPAS-stand-in (publiqs testpassen) op http://127.0.0.1:$(UITPAS_PORT)/"
	$(BIN)/python -m toegang.uitpas.standin --port $(UITPAS_PORT) --quiet & standin=$$!; \
	trap 'kill $$standin 2>/dev/null' EXIT INT TERM; \
	UITPAS_API_URL=http://127.0.0.1:$(UITPAS_PORT) UITPAS_TOKEN_URL=http://127.0.0.1:$(UITPAS_PORT)/token \
	$(MANAGE) runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy .

# axe-core for the accessibility tests: the pinned npm tarball, its sha512 checked against
# tests/browser/axe.py, unpacked into the venv (not in git); the tests stay offline.
$(VENV)/axe/axe.min.js: tests/browser/axe.py | $(BIN)/python
	$(BIN)/python -m tests.browser.axe $@

test: lint translations $(VENV)/axe/axe.min.js
	$(BIN)/pytest $(PYTEST_ARGS)

# Fuzz the API much longer than `make test` does: FUZZ_EXAMPLES per operation and phase
# (test: 10), for every role, without a token and with a revoked and an expired one;
# FUZZ_SEEDS="1 2 3" runs once per seed; add DATABASE_URL=postgres://… for PostgreSQL.
# Each run ends with a table of requests per operation and caller and the failures by kind.
FUZZ_EXAMPLES ?= 200
FUZZ_SEED ?= 20250107
FUZZ_SEEDS ?= $(FUZZ_SEED)
fuzz: install translations
	@for seed in $(FUZZ_SEEDS); do \
		DEELPUNT_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) DEELPUNT_FUZZ_SEED=$$seed \
			$(BIN)/pytest tests/api/test_fuzz.py -s -p no:cacheprovider $(PYTEST_ARGS) || exit 1; \
	done

# Every suite, in-process and under gunicorn (http, stress); one suite:
# BENCH_ARGS="--suite http" or "--suite stress". Their PostgreSQL halves need
# BENCH_PG_URL=postgres://…/dp_bench (a database named …bench…, dropped and created
# again for each); without it those halves are skipped with a note.
bench: install translations
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

# Developers: refresh the Dutch catalogue after changing texts (needs gettext).
messages: install
	$(MANAGE) makemessages -l nl --ignore=.venv --ignore=var --ignore=tests --ignore=benchmarks --no-obsolete
	$(MANAGE) compile_translations

clean:
	rm -rf $(VENV) var .pytest_cache test-artifacts
