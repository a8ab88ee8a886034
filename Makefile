# The two commands a fresh machine needs: `make demo` and `make test`. Everything else is a step.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SAMPLE := samples/tweets-2026-01-02.csv
SITE ?= site

.PHONY: demo test e2e env system-deps system-deps-test services-up services-down lint typecheck schemas bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

env: $(STAMP)

system-deps:
	bash deploy/local/system-deps.sh demo

system-deps-test:
	bash deploy/local/system-deps.sh test
	bash deploy/local/kustomize.sh >/dev/null

## services-up / services-down: Kafka (KRaft) and Redis on 127.0.0.1, for distributed mode and tests
services-up:
	bash deploy/local/services.sh up

services-down:
	bash deploy/local/services.sh down

## demo: set up, run the embedded pipeline on the bundled sample, print where the post is
demo: env system-deps
	$(BIN)/tweetpulse run --input $(SAMPLE) --site $(SITE)

lint: env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

typecheck: env
	$(BIN)/mypy

schemas: env
	$(BIN)/python -m services.topology_docs

## test: set up, start the services the tests need, lint, type-check, run every test tier
test: env system-deps-test
	$(MAKE) lint typecheck
	bash deploy/local/services.sh up
	$(BIN)/pytest -q -ra; rc=$$?; bash deploy/local/services.sh down; exit $$rc

## e2e: start the services, run every worker as its own process on the sample, compare with embedded
e2e: env system-deps-test
	bash deploy/local/services.sh up
	$(BIN)/python -m tests.e2e.harness; rc=$$?; bash deploy/local/services.sh down; exit $$rc

bench: env system-deps
	$(BIN)/python -m bench.bench_classify
	$(BIN)/python -m bench.bench_run
	$(BIN)/python -m bench.bench_model_input
	$(BIN)/python -m bench.bench_stories
	$(BIN)/python -m bench.bench_writer

clean:
	rm -rf $(VENV) $(SITE) .mypy_cache .ruff_cache .pytest_cache
