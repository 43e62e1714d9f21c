"""The agentgateway config end to end: rules and policies made through the API are served at
`/routing/config` and published, byte for byte, to the data dir's file agentgateway reads."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml

from controlplane.agentgateway import validate_config
from tests.support.server import running_server

pytestmark = pytest.mark.e2e


def test_changes_are_rendered_served_and_published(tmp_path: Path) -> None:
    data_dir = tmp_path / "gateway"
    with running_server(data_dir) as server:
        # GIVEN the config agentgateway starts with, published at the server's first start
        assert validate_config(yaml.safe_load((data_dir / "agentgateway.yaml").read_text())) == []
        admin = {"Authorization": f"Bearer {server.admin_token()}"}
        base = server.base_url
        # AND a team, a failover rule and a PII policy for that team, made through the API
        team = httpx.post(
            f"{base}/teams",
            json={"name": "payments", "contact_email": "p@example.com", "tier": "unlimited"},
            headers=admin,
        ).json()["team"]
        rule = httpx.post(
            f"{base}/routing",
            json={
                "model": "claude-sonnet-4",
                "strategy": "failover",
                "targets": [
                    {
                        "provider": "bedrock",
                        "model": "anthropic.claude-sonnet-4-20250514-v1:0",
                        "region": "us-east-1",
                    },
                    {"provider": "anthropic", "model": "claude-sonnet-4-20250514"},
                ],
            },
            headers=admin,
        )
        assert rule.status_code == 201, rule.text
        policy = httpx.post(
            f"{base}/scanner",
            json={
                "name": "pii-masking",
                "applies_to": {"mode": "teams", "team_ids": [team["team_id"]]},
                "phase": "request",
                "detectors": [{"detector": "email", "action": "mask"}],
            },
            headers=admin,
        )
        assert policy.status_code == 201, policy.text

        # WHEN the operator reads the config
        served = httpx.get(f"{base}/routing/config", headers=admin)

        # THEN it is YAML with an ETag, identical to the published file, and valid
        assert served.status_code == 200
        assert served.headers["content-type"].startswith("application/yaml")
        published = (data_dir / "agentgateway.yaml").read_text()
        assert served.text == published
        document = yaml.safe_load(published)
        assert validate_config(document) == []
        assert "claude-sonnet-4" in published
        # AND asking again with its ETag answers 304; the JSON form is the same document
        etag = served.headers["etag"]
        again = httpx.get(f"{base}/routing/config", headers={**admin, "If-None-Match": etag})
        assert again.status_code == 304
        as_json = httpx.get(f"{base}/routing/config", params={"format": "json"}, headers=admin)
        assert as_json.json() == document

        # WHEN the rule is deleted THEN the published file follows
        rule_id = rule.json()["rule_id"]
        assert httpx.delete(f"{base}/routing/{rule_id}", headers=admin).status_code == 204
        assert "claude-sonnet-4\n" not in (data_dir / "agentgateway.yaml").read_text()
        changed = httpx.get(f"{base}/routing/config", headers={**admin, "If-None-Match": etag})
        assert changed.status_code == 200
        assert changed.text == (data_dir / "agentgateway.yaml").read_text()
