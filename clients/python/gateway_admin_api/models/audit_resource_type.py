from typing import Literal

AuditResourceType = Literal["budgets", "pricing", "routing", "scanner", "teams"]

AUDIT_RESOURCE_TYPE_VALUES: set[AuditResourceType] = {
    "budgets",
    "pricing",
    "routing",
    "scanner",
    "teams",
}


def check_audit_resource_type(value: str) -> AuditResourceType:
    if value in AUDIT_RESOURCE_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {AUDIT_RESOURCE_TYPE_VALUES!r}")
