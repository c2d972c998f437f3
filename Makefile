# The two commands of the README: `make run` and `make test`. Everything else supports them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# The CI leg against real services: a throwaway database on the machine's PostgreSQL and Redis.
SERVICES_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/targetdemo_ci
SERVICES_REDIS_URL ?= redis://127.0.0.1:6379/13

.PHONY: run test test-embedded test-services bench install install-test lint

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements-test.txt $(VENV)/.installed
	$(PY) -m pip install -q -r requirements-test.txt
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test
	scripts/install-node-tools.sh
	scripts/install-browser.sh

## Serve the app on 127.0.0.1:$(PORT) with the embedded defaults (SQLite, local memory, no services).
run: install
	$(PY) manage.py migrate --noinput
	PUBLIC_BASE_URL="$${PUBLIC_BASE_URL:-http://127.0.0.1:$(PORT)}" $(PY) manage.py runserver 127.0.0.1:$(PORT)

## The whole suite on the embedded defaults. Tests about PostgreSQL or Redis use the machine's.
test: install-test
	$(PY) -m pytest

## The same suite with PostgreSQL as the database and Redis as cache and channel layer.
test-services: install-test
	scripts/services.sh ensure "$(SERVICES_DATABASE_URL)" "$(SERVICES_REDIS_URL)"
	DATABASE_URL="$(SERVICES_DATABASE_URL)" REDIS_URL="$(SERVICES_REDIS_URL)" $(PY) -m pytest

## Throughput and latency against the official SDK's server (BENCH_SMOKE=1 for a quick check).
bench: install-test
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(PY) -m pip install -q -r bench/requirements.txt
	$(PY) bench/run.py
