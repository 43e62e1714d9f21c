from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.audit_resource_type import AuditResourceType, check_audit_resource_type

if TYPE_CHECKING:
    from ..models.audit_record_after_type_0 import AuditRecordAfterType0
    from ..models.audit_record_before_type_0 import AuditRecordBeforeType0


T = TypeVar("T", bound="AuditRecord")


@_attrs_define
class AuditRecord:
    """One change made through the API: when, by whom (the OAuth client of the token), by which
    operation, to which resource, in which request, and the resource before and after it.

        Example:
            {'audit_id': 'au_01jd2x3y4z5a6b7c8d9e0f1g2h', 'at': '2026-11-22T14:05:00Z', 'actor':
                '5b1n1c2f0kq7v3lq9l7c0s1f8e', 'action': 'updateBudget', 'resource': '/budgets/bg_01jd2x3y4z5a6b7c8d9e0f1g2h',
                'resource_type': 'budgets', 'resource_id': 'bg_01jd2x3y4z5a6b7c8d9e0f1g2h', 'request_id':
                '5f0c2b52-8a0e-4b8e-9d59-2f7c1d0a3b1e', 'before': {'budget_id': 'bg_01jd2x3y4z5a6b7c8d9e0f1g2h', 'amount_usd':
                '100.000000'}, 'after': {'budget_id': 'bg_01jd2x3y4z5a6b7c8d9e0f1g2h', 'amount_usd': '250.000000'}}

        Attributes:
            audit_id (str): The record's id.
            at (datetime.datetime): A UTC timestamp (RFC 3339). Example: 2026-11-22T14:05:00Z.
            actor (str): An OAuth client id (a Cognito app client, or the local server's stand-in). Example:
                5b1n1c2f0kq7v3lq9l7c0s1f8e.
            action (str): The `operationId` of the change (one of `AuditAction`).
            resource (str): The path the change was requested on (the collection, e.g. `/teams`, for a creation).
            resource_type (AuditResourceType): The kind of resource a change was made to: the first segment of its path
                (`/teams/…`,
                `/budgets/…`, `/pricing/…`, `/routing/…`, `/scanner/…`).
                 Example: teams.
            resource_id (str): The resource a change was made to: a team, budget, routing rule or scanner policy id, or
                `<provider>/<model>` of a price override.
                 Example: tm_01jd2x3y4z5a6b7c8d9e0f1g2h.
            request_id (str): Id of the request that made the change, to find it in the logs.
            before (AuditRecordBeforeType0 | None): The resource before the change, secrets redacted; null when there was
                none (a creation).
            after (AuditRecordAfterType0 | None): The resource after the change, secrets redacted; null when there is none
                (a deletion).
    """

    audit_id: str
    at: datetime.datetime
    actor: str
    action: str
    resource: str
    resource_type: AuditResourceType
    resource_id: str
    request_id: str
    before: AuditRecordBeforeType0 | None
    after: AuditRecordAfterType0 | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.audit_record_after_type_0 import AuditRecordAfterType0
        from ..models.audit_record_before_type_0 import AuditRecordBeforeType0

        audit_id = self.audit_id

        at = self.at.isoformat()

        actor = self.actor

        action = self.action

        resource = self.resource

        resource_type: str = self.resource_type

        resource_id = self.resource_id

        request_id = self.request_id

        before: dict[str, Any] | None
        if isinstance(self.before, AuditRecordBeforeType0):
            before = self.before.to_dict()
        else:
            before = self.before

        after: dict[str, Any] | None
        if isinstance(self.after, AuditRecordAfterType0):
            after = self.after.to_dict()
        else:
            after = self.after

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "audit_id": audit_id,
                "at": at,
                "actor": actor,
                "action": action,
                "resource": resource,
                "resource_type": resource_type,
                "resource_id": resource_id,
                "request_id": request_id,
                "before": before,
                "after": after,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.audit_record_after_type_0 import AuditRecordAfterType0
        from ..models.audit_record_before_type_0 import AuditRecordBeforeType0

        d = dict(src_dict)
        audit_id = d.pop("audit_id")

        at = datetime.datetime.fromisoformat(d.pop("at"))

        actor = d.pop("actor")

        action = d.pop("action")

        resource = d.pop("resource")

        resource_type = check_audit_resource_type(d.pop("resource_type"))

        resource_id = d.pop("resource_id")

        request_id = d.pop("request_id")

        def _parse_before(data: object) -> AuditRecordBeforeType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                before_type_0 = AuditRecordBeforeType0.from_dict(data)

                return before_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AuditRecordBeforeType0 | None, data)

        before = _parse_before(d.pop("before"))

        def _parse_after(data: object) -> AuditRecordAfterType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                after_type_0 = AuditRecordAfterType0.from_dict(data)

                return after_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AuditRecordAfterType0 | None, data)

        after = _parse_after(d.pop("after"))

        audit_record = cls(
            audit_id=audit_id,
            at=at,
            actor=actor,
            action=action,
            resource=resource,
            resource_type=resource_type,
            resource_id=resource_id,
            request_id=request_id,
            before=before,
            after=after,
        )

        audit_record.additional_properties = d
        return audit_record

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
