variable "name_prefix" {
  description = "Prefix of every name this module creates (load balancer, cluster, service, roles, log groups)."
  type        = string
}

# Network and edge ------------------------------------------------------------------------------

variable "vpc_id" {
  description = "VPC of the load balancer and the tasks."
  type        = string

  validation {
    condition     = var.vpc_id != null && var.vpc_id != ""
    error_message = "Set inference_vpc_id: the inference plane runs in your VPC."
  }
}

variable "public_subnet_ids" {
  description = "Subnets of the internet-facing load balancer (at least two, in different availability zones)."
  type        = list(string)

  validation {
    condition     = length(var.public_subnet_ids) >= 2
    error_message = "Set inference_public_subnet_ids to at least two public subnets (an ALB needs two availability zones)."
  }
}

variable "private_subnet_ids" {
  description = "Subnets of the tasks (no public IP). They need outbound HTTPS (a NAT gateway or VPC endpoints): providers, Bedrock, S3, DynamoDB, CloudWatch Logs, image registries, Cognito's JWKS."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 1
    error_message = "Set inference_private_subnet_ids to the private subnets the tasks run in."
  }
}

variable "certificate_arn" {
  description = "ACM certificate of the HTTPS listener (for domain_name)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:", var.certificate_arn))
    error_message = "Set inference_certificate_arn to an ACM certificate ARN (arn:aws:acm:...)."
  }
}

variable "domain_name" {
  description = "The name coding agents use (the certificate's); point it at the load balancer (alb_dns_name). Null: the load balancer's own DNS name (its certificate will not match)."
  type        = string
  default     = null
}

variable "tls_policy" {
  description = "TLS security policy of the HTTPS listener: TLS 1.3 and 1.2 with forward-secret AEAD ciphers only, post-quantum key exchange offered (the console's default since 2025-09)."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
}

variable "allowed_cidrs" {
  description = "Client networks allowed to reach the HTTPS listener."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "idle_timeout_seconds" {
  description = "Seconds the load balancer keeps a connection with no bytes flowing (a model thinking before it streams needs more than the default 60)."
  type        = number
  default     = 300
}

variable "waf_web_acl_arn" {
  description = "Regional WAFv2 web ACL to associate with the load balancer (null: none)."
  type        = string
  default     = null
}

variable "deletion_protection" {
  description = "Deletion protection of the load balancer."
  type        = bool
  default     = false
}

# Identity --------------------------------------------------------------------------------------

variable "issuer" {
  description = "Issuer of the Cognito access tokens; the load balancer validates them against <issuer>/.well-known/jwks.json."
  type        = string
}

variable "invoke_scope" {
  description = "The scope a token needs on the inference plane (https://gateway.internal/invoke)."
  type        = string
}

# What the task runs ------------------------------------------------------------------------------

variable "agentgateway_release" {
  description = "The agentgateway release whose config schema the control plane validates against (controlplane/domain/agentgateway.py AGENTGATEWAY_RELEASE); the image must be that release."
  type        = string
}

variable "agentgateway_image" {
  description = "agentgateway's container image, tagged with agentgateway_release (a digest may follow the tag)."
  type        = string
}

variable "control_plane_image" {
  description = "The control plane's image (the repository's Dockerfile) the two sidecars run: `gatewayctl config sync` and `gatewayctl budget-check serve`."
  type        = string

  validation {
    condition     = var.control_plane_image != null && var.control_plane_image != ""
    error_message = "Set control_plane_image: build the repository's Dockerfile and push it (infra/README.md, \"The inference plane\")."
  }
}

variable "cpu_architecture" {
  description = "CPU architecture of the tasks: ARM64 (Graviton, cheaper) or X86_64. The control plane image must be built for it."
  type        = string
  default     = "ARM64"

  validation {
    condition     = contains(["ARM64", "X86_64"], var.cpu_architecture)
    error_message = "cpu_architecture must be ARM64 or X86_64."
  }
}

variable "task_cpu" {
  description = "CPU units of a task (1024 = one vCPU), shared by agentgateway and the two sidecars."
  type        = number
  default     = 1024
}

variable "task_memory" {
  description = "Memory of a task in MiB."
  type        = number
  default     = 2048
}

variable "desired_count" {
  description = "Tasks when the service is created (autoscaling moves it between min_count and max_count afterwards)."
  type        = number
  default     = 2
}

variable "min_count" {
  description = "Fewest tasks autoscaling keeps (two spread the service over two availability zones)."
  type        = number
  default     = 2
}

variable "max_count" {
  description = "Most tasks autoscaling starts."
  type        = number
  default     = 10

  validation {
    condition     = var.max_count >= 1
    error_message = "max_count must be at least 1."
  }
}

variable "requests_per_task_per_minute" {
  description = "Autoscaling target: load balancer requests per task per minute (ALBRequestCountPerTarget)."
  type        = number
  default     = 600
}

variable "cpu_target_percent" {
  description = "Autoscaling target: average CPU of the service's tasks, in percent."
  type        = number
  default     = 60
}

variable "provider_api_key_secret_arns" {
  description = "Secrets Manager secrets holding provider API keys, by the environment variable the rendered config reads (OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY, AZURE_OPENAI_API_KEY). Each secret's value is the key itself."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for name in keys(var.provider_api_key_secret_arns) : contains(["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "AZURE_OPENAI_API_KEY"], name)])
    error_message = "provider_api_key_secret_arns keys must be among OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY, AZURE_OPENAI_API_KEY (the variables the rendered config reads)."
  }
}

variable "agentgateway_environment" {
  description = "Other environment of agentgateway that the rendered config reads and that is not secret: AZURE_OPENAI_RESOURCE, VERTEX_PROJECT_ID."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for name in keys(var.agentgateway_environment) : contains(["AZURE_OPENAI_RESOURCE", "VERTEX_PROJECT_ID"], name)])
    error_message = "agentgateway_environment keys must be among AZURE_OPENAI_RESOURCE, VERTEX_PROJECT_ID."
  }
}

variable "bedrock_model_ids" {
  description = "Bedrock models routing rules may target, as model ids or patterns (`anthropic.claude-*`). The task role may invoke these foundation models in any region, and this account's cross-region inference profiles of them (`us.anthropic.claude-*`, any geography prefix). Empty: no Bedrock."
  type        = list(string)
  default     = ["anthropic.claude-*"]
}

variable "bedrock_guardrail_ids" {
  description = "Ids of the Bedrock Guardrails scanner policies may apply (this account, any region). Empty: none."
  type        = list(string)
  default     = []
}

variable "sync_interval_seconds" {
  description = "How often the config sync sidecar asks S3 whether the published config changed (a change reaches agentgateway within this, plus about a second)."
  type        = number
  default     = 5
}

# The control plane it reads --------------------------------------------------------------------

variable "control_plane_environment" {
  description = "The control plane's settings on AWS (`GATEWAY_*`, the functions' environment): the budget check sidecar reads the store with them."
  type        = map(string)
}

variable "config_bucket" {
  description = "Bucket the control plane publishes the rendered agentgateway config to."
  type        = string
}

variable "config_object_key" {
  description = "Key of the rendered config in the bucket."
  type        = string
}

variable "table_arn" {
  description = "ARN of the store's table (the budget check reads it)."
  type        = string
}

variable "kms_key_arn" {
  description = "The control plane's KMS key (table, config bucket, log groups)."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the access log and the sidecars' log group, in days."
  type        = number
  default     = 365
}
