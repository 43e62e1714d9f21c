"""`config sync` (controlplane/config_sync.py): from the published config to agentgateway's file.

S3 is moto's, fed by the real publisher (`config_publisher.publish`), so the object, its ETag
and its `config-etag` metadata are what the control plane writes on AWS.
"""

from __future__ import annotations

import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from moto import mock_aws

from controlplane import config_publisher
from controlplane.agentgateway import validations_run
from controlplane.config_sync import (
    ConfigSync,
    FileSource,
    HttpSource,
    S3Source,
    SyncResult,
    config_problems,
    open_source,
    sync_config,
)
from controlplane.services import Services
from tests.conftest import LambdaApi

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "agentgateway"
BUCKET, KEY = "gw-config", "agentgateway/config.yaml"
RULE = {
    "model": "gpt-4o",
    "strategy": "failover",
    "targets": [{"provider": "openai", "model": "gpt-4o"}],
}


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def publish(services: Services, s3: Any) -> str:
    """The control plane's publication to S3 (as on AWS); the text published."""
    services.settings = services.settings.with_(config_s3_bucket=BUCKET, config_s3_key=KEY)
    rendered = config_publisher.publish(services, s3_client=s3)
    assert rendered is not None
    return rendered.text


def put(s3: Any, body: bytes) -> None:
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=body)


def stat(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_ino, info.st_mtime_ns


@pytest.fixture
def destination(tmp_path: Path) -> Path:
    return tmp_path / "agentgateway" / "config.yaml"


def test_the_published_config_reaches_the_file_and_an_unchanged_etag_rewrites_nothing(
    services: Services, api: LambdaApi, s3: Any, destination: Path
) -> None:
    # GIVEN a config the control plane published to S3
    assert api.post("/routing", RULE).status == 201
    text = publish(services, s3)
    sync = ConfigSync(S3Source(BUCKET, KEY, s3), destination)
    # WHEN the sync runs a round THEN the file holds exactly that config
    first = sync.round()
    assert (first.outcome, first.ok) == ("replaced", True), first
    assert destination.read_text() == text
    assert first.etag == s3.head_object(Bucket=BUCKET, Key=KEY)["ETag"]
    assert oct(destination.stat().st_mode & 0o777) == "0o644"
    before = stat(destination)
    # WHEN it runs again with nothing changed THEN S3 answers "not modified" and the file is
    # not touched (same inode, same mtime: agentgateway sees no event and reloads nothing)
    again = sync.round()
    assert (again.outcome, again.detail) == ("unchanged", "not modified"), again
    assert stat(destination) == before
    # WHEN the object is rewritten with the same bytes (a new ETag? no: S3's ETag is the MD5)
    # and the publisher publishes the same state again THEN still nothing is written
    publish(services, s3)
    assert sync.round().outcome == "unchanged"
    assert stat(destination) == before


def test_a_new_sync_process_finds_the_file_current_without_writing_it(
    services: Services, api: LambdaApi, s3: Any, destination: Path
) -> None:
    assert api.post("/routing", RULE).status == 201
    publish(services, s3)
    assert ConfigSync(S3Source(BUCKET, KEY, s3), destination).round().outcome == "replaced"
    before = stat(destination)
    # A restarted sidecar knows no ETag: it reads the object, and finds the file already holds it
    restarted = ConfigSync(S3Source(BUCKET, KEY, s3), destination).round()
    assert (restarted.outcome, restarted.detail) == ("unchanged", "same content as the file")
    assert stat(destination) == before


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"gateways: [unclosed\n", "not YAML"),
        (b"- just\n- a list\n", "not a mapping"),
        (b"gateways:\n  default:\n    port: 4000\n    unknownField: true\n", "gateways"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_an_invalid_config_is_refused_and_the_last_good_one_stays(
    s3: Any, destination: Path, body: bytes, problem: str
) -> None:
    good = (GOLDEN / "one_openai_model.yaml").read_bytes()
    put(s3, good)
    sync = ConfigSync(S3Source(BUCKET, KEY, s3), destination)
    assert sync.round().outcome == "replaced"
    before = stat(destination)
    # WHEN the object becomes a config agentgateway would refuse
    put(s3, body)
    refused = sync.round()
    # THEN the round says so and why, and the file still holds the good config
    assert (refused.outcome, refused.ok) == ("invalid", False), refused
    assert any(problem in p for p in refused.problems), refused.problems
    assert destination.read_bytes() == good
    assert stat(destination) == before
    # AND the next round, the source unchanged, reports it again without validating it again
    validated = validations_run()
    again = sync.round()
    assert again.outcome == "invalid"
    assert again.problems == refused.problems
    assert "still holds the refused config" in again.detail
    assert validations_run() == validated
    # AND once a valid config is published, it replaces the file
    fixed = (GOLDEN / "weighted_split.yaml").read_bytes()
    put(s3, fixed)
    assert sync.round().outcome == "replaced"
    assert destination.read_bytes() == fixed


def test_content_that_is_not_what_the_publisher_hashed_is_refused(
    s3: Any, destination: Path
) -> None:
    good = (GOLDEN / "one_openai_model.yaml").read_bytes()
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=good, Metadata={"config-etag": "0" * 64})
    result = ConfigSync(S3Source(BUCKET, KEY, s3), destination).round()
    assert result.outcome == "invalid"
    assert "SHA-256" in result.problems[0]
    assert not destination.exists()


def test_s3_unreachable_keeps_the_last_good_config(s3: Any, destination: Path) -> None:
    good = (GOLDEN / "one_openai_model.yaml").read_bytes()
    put(s3, good)
    source = S3Source(BUCKET, KEY, s3)
    sync = ConfigSync(source, destination)
    assert sync.round().outcome == "replaced"
    # WHEN S3 cannot be reached (nothing listens where the client connects)
    source.client = boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=1),
    )
    down = sync.round()
    # THEN the round reports it and the file is the good one, untouched
    assert (down.outcome, down.ok) == ("unavailable", False), down
    assert "kept the file" in down.detail
    assert destination.read_bytes() == good
    # AND an object that is gone (or access denied) is the same: unavailable, file kept
    source.client = s3
    s3.delete_object(Bucket=BUCKET, Key=KEY)
    gone = sync.round()
    assert gone.outcome == "unavailable"
    assert "NoSuchKey" in gone.detail
    assert destination.read_bytes() == good


def test_a_file_removed_under_the_sync_is_written_again(s3: Any, destination: Path) -> None:
    put(s3, (GOLDEN / "one_openai_model.yaml").read_bytes())
    sync = ConfigSync(S3Source(BUCKET, KEY, s3), destination)
    assert sync.round().outcome == "replaced"
    destination.unlink()
    assert sync.round().outcome == "replaced"
    assert destination.exists()


def test_an_unwritable_destination_is_reported_and_changes_nothing(s3: Any, tmp_path: Path) -> None:
    put(s3, (GOLDEN / "one_openai_model.yaml").read_bytes())
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the folder should be")
    result = ConfigSync(S3Source(BUCKET, KEY, s3), blocked / "config.yaml").round()
    assert result.outcome == "write_failed"
    assert blocked.read_text() == "a file where the folder should be"


def test_a_change_in_s3_reaches_the_file_within_one_interval(s3: Any, destination: Path) -> None:
    first = (GOLDEN / "one_openai_model.yaml").read_bytes()
    second = (GOLDEN / "weighted_split.yaml").read_bytes()
    put(s3, first)
    interval = 0.5
    rounds: list[tuple[float, SyncResult]] = []
    stop = threading.Event()
    results: list[SyncResult] = []
    runner = threading.Thread(
        target=lambda: results.append(
            sync_config(
                f"s3://{BUCKET}/{KEY}",
                destination,
                interval=interval,
                stop=stop,
                on_round=lambda r: rounds.append((time.monotonic(), r)),
            )
        )
    )
    with pytest.MonkeyPatch.context() as patch:
        # open_source builds its own client: make it moto's.
        patch.setattr("controlplane.config_sync._s3_client", lambda region: s3)
        runner.start()
        try:
            deadline = time.monotonic() + 10
            while not destination.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
            assert destination.read_bytes() == first
            # WHEN the control plane publishes a change
            put(s3, second)
            changed_at = time.monotonic()
            while destination.read_bytes() != second and time.monotonic() < changed_at + 10:
                time.sleep(0.01)
        finally:
            stop.set()
            runner.join(10)
    # THEN the next round wrote it: no round since the change missed it, and that round
    # started within one interval of the change (the file was replaced then, atomically)
    assert destination.read_bytes() == second
    after = [(at, r) for at, r in rounds if at > changed_at]
    assert after[0][1].outcome == "replaced", [r.outcome for _, r in rounds]
    assert after[0][0] - after[0][1].seconds <= changed_at + interval + 1.0
    assert [r.outcome for _, r in rounds if r.outcome not in ("replaced", "unchanged")] == []
    # AND stopping returned the last round's result
    assert not runner.is_alive()
    assert results[0].ok


def test_sigterm_stops_the_loop_after_the_round(tmp_path: Path) -> None:
    source = tmp_path / "published.yaml"
    source.write_bytes((GOLDEN / "one_openai_model.yaml").read_bytes())
    destination = tmp_path / "out" / "config.yaml"
    code = (
        "import logging, sys\n"
        "from pathlib import Path\n"
        "from controlplane.config_sync import sync_config\n"
        "logging.basicConfig(level=logging.INFO, stream=sys.stdout)\n"
        f"result = sync_config({str(source)!r}, Path({str(destination)!r}), interval=0.2)\n"
        "print('STOPPED', result.outcome)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")},
    )
    try:
        deadline = time.monotonic() + 20
        while not destination.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert destination.exists(), "the sync never wrote the file"
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0, output
    assert "SIGTERM received" in output
    assert "STOPPED unchanged" in output or "STOPPED replaced" in output


def test_a_local_file_source(tmp_path: Path) -> None:
    source = tmp_path / "agentgateway.yaml"
    source.write_bytes((GOLDEN / "one_openai_model.yaml").read_bytes())
    destination = tmp_path / "copy" / "config.yaml"
    sync = ConfigSync(open_source(str(source)), destination)
    assert sync.round().outcome == "replaced"
    assert sync.round().outcome == "unchanged"
    source.write_bytes((GOLDEN / "weighted_split.yaml").read_bytes())
    assert sync.round().outcome == "replaced"
    assert destination.read_bytes() == source.read_bytes()
    source.unlink()
    assert sync.round().outcome == "unavailable"
    assert isinstance(open_source(source.as_uri()), FileSource)


class _ConfigServer(http.server.BaseHTTPRequestHandler):
    """Serves `body` with an ETag, answers 304 to If-None-Match, records the requests."""

    body = b""
    seen: list[dict[str, str]] = []

    def do_GET(self) -> None:
        self.seen.append(dict(self.headers.items()))
        etag = f'"v{len(self.body)}"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *_args: Any) -> None:
        pass


def test_an_http_source_with_etag_and_headers(tmp_path: Path) -> None:
    _ConfigServer.body = (GOLDEN / "one_openai_model.yaml").read_bytes()
    _ConfigServer.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ConfigServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/routing/config"
        source = open_source(url, headers={"Authorization": "Bearer t0ken"})
        assert isinstance(source, HttpSource)
        sync = ConfigSync(source, tmp_path / "config.yaml")
        assert sync.round().outcome == "replaced"
        assert sync.round().outcome == "unchanged"
        assert _ConfigServer.seen[0]["Authorization"] == "Bearer t0ken"
        assert "If-None-Match" not in _ConfigServer.seen[0]
        assert _ConfigServer.seen[1]["If-None-Match"] == f'"v{len(_ConfigServer.body)}"'
    finally:
        server.shutdown()
        server.server_close()
    # With the server gone, the file stays
    assert sync.round().outcome == "unavailable"
    assert (tmp_path / "config.yaml").read_bytes() == _ConfigServer.body


@pytest.mark.parametrize("location", ["s3://bucket-only", "s3:///key", "ftp://host/x", "http://"])
def test_sources_that_cannot_be_read_are_refused_up_front(location: str) -> None:
    with pytest.raises(ValueError, match=r"s3://|host|cannot read"):
        open_source(location, s3_client=object())


def test_every_golden_render_passes_the_validation() -> None:
    for path in sorted(GOLDEN.glob("*.yaml")):
        assert config_problems(path.read_bytes()) == [], path.name


def test_gatewayctl_config_sync_replaces_only_with_a_valid_config(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from controlplane.cli import main as gatewayctl

    source = tmp_path / "published.yaml"
    source.write_bytes((GOLDEN / "one_openai_model.yaml").read_bytes())
    destination = tmp_path / "agentgateway.yaml"
    arguments = ["config", "sync", "--from", str(source), "--to", str(destination)]
    # WHEN a valid config is published: THEN one round replaces the file and says so
    done = CliRunner().invoke(gatewayctl, arguments)
    assert done.exit_code == 0, done.output
    assert json.loads(done.output.splitlines()[-1])["outcome"] == "replaced"
    assert destination.read_bytes() == source.read_bytes()
    # WHEN an invalid one is published: THEN the round fails (exit 1) and the good one stays
    good = destination.read_bytes()
    source.write_text("binds: [{port: not-a-port}]\n")
    refused = CliRunner().invoke(gatewayctl, arguments)
    assert refused.exit_code == 1, refused.output
    assert destination.read_bytes() == good
    # AND a malformed --header is a usage error
    bad = CliRunner().invoke(gatewayctl, [*arguments, "--header", "no-colon"])
    assert bad.exit_code == 2
