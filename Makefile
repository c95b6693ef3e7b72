# ctip: two commands set everything up on a machine with Python 3.11, git and make.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
PYTEST_ARGS ?= -n 2

.PHONY: demo test test-sqlite test-postgres lint format messages bench clean

$(BIN)/ctip: pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(BIN)/ctip

demo: $(BIN)/ctip
	$(BIN)/ctip demo

test: $(BIN)/ctip lint test-sqlite test-postgres

test-sqlite: $(BIN)/ctip
	@echo "== tests on SQLite =="
	env -u DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)

# Runs again on PostgreSQL when one answers; Django creates and drops its own test database.
test-postgres: $(BIN)/ctip
	@if $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; then \
		echo "== tests on PostgreSQL =="; \
		DATABASE_URL=$(PG_URL) $(BIN)/pytest $(PYTEST_ARGS) --create-db; \
	else \
		echo "== no PostgreSQL at 127.0.0.1:5432: skipped the PostgreSQL run =="; \
	fi

lint: $(BIN)/ctip
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=ctip.settings.test $(BIN)/ctip makemigrations --check --dry-run

format: $(BIN)/ctip
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: $(BIN)/ctip
	cd ctip && DJANGO_SETTINGS_MODULE=ctip.settings.test ../$(BIN)/django-admin makemessages -l th -l en -l km -l lo -l my -l ne -l bn --ignore='tests*' --ignore='tests_browser*'
	cd ctip && DJANGO_SETTINGS_MODULE=ctip.settings.test ../$(BIN)/django-admin compilemessages

bench: $(BIN)/ctip
	$(BIN)/python bench/survivor_list.py

clean:
	rm -rf $(VENV) var
