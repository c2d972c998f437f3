# The two commands of the README: `make run` and `make test`. Everything else supports them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

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

## The same suite with PostgreSQL as the database and Redis as cache and channel layer, on a
## database and a key prefix of this run's own (scripts/services.sh).
test-services: install-test
	scripts/services.sh run $(PY) -m pytest

## ruff (lint and format) and mypy (with the Django and DRF plugins) over the whole tree.
lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

## Throughput and latency against the official SDK's server (BENCH_SMOKE=1 for a quick check).
bench: install-test
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(PY) -m pip install -q -r bench/requirements.txt
	$(PY) bench/run.py
