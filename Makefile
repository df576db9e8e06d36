# The two commands of the README: `make run` and `make test`. Everything else is a helper.
# The newest supported Python found (scripts/find-python); `PYTHON=python3.11 make test` picks
# another, and VENV=.venv-3.11 keeps its environment apart from .venv.
ifndef PYTHON
PYTHON := $(shell scripts/find-python)
endif
PYTHON_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null)
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
PIP_INSTALL := $(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt

.PHONY: run serve bench bench-tokens test lint typecheck pytest install install-dev clean client contract openapi

# A venv made by another interpreter is made again: its stamp names the version that made it.
PYTHON_STAMP := $(VENV)/.python-$(PYTHON_VERSION)
$(PYTHON_STAMP):
	@test -n "$(PYTHON_VERSION)" || { echo "PYTHON='$(PYTHON)' does not run" >&2; exit 1; }
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	touch $@

$(VENV)/.installed: $(PYTHON_STAMP) pyproject.toml constraints.txt
	$(PIP_INSTALL) -e .
	touch $@

$(VENV)/.installed-dev: $(PYTHON_STAMP) pyproject.toml constraints.txt
	$(PIP_INSTALL) -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# ID tokens' signing key: unless one is given, a development key made once (gitignored, mode
# 600) that survives restarts, so relying parties' cached JWKS stays valid.
OIDC_DEV_KEY := .local/oidc_private_key.pem
RUN_KEY = $(if $(OIDC_RSA_PRIVATE_KEY)$(OIDC_RSA_PRIVATE_KEY_FILE),,OIDC_RSA_PRIVATE_KEY_FILE=$(OIDC_DEV_KEY))

run: install
	$(if $(RUN_KEY),$(BIN)/python -m config.oidc_keys $(OIDC_DEV_KEY))
	$(RUN_KEY) $(BIN)/python manage.py migrate --no-input
	PORT=$(PORT) $(RUN_KEY) $(BIN)/python manage.py bootstrap
	$(RUN_KEY) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Production server: gunicorn with WEB_CONCURRENCY workers (docs/deployment.md).
serve: install
	PORT=$(PORT) scripts/serve

# Load test on 127.0.0.1 with wrk; not part of `make test` (docs/performance.md).
bench: install
	bench/run

# The token check with 100 and 1,000,000 live tokens, and `cleartokens` on 1,000,000 expired
# ones (docs/performance.md); BENCH_TOKENS=100,1000000 sets the sizes.
bench-tokens: install
	$(BIN)/python bench/tokens.py

test: lint typecheck pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev client
	$(BIN)/mypy .

pytest: install-dev client
	$(BIN)/pytest -n 2 -m "not e2e"

# The browser suite (tests/e2e): Playwright drives Debian's chromium, installed here if absent
# (`playwright install` needs a download site this project does not rely on).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium

.PHONY: e2e
e2e: install-dev $(CHROMIUM)
	E2E_REQUIRED=1 $(BIN)/pytest -m e2e tests/e2e

# Rewrites the committed openapi.json with Ninja's own command (tests/test_openapi.py checks it).
openapi: install
	$(BIN)/python manage.py export_openapi_schema --api config.api.api --indent 2 --sorted \
		--output openapi.json

# A typed Python client generated from the committed openapi.json (tests/test_typed_client.py).
CLIENT := build/client/identity_directory_client
client: $(CLIENT)/__init__.py
$(CLIENT)/__init__.py: openapi.json $(VENV)/.installed-dev
	rm -rf $(CLIENT) && mkdir -p $(dir $(CLIENT))
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/openapi-python-client generate --path openapi.json \
		--meta none --output-path $(CLIENT)

# schemathesis against a live server, every check (scripts/contract.sh).
contract: install-dev
	scripts/contract.sh

clean:
	rm -rf .venv .venv-* db.sqlite3* staticfiles .local .mypy_cache .pytest_cache .ruff_cache build test-artifacts
