# The two commands of this project:
#   make run    set up (first time) and start the local control plane on 127.0.0.1:8080
#   make test   set up (first time) and run every check: lint, types, contract, tests, fuzzing
# Everything else here is what those two need.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ARGS   ?=

.PHONY: run test setup generate clean

run: $(STAMP)
	$(BIN)/gatewayctl serve $(ARGS)

test: $(STAMP)
	$(BIN)/python scripts/check.py

setup: $(STAMP)

# Reinstall when the dependencies change.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Regenerate generated/ from openapi.yaml (options in pyproject.toml).
generate: $(STAMP)
	$(BIN)/datamodel-codegen

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
