"""What a user does, against the real `gatewayctl serve` process."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.server import free_port, running_server

pytestmark = pytest.mark.e2e


def test_register_a_team_use_its_credentials_and_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "gateway"
    port = free_port()
    with running_server(data_dir, port) as server:
        # GIVEN the admin credentials written on first start
        admin = server.admin_credentials()
        assert (data_dir / "admin-client.json").stat().st_mode & 0o777 == 0o600
        assert admin["token_endpoint"] == f"{server.base_url}/oauth2/token"
        # WHEN the operator gets a token the documented way and registers a team
        token = server.admin_token()
        headers = {"Authorization": f"Bearer {token}"}
        created = httpx.post(
            f"{server.base_url}/teams",
            json={"name": "payments", "contact_email": "p@example.com", "tier": "standard"},
            headers=headers,
        )
        assert created.status_code == 201, created.text
        registration = created.json()
        credentials = registration["credentials"]
        # THEN the team's own credentials give an invoke token the admin API refuses
        invoke = server.token(credentials["client_id"], credentials["client_secret"])
        refused = httpx.get(
            f"{server.base_url}/teams", headers={"Authorization": f"Bearer {invoke}"}
        )
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
    # WHEN the server restarts on the same data dir
    with running_server(data_dir, port) as server:
        # THEN the admin client, the team and the signing key are all still there
        assert server.admin_credentials() == admin
        still_valid = httpx.get(f"{server.base_url}/teams", headers=headers)
        assert still_valid.status_code == 200
        assert [t["name"] for t in still_valid.json()["items"]] == ["payments"]
        team_id = registration["team"]["team_id"]
        budget = httpx.get(
            f"{server.base_url}/budgets", params={"team_id": team_id}, headers=headers
        ).json()
        assert budget["items"][0]["amount_usd"] == "100.000000"
        assert server.token(credentials["client_id"], credentials["client_secret"])
