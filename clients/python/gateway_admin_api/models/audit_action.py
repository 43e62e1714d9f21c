from typing import Literal

AuditAction = Literal[
    "createBudget",
    "createRoutingRule",
    "createScannerPolicy",
    "createTeam",
    "deleteBudget",
    "deletePriceOverride",
    "deleteRoutingRule",
    "deleteScannerPolicy",
    "deleteTeam",
    "putPriceOverride",
    "rotateTeamSecret",
    "updateBudget",
    "updateRoutingRule",
    "updateScannerPolicy",
    "updateTeam",
]

AUDIT_ACTION_VALUES: set[AuditAction] = {
    "createBudget",
    "createRoutingRule",
    "createScannerPolicy",
    "createTeam",
    "deleteBudget",
    "deletePriceOverride",
    "deleteRoutingRule",
    "deleteScannerPolicy",
    "deleteTeam",
    "putPriceOverride",
    "rotateTeamSecret",
    "updateBudget",
    "updateRoutingRule",
    "updateScannerPolicy",
    "updateTeam",
}


def check_audit_action(value: str) -> AuditAction:
    if value in AUDIT_ACTION_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {AUDIT_ACTION_VALUES!r}")
