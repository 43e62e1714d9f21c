variable "aws_region" {
  description = "AWS region to deploy into."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of every resource name (lowercase letters, digits and hyphens; at most 24 characters)."
  type        = string
  default     = "llm-gateway"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,23}$", var.name_prefix))
    error_message = "name_prefix must be 2-24 characters: lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "tags" {
  description = "Tags added to every resource (through the provider's default_tags)."
  type        = map(string)
  default     = {}
}

variable "enable_admin_api" {
  description = "Create the admin API (API Gateway REST API built from openapi.yaml). Off, only identity and the control plane's functions and state are created."
  type        = bool
  default     = false
}

variable "deletion_protection" {
  description = "Protect what cannot be recreated: the table (deletion protection), the created user pool (team credentials) and the config bucket's objects. On in production."
  type        = bool
  default     = false
}

# Identity ---------------------------------------------------------------------------------------

variable "cognito_domain_prefix" {
  description = "Cognito domain prefix of the created user pool (token endpoint https://<prefix>.auth.<region>.amazoncognito.com/oauth2/token); unique within the region."
  type        = string
  default     = null
}

variable "existing_user_pool_id" {
  description = "Use this existing Cognito user pool instead of creating one."
  type        = string
  default     = null
}

variable "existing_user_pool_domain" {
  description = "The existing user pool's domain (Cognito prefix or custom domain); required with existing_user_pool_id."
  type        = string
  default     = null
}

variable "admin_token_validity_minutes" {
  description = "Lifetime of the operators' admin access tokens, in minutes."
  type        = number
  default     = 60
}

# Functions ----------------------------------------------------------------------------------------

variable "lambda_artifact_dir" {
  description = "Directory holding lambda.zip and lambda.json from `make package` (null: ../dist, beside this directory)."
  type        = string
  default     = null
}

variable "lambda_memory_mb" {
  description = "Memory of each function in MB."
  type        = number
  default     = 512
}

variable "log_retention_days" {
  description = "Retention of every log group (functions, API access log), in days."
  type        = number
  default     = 365
}

variable "point_in_time_recovery" {
  description = "Point-in-time recovery (35 days) of the table."
  type        = bool
  default     = true
}

variable "config_object_key" {
  description = "S3 key of the rendered agentgateway config in the config bucket."
  type        = string
  default     = "agentgateway/config.yaml"
}

variable "agentgateway_log_group_name" {
  description = "CloudWatch log group of agentgateway's JSON access log, subscribed to usage_ingest (null: no subscription)."
  type        = string
  default     = null
}

variable "budget_check_reserved_concurrency" {
  description = "Reserved concurrency of the budget check (caps the cost of its public Function URL)."
  type        = number
  default     = 50
}

variable "budget_check_fail_mode" {
  description = "Budget check answer when the store is unreachable and nothing is cached: open or closed."
  type        = string
  default     = "open"
}

variable "fallback_price" {
  description = "`input:output` USD per 1M tokens for models without a price (null: counted as unpriced)."
  type        = string
  default     = null
}

variable "alarm_actions" {
  description = "SNS topic ARNs alarms notify (empty: the alerts topic)."
  type        = list(string)
  default     = []
}

# Admin API ----------------------------------------------------------------------------------------

variable "api_stage_name" {
  description = "Stage of the admin API (last segment of admin_api_url)."
  type        = string
  default     = "v1"
}

variable "api_throttling_rate_limit" {
  description = "Steady requests per second the admin API stage accepts."
  type        = number
  default     = 50
}

variable "api_throttling_burst_limit" {
  description = "Burst above the steady rate the admin API stage accepts."
  type        = number
  default     = 100
}

variable "api_xray_tracing" {
  description = "X-Ray tracing of the admin API stage."
  type        = bool
  default     = true
}

variable "api_metrics_enabled" {
  description = "Per-method CloudWatch metrics of the admin API."
  type        = bool
  default     = true
}

variable "api_execution_logging_level" {
  description = "Execution logging of the admin API: OFF, ERROR or INFO."
  type        = string
  default     = "ERROR"
}

variable "api_manage_cloudwatch_role" {
  description = "Set API Gateway's account-wide CloudWatch Logs role in this region (turn off if the account already has one)."
  type        = bool
  default     = true
}

variable "api_waf_web_acl_arn" {
  description = "Regional WAFv2 web ACL to associate with the admin API stage (null: none)."
  type        = string
  default     = null
}
