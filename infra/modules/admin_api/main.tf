# The admin API: a REST API whose body IS openapi.yaml. The contract carries the Cognito
# authorizer, each operation's scopes, request validators, gateway responses and the aws_proxy
# integrations; Terraform fills in its template variables. The Lambda permissions are derived
# from the same document: one per operation, for the function the operation's integration names.

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  contract     = yamldecode(file(var.contract_path))
  http_methods = ["get", "put", "post", "delete", "patch", "head", "options"]

  # Every operation: its function (from `uri: <function>_invoke_arn` as a template variable),
  # its method, and its path in a method ARN, where each {parameter} matches any characters.
  operation_list = flatten([
    for path, item in local.contract.paths : [
      for method, operation in item : {
        id       = operation.operationId
        function = replace(operation["x-amazon-apigateway-integration"].uri, local.function_of_uri, "$1")
        method   = upper(method)
        path     = replace(path, "/[{][^}]+[}]/", "*")
      } if contains(local.http_methods, method)
    ]
  ])
  operations         = { for operation in local.operation_list : operation.id => operation }
  function_of_uri    = "/^[$][{]([a-z_]+)_invoke_arn[}]$/"
  contract_functions = toset([for operation in local.operations : operation.function])

  body = templatefile(var.contract_path, merge(
    { for name, arn in var.function_invoke_arns : "${name}_invoke_arn" => arn },
    { cognito_user_pool_arn = var.user_pool_arn },
  ))
}

resource "aws_api_gateway_rest_api" "this" {
  name             = "${var.name_prefix}-admin"
  description      = "LLM gateway control plane: admin API (built from openapi.yaml)"
  body             = local.body
  fail_on_warnings = var.fail_on_import_warnings

  endpoint_configuration {
    types = ["REGIONAL"]
  }

  lifecycle {
    create_before_destroy = true

    precondition {
      condition     = length(setsubtract(local.contract_functions, keys(var.function_invoke_arns))) == 0
      error_message = "The contract names functions Terraform does not deploy: ${join(", ", setsubtract(local.contract_functions, keys(var.function_invoke_arns)))}."
    }
  }
}

resource "aws_api_gateway_deployment" "this" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  description = "Body ${sha256(local.body)}"

  # A new deployment whenever the body changes; the stage moves to it before the old one goes.
  triggers = {
    body = sha256(local.body)
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_cloudwatch_log_group" "access" {
  name              = "/aws/apigateway/${var.name_prefix}-admin/access"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_api_gateway_stage" "this" {
  #checkov:skip=CKV_AWS_120:No response cache: every answer of the admin API is per caller and must be current (ETags, If-Match).
  #checkov:skip=CKV2_AWS_51:Client certificates authenticate API Gateway to a backend; the backends are Lambda (aws_proxy), which uses IAM.
  #checkov:skip=CKV2_AWS_77:The web ACL is the operator's (waf_web_acl_arn, optional), and so is its rule set; the backends are Python Lambdas, not Log4j.
  #checkov:skip=CKV2_AWS_29:The WAF web ACL is optional (waf_web_acl_arn); the API requires a Cognito token on every operation and is throttled per stage.
  rest_api_id          = aws_api_gateway_rest_api.this.id
  deployment_id        = aws_api_gateway_deployment.this.id
  stage_name           = var.stage_name
  xray_tracing_enabled = var.xray_tracing

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    # One JSON line per request: who (client id from the token), what, how it ended.
    format = jsonencode({
      requestId          = "$context.requestId"
      extendedRequestId  = "$context.extendedRequestId"
      requestTime        = "$context.requestTimeEpoch"
      httpMethod         = "$context.httpMethod"
      resourcePath       = "$context.resourcePath"
      path               = "$context.path"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      responseLatency    = "$context.responseLatency"
      integrationLatency = "$context.integration.latency"
      integrationStatus  = "$context.integration.status"
      clientId           = "$context.authorizer.claims.client_id"
      errorMessage       = "$context.error.message"
      errorType          = "$context.error.responseType"
      sourceIp           = "$context.identity.sourceIp"
      userAgent          = "$context.identity.userAgent"
      wafStatus          = "$context.waf.status"
    })
  }

  depends_on = [aws_api_gateway_account.this]
}

resource "aws_api_gateway_method_settings" "all" {
  #checkov:skip=CKV_AWS_225:No response cache (as on the stage): every answer is per caller and must be current (ETags, If-Match).
  rest_api_id = aws_api_gateway_rest_api.this.id
  stage_name  = aws_api_gateway_stage.this.stage_name
  method_path = "*/*"

  settings {
    metrics_enabled        = var.metrics_enabled
    logging_level          = var.execution_logging_level
    data_trace_enabled     = false
    throttling_rate_limit  = var.throttling_rate_limit
    throttling_burst_limit = var.throttling_burst_limit
    caching_enabled        = false
  }
}

resource "aws_wafv2_web_acl_association" "this" {
  count = var.waf_web_acl_arn == null ? 0 : 1

  resource_arn = aws_api_gateway_stage.this.arn
  web_acl_arn  = var.waf_web_acl_arn
}

# One permission per operation, for exactly its method and path on this API's stage.
resource "aws_lambda_permission" "operation" {
  for_each = local.operations

  statement_id  = "AdminApi-${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = var.function_names[each.value.function]
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.this.execution_arn}/${var.stage_name}/${each.value.method}${each.value.path}"
}

# API Gateway's account-wide CloudWatch Logs role (needed for access and execution logs) ----------

resource "aws_iam_role" "cloudwatch" {
  count = var.manage_cloudwatch_role ? 1 : 0

  name               = "${var.name_prefix}-apigateway-cloudwatch"
  description        = "Lets API Gateway write the stages' access and execution logs."
  assume_role_policy = data.aws_iam_policy_document.apigateway_assume.json
}

data "aws_iam_policy_document" "apigateway_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role_policy" "cloudwatch" {
  count = var.manage_cloudwatch_role ? 1 : 0

  name   = "push-logs"
  role   = aws_iam_role.cloudwatch[0].id
  policy = data.aws_iam_policy_document.apigateway_logs.json
}

# The actions of AWS's AmazonAPIGatewayPushToCloudWatchLogs, on this account's log groups only.
data "aws_iam_policy_document" "apigateway_logs" {
  statement {
    actions = [
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:DescribeLogGroups",
      "logs:DescribeLogStreams",
      "logs:PutLogEvents",
      "logs:GetLogEvents",
      "logs:FilterLogEvents",
    ]
    resources = ["arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:*"]
  }
}

resource "aws_api_gateway_account" "this" {
  count = var.manage_cloudwatch_role ? 1 : 0

  cloudwatch_role_arn = aws_iam_role.cloudwatch[0].arn

  depends_on = [aws_iam_role_policy.cloudwatch]
}
