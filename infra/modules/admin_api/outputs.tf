output "url" {
  description = "Base URL of the admin API's stage (append the contract's paths, e.g. /teams)."
  value       = aws_api_gateway_stage.this.invoke_url
}

output "rest_api_id" {
  description = "Id of the REST API."
  value       = aws_api_gateway_rest_api.this.id
}

output "stage_arn" {
  description = "ARN of the stage (for a WAF association made elsewhere)."
  value       = aws_api_gateway_stage.this.arn
}

output "operations" {
  description = "Each operation of the contract: the function it invokes, its method and resource path."
  value       = local.operations
}
