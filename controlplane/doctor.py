"""`gatewayctl doctor`: find (and repair what is safe to repair) what a crash or an outage left.

- Settle the OAuth clients announced in `CLIENT_PENDING` (see team_clients.py): delete the ones
  of registrations that never committed, finish the deletions of deregistered teams' clients.
- Check that every team and its indexes agree (name, client, budget). They are written in one
  transaction, so a disagreement is a bug or a hand edit: it is reported, never "fixed".
- List team clients of the identity provider that no team and no announcement names (made before
  announcements existed, or by hand); deleted only when asked (`--delete-unattached`), since on a
  shared Cognito pool they might belong to someone else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from controlplane.services import Services
from controlplane.store.repositories import every_item
from controlplane.team_clients import PENDING, ReconcileReport

TEAM_CLIENT_PREFIX = "team-"


@dataclass
class Examination:
    reconciled: ReconcileReport
    inconsistencies: list[str] = field(default_factory=list)
    unattached_clients: list[str] = field(default_factory=list)
    deleted_unattached: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        """Nothing is left to do (what is waiting for a running request is not a problem)."""
        return not (
            self.reconciled.failed
            or self.inconsistencies
            or (set(self.unattached_clients) - set(self.deleted_unattached))
        )


def examine(
    services: Services, *, repair: bool = True, delete_unattached: bool = False
) -> Examination:
    found = Examination(services.team_clients.reconcile(dry_run=not repair))
    found.inconsistencies = _inconsistencies(services)
    attached = {item.sk for item in every_item(services.store, "CLIENT")}
    announced = {
        item.data["name"]
        for item in every_item(services.store, PENDING)
        if item.sk.startswith("create#")
    }
    for client in services.identity.list_clients():
        if (
            client.name.startswith(TEAM_CLIENT_PREFIX)
            and client.client_id not in attached
            and client.name not in announced
            and client.client_id not in found.reconciled.clients_deleted
        ):
            found.unattached_clients.append(client.client_id)
            if delete_unattached and repair:
                services.identity.delete_client(client.client_id)
                found.deleted_unattached.append(client.client_id)
    return found


def _inconsistencies(services: Services) -> list[str]:
    problems = []
    teams = {team.team_id: team for team in services.teams.all()}
    for team in teams.values():
        if services.team_names.lookup(team.name) != team.team_id:
            problems.append(f"team {team.team_id}: the name index does not name it ({team.name})")
        if services.client_teams.lookup(team.client_id) != team.team_id:
            problems.append(f"team {team.team_id}: the client index does not name its client")
        budget_id = services.team_budgets.lookup(team.team_id)
        if budget_id is not None and services.budgets.get(budget_id) is None:
            problems.append(f"team {team.team_id}: its budget {budget_id} does not exist")
    for partition, what in (("TEAM_NAME", "name"), ("CLIENT", "client")):
        for item in every_item(services.store, partition):
            if item.data.get("id") not in teams:
                problems.append(f"{what} {item.sk} belongs to no team ({item.data.get('id')})")
    return problems
