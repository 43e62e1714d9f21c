"""Sealing: AES-GCM bound to the record, with a data-dir key locally and KMS data keys on AWS."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from controlplane.sealing import KMS_CONTEXT, DataDirSealer, KmsSealer, SealedValueUnreadable

REGION = "us-east-1"
RECORD = {"record": "IDEMPOTENCY/client#key"}


class CountingKms:
    """The real (moto) KMS client, counting the calls that cost a round trip."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.calls: list[str] = []

    def generate_data_key(self, **kwargs: Any) -> Any:
        self.calls.append("GenerateDataKey")
        assert kwargs["EncryptionContext"] == KMS_CONTEXT
        return self.client.generate_data_key(**kwargs)

    def decrypt(self, **kwargs: Any) -> Any:
        self.calls.append("Decrypt")
        return self.client.decrypt(**kwargs)


@pytest.fixture
def kms(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[CountingKms, str]]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("kms", region_name=REGION)
        yield CountingKms(client), client.create_key()["KeyMetadata"]["KeyId"]


def test_data_dir_sealing_round_trips_and_is_bound_to_its_record(tmp_path: Path) -> None:
    sealer = DataDirSealer.from_data_dir(tmp_path)
    sealed = sealer.seal(b"client secret", RECORD)
    assert b"client secret" not in sealed.encode()
    assert sealer.open(sealed, RECORD) == b"client secret"
    with pytest.raises(SealedValueUnreadable):
        sealer.open(sealed, {"record": "IDEMPOTENCY/client#other"})
    tampered = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(SealedValueUnreadable):
        sealer.open(tampered, RECORD)
    with pytest.raises(SealedValueUnreadable):
        DataDirSealer(bytes(32)).open(sealed, RECORD)


def test_concurrent_first_starts_share_one_sealing_key(tmp_path: Path) -> None:
    sealers: list[DataDirSealer] = []

    def start() -> None:
        sealers.append(DataDirSealer.from_data_dir(tmp_path))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sealed = sealers[0].seal(b"x", RECORD)
    assert all(sealer.open(sealed, RECORD) == b"x" for sealer in sealers)
    assert (tmp_path / "sealing.key").stat().st_mode & 0o777 == 0o600


def test_kms_sealing_reuses_a_data_key_and_another_process_opens_it(
    kms: tuple[CountingKms, str],
) -> None:
    client, key_id = kms
    sealer = KmsSealer(client, key_id)
    # WHEN one process seals twice: THEN KMS is asked for one data key
    first = sealer.seal(b"one", RECORD)
    second = sealer.seal(b"two", RECORD)
    assert client.calls == ["GenerateDataKey"]
    assert sealer.open(first, RECORD) == b"one"
    assert client.calls == ["GenerateDataKey"]
    # WHEN another process opens them: THEN KMS decrypts the data key once
    other = KmsSealer(client, key_id)
    assert other.open(first, RECORD) == b"one"
    assert other.open(second, RECORD) == b"two"
    assert client.calls == ["GenerateDataKey", "Decrypt"]
    # AND the value stays bound to its record
    with pytest.raises(SealedValueUnreadable):
        other.open(first, {"record": "elsewhere"})


def test_kms_data_keys_are_replaced_after_their_reuse_time(kms: tuple[CountingKms, str]) -> None:
    client, key_id = kms
    sealer = KmsSealer(client, key_id, reuse_seconds=0)
    sealer.seal(b"one", RECORD)
    sealer.seal(b"two", RECORD)
    assert client.calls == ["GenerateDataKey", "GenerateDataKey"]


def test_a_value_sealed_under_another_kms_key_does_not_open(kms: tuple[CountingKms, str]) -> None:
    client, key_id = kms
    other_key = client.client.create_key()["KeyMetadata"]["KeyId"]
    sealed = KmsSealer(client, other_key).seal(b"x", RECORD)
    # Real KMS answers IncorrectKeyException (SealedValueUnreadable); moto AccessDeniedException.
    with pytest.raises((SealedValueUnreadable, ClientError)):
        KmsSealer(client, key_id).open(sealed, RECORD)
