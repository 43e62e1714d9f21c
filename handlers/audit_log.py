"""audit_log: the audit trail of every change made through the API, newest first (`/audit`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from controlplane.adapters.apigw import handle_event
from controlplane.adapters.lambda_entry import lambda_entry
from controlplane.api.context import RequestContext
from controlplane.api.operations import Reply, operation
from controlplane.errors import BadRequest, FieldProblem
from generated.models import AuditRecord, AuditRecordList, ListAuditRecordsParameters

CREATED_ID_FIELDS = {
    "teams": "team_id",
    "budgets": "budget_id",
    "routing": "rule_id",
    "scanner": "policy_id",
}
"""Where a creation's record, whose path is the collection's, has the id the resource was given."""


@operation("listAuditRecords")
def list_audit_records(ctx: RequestContext, params: ListAuditRecordsParameters) -> Reply:
    since = _instant("since", params.since)
    until = _instant("until", params.until)
    if since is not None and until is not None and until < since:
        raise BadRequest(
            detail=f"until ({params.until}) is before since ({params.since})",
            errors=[FieldProblem("until", "must not be before since")],
        )

    def wanted(record: Mapping[str, Any]) -> bool:
        resource_type, resource_id = resource_of(record)
        return (
            params.resource_type in (None, resource_type)
            and params.resource_id in (None, resource_id)
            and params.actor in (None, record["actor"])
            and params.action in (None, record["action"])
        )

    records, cursor = ctx.services.audit.page(
        params.cursor, params.limit, since=since, until=until, keep=wanted
    )
    return Reply(AuditRecordList(items=[_audit_record(r) for r in records], next_cursor=cursor))


def resource_of(record: Mapping[str, Any]) -> tuple[str, str]:
    """The kind and the id of the resource a record's change was made to.

    The kind is the first segment of the path; the id follows it (a price override's is
    `<provider>/<model>`; `/teams/<id>/secret` is the team's), except for a creation, requested
    on the collection, whose id is in the resource it made.
    """
    kind, _, rest = str(record["resource"]).strip("/").partition("/")
    if kind == "pricing":
        return kind, rest
    if rest:
        return kind, rest.split("/", 1)[0]
    return kind, str(record["after"][CREATED_ID_FIELDS[kind]])


def _instant(field: str, text: str | None) -> datetime | None:
    """The instant a filter names; the contract's pattern holds, but the calendar may not."""
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise BadRequest(
            detail=f"{field}: {text!r} is not an instant ({exc})",
            errors=[FieldProblem(field, f"is not a valid date-time: {exc}")],
        ) from exc


def _audit_record(record: Mapping[str, Any]) -> AuditRecord:
    resource_type, resource_id = resource_of(record)
    return AuditRecord.model_validate(
        {**record, "resource_type": resource_type, "resource_id": resource_id}
    )


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle_event(event, context)
