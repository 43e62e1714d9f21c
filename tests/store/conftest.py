"""Store fixtures shared by the store suites: each adapter (SQLite file, DynamoDB on moto)."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from controlplane.store.dynamodb import DynamoDbStore, create_table
from controlplane.store.port import Store
from controlplane.store.sqlite import SqliteStore

TABLE = "gateway-control-plane-test"
REGION = "us-east-1"
THREADS = 8


# Fixtures -----------------------------------------------------------------------------------------


class _OneRequestAtATime:
    """A boto3 client whose requests run one at a time.

    moto evaluates a request's condition and applies its write without a lock (and undoes a
    cancelled transaction by restoring a copy of the whole table), so concurrent requests can
    interleave inside it. Real DynamoDB makes each request atomic; so does this wrapper, so the
    concurrency tests exercise the adapter rather than moto.
    """

    def __init__(self, client: Any) -> None:
        self._client = client
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        @functools.wraps(attribute)
        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return attribute(*args, **kwargs)

        return call


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials, so nothing can reach a real account."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture(scope="session")
def boto3_client() -> Any:
    """One client for the whole run (making one takes ~0.1 s); moto intercepts it when active."""
    return boto3.client(
        "dynamodb",
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def moto_client(aws_credentials: None, boto3_client: Any) -> Iterator[Any]:
    """A fresh moto DynamoDB holding the store's table."""
    with mock_aws():
        create_table(boto3_client, TABLE)
        yield boto3_client


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    opened: Store
    if request.param == "sqlite":
        opened = SqliteStore(tmp_path / "control-plane.sqlite3")
    else:
        client = request.getfixturevalue("moto_client")
        opened = DynamoDbStore(TABLE, client=_OneRequestAtATime(client))
    yield opened
    opened.close()
