"""Delivering the agentgateway config: served, published on every change, atomically, to a file
or S3; a change that would break it is refused and the published config stays."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore.stub import ANY, Stubber

from controlplane import config_publisher
from controlplane.agentgateway import validate_config
from controlplane.domain.agentgateway import RenderedConfig
from controlplane.files import write_atomically
from controlplane.services import Services
from tests.conftest import LambdaApi

RULE = {
    "model": "gpt-4o",
    "strategy": "failover",
    "targets": [{"provider": "openai", "model": "gpt-4o-2024-08-06"}],
}


def published(services: Services) -> str:
    return services.settings.config_path.read_text()


def test_every_change_publishes_the_config_served_at_routing_config(
    api: LambdaApi, services: Services
) -> None:
    created = api.post("/routing", RULE)
    assert created.status == 201
    first = published(services)
    served = api.get("/routing/config")
    assert served.status == 200
    assert served.headers["Content-Type"] == "application/yaml"
    assert served.body == first
    assert validate_config(yaml.safe_load(first)) == []

    api.put("/pricing/openai/gpt-4o-2024-08-06", {"input": "2", "output": "8"})
    assert published(services) != first  # the cost catalog carries the new price

    api.delete(f"/routing/{created.body['rule_id']}")
    assert "gpt-4o-2024-08-06" not in yaml.safe_dump(
        yaml.safe_load(published(services)).get("routeGroups")
    )


def test_etag_and_304_and_json(api: LambdaApi) -> None:
    api.post("/routing", RULE)
    served = api.get("/routing/config")
    etag = served.headers["ETag"]
    assert etag.startswith('"')
    assert etag.endswith('"')
    assert api.get("/routing/config", headers={"If-None-Match": etag}).status == 304
    assert api.get("/routing/config", headers={"If-None-Match": '"other"'}).status == 200
    as_json = api.get("/routing/config", query={"format": "json"})
    assert as_json.body == yaml.safe_load(served.body)


def test_a_change_that_would_break_the_config_is_refused_and_nothing_changes(
    api: LambdaApi, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a published config
    api.post("/routing", RULE)
    before = published(services)
    real_render = config_publisher.render_config

    def broken_for_claude(inputs: Any, settings: Any) -> RenderedConfig:
        rendered = real_render(inputs, settings)
        if any(rule.model == "claude-bad" for rule in inputs.rules):
            rendered.document["binds"] = "not a list"  # what a renderer bug would look like
        return rendered

    monkeypatch.setattr(config_publisher, "render_config", broken_for_claude)

    # WHEN a rule whose config would not validate is created
    refused = api.post("/routing", {**RULE, "model": "claude-bad"})

    # THEN 422 names the schema error, the rule is not stored, the published file is unchanged
    assert refused.status == 422
    assert refused.body["errors"][0]["field"].startswith("config.binds")
    assert [r["model"] for r in api.get("/routing").body["items"]] == ["gpt-4o"]
    assert published(services) == before


def test_the_config_goes_to_s3_with_its_etag(services: Services) -> None:
    settings = services.settings.with_(config_s3_bucket="gw-config", config_s3_key="agw.yaml")
    services.settings = settings
    client = boto3.client(
        "s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    rendered = config_publisher.render_current(services)
    with Stubber(client) as stub:
        stub.add_response(
            "put_object",
            {},
            {
                "Bucket": "gw-config",
                "Key": "agw.yaml",
                "Body": rendered.text.encode(),
                "ContentType": "application/yaml",
                "Metadata": {"config-etag": rendered.etag.strip('"')},
            },
        )
        assert config_publisher.publish(services, s3_client=client) is not None
        stub.assert_no_pending_responses()
    assert not settings.config_path.exists()


def test_a_failed_publish_is_logged_not_raised(services: Services) -> None:
    services.settings = services.settings.with_(config_s3_bucket="gw-config")
    client = boto3.client(
        "s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stub:
        stub.add_client_error(
            "put_object",
            "AccessDenied",
            http_status_code=403,
            expected_params={
                "Bucket": ANY,
                "Key": ANY,
                "Body": ANY,
                "ContentType": ANY,
                "Metadata": ANY,
            },
        )
        assert config_publisher.publish(services, s3_client=client) is None


def test_readers_never_see_half_a_file(tmp_path: Path) -> None:
    # GIVEN a file replaced over and over by two very different contents
    target = tmp_path / "agentgateway.yaml"
    small, large = b"a: 1\n", b"b: " + b"x" * 2_000_000 + b"\n"
    write_atomically(target, small)
    seen: set[bytes] = set()
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            seen.add(target.read_bytes())

    reader = threading.Thread(target=read)
    reader.start()
    for index in range(60):
        write_atomically(target, large if index % 2 else small)
    done.set()
    reader.join()

    # THEN every read saw one whole version, never a mix or a truncated file
    assert seen <= {small, large}
    assert not list(tmp_path.glob(".*.tmp"))
