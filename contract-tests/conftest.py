"""Fixtures of the contract tests: the real local control plane, started once per session.

`gateway` starts `gatewayctl serve` as a subprocess on a free port with a throw-away data dir, waits
for `/healthz`, reads the admin client that the first start writes to `admin-client.json`, and
fetches an admin access token from the server's own OAuth2 token endpoint (client credentials).
The server is stopped at the end of the session: terminate, then kill.

With `--deployed` (`make contract-test-deployed`) no server is started: `gateway` is the stage at
`GATEWAY_API_URL`, with tokens from `GATEWAY_TOKEN_ENDPOINT` for the admin client, and at the end
of the session what the run created is deleted (`deployed.py`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field

import deployed
import httpx
import pytest

from tests.support.server import RunningServer, ServerFailed, running_server

CLEANUP = pytest.StashKey[deployed.CleanUp]()
STAGE = pytest.StashKey[tuple[deployed.Stage, deployed.ClientCredentials, deployed.Inventory]]()


@dataclass(frozen=True)
class Gateway:
    """The control plane under test (the local server, or a deployed stage) and admin tokens."""

    base_url: str
    tokens: Callable[[], str]
    server: RunningServer | None
    """None for a deployed stage."""
    keep: deployed.Inventory = field(default_factory=deployed.Inventory)
    """What the per-scenario reset must not delete: what a deployed stage held before the run."""

    @property
    def token(self) -> str:
        return self.tokens()

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def log_tail(self) -> str:
        if self.server is None:
            return (
                "<a deployed stage: see its API Gateway access log and the functions' log groups>"
            )
        return self.server.log_tail()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--deployed",
        action="store_true",
        help="run against the deployed stage named by GATEWAY_API_URL, GATEWAY_TOKEN_ENDPOINT, "
        "GATEWAY_CLIENT_ID and GATEWAY_CLIENT_SECRET instead of a local server",
    )


def pytest_configure(config: pytest.Config) -> None:
    """With `--deployed`, check the stage before collection (which takes seconds): settings, an
    admin token, and that it holds no data a run would trample."""
    if not config.getoption("--deployed"):
        return
    missing = deployed.missing_settings(os.environ)
    if missing:
        pytest.exit(deployed.missing_settings_message(missing), returncode=2)
    stage = deployed.stage_from(os.environ)
    tokens = deployed.ClientCredentials(stage)
    try:
        tokens()
    except deployed.TokenFailed as failure:
        pytest.exit(f"no admin token for the deployed stage: {failure}", returncode=2)
    with deployed.admin_client(stage.api_url, tokens) as api:
        try:
            before = deployed.take_inventory(api)
        except httpx.HTTPError as failure:
            pytest.exit(f"the stage at {stage.api_url} cannot be listed: {failure}", returncode=2)
    if not before.empty() and not deployed.allows_existing_data():
        pytest.exit(
            f"the stage at {stage.api_url} already holds {before.describe()}: a contract run "
            "creates, changes and deletes whatever it can reach. Run it against a stage of its "
            f"own, or set {deployed.ALLOW_EXISTING}=1 to accept that risk.",
            returncode=2,
        )
    config.stash[STAGE] = (stage, tokens, before)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    cleanup = terminalreporter.config.stash.get(CLEANUP, None)
    if cleanup is not None:
        terminalreporter.section("deployed stage: clean-up")
        for line in cleanup.lines():
            terminalreporter.write_line(line)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give each operation's test its own node id, `test_api[POST /teams]`.

    pytest 9.2 derives a parametrized node id from the callspec's ids, which Schemathesis 4.32
    does not fill: every operation would be `test_api` (ambiguous reports, `--lf` and node-id
    selection broken). A no-op where the node id already carries the parameters.
    """
    for item in items:
        _, bracket, params = item.name.partition("[")
        with_params = getattr(getattr(item, "_id", None), "with_params", None)
        if bracket and "[" not in item.nodeid and with_params is not None:
            item._id = with_params(params.removesuffix("]"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failing test's report ends with the last lines the server logged (errors, tracebacks)."""
    report = yield
    gateway = getattr(item, "funcargs", {}).get("gateway")
    if (
        report.when == "call"
        and report.failed
        and isinstance(gateway, Gateway)
        and gateway.server is not None
    ):
        report.sections.append(("local server log (last lines)", gateway.log_tail()))
    return report


@pytest.fixture(scope="session")
def gateway(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gateway]:
    """The local control plane on a free port, with a fresh data dir, and an admin token; with
    `--deployed`, the deployed stage, cleaned up at the end."""
    if request.config.getoption("--deployed"):
        yield from _deployed_stage(request.config)
        return
    data_dir = tmp_path_factory.mktemp("gateway-data")
    try:
        with running_server(data_dir) as server:
            admin = server.admin_credentials()
            assert admin["token_endpoint"] == f"{server.base_url}/oauth2/token", admin
            token = server.admin_token()
            yield Gateway(base_url=server.base_url, tokens=lambda: token, server=server)
    except ServerFailed as failure:
        pytest.fail(str(failure), pytrace=False)


def _deployed_stage(config: pytest.Config) -> Iterator[Gateway]:
    """The stage checked by pytest_configure; what the run created is deleted at the end."""
    stage, tokens, before = config.stash[STAGE]
    with deployed.admin_client(stage.api_url, tokens) as api:
        deployed.CREATED.enabled = True
        try:
            yield Gateway(base_url=stage.api_url, tokens=tokens, server=None, keep=before)
        finally:
            deployed.CREATED.enabled = False
            config.stash[CLEANUP] = deployed.clean_up(api, deployed.CREATED.inventory, before)
