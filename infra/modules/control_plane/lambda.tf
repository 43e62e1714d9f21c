# The nine functions, all from the one artifact: the seven of the admin API (the contract names
# them), usage_ingest (CloudWatch Logs subscription) and budget_check (agentgateway's webhook).
# Each has its own role, whose policy is iam_policies.json rendered for it (the same file the
# least-privilege test runs the code under), and its own log group.

locals {
  # budget_check is declared on its own below: the other functions' environment names its URL.
  functions      = setunion(var.api_functions, ["usage_ingest"])
  all_functions  = setunion(local.functions, ["budget_check"])
  function_names = { for name in local.all_functions : name => "${var.name_prefix}-${replace(name, "_", "-")}" }
  timeouts = merge(
    { for name in var.api_functions : name => var.lambda_timeout_seconds },
    { usage_ingest = var.ingest_timeout_seconds, budget_check = 10 },
  )

  runtime      = try(var.artifact_manifest.runtime, null)
  architecture = try(var.artifact_manifest.architecture, null)
  artifact_ok  = var.artifact_manifest != null && contains(var.supported_runtimes, coalesce(local.runtime, "none"))

  # What Settings.from_env reads on AWS (controlplane/settings.py). AWS_REGION is Lambda's own.
  # One environment for every function keeps them from drifting apart; none of it is secret.
  environment = merge(
    {
      GATEWAY_STORE                          = "dynamodb"
      GATEWAY_TABLE_NAME                     = aws_dynamodb_table.store.name
      GATEWAY_IDENTITY                       = "cognito"
      GATEWAY_COGNITO_USER_POOL_ID           = var.user_pool_id
      GATEWAY_ISSUER                         = var.issuer
      GATEWAY_TOKEN_ENDPOINT                 = var.token_endpoint
      GATEWAY_CONFIG_S3_BUCKET               = aws_s3_bucket.config.id
      GATEWAY_CONFIG_S3_KEY                  = var.config_object_key
      GATEWAY_ALERT_SNS_TOPIC_ARN            = aws_sns_topic.alerts.arn
      GATEWAY_BUDGET_CHECK_FAIL_MODE         = var.budget_check_fail_mode
      GATEWAY_BUDGET_CHECK_CACHE_TTL_SECONDS = "5"
      GATEWAY_KMS_KEY_ID                     = aws_kms_key.this.arn
      GATEWAY_METRICS_SERVICE                = var.name_prefix
    },
    var.fallback_price == null ? {} : { GATEWAY_FALLBACK_PRICE = var.fallback_price },
  )

  # Where the rendered config sends agentgateway's budget check: the sidecar beside it when the
  # inference plane runs on ECS, else this module's Function URL.
  budget_check_url = coalesce(var.budget_check_url, aws_lambda_function_url.budget_check.function_url)

  policy_variables = {
    table_arn         = aws_dynamodb_table.store.arn
    user_pool_arn     = var.user_pool_arn
    config_object_arn = "${aws_s3_bucket.config.arn}/${var.config_object_key}"
    alerts_topic_arn  = aws_sns_topic.alerts.arn
    kms_key_arn       = aws_kms_key.this.arn
    failure_queue_arn = aws_sqs_queue.ingest_failures.arn
  }
}

resource "aws_cloudwatch_log_group" "function" {
  for_each = local.all_functions

  name              = "/aws/lambda/${local.function_names[each.key]}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
}

resource "aws_iam_role" "function" {
  for_each = local.all_functions

  name               = "${local.function_names[each.key]}-role"
  description        = "Execution role of ${each.key}: only what it does (iam_policies.json)."
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role_policy" "function" {
  for_each = local.all_functions

  name = "least-privilege"
  role = aws_iam_role.function[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = jsondecode(templatefile("${path.module}/iam_policies.json", merge(
      local.policy_variables,
      { log_group_arn = aws_cloudwatch_log_group.function[each.key].arn },
    )))[each.key]
  })
}

resource "aws_lambda_function" "this" {
  for_each = local.functions
  #checkov:skip=CKV_AWS_117:No VPC: the functions reach only AWS APIs (DynamoDB, Cognito, S3, SNS), all IAM-authorised; a VPC would add NAT or endpoints and cold-start time for nothing.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile the operator owns; the artifact is deterministic and its hash is pinned by source_code_hash.
  #checkov:skip=CKV_AWS_173:The environment holds names and URLs only, no secrets; the default key encrypts it at rest.
  #checkov:skip=CKV_AWS_116:The API functions are invoked synchronously (no DLQ applies); usage_ingest's asynchronous failures go to an SQS on-failure destination (aws_lambda_function_event_invoke_config).
  #checkov:skip=CKV_AWS_115:Concurrency of the API functions is capped by the API Gateway stage's throttling; reserving it would take from the account's pool.

  function_name    = local.function_names[each.key]
  description      = "LLM gateway control plane: ${each.key}"
  role             = aws_iam_role.function[each.key].arn
  handler          = "handlers.${each.key}.lambda_handler"
  runtime          = local.runtime
  architectures    = [local.architecture]
  filename         = var.artifact_path
  source_code_hash = try(var.artifact_manifest.base64sha256, null)
  memory_size      = var.lambda_memory_mb
  timeout          = local.timeouts[each.key]

  environment {
    variables = merge(local.environment, {
      GATEWAY_BUDGET_CHECK_URL = local.budget_check_url
    })
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.function[each.key].name
  }

  lifecycle {
    precondition {
      condition     = local.artifact_ok
      error_message = "No usable Lambda artifact: run `make package PYTHON=python3.12` at the repository root first; it writes dist/lambda.zip and dist/lambda.json. The runtime must be one of ${join(", ", var.supported_runtimes)}."
    }
  }

  depends_on = [aws_iam_role_policy.function]
}

# The budget check: agentgateway's promptGuard webhook. agentgateway cannot sign requests with
# SigV4, so the Function URL has no IAM auth; the check verifies the forwarded bearer token itself
# (signature, issuer, expiry, a team's client) and answers nothing else. Reserved concurrency
# caps what anyone can make it cost.
resource "aws_lambda_function" "budget_check" {
  #checkov:skip=CKV_AWS_117:No VPC: it reaches only DynamoDB and the Cognito JWKS.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile the operator owns; the artifact's hash is pinned by source_code_hash.
  #checkov:skip=CKV_AWS_173:The environment holds names and URLs only, no secrets.
  #checkov:skip=CKV_AWS_116:Invoked synchronously through its Function URL: no DLQ applies.

  function_name                  = local.function_names["budget_check"]
  description                    = "LLM gateway control plane: budget_check (agentgateway promptGuard webhook)"
  role                           = aws_iam_role.function["budget_check"].arn
  handler                        = "handlers.budget_check.lambda_handler"
  runtime                        = local.runtime
  architectures                  = [local.architecture]
  filename                       = var.artifact_path
  source_code_hash               = try(var.artifact_manifest.base64sha256, null)
  memory_size                    = var.lambda_memory_mb
  timeout                        = local.timeouts["budget_check"]
  reserved_concurrent_executions = var.budget_check_reserved_concurrency

  environment {
    variables = local.environment
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.function["budget_check"].name
  }

  lifecycle {
    precondition {
      condition     = local.artifact_ok
      error_message = "No usable Lambda artifact: run `make package PYTHON=python3.12` first. The runtime must be one of ${join(", ", var.supported_runtimes)}."
    }
  }

  depends_on = [aws_iam_role_policy.function]
}

resource "aws_lambda_function_url" "budget_check" {
  #checkov:skip=CKV_AWS_258:agentgateway cannot sign requests (SigV4); the function verifies the bearer token of every call itself. See infra/README.md.
  function_name      = aws_lambda_function.budget_check.function_name
  authorization_type = "NONE"
}

# A public Function URL needs both statements (lambda:InvokeFunction only through the URL).
resource "aws_lambda_permission" "budget_check_url" {
  #checkov:skip=CKV_AWS_301:Public by design: the Function URL is agentgateway's webhook target and the function authenticates every call by its bearer token.
  statement_id           = "PublicFunctionUrl"
  action                 = "lambda:InvokeFunctionUrl"
  function_name          = aws_lambda_function.budget_check.function_name
  principal              = "*"
  function_url_auth_type = "NONE"
}

resource "aws_lambda_permission" "budget_check_url_invoke" {
  #checkov:skip=CKV_AWS_301:Only through the Function URL (invoked_via_function_url); the function authenticates every call.
  statement_id             = "InvokeThroughFunctionUrlOnly"
  action                   = "lambda:InvokeFunction"
  function_name            = aws_lambda_function.budget_check.function_name
  principal                = "*"
  invoked_via_function_url = true
}

# usage_ingest: agentgateway's access log → the usage ledger --------------------------------------

locals {
  subscribe                  = var.agentgateway_log_group_name != null
  agentgateway_log_group_arn = local.subscribe ? "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${var.agentgateway_log_group_name}" : null
}

resource "aws_lambda_function_event_invoke_config" "usage_ingest" {
  function_name                = aws_lambda_function.this["usage_ingest"].function_name
  maximum_retry_attempts       = 2
  maximum_event_age_in_seconds = 21600

  destination_config {
    on_failure {
      destination = aws_sqs_queue.ingest_failures.arn
    }
  }
}

resource "aws_lambda_permission" "agentgateway_logs" {
  count = local.subscribe ? 1 : 0

  statement_id   = "AgentgatewayAccessLogSubscription"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.this["usage_ingest"].function_name
  principal      = "logs.amazonaws.com"
  source_arn     = "${local.agentgateway_log_group_arn}:*"
  source_account = local.account_id
}

resource "aws_cloudwatch_log_subscription_filter" "agentgateway" {
  count = local.subscribe ? 1 : 0

  name            = "${var.name_prefix}-usage-ingest"
  log_group_name  = var.agentgateway_log_group_name
  filter_pattern  = var.agentgateway_log_filter_pattern
  destination_arn = aws_lambda_function.this["usage_ingest"].arn

  depends_on = [aws_lambda_permission.agentgateway_logs]
}
