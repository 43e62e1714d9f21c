variable "name_prefix" {
  description = "Prefix of every name this module creates (table, functions, bucket, topic, key alias)."
  type        = string
}

variable "artifact_path" {
  description = "Path of the one Lambda artifact (`make package` builds dist/lambda.zip)."
  type        = string
}

variable "artifact_manifest" {
  description = "The artifact's manifest (dist/lambda.json, written by `make package`): the runtime and architecture it was built for, and its hash. Null when the artifact has not been built yet (the plan then stops with a readable error)."
  type = object({
    runtime        = string
    python_version = string
    architecture   = string
    sha256         = string
    base64sha256   = string
    size           = number
  })
}

variable "supported_runtimes" {
  description = "Lambda runtimes the artifact may target: python3.12 only. python3.11 is past its Lambda deprecation (2026-06-30), and flpc (the Rust regex crate the scanner API validates custom patterns with, a runtime dependency) has wheels up to CPython 3.12 only: build the artifact with Python 3.12."
  type        = list(string)
  default     = ["python3.12"]
}

variable "table_definition_path" {
  description = "The store's table definition (controlplane/store/dynamodb_table.json), shared with the DynamoDB adapter."
  type        = string
}

variable "api_functions" {
  description = "The Lambda functions the admin API contract names (derived from openapi.yaml by the root module)."
  type        = set(string)
}

variable "deletion_protection" {
  description = "Protect the table from deletion and keep the config bucket when it holds objects (on in production)."
  type        = bool
}

variable "point_in_time_recovery" {
  description = "Continuous backups of the table (35 days of point-in-time recovery)."
  type        = bool
  default     = true
}

variable "user_pool_id" {
  description = "Cognito user pool of the gateway (team_registration creates team clients in it)."
  type        = string
}

variable "user_pool_arn" {
  description = "ARN of that user pool (team_registration's IAM policy is scoped to it)."
  type        = string
}

variable "issuer" {
  description = "Issuer of the pool's access tokens (GATEWAY_ISSUER): the budget check and the rendered agentgateway config verify tokens against it."
  type        = string
}

variable "token_endpoint" {
  description = "The pool's OAuth2 token endpoint (GATEWAY_TOKEN_ENDPOINT), returned to teams at registration."
  type        = string
}

variable "lambda_memory_mb" {
  description = "Memory of each function in MB (CPU grows with it; 512 keeps cold starts short)."
  type        = number
  default     = 512
}

variable "lambda_timeout_seconds" {
  description = "Timeout of the admin API functions, in seconds (API Gateway gives up after 29 s)."
  type        = number
  default     = 20
}

variable "ingest_timeout_seconds" {
  description = "Timeout of usage_ingest, in seconds (a CloudWatch Logs batch is at most about 1 MB)."
  type        = number
  default     = 120
}

variable "log_retention_days" {
  description = "Retention of the functions' log groups, in days."
  type        = number
  default     = 365
}

variable "config_object_key" {
  description = "S3 key of the rendered agentgateway config in the config bucket."
  type        = string
  default     = "agentgateway/config.yaml"
}

variable "agentgateway_log_group_name" {
  description = "CloudWatch log group of agentgateway's JSON access log; usage_ingest subscribes to it. Null: no subscription (ingest with `gatewayctl usage ingest` instead)."
  type        = string
  default     = null
}

variable "agentgateway_log_filter_pattern" {
  description = "Subscription filter pattern on agentgateway's log group (empty: every line; the ingester skips what is not an LLM request)."
  type        = string
  default     = ""
}

variable "budget_check_reserved_concurrency" {
  description = "Reserved concurrency of the budget check (its Function URL is public, so this caps both its cost and its share of the account's concurrency)."
  type        = number
  default     = 50
}

variable "budget_check_url" {
  description = "The budget check as agentgateway reaches it, written into the rendered config: the inference plane's sidecar (http://127.0.0.1:<port>/hooks/budget-check). Null: this module's Function URL."
  type        = string
  default     = null
}

variable "budget_check_fail_mode" {
  description = "What the budget check answers when the store cannot be read and nothing is cached: `open` (pass, logged and counted) or `closed` (reject)."
  type        = string
  default     = "open"

  validation {
    condition     = contains(["open", "closed"], var.budget_check_fail_mode)
    error_message = "budget_check_fail_mode must be open or closed."
  }
}

variable "fallback_price" {
  description = "Price of models without a price, `input:output` USD per 1M tokens (for example `3:15`); null: such requests are counted as unpriced and cost nothing."
  type        = string
  default     = null
}

variable "alarm_actions" {
  description = "Where alarms notify (SNS topic ARNs). Empty: the alerts topic this module creates."
  type        = list(string)
  default     = []
}
