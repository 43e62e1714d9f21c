"""The token endpoint throttles failed client authentications per client id, as Cognito does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from controlplane.adapters.local import LocalControlPlane, create_app, open_control_plane
from controlplane.identity.throttle import FailedAttemptThrottle, Throttled, ThrottlePolicy
from controlplane.settings import Settings


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def plane(settings: Settings, clock: FakeClock) -> Iterator[LocalControlPlane]:
    opened = open_control_plane(settings)
    opened.token_throttle = FailedAttemptThrottle(clock=clock)
    yield opened
    opened.services.store.close()


@pytest.fixture
def client(plane: LocalControlPlane) -> TestClient:
    return TestClient(create_app(plane))


def _token(client: TestClient, client_id: str, secret: str) -> tuple[int, dict[str, str], Any]:
    answer = client.post(
        "/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
        },
    )
    return answer.status_code, dict(answer.headers), answer.json()


def test_wrong_secrets_are_throttled_with_429_and_retry_after(
    client: TestClient, plane: LocalControlPlane, clock: FakeClock
) -> None:
    admin = plane.admin
    other = plane.identity.create_client("other", ["https://gateway.internal/invoke"])
    for _ in range(5):
        assert _token(client, admin.client_id, "wrong")[0] == 401
    status, headers, body = _token(client, admin.client_id, "wrong")
    assert status == 429
    assert headers["retry-after"] == "1"
    assert body["error"] == "slow_down"
    assert set(body) == {"error", "error_description"}
    assert headers["cache-control"] == "no-store"
    # The right secret is refused too while locked out (else the lockout would be an oracle).
    assert _token(client, admin.client_id, admin.client_secret)[0] == 429
    # Another client is not affected.
    assert _token(client, other.client_id, other.client_secret)[0] == 200
    # After the window, the right secret works again and forgets the failures.
    clock.now += 1
    assert _token(client, admin.client_id, admin.client_secret)[0] == 200
    for _ in range(5):
        assert _token(client, admin.client_id, "wrong")[0] == 401
    assert _token(client, admin.client_id, admin.client_secret)[0] == 429


def test_lockouts_double_up_to_fifteen_minutes(
    client: TestClient, plane: LocalControlPlane, clock: FakeClock
) -> None:
    client_id = plane.admin.client_id
    for _ in range(5):
        assert _token(client, client_id, "wrong")[0] == 401
    waits = []
    for _ in range(14):
        status, headers, _body = _token(client, client_id, "wrong")
        assert status == 429
        waits.append(int(headers["retry-after"]))
        clock.now += waits[-1]
        assert _token(client, client_id, "wrong")[0] == 401  # one attempt after each lockout
    assert waits[:5] == [1, 2, 4, 8, 16]
    assert max(waits) == waits[-1] == 900


def test_unknown_client_ids_are_throttled_too(client: TestClient, clock: FakeClock) -> None:
    for _ in range(5):
        assert _token(client, "nosuchclient", "wrong")[0] == 401
    status, headers, body = _token(client, "nosuchclient", "wrong")
    assert (status, headers["retry-after"], body["error"]) == (429, "1", "slow_down")
    assert _token(client, "anotherclient", "wrong")[0] == 401


def test_forgotten_after_a_quiet_period(
    client: TestClient, plane: LocalControlPlane, clock: FakeClock
) -> None:
    for _ in range(4):
        assert _token(client, plane.admin.client_id, "wrong")[0] == 401
    clock.now += 15 * 60
    for _ in range(5):
        assert _token(client, plane.admin.client_id, "wrong")[0] == 401
    assert _token(client, plane.admin.client_id, "wrong")[0] == 429


def test_the_unknown_client_table_is_bounded(clock: FakeClock) -> None:
    throttle = FailedAttemptThrottle(ThrottlePolicy(max_unknown_clients=100), clock=clock)
    throttle.failed(throttle.begin("known"), client_known=True)
    for n in range(10_000):
        attempt = throttle.begin(f"made-up-{n}" * 50)
        throttle.failed(attempt, client_known=False)
        throttle.release(attempt)
    assert len(throttle) == 101  # the known client's state is never evicted by made-up ids
    assert throttle._known["known"].failures == 1


def test_concurrent_guesses_cannot_outrun_the_count(clock: FakeClock) -> None:
    throttle = FailedAttemptThrottle(clock=clock)
    first = throttle.begin("c")
    throttle.failed(first, client_known=True)
    throttle.release(first)
    # One failure so far: four more may be in flight at once, not more.
    burst = [throttle.begin("c") for _ in range(4)]
    with pytest.raises(Throttled):
        throttle.begin("c")
    for attempt in burst:
        throttle.failed(attempt, client_known=True)
        throttle.release(attempt)
    with pytest.raises(Throttled) as locked:
        throttle.begin("c")
    assert locked.value.retry_after_header == "1"


def test_a_client_without_failures_is_never_limited(clock: FakeClock) -> None:
    throttle = FailedAttemptThrottle(clock=clock)
    attempts = [throttle.begin("fleet") for _ in range(50)]
    for attempt in attempts:
        throttle.succeeded(attempt)
        throttle.release(attempt)
    assert len(throttle) == 0


def test_an_aborted_attempt_does_not_stay_in_flight(clock: FakeClock) -> None:
    throttle = FailedAttemptThrottle(clock=clock)
    for _ in range(4):
        attempt = throttle.begin("c")
        throttle.failed(attempt, client_known=True)
        throttle.release(attempt)
    aborted = throttle.begin("c")  # the store failed: neither success nor failure
    throttle.release(aborted)
    throttle.release(aborted)
    attempt = throttle.begin("c")
    throttle.release(attempt)
