# CareCircle: `make run` serves the demo on one box; `make test` runs the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
TOOLS := var/tools
UV_VERSION := 0.13.8
PORT ?= 8000
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
export PYENV_VERSION ?= $(shell cat .python-version 2>/dev/null)

# The first Python >= 3.12 found: the one .python-version selects, then python3.13, python3.12, python3.
PYTHON := $(shell for candidate in python$$(cat .python-version 2>/dev/null) python3.13 python3.12 python3; do \
	if command -v $$candidate >/dev/null 2>&1 && $$candidate -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	command -v $$candidate; break; fi; done)

.PHONY: help install run test test-clock test-browser lint typecheck format bench clean check-python messages compile-messages

help:
	@echo "make run           set up, load the demo and serve it on http://127.0.0.1:$(PORT)"
	@echo "make test          set up and run the whole test suite"
	@echo "make test-clock    run the tasks and circles tests at 23:30 UTC in summer, when London is a day ahead"
	@echo "make test-browser  run the browser journeys in Chromium (needs Debian's chromium)"
	@echo "make lint          ruff (lint and format check), mypy and the import contracts"
	@echo "make bench         run the benchmarks in bench/"
	@echo "make messages      extract every app's text into its Welsh and Polish catalogs, then compile them"
	@echo "                   (APP=tasks for one app; needs GNU gettext: apt-get install gettext)"
	@echo "make compile-messages  compile the catalogs only (no gettext needed)"

check-python:
	@if [ -z "$(PYTHON)" ]; then echo "CareCircle needs Python 3.12 or newer on PATH (python3.13, python3.12 or python3); none was found." >&2; exit 1; fi

$(TOOLS)/bin/uv: | check-python
	@echo "Using $(PYTHON) ($$($(PYTHON) --version))"
	@mkdir -p var
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml uv.lock | $(TOOLS)/bin/uv
	@test -x $(VENV)/bin/python || $(TOOLS)/bin/uv venv --quiet --seed --python $(PYTHON) $(VENV)
	$(TOOLS)/bin/uv sync --frozen --quiet --python $(PYTHON)
	@touch $@

install: $(VENV)/.installed

run: install
	@mkdir -p var
	DEBUG=true PORT=$(PORT) $(VENV)/bin/carecircle migrate --no-input
	DEBUG=true PORT=$(PORT) $(VENV)/bin/carecircle push_keys
	DEBUG=true PORT=$(PORT) $(VENV)/bin/carecircle demo
	DEBUG=true PORT=$(PORT) $(VENV)/bin/carecircle run

test: install
	@mkdir -p var
	$(VENV)/bin/pytest -n auto -m "not browser" $(PYTEST_ARGS)

# 23:30 UTC on a summer day is 00:30 the next day in London: a test that takes the machine's date
# for the circle's fails here. Every test starts at this instant and the clock runs on from it.
TEST_CLOCK ?= 2026-07-14T23:30:00+00:00

test-clock: install
	@mkdir -p var
	CARECIRCLE_TEST_CLOCK=$(TEST_CLOCK) $(VENV)/bin/pytest -n auto -m "not browser" tests/tasks tests/circles $(PYTEST_ARGS)

test-browser: install
	@mkdir -p var
	$(VENV)/bin/pytest -m browser -p no:xdist $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy carecircle tests bench
	$(VENV)/bin/lint-imports --no-logo --cache-dir var/import-linter

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	DEBUG=false $(VENV)/bin/python bench/run.py

# Translations (docs/translating.md): each app keeps its own catalogs in carecircle/<app>/locale/.
# Extracting runs makemessages inside the app, so it writes that app's catalogs and no one else's.
# An app whose scripts are translated (it has a djangojs.po) gets its scripts' catalogs extracted too.
APP ?= $(patsubst carecircle/%/locale,%,$(wildcard carecircle/*/locale))
MESSAGE_LANGUAGES := cy pl

messages: install
	@command -v xgettext >/dev/null || { echo "make messages needs GNU gettext to extract text: apt-get install gettext (make compile-messages works without it)." >&2; exit 1; }
	@for app in $(APP); do \
	  test -d carecircle/$$app/locale || { echo "carecircle/$$app has no locale/ folder: mkdir carecircle/$$app/locale first." >&2; exit 1; }; \
	  echo "Extracting carecircle/$$app"; \
	  (cd carecircle/$$app && DEBUG=true ../../$(VENV)/bin/carecircle makemessages $(addprefix -l ,$(MESSAGE_LANGUAGES)) \
	    --add-location file --no-obsolete --verbosity 0) || exit 1; \
	  if ls carecircle/$$app/locale/*/LC_MESSAGES/djangojs.po >/dev/null 2>&1; then \
	    echo "Extracting carecircle/$$app's scripts (djangojs)"; \
	    (cd carecircle/$$app && DEBUG=true ../../$(VENV)/bin/carecircle makemessages -d djangojs $(addprefix -l ,$(MESSAGE_LANGUAGES)) \
	      --add-location file --no-obsolete --verbosity 0) || exit 1; \
	  fi; \
	done
	DEBUG=true $(VENV)/bin/carecircle compilecatalogs

compile-messages: install
	DEBUG=true $(VENV)/bin/carecircle compilecatalogs

clean:
	rm -rf $(VENV) $(TOOLS) var/test*.sqlite3*
