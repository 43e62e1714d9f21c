"""Fixtures of the contract tests: the real local control plane, started once per session.

`gateway` starts `gatewayctl serve` as a subprocess on a free port with a throw-away data dir, waits
for `/healthz`, reads the admin client that the first start writes to `admin-client.json`, and
fetches an admin access token from the server's own OAuth2 token endpoint (client credentials).
The server is stopped at the end of the session: terminate, then kill.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass

import pytest

from tests.support.server import RunningServer, ServerFailed, running_server


@dataclass(frozen=True)
class Gateway:
    """The running local server and an admin access token for it."""

    base_url: str
    token: str
    server: RunningServer

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def log_tail(self) -> str:
        return self.server.log_tail()


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
    if report.when == "call" and report.failed and isinstance(gateway, Gateway):
        report.sections.append(("local server log (last lines)", gateway.log_tail()))
    return report


@pytest.fixture(scope="session")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """The local control plane on a free port, with a fresh data dir, and an admin token."""
    data_dir = tmp_path_factory.mktemp("gateway-data")
    try:
        with running_server(data_dir) as server:
            admin = server.admin_credentials()
            assert admin["token_endpoint"] == f"{server.base_url}/oauth2/token", admin
            yield Gateway(base_url=server.base_url, token=server.admin_token(), server=server)
    except ServerFailed as failure:
        pytest.fail(str(failure), pytrace=False)
