"""team_registration: teams and their OAuth clients (`/teams`)."""

from __future__ import annotations

from typing import Any

from controlplane.adapters.apigw import handle_event
from controlplane.adapters.lambda_entry import lambda_entry
from controlplane.api.context import RequestContext
from controlplane.api.operations import Reply, operation
from controlplane.api.resources import (
    audit,
    changed_concurrently,
    commit_answer,
    delete_versioned,
    merged,
    read,
    save_replacement,
)
from controlplane.config_publisher import ConfigChange, check_change, publish
from controlplane.domain.teams import DEFAULT_ALERT_THRESHOLDS, default_budget_usd
from controlplane.ids import new_id
from controlplane.money import format_usd
from controlplane.settings import INVOKE_SCOPE
from controlplane.store.port import MustNotExist, Write
from controlplane.store.repositories import Guarded, commit, taken
from generated.models import (
    Budget,
    ClientCredentials,
    DeleteTeamParameters,
    GetTeamParameters,
    ListTeamsParameters,
    RotateTeamSecretParameters,
    Team,
    TeamCreate,
    TeamList,
    TeamRegistration,
    TeamUpdate,
    UpdateTeamParameters,
)


@operation("listTeams")
def list_teams(ctx: RequestContext, params: ListTeamsParameters) -> Reply:
    items, cursor = ctx.services.teams.page(
        params.cursor, params.limit, lambda team: params.status in (None, team.status)
    )
    return Reply(TeamList(items=items, next_cursor=cursor))


@operation("createTeam")
def create_team(ctx: RequestContext, body: TeamCreate) -> Reply:
    services = ctx.services
    services.team_names.ensure_free(body.name, taken("name", body.name, "team"))
    team_id = new_id("tm")
    now = services.now()
    issued, settle = services.team_clients.create(body.name, [INVOKE_SCOPE])
    team = Team(
        team_id=team_id,
        name=body.name,
        contact_email=body.contact_email,
        tier=body.tier,
        status="active",
        description=body.description,
        cost_center=body.cost_center,
        client_id=issued.client_id,
        created_at=now,
        updated_at=now,
    )
    writes: list[Guarded | Write] = [
        Guarded(services.team_names.claim(body.name, team_id), taken("name", body.name, "team")),
        services.teams.put(team_id, team, MustNotExist()),
        services.client_teams.claim(issued.client_id, team_id),
        settle,
    ]
    budget = _default_budget(team)
    if budget is not None:
        writes += [
            services.budgets.put(budget.budget_id, budget, MustNotExist()),
            services.team_budgets.claim(team_id, budget.budget_id),
        ]
    writes.append(audit(ctx, "createTeam", None, team))
    reply = Reply(
        TeamRegistration(
            team=team,
            credentials=ClientCredentials(
                client_id=issued.client_id,
                client_secret=issued.client_secret,
                token_endpoint=services.identity.token_endpoint,
                scopes=list(issued.scopes),
            ),
            budget_id=budget.budget_id if budget else None,
        ),
        status=201,
        etag=1,
        location=f"/teams/{team_id}",
    )
    try:
        # With the Idempotency-Key's answer (sealed): a retry after a crash gets this secret.
        return commit_answer(ctx, writes, reply)
    except BaseException:
        # All or nothing: the client must not outlive a registration that did not happen.
        services.team_clients.discard(issued, settle)
        raise


def _default_budget(team: Team) -> Budget | None:
    amount = default_budget_usd(team.tier)
    if amount is None:
        return None
    return Budget(
        budget_id=new_id("bg"),
        team_id=team.team_id,
        amount_usd=format_usd(amount),
        period="monthly",
        model_limits=[],
        alert_thresholds=list(DEFAULT_ALERT_THRESHOLDS),
        enforcement="hard",
        created_at=team.created_at,
        updated_at=team.created_at,
    )


@operation("getTeam")
def get_team(ctx: RequestContext, params: GetTeamParameters) -> Reply:
    return read(ctx.services.teams, params.team_id)


@operation("updateTeam")
def update_team(ctx: RequestContext, params: UpdateTeamParameters, body: TeamUpdate) -> Reply:
    teams = ctx.services.teams
    current = teams.require(params.team_id)
    team = merged(current.value, body, updated_at=ctx.services.now())
    version = save_replacement(ctx, teams, params.team_id, current, team, action="updateTeam")
    return Reply(team, etag=version)


@operation("deleteTeam")
def delete_team(ctx: RequestContext, params: DeleteTeamParameters) -> Reply:
    services = ctx.services
    current = services.teams.require(params.team_id)
    ctx.check_version(current.version)
    team = current.value
    also: list[Guarded | Write] = [
        services.team_names.release(team.name),
        services.client_teams.release(team.client_id),
        # Remembered so the budget check can answer "deregistered" (403) rather than "unknown
        # client" to a token of this client that is still within its lifetime.
        services.retired_clients.claim(team.client_id, team.team_id),
        # The client is deleted once this commits (the decision first); the announcement lets
        # `gatewayctl doctor` finish the deletion if this process dies before it does.
        services.team_clients.retire(team.client_id),
    ]
    budget_id = services.team_budgets.lookup(team.team_id)
    if budget_id is None:
        # A budget created meanwhile would be orphaned: make that a conflict instead.
        also.append(
            Guarded(services.team_budgets.must_be_free(team.team_id), changed_concurrently(ctx))
        )
    else:
        also += [services.team_budgets.release(team.team_id), services.budgets.delete(budget_id)]
    # Policies scoped to this team no longer name its client: the config changes too.
    config = check_change(services, ConfigChange(teams_removed=frozenset({team.team_id})))
    also.append(config.write)
    delete_versioned(ctx, services.teams, team.team_id, current, action="deleteTeam", also=also)
    services.team_clients.finish_retiring(team.client_id)
    publish(services, config)
    return Reply(status=204)


@operation("rotateTeamSecret")
def rotate_team_secret(ctx: RequestContext, params: RotateTeamSecretParameters) -> Reply:
    services = ctx.services
    team = services.teams.require(params.team_id).value
    issued = services.identity.rotate_secret(team.client_id)
    commit(services.store, [audit(ctx, "rotateTeamSecret", None, None)])
    return Reply(
        ClientCredentials(
            client_id=issued.client_id,
            client_secret=issued.client_secret,
            token_endpoint=services.identity.token_endpoint,
            scopes=list(issued.scopes),
        )
    )


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle_event(event, context)
