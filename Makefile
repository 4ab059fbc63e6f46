# ecsdrop — `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# checkov pins a boto3 that conflicts with requirements/constraints.txt: it gets a virtualenv
# of its own inside .venv, installed from requirements/checkov.txt (every package pinned).
CHECKOV_VENV := $(VENV)/checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-stamp
# Offline and quiet: no Prisma Cloud mappings, no PyPI version check.
CHECKOV := BC_SKIP_MAPPING=TRUE CKV_SKIP_PACKAGE_UPDATE_CHECK=true $(CHECKOV_VENV)/bin/checkov \
	--framework cloudformation --compact --quiet --skip-download
# Checks skipped for every function, each with its reason in docs/security.md ("checkov"):
# CKV_AWS_115 reserved concurrency, CKV_AWS_116 dead-letter queue, CKV_AWS_117 VPC,
# CKV_AWS_173 environment variables under a customer managed key. Skips of single
# resources are in template.yaml, as checkov Metadata with their reasons.
CHECKOV_SKIPS := CKV_AWS_115,CKV_AWS_116,CKV_AWS_117,CKV_AWS_173
export AWS_DEFAULT_REGION ?= us-east-1
export SAM_CLI_TELEMETRY := 0
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# `sam build` targets the python3.13 Lambda runtime and needs a python3.13 on PATH;
# pyenv installs keep it under $(pyenv root)/versions.
PY313_DIR := $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin) $(wildcard $(shell pyenv root 2>/dev/null)/versions/3.13*/bin))

.PHONY: help venv test test-fast test-slow lint typecheck cfn-lint sam-validate checkov docs schema demo build bench lock lock-checkov clean

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

typecheck: $(STAMP) ## mypy --strict on the domain library, the CLI, the local cloud, the bench and the Lambda handlers
	$(BIN)/mypy
	$(BIN)/mypy --explicit-package-bases functions

cfn-lint: $(STAMP) ## cfn-lint on template.yaml
	$(BIN)/cfn-lint template.yaml

sam-validate: $(STAMP) ## sam validate --lint on template.yaml
	$(BIN)/sam validate --lint --template template.yaml

$(CHECKOV_STAMP): requirements/checkov.txt
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install -q --upgrade pip==26.3
	$(CHECKOV_VENV)/bin/python -m pip install -q -r requirements/checkov.txt
	@touch $(CHECKOV_STAMP)

checkov: $(STAMP) $(CHECKOV_STAMP) ## checkov on template.yaml and on its SAM-translated form (IAM roles)
	$(CHECKOV) --skip-check $(CHECKOV_SKIPS) -f template.yaml
	$(PY) -m tests.integration.security.sam_expand .aws-sam/checkov/template.json
	$(CHECKOV) --skip-check $(CHECKOV_SKIPS) -f .aws-sam/checkov/template.json

test-fast: $(STAMP) ## pytest without the slow suites
	$(BIN)/pytest -m "not slow" -q

test-slow: $(STAMP) ## the slow suites (fault matrix, delivery, scale, sam build); CI runs them too
	$(BIN)/pytest -m slow -q

test: lint typecheck cfn-lint sam-validate checkov ## the whole suite: linters, template checks, every test tier (not the slow suites)
	$(BIN)/pytest -q -m "not slow"

docs: $(STAMP) ## regenerate docs/spec.md from the schema, docs/reliability.md's fault matrix
	$(PY) tools/gen_spec_docs.py
	$(PY) tools/gen_reliability_docs.py

schema: $(STAMP) ## regenerate the ECS part of the schema from botocore's model
	$(PY) tools/gen_ecs_schema.py

demo: $(STAMP) ## the main job: the scorekeep spec through the pipeline
	$(PY) -m ecsdrop_cli.demo

# `make bench`: the plot's packages go into .venv (requirements/bench.txt), the peer
# (fabfuel/ecs-deploy) into a venv of its own under bench/.work (requirements/bench-peer.txt).
BENCH_STAMP := $(VENV)/.bench-stamp
PEER_VENV := bench/.work/peer
PEER_STAMP := $(PEER_VENV)/.installed-stamp

$(BENCH_STAMP): $(STAMP) requirements/bench.txt
	$(PY) -m pip install -q -r requirements/bench.txt -c requirements/constraints.txt
	@touch $(BENCH_STAMP)

$(PEER_STAMP): requirements/bench-peer.txt
	rm -rf $(PEER_VENV) && $(PYTHON) -m venv $(PEER_VENV)
	$(PEER_VENV)/bin/python -m pip install -q --no-deps -r requirements/bench-peer.txt
	@touch $(PEER_STAMP)

bench: ## benchmarks side by side with ecs-deploy -> bench/results.json, docs/performance.md (~10 min)
	@started=$$(date +%s.%N) && $(MAKE) --no-print-directory $(STAMP) $(BENCH_STAMP) $(PEER_STAMP) && \
	$(PY) -m bench --started-at $$started --peer $(PEER_VENV)/bin/ecs \
		$(if $(PY313_DIR),--python313 $(firstword $(wildcard $(PY313_DIR)/python3.13)))

build: $(STAMP) ## sam build (needs python3.13 on PATH)
	PATH="$(PY313_DIR):$(abspath $(BIN)):$$PATH" $(BIN)/sam build --template template.yaml

lock: ## re-pin requirements/constraints.txt from requirements/dev.txt
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install -q --upgrade pip==26.3 && .venv-lock/bin/pip install -q -r requirements/dev.txt
	{ sed -n '1,2p' requirements/constraints.txt; .venv-lock/bin/pip freeze; } > requirements/constraints.txt.new
	mv requirements/constraints.txt.new requirements/constraints.txt && rm -rf .venv-lock

lock-checkov: ## re-pin requirements/checkov.txt (checkov's own virtualenv)
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install -q --upgrade pip==26.3 && .venv-lock/bin/pip install -q "checkov==$$(sed -n 's/^checkov==//p' requirements/checkov.txt)"
	{ sed -n '1,3p' requirements/checkov.txt; .venv-lock/bin/pip freeze; } > requirements/checkov.txt.new
	mv requirements/checkov.txt.new requirements/checkov.txt && rm -rf .venv-lock

clean: ## remove the virtualenv and build outputs
	rm -rf $(VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis
