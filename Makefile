# The two commands of this project:
#   make run    set up (first time) and start the local control plane on 127.0.0.1:8080
#   make test   set up (first time) and run every check: lint, types, contract, tests, fuzzing
# Everything else here is what those two need.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ARGS   ?=
# checkov (tests/infra) lives in its own venv: it pins boto3/botocore ~9 months behind ours and
# ships its own `hcl2` module (bc-python-hcl2), which would replace python-hcl2 in .venv.
TOOLS       := .venv-tools
CHECKOV     := 3.3.30
TOOLS_STAMP := $(TOOLS)/.installed-checkov-$(CHECKOV)

.PHONY: run test setup generate clean

run: $(STAMP)
	$(BIN)/gatewayctl serve $(ARGS)

test: $(STAMP) $(TOOLS_STAMP)
	$(BIN)/python scripts/check.py

setup: $(STAMP)

# Reinstall when the dependencies change. The Python client (clients/python) is its own
# distribution, installed beside the project.
$(STAMP): pyproject.toml clients/python/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' -e clients/python
	touch $(STAMP)

# The stamp names the version, so changing CHECKOV reinstalls it.
$(TOOLS_STAMP):
	test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --upgrade pip
	$(TOOLS)/bin/python -m pip install --quiet 'checkov==$(CHECKOV)'
	rm -f $(TOOLS)/.installed-checkov-*
	touch $(TOOLS_STAMP)

.PHONY: tools
tools: $(TOOLS_STAMP)

# Regenerate generated/ from openapi.yaml (options in pyproject.toml), and the Python client's
# clients/python/gateway_admin_api/ (options and templates in clients/python/).
generate: $(STAMP)
	$(BIN)/datamodel-codegen
	$(BIN)/python scripts/generate_client.py

# The one Lambda artifact: dist/lambda.zip and its manifest dist/lambda.json (runtime, arch, hash).
# The runtime is PYTHON's version: deploy a build made with python3.12 (flpc, a runtime
# dependency, has no wheels for 3.13+): `make package PYTHON=python3.12`. LAMBDA_ARCH is arm64
# (cheaper on Lambda) or x86_64.
LAMBDA_ARCH ?= arm64
.PHONY: package
package:
	$(PYTHON) scripts/package_lambda.py --arch $(LAMBDA_ARCH)

# The contract tests against a deployed stage instead of a local server: GATEWAY_API_URL,
# GATEWAY_TOKEN_ENDPOINT, GATEWAY_CLIENT_ID and GATEWAY_CLIENT_SECRET (from `terraform output`);
# deletes what the run created. See contract-tests/README.md.
.PHONY: contract-test-deployed
contract-test-deployed: $(STAMP)
	$(BIN)/python -m pytest contract-tests --deployed $(ARGS)

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache .hypothesis
