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
  description = "Protect what cannot be recreated: the table (deletion protection), the created user pool (team credentials) and the config bucket's objects; and the inference plane's load balancer (its DNS name is what clients point at). On in production."
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

# Inference plane ----------------------------------------------------------------------------------

variable "enable_inference_plane" {
  description = "Create the inference plane: an internet-facing ALB (HTTPS, Cognito token validated) in front of agentgateway on ECS Fargate, with the config sync and budget check sidecars. Needs the inference_* network settings and control_plane_image."
  type        = bool
  default     = false
}

variable "inference_vpc_id" {
  description = "VPC of the inference plane (required with enable_inference_plane)."
  type        = string
  default     = null
}

variable "inference_public_subnet_ids" {
  description = "Public subnets of the load balancer, in at least two availability zones (required with enable_inference_plane)."
  type        = list(string)
  default     = []
}

variable "inference_private_subnet_ids" {
  description = "Private subnets of the tasks, with outbound HTTPS through a NAT gateway or VPC endpoints (required with enable_inference_plane)."
  type        = list(string)
  default     = []
}

variable "inference_certificate_arn" {
  description = "ACM certificate of the HTTPS listener, for inference_domain_name (required with enable_inference_plane)."
  type        = string
  default     = null
}

variable "inference_domain_name" {
  description = "The name coding agents use (the certificate's), pointed at inference_alb_dns_name; it makes inference_url. Null: the load balancer's DNS name."
  type        = string
  default     = null
}

variable "inference_allowed_cidrs" {
  description = "Client networks allowed to reach the inference plane's HTTPS listener."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "inference_waf_web_acl_arn" {
  description = "Regional WAFv2 web ACL to associate with the inference plane's load balancer (null: none)."
  type        = string
  default     = null
}

variable "agentgateway_image" {
  description = "agentgateway's image (null: ghcr.io/agentgateway/agentgateway:<release>, the release whose schema the control plane validates against; a mirror must carry the same tag)."
  type        = string
  default     = null
}

variable "control_plane_image" {
  description = "The control plane's image (the repository's Dockerfile, pushed to a registry, e.g. ECR) that the config sync and budget check sidecars run (required with enable_inference_plane)."
  type        = string
  default     = null
}

variable "inference_cpu_architecture" {
  description = "CPU architecture of the tasks: ARM64 (Graviton) or X86_64; control_plane_image must be built for it."
  type        = string
  default     = "ARM64"
}

variable "inference_desired_count" {
  description = "agentgateway tasks when the service is created."
  type        = number
  default     = 2
}

variable "inference_min_count" {
  description = "Fewest agentgateway tasks autoscaling keeps."
  type        = number
  default     = 2
}

variable "inference_max_count" {
  description = "Most agentgateway tasks autoscaling starts."
  type        = number
  default     = 10
}

variable "provider_api_key_secret_arns" {
  description = "Secrets Manager secrets with provider API keys, by the variable the rendered config reads: OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY, AZURE_OPENAI_API_KEY."
  type        = map(string)
  default     = {}
}

variable "agentgateway_environment" {
  description = "Non-secret settings the rendered config reads from agentgateway's environment: AZURE_OPENAI_RESOURCE, VERTEX_PROJECT_ID."
  type        = map(string)
  default     = {}
}

variable "bedrock_model_ids" {
  description = "Bedrock model ids or patterns routing rules may target; the task role may invoke these models and this account's cross-region inference profiles of them. Empty: no Bedrock."
  type        = list(string)
  default     = ["anthropic.claude-*"]
}

variable "bedrock_guardrail_ids" {
  description = "Ids of the Bedrock Guardrails that scanner policies may apply (this account)."
  type        = list(string)
  default     = []
}
