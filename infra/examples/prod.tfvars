# A production deployment: deletion protection on, longer log retention, fail-closed budgets.
aws_region          = "us-east-1"
name_prefix         = "llm-gw-prod"
enable_admin_api    = true
deletion_protection = true

cognito_domain_prefix       = "example-llm-gateway"
agentgateway_log_group_name = "/ecs/agentgateway"

budget_check_fail_mode            = "closed"
budget_check_reserved_concurrency = 200

api_throttling_rate_limit  = 50
api_throttling_burst_limit = 100
log_retention_days         = 365
# api_waf_web_acl_arn = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/admin-api/..."

tags = {
  Environment = "prod"
}
