variable "name_prefix" {
  description = "Prefix of every name this module creates (REST API, log group, roles)."
  type        = string
}

variable "contract_path" {
  description = "Path of openapi.yaml: the API's body (rendered with templatefile) and the source of the Lambda permissions."
  type        = string
}

variable "function_names" {
  description = "Lambda function name of each function the contract names (`x-amazon-apigateway-integration.uri: $${<name>_invoke_arn}`)."
  type        = map(string)
}

variable "function_invoke_arns" {
  description = "Invoke ARN of each function the contract names: the contract's `<name>_invoke_arn` template variables."
  type        = map(string)
}

variable "user_pool_arn" {
  description = "ARN of the Cognito user pool of the API's authorizer (the contract's `cognito_user_pool_arn`)."
  type        = string
}

variable "stage_name" {
  description = "Name of the API's stage (the last segment of admin_api_url)."
  type        = string
  default     = "v1"
}

variable "throttling_rate_limit" {
  description = "Steady-state requests per second the stage accepts across all operations."
  type        = number
  default     = 50
}

variable "throttling_burst_limit" {
  description = "Burst of requests the stage accepts above the steady rate."
  type        = number
  default     = 100
}

variable "xray_tracing" {
  description = "X-Ray tracing of the stage."
  type        = bool
  default     = true
}

variable "metrics_enabled" {
  description = "Detailed CloudWatch metrics per method (count, latency, 4xx, 5xx per operation)."
  type        = bool
  default     = true
}

variable "execution_logging_level" {
  description = "Execution logging of the stage: OFF, ERROR or INFO (request and response bodies are never logged)."
  type        = string
  default     = "ERROR"

  validation {
    condition     = contains(["OFF", "ERROR", "INFO"], var.execution_logging_level)
    error_message = "execution_logging_level must be OFF, ERROR or INFO."
  }
}

variable "log_retention_days" {
  description = "Retention of the stage's access log group, in days."
  type        = number
  default     = 365
}

variable "kms_key_arn" {
  description = "KMS key encrypting the access log group."
  type        = string
}

variable "manage_cloudwatch_role" {
  description = "Set API Gateway's account-wide CloudWatch Logs role (aws_api_gateway_account: one per account and region). Turn off if the account already has one; logging needs it."
  type        = bool
  default     = true
}

variable "waf_web_acl_arn" {
  description = "ARN of a regional WAFv2 web ACL to associate with the stage (null: none)."
  type        = string
  default     = null
}

variable "fail_on_import_warnings" {
  description = "Refuse the API body when API Gateway's OpenAPI import warns. Off by default: the contract's `example`s and query `default`s are documentation API Gateway ignores (the offline lint lists what it drops); turn it on to see the import's own word."
  type        = bool
  default     = false
}
