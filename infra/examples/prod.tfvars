# A production deployment: deletion protection on, longer log retention, fail-closed budgets.
aws_region          = "us-east-1"
name_prefix         = "llm-gw-prod"
enable_admin_api    = true
deletion_protection = true

cognito_domain_prefix = "example-llm-gateway"

# The inference plane: agentgateway on ECS behind an internet-facing ALB in your VPC. Its access
# log group is created and subscribed to usage ingestion (no agentgateway_log_group_name).
enable_inference_plane       = true
inference_vpc_id             = "vpc-0123456789abcdef0"
inference_public_subnet_ids  = ["subnet-0aaa0000000000001", "subnet-0aaa0000000000002", "subnet-0aaa0000000000003"]
inference_private_subnet_ids = ["subnet-0bbb0000000000001", "subnet-0bbb0000000000002", "subnet-0bbb0000000000003"]
inference_certificate_arn    = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0"
inference_domain_name        = "llm.example.com"
control_plane_image          = "123456789012.dkr.ecr.us-east-1.amazonaws.com/llm-gateway-control-plane:0.1.0"
inference_min_count          = 2
inference_max_count          = 20
provider_api_key_secret_arns = {
  ANTHROPIC_API_KEY = "arn:aws:secretsmanager:us-east-1:123456789012:secret:llm-gw/anthropic-AbCdEf"
  OPENAI_API_KEY    = "arn:aws:secretsmanager:us-east-1:123456789012:secret:llm-gw/openai-GhIjKl"
}
bedrock_model_ids = ["anthropic.claude-*"]
# inference_waf_web_acl_arn = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/inference/..."

budget_check_fail_mode            = "closed"
budget_check_reserved_concurrency = 200

api_throttling_rate_limit  = 50
api_throttling_burst_limit = 100
log_retention_days         = 365
# api_waf_web_acl_arn = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/admin-api/..."

tags = {
  Environment = "prod"
}
