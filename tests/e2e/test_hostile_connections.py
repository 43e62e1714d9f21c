"""Clients that misbehave at the connection level, against the real `gatewayctl serve`."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.server import RunningServer, running_server

pytestmark = pytest.mark.e2e

HEADER_TIMEOUT = 1.5


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    data_dir: Path = tmp_path_factory.mktemp("hostile") / "gateway"
    settings = {"GATEWAY_HEADER_TIMEOUT_SECONDS": str(HEADER_TIMEOUT)}
    with running_server(data_dir, settings=settings) as running:
        yield running


def _connect(server: RunningServer) -> socket.socket:
    host, port = server.base_url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def _closed_within(sock: socket.socket, seconds: float) -> float:
    """Seconds until the server closed the connection (recv gives b"" or a reset)."""
    started = time.monotonic()
    sock.settimeout(seconds)
    try:
        while sock.recv(4096):
            pass
    except ConnectionResetError:
        pass
    except TimeoutError:
        pytest.fail(f"the server kept the connection open for more than {seconds}s")
    return time.monotonic() - started


def test_a_body_shorter_than_its_content_length_is_not_executed(server: RunningServer) -> None:
    token = server.admin_token()
    body = json.dumps(
        {"name": "halfsent", "contact_email": "h@example.com", "tier": "sandbox"}
    ).encode()
    head = (
        "POST /teams HTTP/1.1\r\n"
        f"Host: {server.base_url.removeprefix('http://')}\r\n"
        f"Authorization: Bearer {token}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body) + 100}\r\n\r\n"
    ).encode()
    with _connect(server) as sock:
        sock.sendall(head + body)
        time.sleep(0.2)
    time.sleep(0.5)
    teams = httpx.get(f"{server.base_url}/teams", headers={"Authorization": f"Bearer {token}"})
    assert teams.status_code == 200
    assert [t["name"] for t in teams.json()["items"]] == []


def test_a_partial_request_head_is_dropped_after_the_header_timeout(
    server: RunningServer,
) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        assert _closed_within(sock, HEADER_TIMEOUT + 3) >= HEADER_TIMEOUT - 0.5


def test_a_head_trickled_byte_by_byte_is_dropped_too(server: RunningServer) -> None:
    with _connect(server) as sock:
        started = time.monotonic()
        for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100:
            try:
                sock.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                break
            time.sleep(0.1)
        else:
            pytest.fail("the server read a trickled head for 14 s")
        assert time.monotonic() - started < HEADER_TIMEOUT + 3


def test_an_idle_connection_is_dropped_but_a_prompt_request_is_served(
    server: RunningServer,
) -> None:
    with _connect(server) as sock:
        _closed_within(sock, HEADER_TIMEOUT + 3)
    with _connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        # after the answer, the next head must come within the header timeout as well
        assert _closed_within(sock, HEADER_TIMEOUT + 3) < HEADER_TIMEOUT + 1


def _exchange(server: RunningServer, request: bytes) -> tuple[int, dict[str, str], bytes]:
    with _connect(server) as sock:
        sock.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer.split(b"\r\n\r\n", 1)[1]) < int(
            dict(
                line.split(b": ", 1)
                for line in answer.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]
                if b": " in line
            ).get(b"content-length", b"0")
        ):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v for k, _, v in (line.partition(": ") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


@pytest.mark.parametrize(
    ("method", "target", "extra"),
    [
        ("GET", "/teams", b"Content-Type: application/json\xff\r\n"),
        ("PUT", "/pricing/openai/gpt%0A", b"Content-Type: application/json\r\n"),
        ("PUT", "/pricing/openai/gpt%23x", b"Content-Type: application/json\r\n"),
        ("PUT", "/teams/%2F", b"Content-Type: application/json\r\n"),
    ],
)
def test_hostile_heads_are_400_problems_on_the_real_server(
    server: RunningServer, method: str, target: str, extra: bytes
) -> None:
    token = server.admin_token()
    body = b'{"input_per_mtok_usd": "1"}' if method == "PUT" else b""
    request = (
        (
            f"{method} {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n"
        ).encode()
        + extra
        + b"\r\n"
        + body
    )
    status, headers, answer = _exchange(server, request)
    assert status == 400, answer
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(answer)["status"] == 400
