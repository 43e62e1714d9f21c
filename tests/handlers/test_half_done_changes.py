"""Nothing leaked, nothing half-done: secrets of replayed answers are sealed, and an OAuth client
follows the committed decision about its team (registration, deregistration, crash, recovery)."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import handlers.team_registration
from controlplane.adapters.local import ensure_admin_client
from controlplane.api.dispatch import Dispatcher
from controlplane.cli import main as gatewayctl
from controlplane.errors import Unavailable
from controlplane.identity.local import LocalIdentityProvider
from controlplane.services import Services, build_services
from controlplane.settings import INVOKE_SCOPE, Settings
from controlplane.store.port import Delete, Put, Write
from controlplane.team_clients import DEADLINE_SECONDS, PENDING
from tests.conftest import LambdaApi

TEAM = {"name": "payments", "contact_email": "p@example.com", "tier": "sandbox"}


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _pending(services: Services) -> list[str]:
    return [item.sk for item in services.store.query(PENDING).items]


def _client_ids(services: Services) -> set[str]:
    return {client.client_id for client in services.identity.list_clients()}


def _authenticates(services: Services, client_id: str, secret: str) -> bool:
    identity = services.identity
    assert isinstance(identity, LocalIdentityProvider)
    try:
        identity.authenticate(client_id, secret)
    except Exception:
        return False
    return True


# Secrets at rest ---------------------------------------------------------------------------------


def test_a_replayed_registration_gives_its_secret_that_the_store_never_holds_in_the_clear(
    api: LambdaApi, services: Services, settings: Settings
) -> None:
    # GIVEN a registration sent with an Idempotency-Key
    headers = {"Idempotency-Key": "register-payments"}
    first = api.post("/teams", TEAM, headers=headers)
    secret = first.body["credentials"]["client_secret"]
    # WHEN it is replayed
    again = api.post("/teams", TEAM, headers=headers)
    # THEN the replay gives the caller the same secret, which works
    assert again.headers["Idempotency-Replayed"] == "true"
    assert again.body == first.body
    assert _authenticates(services, first.body["team"]["client_id"], secret)
    # AND no byte of the store's files holds it: the recorded answer is sealed
    store_files = list(settings.data_dir.glob("control-plane.sqlite3*"))
    assert store_files
    for path in store_files:
        assert secret.encode() not in path.read_bytes(), path
    (record,) = services.store.query("IDEMPOTENCY").items
    assert set(record.data) == {"fingerprint", "sealed"}
    # AND the sealing key is private to its owner
    assert (settings.data_dir / "sealing.key").stat().st_mode & 0o777 == 0o600


def test_a_sealed_answer_opens_for_its_own_record_only(api: LambdaApi, services: Services) -> None:
    # GIVEN two recorded answers
    api.post("/teams", TEAM, headers={"Idempotency-Key": "first"})
    api.post("/teams", TEAM | {"name": "other"}, headers={"Idempotency-Key": "second"})
    records = {
        item.sk.rpartition("#")[2]: item.data for item in services.store.query("IDEMPOTENCY").items
    }
    # WHEN the second's sealed answer is moved into the first's record
    moved = {"fingerprint": records["first"]["fingerprint"], "sealed": records["second"]["sealed"]}
    (first_sk,) = [
        i.sk for i in services.store.query("IDEMPOTENCY").items if i.sk.endswith("#first")
    ]
    services.store.write(Put("IDEMPOTENCY", first_sk, moved))
    # THEN it does not open there (it is bound to its record): the key is refused, not replayed
    answer = api.post("/teams", TEAM, headers={"Idempotency-Key": "first"})
    assert answer.status == 409
    assert "can no longer be read" in answer.body["detail"]


# A failure after the commit ----------------------------------------------------------------------


def test_a_registration_that_committed_before_a_failure_replays_its_answer(
    api: LambdaApi, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a store whose commit goes through but whose answer is lost (a timeout)
    real = services.store.transact

    def commits_then_times_out(ops: list[Write]) -> None:
        real(ops)
        if any(op.pk == "TEAM" for op in ops):
            raise Unavailable(detail="the store did not answer in time")

    monkeypatch.setattr(services.store, "transact", commits_then_times_out)
    headers = {"Idempotency-Key": "ambiguous"}
    assert api.post("/teams", TEAM, headers=headers).status == 503
    monkeypatch.undo()
    # WHEN the caller retries with the same key
    again = api.post("/teams", TEAM, headers=headers)
    # THEN it gets the registration that committed, with a secret that works
    assert again.status == 201
    assert again.headers["Idempotency-Replayed"] == "true"
    (team,) = api.get("/teams").body["items"]
    assert again.body["team"] == team
    assert _authenticates(services, team["client_id"], again.body["credentials"]["client_secret"])
    assert _pending(services) == []


# Registrations that never commit ----------------------------------------------------------------


def test_a_client_announced_by_a_registration_that_died_is_deleted_by_reconcile(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a registration whose process died after creating its client, before committing
    owner = f"{socket.gethostname()}:{_dead_pid()}"
    monkeypatch.setattr("controlplane.team_clients.this_process", lambda: owner)
    issued, _ = services.team_clients.create("ghost", [INVOKE_SCOPE])
    monkeypatch.undo()
    assert issued.client_id in _client_ids(services)
    # WHEN reconciling
    report = services.team_clients.reconcile()
    # THEN its client is deleted and the announcement settled
    assert report.clients_deleted == [issued.client_id]
    assert issued.client_id not in _client_ids(services)
    assert _pending(services) == []


def test_a_registration_that_may_still_commit_is_left_alone_until_its_deadline(
    settings: Settings,
) -> None:
    # GIVEN a registration of this (living) process that announced its client
    start = datetime.now(UTC)
    now = [start]
    services = build_services(settings, clock=lambda: now[0])
    issued, _ = services.team_clients.create("slow", [INVOKE_SCOPE])
    # WHEN reconciling now: THEN it waits
    report = services.team_clients.reconcile()
    assert report.waiting
    assert not report.clients_deleted
    assert issued.client_id in _client_ids(services)
    # WHEN reconciling after the deadline: THEN the client is deleted
    now[0] = start + timedelta(seconds=DEADLINE_SECONDS + 1)
    assert services.team_clients.reconcile().clients_deleted == [issued.client_id]
    services.store.close()


def test_a_failed_registration_leaves_no_announcement(api: LambdaApi, services: Services) -> None:
    api.register_team("payments")
    # WHEN a registration loses on its name
    assert api.post("/teams", TEAM).status == 409
    # THEN its client is gone and nothing is left to reconcile
    (team,) = api.get("/teams").body["items"]
    assert _client_ids(services) == {team["client_id"]}
    assert _pending(services) == []


# Deregistration ----------------------------------------------------------------------------------


def test_a_deregistration_that_loses_a_race_keeps_the_teams_client(
    api: LambdaApi, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a team, and an update that lands while its deregistration is under way
    registration = api.register_team("payments")
    team = registration["team"]
    path = f"/teams/{team['team_id']}"
    real_check = handlers.team_registration.check_change

    def update_meanwhile(*args: Any, **kwargs: Any) -> Any:
        assert api.put(path, {"description": "changed meanwhile"}).status == 200
        return real_check(*args, **kwargs)

    monkeypatch.setattr(handlers.team_registration, "check_change", update_meanwhile)
    # WHEN the deregistration loses
    answer = api.delete(path)
    monkeypatch.undo()
    # THEN it answers 409, and the team stays active with credentials that still work
    assert answer.status == 409
    assert api.get(path).body["status"] == "active"
    secret = registration["credentials"]["client_secret"]
    assert _authenticates(services, team["client_id"], secret)
    assert _pending(services) == []
    # AND a retry deregisters it, client included
    assert api.delete(path).status == 204
    assert team["client_id"] not in _client_ids(services)


def test_a_client_the_identity_provider_fails_to_delete_is_deleted_later(
    api: LambdaApi, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an identity provider that fails while a team is deregistered
    team = api.register_team("payments")["team"]

    def down(client_id: str) -> None:
        raise Unavailable(detail="the identity provider is down")

    monkeypatch.setattr(services.identity, "delete_client", down)
    # WHEN the team is deregistered
    assert api.delete(f"/teams/{team['team_id']}").status == 204
    monkeypatch.undo()
    # THEN the decision stands, and the client's deletion is remembered
    assert api.get(f"/teams/{team['team_id']}").status == 404
    assert team["client_id"] in _client_ids(services)
    assert _pending(services) == [f"delete#{team['client_id']}"]
    # AND reconciling finishes it
    assert services.team_clients.reconcile().deletions_finished == [team["client_id"]]
    assert team["client_id"] not in _client_ids(services)
    assert _pending(services) == []


# The local admin client --------------------------------------------------------------------------


def test_an_admin_client_whose_file_was_never_written_is_deleted(
    settings: Settings, services: Services
) -> None:
    identity = services.identity
    assert isinstance(identity, LocalIdentityProvider)
    # GIVEN an admin client registered by a start that died before saving it
    lost = identity.create_client("gateway-admin", ["https://gateway.internal/admin"])
    # WHEN the next start makes (and saves) its admin client
    admin = ensure_admin_client(settings, identity)
    # THEN the lost one is gone
    assert _client_ids(services) == {admin.client_id}
    assert lost.client_id != admin.client_id


# gatewayctl doctor -------------------------------------------------------------------------------


def test_doctor_reports_then_repairs(
    settings: Settings, dispatcher: Dispatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = dispatcher.services
    api = LambdaApi(dispatcher)
    kept = api.register_team("kept")["team"]
    # GIVEN an orphan of a dead registration, and a team-* client nobody announced
    monkeypatch.setattr(
        "controlplane.team_clients.this_process",
        lambda: f"{socket.gethostname()}:{_dead_pid()}",
    )
    orphan, _ = services.team_clients.create("ghost", [INVOKE_SCOPE])
    monkeypatch.undo()
    stray = services.identity.create_client("team-by-hand", [INVOKE_SCOPE])
    env = {"GATEWAY_DATA_DIR": str(settings.data_dir)}
    runner = CliRunner()
    # WHEN checking: THEN it says what it would do, changes nothing, and exits 1
    checked = runner.invoke(gatewayctl, ["doctor", "--check"], env=env)
    assert checked.exit_code == 1, checked.output
    assert f"would delete OAuth client {orphan.client_id}" in checked.output
    assert f"unattached OAuth client {stray.client_id}" in checked.output
    assert orphan.client_id in _client_ids(services)
    # WHEN repairing: THEN the orphan goes, the stray one is only reported
    repaired = runner.invoke(gatewayctl, ["doctor"], env=env)
    assert repaired.exit_code == 1, repaired.output
    assert f"deleted OAuth client {orphan.client_id}" in repaired.output
    assert "--delete-unattached" in repaired.output
    assert _client_ids(services) == {kept["client_id"], stray.client_id}
    # WHEN asked to delete unattached clients too: THEN all is well
    cleaned = runner.invoke(gatewayctl, ["doctor", "--delete-unattached"], env=env)
    assert cleaned.exit_code == 0, cleaned.output
    assert _client_ids(services) == {kept["client_id"]}
    assert runner.invoke(gatewayctl, ["doctor"], env=env).output.startswith("ok:")


def test_doctor_reports_a_team_its_indexes_disagree_with(
    settings: Settings, dispatcher: Dispatcher
) -> None:
    api = LambdaApi(dispatcher)
    team = api.register_team("payments")["team"]
    dispatcher.services.store.write(Delete("TEAM_NAME", "payments"))
    result = CliRunner().invoke(
        gatewayctl, ["doctor", "--check"], env={"GATEWAY_DATA_DIR": str(settings.data_dir)}
    )
    assert result.exit_code == 1
    assert f"inconsistent: team {team['team_id']}: the name index" in result.output
    assert api.get(f"/teams/{team['team_id']}").status == 200


def test_sealing_key_is_made_once(tmp_path: Path) -> None:
    from controlplane.sealing import DataDirSealer

    first = DataDirSealer.from_data_dir(tmp_path)
    second = DataDirSealer.from_data_dir(tmp_path)
    sealed = first.seal(b"secret", {"record": "a"})
    assert second.open(sealed, {"record": "a"}) == b"secret"


def test_an_answer_recorded_in_the_clear_by_an_earlier_version_is_refused_not_a_500(
    api: LambdaApi, services: Services
) -> None:
    # GIVEN an answer an earlier version recorded in the clear
    api.post("/teams", TEAM, headers={"Idempotency-Key": "old"})
    (item,) = services.store.query("IDEMPOTENCY").items
    legacy = {"fingerprint": item.data["fingerprint"], "status": 201, "headers": {}, "body": "{}"}
    services.store.write(Put("IDEMPOTENCY", item.sk, legacy))
    # WHEN it is replayed: THEN a clear 409 asks for a new key
    answer = api.post("/teams", TEAM, headers={"Idempotency-Key": "old"})
    assert answer.status == 409
    assert "use a new key" in answer.body["detail"]
