"""Sealing: what must be stored but not readable in the store (a replayed answer's client secret).

AES-256-GCM, with the record's identity as associated data (a sealed value moved to another
record does not open). Where the key comes from is the only difference between the two sealers:

- `DataDirSealer` (local): a random key in `<data-dir>/sealing.key` (0600), made on first start.
- `KmsSealer` (AWS): envelope encryption. A data key from KMS `GenerateDataKey` seals, and travels
  with the value encrypted under the KMS key; opening asks KMS to `Decrypt` it. A data key is
  reused for a few minutes per process (as the AWS Encryption SDK's caching does), so a Lambda
  container calls KMS about once per 5 minutes, not once per request.

A sealed value is text: `v1.<sealer>.<fields>` in URL-safe base64.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from controlplane.files import create_exclusively

SEALING_KEY_FILE = "sealing.key"
KMS_CONTEXT = {"purpose": "control-plane-sealing"}
"""The KMS encryption context of every data key: the IAM grant names it, so the functions may use
the key for this and nothing else."""

_NONCE_BYTES = 12


class SealedValueUnreadable(Exception):
    """The value was sealed with another key, or altered, or for another record."""


class Sealer(Protocol):
    def seal(self, plaintext: bytes, context: Mapping[str, str]) -> str:
        """`plaintext` sealed, bound to `context` (opening needs the same context)."""
        ...

    def open(self, sealed: str, context: Mapping[str, str]) -> bytes:
        """The plaintext `seal` was given; SealedValueUnreadable if it cannot be opened."""
        ...


def _aad(context: Mapping[str, str]) -> bytes:
    return json.dumps(dict(context), sort_keys=True, separators=(",", ":")).encode()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _encrypt(key: bytes, plaintext: bytes, context: Mapping[str, str]) -> str:
    # Imported here: only the functions that seal pay for it (cold start).
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = secrets.token_bytes(_NONCE_BYTES)
    return _b64(nonce + AESGCM(key).encrypt(nonce, plaintext, _aad(context)))


def _decrypt(key: bytes, field: str, context: Mapping[str, str]) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        raw = _unb64(field)
        return AESGCM(key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _aad(context))
    except (InvalidTag, ValueError) as error:
        raise SealedValueUnreadable("the sealed value does not open with this key") from error


def _fields(sealed: str, sealer: str, count: int) -> list[str]:
    parts = sealed.split(".")
    if len(parts) != 2 + count or parts[0] != "v1" or parts[1] != sealer:
        raise SealedValueUnreadable(f"not a value sealed by the {sealer} sealer")
    return parts[2:]


class DataDirSealer:
    """Seals with a key kept in the data dir (the local server's store sits beside it)."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("a sealing key is 32 bytes")
        self._key = key

    @classmethod
    def from_data_dir(cls, data_dir: Path) -> DataDirSealer:
        """The key of `<data_dir>/sealing.key`, made (exclusively: one winner) on first use."""
        path = data_dir / SEALING_KEY_FILE
        if not path.exists():
            create_exclusively(path, (_b64(os.urandom(32)) + "\n").encode())
        return cls(_unb64(path.read_text().strip()))

    def seal(self, plaintext: bytes, context: Mapping[str, str]) -> str:
        return f"v1.local.{_encrypt(self._key, plaintext, context)}"

    def open(self, sealed: str, context: Mapping[str, str]) -> bytes:
        (field,) = _fields(sealed, "local", 1)
        return _decrypt(self._key, field, context)


class KmsSealer:
    """Envelope encryption under a KMS key; data keys cached per process for `reuse_seconds`."""

    def __init__(
        self, kms_client: Any, key_id: str, *, reuse_seconds: float = 300.0, cache_size: int = 64
    ) -> None:
        self.kms = kms_client
        self.key_id = key_id
        self.reuse_seconds = reuse_seconds
        self.cache_size = cache_size
        self._lock = threading.Lock()
        self._current: tuple[float, bytes, bytes] | None = None
        """(made at, plaintext key, encrypted key) of the data key that seals now."""
        self._opened: OrderedDict[bytes, bytes] = OrderedDict()
        """Encrypted data key -> plaintext, for opening without asking KMS each time."""

    def _sealing_key(self) -> tuple[bytes, bytes]:
        with self._lock:
            now = time.monotonic()
            if self._current is None or now - self._current[0] > self.reuse_seconds:
                made = self.kms.generate_data_key(
                    KeyId=self.key_id, KeySpec="AES_256", EncryptionContext=KMS_CONTEXT
                )
                self._current = (now, made["Plaintext"], made["CiphertextBlob"])
                self._remember(made["CiphertextBlob"], made["Plaintext"])
            return self._current[1], self._current[2]

    def _remember(self, encrypted: bytes, plaintext: bytes) -> None:
        self._opened[encrypted] = plaintext
        self._opened.move_to_end(encrypted)
        while len(self._opened) > self.cache_size:
            self._opened.popitem(last=False)

    def _opening_key(self, encrypted: bytes) -> bytes:
        with self._lock:
            known = self._opened.get(encrypted)
            if known is not None:
                return known
        from botocore.exceptions import ClientError

        try:
            opened = self.kms.decrypt(
                CiphertextBlob=encrypted, KeyId=self.key_id, EncryptionContext=KMS_CONTEXT
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in ("InvalidCiphertextException", "IncorrectKeyException"):
                raise SealedValueUnreadable(f"KMS cannot open the data key ({code})") from error
            raise
        with self._lock:
            self._remember(encrypted, opened["Plaintext"])
        return bytes(opened["Plaintext"])

    def seal(self, plaintext: bytes, context: Mapping[str, str]) -> str:
        key, encrypted = self._sealing_key()
        return f"v1.kms.{_b64(encrypted)}.{_encrypt(key, plaintext, context)}"

    def open(self, sealed: str, context: Mapping[str, str]) -> bytes:
        encrypted, field = _fields(sealed, "kms", 2)
        return _decrypt(self._opening_key(_unb64(encrypted)), field, context)
