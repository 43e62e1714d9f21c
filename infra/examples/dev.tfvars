# A development deployment: everything on, nothing protected (terraform destroy removes it all).
aws_region          = "us-east-1"
name_prefix         = "llm-gw-dev"
enable_admin_api    = true
deletion_protection = false

# Subscribe usage ingestion to agentgateway's access log once the inference plane writes it:
# agentgateway_log_group_name = "/ecs/agentgateway"

api_throttling_rate_limit  = 20
api_throttling_burst_limit = 40
log_retention_days         = 14

tags = {
  Environment = "dev"
}
