"""One module per Lambda of the route map; each has its operations and one `lambda_handler`."""

FUNCTIONS = (
    "team_registration",
    "budget_admin",
    "pricing_admin",
    "routing_config",
    "content_scanner",
    "usage_api",
    "audit_log",
    "usage_ingest",
    "budget_check",
)
"""Every Lambda function: the seven the admin API contract names, then the two without HTTP
routes. Terraform deploys exactly these; the artifact, IAM and cold-start checks use this list."""
