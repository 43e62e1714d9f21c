# The LLM gateway's control plane on AWS. Read README.md beside this file first.
#
#   module.identity       Cognito: pool, domain (token endpoint), scopes admin|invoke, admin client
#   module.control_plane  table, the nine Lambdas from one artifact, config bucket, alerts, logs
#   module.admin_api      the admin API, built from openapi.yaml (enable_admin_api = true)
#   module.inference      ALB → ECS: agentgateway + config sync + budget check (enable_inference_plane)

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = merge({ Project = "llm-gateway-control-plane", ManagedBy = "terraform" }, var.tags)
  }
}

locals {
  repository    = abspath("${path.root}/..")
  artifact_dir  = coalesce(var.lambda_artifact_dir, "${local.repository}/dist")
  manifest_path = "${local.artifact_dir}/lambda.json"
  contract_path = "${local.repository}/openapi.yaml"

  # The admin API's functions are the ones the contract's integrations name.
  contract = yamldecode(file(local.contract_path))
  integrations = flatten([
    for path, item in local.contract.paths : [
      for method, operation in item : operation["x-amazon-apigateway-integration"].uri if can(operation["x-amazon-apigateway-integration"].uri)
    ]
  ])
  api_functions = toset([for uri in local.integrations : replace(uri, "/^[$][{]([a-z_]+)_invoke_arn[}]$/", "$1")])

  # The agentgateway release the control plane renders and validates its config for.
  agentgateway_release = regex("AGENTGATEWAY_RELEASE = \"(v[0-9][^\"]*)\"", file("${local.repository}/controlplane/domain/agentgateway.py"))[0]
}

module "identity" {
  source = "./modules/identity"

  name_prefix                  = var.name_prefix
  domain_prefix                = coalesce(var.cognito_domain_prefix, "${var.name_prefix}-${data.aws_caller_identity.current.account_id}")
  existing_user_pool_id        = var.existing_user_pool_id
  existing_user_pool_domain    = var.existing_user_pool_domain
  deletion_protection          = var.deletion_protection
  admin_token_validity_minutes = var.admin_token_validity_minutes
}

data "aws_caller_identity" "current" {}

module "control_plane" {
  source = "./modules/control_plane"

  name_prefix                       = var.name_prefix
  artifact_path                     = "${local.artifact_dir}/lambda.zip"
  artifact_manifest                 = fileexists(local.manifest_path) ? jsondecode(file(local.manifest_path)) : null
  table_definition_path             = "${local.repository}/controlplane/store/dynamodb_table.json"
  api_functions                     = local.api_functions
  deletion_protection               = var.deletion_protection
  point_in_time_recovery            = var.point_in_time_recovery
  user_pool_id                      = module.identity.user_pool_id
  user_pool_arn                     = module.identity.user_pool_arn
  issuer                            = module.identity.issuer
  token_endpoint                    = module.identity.token_endpoint
  lambda_memory_mb                  = var.lambda_memory_mb
  log_retention_days                = var.log_retention_days
  config_object_key                 = var.config_object_key
  agentgateway_log_group_name       = var.enable_inference_plane ? module.inference[0].access_log_group_name : var.agentgateway_log_group_name
  budget_check_url                  = var.enable_inference_plane ? module.inference[0].budget_check_url : null
  budget_check_reserved_concurrency = var.budget_check_reserved_concurrency
  budget_check_fail_mode            = var.budget_check_fail_mode
  fallback_price                    = var.fallback_price
  alarm_actions                     = var.alarm_actions
}

module "admin_api" {
  source = "./modules/admin_api"
  count  = var.enable_admin_api ? 1 : 0

  name_prefix             = var.name_prefix
  contract_path           = local.contract_path
  function_names          = { for name in local.api_functions : name => module.control_plane.function_names[name] }
  function_invoke_arns    = module.control_plane.api_function_invoke_arns
  user_pool_arn           = module.identity.user_pool_arn
  kms_key_arn             = module.control_plane.kms_key_arn
  stage_name              = var.api_stage_name
  throttling_rate_limit   = var.api_throttling_rate_limit
  throttling_burst_limit  = var.api_throttling_burst_limit
  xray_tracing            = var.api_xray_tracing
  metrics_enabled         = var.api_metrics_enabled
  execution_logging_level = var.api_execution_logging_level
  log_retention_days      = var.log_retention_days
  manage_cloudwatch_role  = var.api_manage_cloudwatch_role
  waf_web_acl_arn         = var.api_waf_web_acl_arn
}

module "inference" {
  source = "./modules/inference"
  count  = var.enable_inference_plane ? 1 : 0

  name_prefix                  = var.name_prefix
  vpc_id                       = var.inference_vpc_id
  public_subnet_ids            = var.inference_public_subnet_ids
  private_subnet_ids           = var.inference_private_subnet_ids
  certificate_arn              = var.inference_certificate_arn
  domain_name                  = var.inference_domain_name
  allowed_cidrs                = var.inference_allowed_cidrs
  waf_web_acl_arn              = var.inference_waf_web_acl_arn
  deletion_protection          = var.deletion_protection
  issuer                       = module.identity.issuer
  invoke_scope                 = module.identity.invoke_scope
  agentgateway_release         = local.agentgateway_release
  agentgateway_image           = coalesce(var.agentgateway_image, "ghcr.io/agentgateway/agentgateway:${local.agentgateway_release}")
  control_plane_image          = var.control_plane_image
  cpu_architecture             = var.inference_cpu_architecture
  desired_count                = var.inference_desired_count
  min_count                    = var.inference_min_count
  max_count                    = var.inference_max_count
  provider_api_key_secret_arns = var.provider_api_key_secret_arns
  agentgateway_environment     = var.agentgateway_environment
  bedrock_model_ids            = var.bedrock_model_ids
  bedrock_guardrail_ids        = var.bedrock_guardrail_ids
  control_plane_environment    = module.control_plane.environment
  config_bucket                = module.control_plane.config_bucket
  config_object_key            = module.control_plane.config_object_key
  table_arn                    = module.control_plane.table_arn
  kms_key_arn                  = module.control_plane.kms_key_arn
  log_retention_days           = var.log_retention_days
}
