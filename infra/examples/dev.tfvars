# A development deployment: everything on, nothing protected (terraform destroy removes it all).
aws_region          = "us-east-1"
name_prefix         = "llm-gw-dev"
enable_admin_api    = true
deletion_protection = false

# The inference plane (agentgateway on ECS behind an ALB) needs your VPC and a certificate, and
# the control plane's image (see infra/README.md, "The inference plane"). Off here; to turn it on:
enable_inference_plane = false
# inference_vpc_id             = "vpc-0123456789abcdef0"
# inference_public_subnet_ids  = ["subnet-0aaa0000000000001", "subnet-0aaa0000000000002"]
# inference_private_subnet_ids = ["subnet-0bbb0000000000001", "subnet-0bbb0000000000002"]
# inference_certificate_arn    = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-..."
# inference_domain_name        = "llm-dev.example.com"
# control_plane_image          = "123456789012.dkr.ecr.us-east-1.amazonaws.com/llm-gateway-control-plane:0.1.0"
# provider_api_key_secret_arns = { ANTHROPIC_API_KEY = "arn:aws:secretsmanager:us-east-1:123456789012:secret:llm-gw/anthropic-AbCdEf" }
# inference_min_count          = 1
#
# Without it, run agentgateway yourself and subscribe usage ingestion to its access log:
# agentgateway_log_group_name = "/ecs/agentgateway"

api_throttling_rate_limit  = 20
api_throttling_burst_limit = 40
log_retention_days         = 14

tags = {
  Environment = "dev"
}
