output "url" {
  description = "Base URL coding agents use: https://<domain_name> (or the load balancer's DNS name without one); /v1/chat/completions and /v1/messages below it."
  value       = "https://${coalesce(var.domain_name, aws_lb.this.dns_name)}"
}

output "alb_dns_name" {
  description = "DNS name of the load balancer: point domain_name at it (CNAME, or a Route 53 alias with alb_zone_id)."
  value       = aws_lb.this.dns_name
}

output "alb_zone_id" {
  description = "Hosted zone id of the load balancer, for a Route 53 alias record."
  value       = aws_lb.this.zone_id
}

output "budget_check_url" {
  description = "Where agentgateway reaches the budget check in this deployment: the sidecar, on the task's loopback. The control plane renders the config with it (GATEWAY_BUDGET_CHECK_URL)."
  value       = local.budget_check_url
}

output "access_log_group_name" {
  description = "Log group of agentgateway's JSON access log (usage_ingest subscribes to it)."
  value       = aws_cloudwatch_log_group.access.name
}

output "cluster_name" {
  description = "The ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "service_name" {
  description = "The ECS service running agentgateway and its sidecars."
  value       = aws_ecs_service.agentgateway.name
}

output "task_role_arn" {
  description = "The task role (config object, store reads, Bedrock)."
  value       = aws_iam_role.task.arn
}
