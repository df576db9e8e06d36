# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PIP_INSTALL := $(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt

.PHONY: run serve bench test lint typecheck pytest install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP_INSTALL) -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml constraints.txt
	$(PIP_INSTALL) -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/python manage.py migrate --no-input
	PORT=$(PORT) $(BIN)/python manage.py bootstrap
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Production server: gunicorn with WEB_CONCURRENCY workers (README, "Running in production").
serve: install
	PORT=$(PORT) scripts/serve

# Load test on 127.0.0.1 with wrk; not part of `make test` (README, "Performance").
bench: install
	bench/run

test: lint typecheck pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	$(BIN)/mypy .

pytest: install-dev
	$(BIN)/pytest -n 2

clean:
	rm -rf $(VENV) db.sqlite3* staticfiles .local .mypy_cache .pytest_cache .ruff_cache
