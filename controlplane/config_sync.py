"""`gatewayctl config sync`: keep agentgateway's config file equal to the published one.

On AWS the control plane publishes the rendered config to an S3 object on every change
(`config_publisher.publish`); agentgateway reads a local file and reloads it when it changes
(v1.4.1 `crates/agentgateway/src/state_manager.rs`, `LocalClient::watch_config_file`: it watches
the path and re-watches it after a rename, so an atomic replacement is picked up). This module
is the sidecar between the two: every `interval` seconds it asks the source whether the config
changed, and when it did, validates the new one and replaces the file atomically.

- Sources: `s3://BUCKET/KEY` (a conditional GetObject with `IfNoneMatch` on the last ETag: an
  unchanged object costs one request and no body), `http(s)://...` (`If-None-Match`, e.g. the
  local server's `GET /routing/config` with an admin token in `headers`), or a local path
  (`file://` or plain; its content hash is its ETag).
- Validated before it replaces anything: YAML (or JSON) parsed with a safe loader, a mapping,
  agentgateway's own JSON schema of the release we render for
  (`controlplane.agentgateway.validate_config`, the validation every render goes through before
  it is published), and, when the S3 object says which content it is (`config-etag` metadata,
  the SHA-256 the publisher writes), that hash.
- Replaced atomically (`files.write_atomically`: a unique temporary file in the same folder,
  fsynced, renamed over the old one), so agentgateway never reads half a file; a source whose
  bytes equal the file's is not written again (no reload for nothing).
- The last good config stays on any error: source unreachable, refused, unparsable, invalid,
  or the write failing. A refused config is remembered by its ETag, so it is not validated
  again until the source changes; each round still reports that it is being refused.
- Each round returns a `SyncResult` and logs one line (`extra={"config_sync": ...}`).
- `sync_config(..., interval=S)` runs rounds every S seconds (from the start of one round to
  the start of the next) until SIGTERM or SIGINT, finishing the round in progress.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import yaml

from controlplane.agentgateway import validate_config
from controlplane.files import write_atomically
from controlplane.processes import on_stop_signals

log = logging.getLogger("controlplane.config_sync")

Outcome = Literal["replaced", "unchanged", "invalid", "unavailable", "write_failed"]
CONTENT_HASH_METADATA = "config-etag"
"""S3 user metadata the publisher sets: the SHA-256 (hex) of the object's bytes."""
HTTP_TIMEOUT_SECONDS = 10.0
MAX_CONFIG_BYTES = 64 * 1024 * 1024
"""A config larger than this is refused (1,000 rules render to about 1.5 MB)."""
CONFIG_FILE_MODE = 0o644
"""agentgateway may run as another user than the sidecar: the file is world-readable (it holds
no secret; provider keys are `${VAR}` references expanded from agentgateway's environment)."""


class SourceUnavailable(Exception):
    """The source could not be read this round (network, permissions, missing object)."""


@dataclass(frozen=True)
class Fetched:
    """A new version of the config at the source."""

    body: bytes
    etag: str
    """The source's version tag (S3/HTTP ETag, or the content hash of a file)."""
    content_sha256: str | None = None
    """What the source says the content's SHA-256 is (S3 `config-etag` metadata), if anything."""


class Source(Protocol):
    """Where the published config comes from."""

    @property
    def description(self) -> str:
        """The source as logs show it (no query string: it may hold a credential)."""

    def fetch(self, etag: str | None) -> Fetched | None:
        """The config if its version is not `etag` (None: unchanged). Raises SourceUnavailable."""


@dataclass(frozen=True)
class SyncResult:
    """What one round did."""

    outcome: Outcome
    source: str
    destination: str
    etag: str | None
    """The source's ETag of the version this round looked at (None if it could not read it)."""
    sha256: str | None
    """SHA-256 of the file in place after the round (None if there is none)."""
    detail: str
    seconds: float
    problems: tuple[str, ...] = ()
    """Why a config was refused (schema errors with their path, or the parse error)."""

    @property
    def ok(self) -> bool:
        """The file holds the source's current config."""
        return self.outcome in ("replaced", "unchanged")

    def fields(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "source": self.source,
            "destination": self.destination,
            "etag": self.etag,
            "sha256": self.sha256,
            "detail": self.detail,
            "seconds": round(self.seconds, 3),
            "problems": list(self.problems),
        }


# Sources ---------------------------------------------------------------------------------------


@dataclass
class S3Source:
    """`s3://bucket/key`, read with a conditional GetObject."""

    bucket: str
    key: str
    client: Any

    @property
    def description(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def fetch(self, etag: str | None) -> Fetched | None:
        from botocore.exceptions import BotoCoreError, ClientError

        params: dict[str, Any] = {"Bucket": self.bucket, "Key": self.key}
        if etag is not None:
            params["IfNoneMatch"] = etag
        try:
            answer = self.client.get_object(**params)
            body = _read_limited(answer["Body"])
        except ClientError as error:
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            code = error.response.get("Error", {}).get("Code")
            if status == 304 or code in ("304", "NotModified"):
                return None
            raise SourceUnavailable(f"{self.description}: {code or status}: {error}") from error
        except (BotoCoreError, OSError) as error:
            raise SourceUnavailable(f"{self.description}: {error}") from error
        metadata = {k.lower(): v for k, v in (answer.get("Metadata") or {}).items()}
        return Fetched(body, str(answer["ETag"]), metadata.get(CONTENT_HASH_METADATA))


@dataclass
class HttpSource:
    """An http(s) URL answering the config, with ETag / If-None-Match."""

    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    timeout: float = HTTP_TIMEOUT_SECONDS

    @property
    def description(self) -> str:
        parts = urllib.parse.urlsplit(self.url)
        return urllib.parse.urlunsplit(parts._replace(query="", fragment=""))

    def fetch(self, etag: str | None) -> Fetched | None:
        headers = {"Accept": "application/yaml, application/json;q=0.9", **self.headers}
        if etag is not None:
            headers["If-None-Match"] = etag
        request = urllib.request.Request(self.url, headers=headers)  # noqa: S310 - scheme checked
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
                body = _read_limited(answer)
                tag = answer.headers.get("ETag")
        except urllib.error.HTTPError as error:
            if error.code == 304:
                return None
            raise SourceUnavailable(f"{self.description}: HTTP {error.code}") from error
        except (urllib.error.URLError, OSError) as error:
            raise SourceUnavailable(f"{self.description}: {error}") from error
        return Fetched(body, tag or _quoted_sha256(body))


@dataclass
class FileSource:
    """A local file: its content hash is its ETag (it is read every round)."""

    path: Path

    @property
    def description(self) -> str:
        return str(self.path)

    def fetch(self, etag: str | None) -> Fetched | None:
        try:
            with self.path.open("rb") as handle:
                body = _read_limited(handle)
        except OSError as error:
            raise SourceUnavailable(f"{self.path}: {error.strerror or error}") from error
        tag = _quoted_sha256(body)
        return None if tag == etag else Fetched(body, tag)


def _read_limited(stream: Any) -> bytes:
    body: bytes = stream.read(MAX_CONFIG_BYTES + 1)
    if len(body) > MAX_CONFIG_BYTES:
        raise SourceUnavailable(f"the config is larger than {MAX_CONFIG_BYTES} bytes")
    return body


def _sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _quoted_sha256(body: bytes) -> str:
    return f'"{_sha256(body)}"'


def open_source(
    location: str,
    *,
    headers: Mapping[str, str] | None = None,
    s3_client: Any | None = None,
    region: str | None = None,
) -> Source:
    """The source `location` names: `s3://bucket/key`, an http(s) URL, `file://` or a path."""
    parts = urllib.parse.urlsplit(location)
    if parts.scheme == "s3":
        key = parts.path.lstrip("/")
        if not parts.netloc or not key:
            raise ValueError(f"{location!r} is not s3://BUCKET/KEY")
        if s3_client is None:
            s3_client = _s3_client(region)
        return S3Source(parts.netloc, urllib.parse.unquote(key), s3_client)
    if parts.scheme in ("http", "https"):
        if not parts.netloc:
            raise ValueError(f"{location!r} has no host")
        return HttpSource(location, dict(headers or {}))
    if parts.scheme == "file":
        return FileSource(Path(urllib.parse.unquote(parts.path)))
    if parts.scheme and len(parts.scheme) > 1:
        raise ValueError(f"cannot read a config from {parts.scheme!r}: s3://, http(s):// or a path")
    return FileSource(Path(location))


def _s3_client(region: str | None) -> Any:
    import boto3
    from botocore.config import Config

    # Short timeouts and few retries: a round that cannot reach S3 gives up, keeps the file,
    # and the next round (interval seconds later) tries again.
    config = Config(
        connect_timeout=5, read_timeout=10, retries={"mode": "standard", "total_max_attempts": 2}
    )
    return boto3.client("s3", region_name=region or os.environ.get("AWS_REGION"), config=config)


# Validation -------------------------------------------------------------------------------------

_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML has it (its wheels do): the same documents as SafeLoader,
about five times faster (a config of 1,000 rules is 1.5 MB of YAML)."""


def config_problems(body: bytes, content_sha256: str | None = None) -> list[str]:
    """Why agentgateway must not be given `body` (empty: it may)."""
    if content_sha256 is not None and content_sha256.strip('"').lower() != _sha256(body):
        return [f"the content does not have the SHA-256 its source states ({content_sha256})"]
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        return [f"not UTF-8: {error}"]
    try:
        document = yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as error:
        return [f"not YAML: {error}".replace("\n", " ")]
    if not isinstance(document, dict):
        return [f"not a config: the document is a {type(document).__name__}, not a mapping"]
    return [f"{p.path}: {p.message}" for p in validate_config(document)]


# Rounds ----------------------------------------------------------------------------------------


class ConfigSync:
    """Rounds of the sync of one source to one file; keeps what it learnt between rounds."""

    def __init__(
        self, source: Source, destination: Path, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.source = source
        self.destination = destination
        self._clock = clock
        self._etag: str | None = None
        """The source's ETag of the config in the file (None: ask unconditionally)."""
        self._refused: tuple[str, tuple[str, ...]] | None = None
        """The ETag of a version the source holds that was refused, and why."""
        self._written: str | None = None
        """SHA-256 of the file as this process last saw it."""

    def round(self) -> SyncResult:
        """Ask the source once; replace the file if it has a new valid config."""
        started = self._clock()
        result = self._round(started)
        level = logging.INFO if result.ok else logging.WARNING
        log.log(
            level,
            "config sync %s: %s",
            result.outcome,
            result.detail,
            extra={"config_sync": result.fields()},
        )
        return result

    def _round(self, started: float) -> SyncResult:
        in_place = self._file_sha256()
        if in_place is None or in_place != self._written:
            # No file, or not the one this process wrote (a restart, someone else): ask anew.
            self._etag = None
            self._written = in_place
        asked = self._refused[0] if self._refused else self._etag
        try:
            fetched = self.source.fetch(asked)
        except SourceUnavailable as error:
            return self._result("unavailable", started, self._etag, f"{error}; kept the file")
        if fetched is None:
            if self._refused is not None:
                etag, problems = self._refused
                detail = f"the source still holds the refused config {etag}; kept the file"
                return self._result("invalid", started, etag, detail, problems)
            return self._result("unchanged", started, self._etag, "not modified")
        problems = tuple(config_problems(fetched.body, fetched.content_sha256))
        if problems:
            self._refused = (fetched.etag, problems)
            detail = f"refused {fetched.etag} ({len(problems)} problem(s)); kept the file"
            return self._result("invalid", started, fetched.etag, detail, problems)
        self._refused = None
        digest = _sha256(fetched.body)
        if digest == self._written:
            self._etag = fetched.etag
            return self._result("unchanged", started, fetched.etag, "same content as the file")
        try:
            write_atomically(self.destination, fetched.body, mode=CONFIG_FILE_MODE)
        except OSError as error:
            detail = f"could not write {self.destination}: {error}; kept the file"
            return self._result("write_failed", started, fetched.etag, detail)
        self._etag, self._written = fetched.etag, digest
        return self._result("replaced", started, fetched.etag, f"wrote {len(fetched.body)} bytes")

    def _file_sha256(self) -> str | None:
        try:
            return _sha256(self.destination.read_bytes())
        except OSError:
            return None

    def _result(
        self,
        outcome: Outcome,
        started: float,
        etag: str | None,
        detail: str,
        problems: tuple[str, ...] = (),
    ) -> SyncResult:
        return SyncResult(
            outcome=outcome,
            source=self.source.description,
            destination=str(self.destination),
            etag=etag,
            sha256=self._written,
            detail=detail,
            seconds=self._clock() - started,
            problems=problems,
        )

    def run(
        self,
        interval: float,
        stop: threading.Event,
        on_round: Callable[[SyncResult], None] | None = None,
    ) -> SyncResult:
        """Rounds every `interval` seconds until `stop` is set; the last round's result."""
        if interval <= 0:
            raise ValueError("the interval must be positive")
        while True:
            started = self._clock()
            result = self.round()
            if on_round is not None:
                on_round(result)
            # The next round starts `interval` after this one started (a slow round is not
            # followed by a full interval), so a change waits at most interval + one round.
            if stop.wait(max(0.0, started + interval - self._clock())):
                return result


def sync_config(
    source: str,
    destination: Path,
    *,
    interval: float | None = None,
    headers: Mapping[str, str] | None = None,
    region: str | None = None,
    stop: threading.Event | None = None,
    on_round: Callable[[SyncResult], None] | None = None,
) -> SyncResult:
    """Sync agentgateway's config from `source` to the file `destination`.

    `source` is `s3://BUCKET/KEY`, an http(s) URL (`headers` are sent with it, e.g. an
    Authorization header) or a local path. Without `interval`, one round; with it, a round every
    `interval` seconds until SIGTERM/SIGINT (or `stop` is set), then the last round's result.
    `on_round` sees every round's result. The file is only ever replaced, atomically, by a config
    that validates against agentgateway's schema; on any error the last good one stays.
    """
    sync = ConfigSync(open_source(source, headers=headers, region=region), destination)
    if interval is None:
        return sync.round()
    stopping = stop or threading.Event()
    if stop is None:

        def handle(signum: int, _frame: object) -> None:
            name = signal.Signals(signum).name
            log.info("config sync: %s received, stopping after this round", name)
            stopping.set()

        with on_stop_signals(handle):
            return sync.run(interval, stopping, on_round)
    return sync.run(interval, stopping, on_round)


def result_json(result: SyncResult) -> str:
    """One round's result as a JSON line (what a CLI prints)."""
    return json.dumps(result.fields(), sort_keys=True)
