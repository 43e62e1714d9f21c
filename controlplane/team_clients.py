"""Teams' OAuth clients live in the identity provider, teams in the store: keep the two in step.

A registration creates the client before it commits the team (the team names the client's id),
and a deregistration commits before it deletes the client (the decision must come first). A crash
or a lost race in between would leave a client that belongs to no team, or a deleted team whose
client still works. So each side effect is announced in the store first (`CLIENT_PENDING`):

- `create#<client name>`: written before the client is created; removed in the transaction that
  commits the team. Client names carry a random suffix, so the announcement finds its client.
- `delete#<client id>`: written in the transaction that deletes the team; removed once the
  identity provider has deleted the client.

`reconcile` settles what a crash left: a client announced but never committed is deleted, a
deletion decided but not done is done. An announcement is settled only once the request that made
it cannot still commit: its process is gone (same host), or its deadline has passed.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from controlplane.clock import Clock, isoformat
from controlplane.errors import DomainError
from controlplane.identity.port import IdentityProvider, IssuedClient
from controlplane.processes import process_gone, this_process
from controlplane.store.port import Delete, Item, MustNotExist, Put, Store
from controlplane.store.repositories import UniqueIndex, every_item

log = logging.getLogger(__name__)

PENDING = "CLIENT_PENDING"
DEADLINE_SECONDS = 900
"""How long a registration may take to commit after announcing its client: Lambda's longest
timeout, so no request can still commit an announcement older than this."""


@dataclass
class ReconcileReport:
    clients_deleted: list[str] = field(default_factory=list)
    """Clients announced by registrations that never committed, now deleted."""
    registrations_committed: list[str] = field(default_factory=list)
    """Announcements whose team did commit (the announcement alone was left behind)."""
    deletions_finished: list[str] = field(default_factory=list)
    """Clients of deregistered teams whose deletion was decided but not done, now done."""
    waiting: list[str] = field(default_factory=list)
    """Announcements of requests that may still commit (left for a later run)."""
    failed: list[str] = field(default_factory=list)
    """What the identity provider refused this time (retried by the next run)."""

    @property
    def changed(self) -> bool:
        return bool(self.clients_deleted or self.registrations_committed or self.deletions_finished)


class TeamClients:
    def __init__(
        self, store: Store, identity: IdentityProvider, client_teams: UniqueIndex, clock: Clock
    ) -> None:
        self.store = store
        self.identity = identity
        self.client_teams = client_teams
        self.clock = clock

    # Registration --------------------------------------------------------------------------------

    def create(self, team_name: str, scopes: list[str]) -> tuple[IssuedClient, Delete]:
        """A new client for the team, announced first; and the write that settles the
        announcement, to commit with the team."""
        name = f"team-{team_name}-{secrets.token_hex(4)}"
        now = self.clock()
        self.store.write(
            Put(
                PENDING,
                f"create#{name}",
                {
                    "name": name,
                    "owner": this_process(),
                    "at": isoformat(now),
                    "deadline": int(now.timestamp()) + DEADLINE_SECONDS,
                },
                MustNotExist(),
            )
        )
        issued = self.identity.create_client(name, scopes)
        return issued, Delete(PENDING, f"create#{name}")

    def discard(self, issued: IssuedClient, settle: Delete) -> None:
        """Undo `create` after its registration failed, unless the registration committed all
        the same (a store timeout whose write went through). Best effort: what fails here stays
        announced, and `reconcile` finishes it."""
        try:
            if self.client_teams.lookup(issued.client_id) is not None:
                return
            self.identity.delete_client(issued.client_id)
            self.store.write(settle)
        except DomainError:
            log.exception(
                "could not delete OAuth client %s of a failed registration", issued.client_id
            )

    # Deregistration ------------------------------------------------------------------------------

    def retire(self, client_id: str) -> Put:
        """The write announcing that the client must be deleted, to commit with the team's
        deletion."""
        return Put(
            PENDING,
            f"delete#{client_id}",
            {"client_id": client_id, "at": isoformat(self.clock())},
        )

    def finish_retiring(self, client_id: str) -> bool:
        """Delete the retired client, then its announcement; False (logged) when the identity
        provider fails: the announcement stays, and `reconcile` retries."""
        try:
            self.identity.delete_client(client_id)
            self.store.write(Delete(PENDING, f"delete#{client_id}"))
        except DomainError:
            log.exception("could not delete OAuth client %s of a deregistered team", client_id)
            return False
        return True

    # Recovery ------------------------------------------------------------------------------------

    def reconcile(self, *, dry_run: bool = False) -> ReconcileReport:
        """Settle every announcement that no running request can still settle."""
        report = ReconcileReport()
        now = self.clock()
        names: dict[str, list[str]] | None = None
        for item in list(every_item(self.store, PENDING)):
            if item.sk.startswith("delete#"):
                client_id = item.data["client_id"]
                if dry_run or self.finish_retiring(client_id):
                    report.deletions_finished.append(client_id)
                else:
                    report.failed.append(f"delete {client_id}")
                continue
            if not self._settled(item, now):
                report.waiting.append(item.data["name"])
                continue
            if names is None:
                names = self._clients_by_name()
            self._settle_creation(item, names.get(item.data["name"], []), report, dry_run)
        return report

    @staticmethod
    def _settled(item: Item, now: datetime) -> bool:
        return now.timestamp() > item.data["deadline"] or process_gone(item.data["owner"])

    def _clients_by_name(self) -> dict[str, list[str]]:
        by_name: dict[str, list[str]] = {}
        for client in self.identity.list_clients():
            by_name.setdefault(client.name, []).append(client.client_id)
        return by_name

    def _settle_creation(
        self, item: Item, client_ids: list[str], report: ReconcileReport, dry_run: bool
    ) -> None:
        name = item.data["name"]
        try:
            for client_id in client_ids:
                if self.client_teams.lookup(client_id) is not None:
                    report.registrations_committed.append(client_id)
                    continue
                if not dry_run:
                    self.identity.delete_client(client_id)
                report.clients_deleted.append(client_id)
            if not dry_run:
                self.store.write(Delete(PENDING, item.sk))
        except DomainError:
            log.exception("could not settle the creation of OAuth client %s", name)
            report.failed.append(f"create {name}")
