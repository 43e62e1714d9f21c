output "admin_api_url" {
  description = "Base URL of the admin API (null unless enable_admin_api = true): curl -H \"Authorization: Bearer $TOKEN\" $ADMIN_API_URL/teams."
  value       = var.enable_admin_api ? module.admin_api[0].url : null
}

output "token_endpoint" {
  description = "Cognito's OAuth2 token endpoint (client-credentials grant) for operators and teams."
  value       = module.identity.token_endpoint
}

output "admin_client_id" {
  description = "Client id of the operators' admin app client."
  value       = module.identity.admin_client_id
}

output "admin_client_secret" {
  description = "Client secret of the admin app client: terraform output -raw admin_client_secret."
  value       = module.identity.admin_client_secret
  sensitive   = true
}

output "admin_scope" {
  description = "Scope to ask for with the admin client."
  value       = module.identity.admin_scope
}

output "issuer" {
  description = "Issuer of the gateway's access tokens (JWKS at <issuer>/.well-known/jwks.json)."
  value       = module.identity.issuer
}

output "user_pool_id" {
  description = "The Cognito user pool of the gateway."
  value       = module.identity.user_pool_id
}

output "table_name" {
  description = "The store's DynamoDB table."
  value       = module.control_plane.table_name
}

output "config_s3_uri" {
  description = "Where the rendered agentgateway config is published."
  value       = "s3://${module.control_plane.config_bucket}/${module.control_plane.config_object_key}"
}

output "alerts_topic_arn" {
  description = "SNS topic of budget alerts and alarms."
  value       = module.control_plane.alerts_topic_arn
}

output "budget_check_url" {
  description = "The budget check's Function URL (agentgateway's promptGuard webhook)."
  value       = module.control_plane.budget_check_url
}

output "function_names" {
  description = "The nine Lambda functions, by handler module."
  value       = module.control_plane.function_names
}

output "ingest_failure_queue_url" {
  description = "SQS queue of ingestion batches that failed after retries."
  value       = module.control_plane.ingest_failure_queue_url
}

output "inference_url" {
  description = "Base URL of the inference plane (null unless enable_inference_plane = true): coding agents send /v1/chat/completions and /v1/messages there with a team's token."
  value       = var.enable_inference_plane ? module.inference[0].url : null
}

output "inference_alb_dns_name" {
  description = "DNS name of the inference plane's load balancer: point inference_domain_name at it (null without the inference plane)."
  value       = var.enable_inference_plane ? module.inference[0].alb_dns_name : null
}
