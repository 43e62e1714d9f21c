# The control plane's image for the inference plane's two sidecars (infra/modules/inference):
#
#   gatewayctl config sync --from s3://BUCKET/KEY --to /etc/agentgateway/config.yaml --interval 5
#   gatewayctl budget-check serve --port 8181
#
# Runtime dependencies exactly as the Lambda artifact pins them (scripts/lambda-constraints.txt),
# plus the few of the `local` extra these two commands need (click; uvicorn with httptools and
# uvloop), pinned to the versions the tests run on (tests/infra/test_inference_plane.py checks
# both). Not connexion, Swagger UI or httpx: `gatewayctl serve` is not run from this image.
#
#   docker build --platform linux/arm64 -t llm-gateway-control-plane:0.1.0 .
#
# Python 3.12: flpc (the Rust regex crate, a runtime dependency) has wheels up to CPython 3.12.
ARG PYTHON_IMAGE=python:3.12-slim-bookworm
ARG SIDECAR_PACKAGES="click==8.5.1 uvicorn==0.54.0 h11==0.16.0 httptools==0.9.0 uvloop==0.23.0"

FROM ${PYTHON_IMAGE} AS build
ARG SIDECAR_PACKAGES
WORKDIR /src
COPY scripts/lambda-constraints.txt ./
# Binary wheels only, no resolution: every distribution is named with its version.
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --no-deps --only-binary=:all: \
      -r lambda-constraints.txt ${SIDECAR_PACKAGES}
COPY pyproject.toml README.md ./
COPY controlplane ./controlplane
COPY handlers ./handlers
COPY generated ./generated
RUN /opt/venv/bin/pip install --no-cache-dir --no-deps . \
 && /opt/venv/bin/python -m compileall -q /opt/venv/lib \
 && /opt/venv/bin/gatewayctl --help > /dev/null

FROM ${PYTHON_IMAGE}
# The shared config volume's mount point, owned by the sidecar's user (ECS copies a VOLUME's
# ownership onto the task's bind mount); agentgateway reads the file (0644) as its own user.
RUN useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin gateway \
 && mkdir -p /etc/agentgateway && chown 10001:10001 /etc/agentgateway
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
USER 10001
VOLUME ["/etc/agentgateway"]
ENTRYPOINT ["gatewayctl"]
