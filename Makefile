# ecsdrop — `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export AWS_DEFAULT_REGION ?= us-east-1
export SAM_CLI_TELEMETRY := 0
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# `sam build` targets the python3.13 Lambda runtime and needs a python3.13 on PATH;
# pyenv installs keep it under $(pyenv root)/versions.
PY313_DIR := $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin) $(wildcard $(shell pyenv root 2>/dev/null)/versions/3.13*/bin))

.PHONY: help venv test test-fast test-slow lint typecheck cfn-lint sam-validate docs schema demo build bench lock clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml requirements/dev.txt requirements/constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip==26.3
	$(PY) -m pip install -q -r requirements/dev.txt -c requirements/constraints.txt
	$(PY) -m pip install -q --no-deps -e .
	@touch $(STAMP)

venv: $(STAMP) ## create .venv and install the pinned dependencies

lint: $(STAMP) ## ruff (style, bugs, complexity)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP) ## mypy --strict on the domain library and the CLI
	$(BIN)/mypy

cfn-lint: $(STAMP) ## cfn-lint on template.yaml
	$(BIN)/cfn-lint template.yaml

sam-validate: $(STAMP) ## sam validate --lint on template.yaml
	$(BIN)/sam validate --lint --template template.yaml

test-fast: $(STAMP) ## pytest without the slow suites
	$(BIN)/pytest -m "not slow" -q

test-slow: $(STAMP) ## the slow suites (fault matrix, delivery, scale, sam build); CI runs them too
	$(BIN)/pytest -m slow -q

test: lint typecheck cfn-lint sam-validate ## the whole suite: linters, template checks, every test tier (not the slow suites)
	$(BIN)/pytest -q -m "not slow"

docs: $(STAMP) ## regenerate docs/spec.md from the schema
	$(PY) tools/gen_spec_docs.py

schema: $(STAMP) ## regenerate the ECS part of the schema from botocore's model
	$(PY) tools/gen_ecs_schema.py

demo: $(STAMP) ## the main job: the scorekeep spec through the pipeline
	$(PY) -m ecsdrop_cli.demo

build: $(STAMP) ## sam build (needs python3.13 on PATH)
	PATH="$(PY313_DIR):$(abspath $(BIN)):$$PATH" $(BIN)/sam build --template template.yaml

lock: ## re-pin requirements/constraints.txt from requirements/dev.txt
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install -q --upgrade pip==26.3 && .venv-lock/bin/pip install -q -r requirements/dev.txt
	{ sed -n '1,2p' requirements/constraints.txt; .venv-lock/bin/pip freeze; } > requirements/constraints.txt.new
	mv requirements/constraints.txt.new requirements/constraints.txt && rm -rf .venv-lock

clean: ## remove the virtualenv and build outputs
	rm -rf $(VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis
