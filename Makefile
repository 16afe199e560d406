# Switchboard: `make run` starts the platform, `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PACKAGES := libs/common services/ingest services/profile services/routing services/campaign services/qa services/console
PYPROJECTS := $(foreach p,$(PACKAGES),$(p)/pyproject.toml)
PYTEST := $(BIN)/python -m pytest
# The console's browser tests drive Debian's chromium; `make test` installs it (never a downloaded browser).
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: run demo test test-unit test-integration test-pg lint catalog manifests install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python $(PYPROJECTS) requirements-dev.txt
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q $(foreach p,$(PACKAGES),-e $(p)) -r requirements-dev.txt
	touch $@

install: $(STAMP)

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-noto-cjk >/dev/null

run: install  ## start NATS, all services and the console on the embedded defaults
	$(BIN)/switchboard up

demo: install  ## traffic against the platform `make run` started (another terminal); DEMO_ARGS="--rate 60"
	$(BIN)/python -m switchboard.console.demo --tenant demo $(DEMO_ARGS)

test: install $(CHROMIUM)  ## unit, integration and browser tests (SQLite, private nats-server)
	$(PYTEST) -q --durations=15

test-unit: install
	$(PYTEST) -q libs/common/tests services tests/deploy

test-integration: install
	$(PYTEST) -q tests/integration

test-pg: install  ## the integration suite again on PostgreSQL (embedded, or SB_TEST_POSTGRES_URL)
	SB_TEST_DATABASE=postgres $(PYTEST) -q --durations=15 tests/integration

lint: install  ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/mypy $(foreach p,$(PACKAGES),$(p)/switchboard)

catalog: install  ## regenerate docs/events.md from the event models
	$(BIN)/switchboard events catalog > docs/events.md

manifests: install  ## regenerate the code-derived part of deploy/k8s (services, NATS users)
	$(BIN)/switchboard manifests --out deploy/k8s/base

clean:
	rm -rf var .venv
