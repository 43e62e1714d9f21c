output "table_name" {
  description = "The store's DynamoDB table."
  value       = aws_dynamodb_table.store.name
}

output "table_arn" {
  description = "ARN of the store's table."
  value       = aws_dynamodb_table.store.arn
}

output "config_bucket" {
  description = "Bucket the rendered agentgateway config is published to."
  value       = aws_s3_bucket.config.id
}

output "config_object_key" {
  description = "Key of the rendered agentgateway config in the bucket."
  value       = var.config_object_key
}

output "alerts_topic_arn" {
  description = "SNS topic of budget alerts (attributes `team`, `threshold`) and of the alarms; subscribe operators to it."
  value       = aws_sns_topic.alerts.arn
}

output "kms_key_arn" {
  description = "The control plane's customer-managed KMS key."
  value       = aws_kms_key.this.arn
}

output "function_names" {
  description = "Lambda function name of each of the nine functions, by handler module."
  value       = local.function_names
}

output "api_function_invoke_arns" {
  description = "Invoke ARN of each admin API function (the contract's `<name>_invoke_arn` template variables)."
  value       = { for name in var.api_functions : name => aws_lambda_function.this[name].invoke_arn }
}

output "budget_check_url" {
  description = "The budget check's Function URL: agentgateway's promptGuard webhook target."
  value       = aws_lambda_function_url.budget_check.function_url
}

output "ingest_failure_queue_url" {
  description = "SQS queue of CloudWatch Logs batches usage_ingest gave up on (replay them: batches apply exactly once)."
  value       = aws_sqs_queue.ingest_failures.url
}

output "environment" {
  description = "The settings every function gets (`GATEWAY_*`, none secret): the inference plane's budget check sidecar reads the store with the same."
  value       = local.environment
}
