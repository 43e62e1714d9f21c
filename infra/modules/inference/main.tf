# The inference plane: coding agents → ALB (HTTPS, validates the Cognito access token) → an ECS
# Fargate service whose every task runs agentgateway with two sidecars from the control plane's
# image, sharing the task's network (127.0.0.1) and a volume:
#
#   config-sync    `gatewayctl config sync --from s3://<config object> --to <volume>/config.yaml`:
#                  the published config, validated, replaced atomically; agentgateway reloads it
#   budget-check   `gatewayctl budget-check serve --port 8181`: agentgateway's promptGuard webhook
#                  (the rendered config calls http://127.0.0.1:8181/hooks/budget-check)
#   agentgateway   `agentgateway -f <volume>/config.yaml`: its JSON access log goes to the log
#                  group usage_ingest is subscribed to
#
# Roles: the task role (what the containers' code does: config object, store reads, Bedrock) and
# the execution role (what ECS does to start them: logs, provider API keys, ECR), both rendered
# from iam_policies.json, the file the least-privilege test runs the sidecars' code under.
# Load balancer: alb.tf; cluster, task definition, service and autoscaling: ecs.tf.

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  region     = data.aws_region.current.region
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  # Ports inside the task. agentgateway listens where the rendered config's gateway says
  # (Settings.agentgateway_port, 4000) and reports readiness on 15021 (its default
  # readiness address, v1.4.1 crates/agentgateway/src/config.rs); the budget check on 8181.
  agentgateway_port       = 4000
  agentgateway_ready_port = 15021
  budget_check_port       = 8181
  # controlplane/gateway_protocol.py BUDGET_CHECK_PATH; the rendered config calls it there.
  budget_check_url = "http://127.0.0.1:${local.budget_check_port}/hooks/budget-check"
  config_dir       = "/etc/agentgateway"
  config_file      = "${local.config_dir}/config.yaml"

  config_object_arn = "arn:${local.partition}:s3:::${var.config_bucket}/${var.config_object_key}"

  # Bedrock: the foundation models in any region (a cross-region inference profile routes to
  # other regions' models, and each call is authorised on the model too), and this account's
  # inference profiles of those models (a geography prefix before the model id).
  bedrock_model_arns = flatten([
    for id in var.bedrock_model_ids : [
      "arn:${local.partition}:bedrock:*::foundation-model/${id}",
      "arn:${local.partition}:bedrock:*:${local.account_id}:inference-profile/*.${id}",
    ]
  ])
  guardrail_arns = [for id in var.bedrock_guardrail_ids : "arn:${local.partition}:bedrock:*:${local.account_id}:guardrail/${id}"]

  # Images in ECR (<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag][@digest]) are
  # pulled with the execution role; others (ghcr.io) need no credentials.
  ecr_image = "^([0-9]{12})[.]dkr[.]ecr[.]([a-z0-9-]+)[.]amazonaws[.]com/([^:@]+)"
  ecr_repository_arns = distinct([
    for image in [var.agentgateway_image, var.control_plane_image] :
    format("arn:%s:ecr:%s:%s:repository/%s", local.partition, regex(local.ecr_image, image)[1], regex(local.ecr_image, image)[0], regex(local.ecr_image, image)[2])
    if can(regex(local.ecr_image, image))
  ])

  policy_variables = {
    config_object_arn     = local.config_object_arn
    kms_key_arn           = var.kms_key_arn
    table_arn             = var.table_arn
    bedrock_model_arns    = jsonencode(local.bedrock_model_arns)
    guardrail_arns        = jsonencode(local.guardrail_arns)
    access_log_group_arn  = aws_cloudwatch_log_group.access.arn
    sidecar_log_group_arn = aws_cloudwatch_log_group.sidecars.arn
    provider_secret_arns  = jsonencode(values(var.provider_api_key_secret_arns))
    ecr_repository_arns   = jsonencode(local.ecr_repository_arns)
  }
  policies = jsondecode(templatefile("${path.module}/iam_policies.json", local.policy_variables))
  # A statement group is granted only when there is something to grant (IAM refuses a statement
  # without resources): the least-privilege test composes the policies the same way.
  # (A for-expression, not a conditional: the two branches of `? :` would be tuples of
  # different lengths, which Terraform refuses.)
  task_statements = concat(
    local.policies.task,
    [for s in local.policies.task_bedrock : s if length(var.bedrock_model_ids) > 0],
    [for s in local.policies.task_guardrails : s if length(var.bedrock_guardrail_ids) > 0],
  )
  execution_statements = concat(
    local.policies.execution,
    [for s in local.policies.execution_secrets : s if length(var.provider_api_key_secret_arns) > 0],
    [for s in local.policies.execution_ecr : s if length(local.ecr_repository_arns) > 0],
  )
}

# Logs ---------------------------------------------------------------------------------------------

# agentgateway's stdout: one JSON line per request (config.logging.format json), which
# usage_ingest receives through the control plane's subscription filter on this group.
resource "aws_cloudwatch_log_group" "access" {
  name              = "/ecs/${var.name_prefix}/agentgateway"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

# The sidecars' own logs (one structured line per config sync round, the budget check's events),
# apart so that ingestion reads only agentgateway's lines.
resource "aws_cloudwatch_log_group" "sidecars" {
  name              = "/ecs/${var.name_prefix}/sidecars"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

# Roles --------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:ecs:${local.region}:${local.account_id}:*"]
    }
  }
}

resource "aws_iam_role" "task" {
  name               = "${var.name_prefix}-inference-task"
  description        = "What agentgateway and its sidecars do: read the config object and the store, call Bedrock (iam_policies.json task*)."
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

resource "aws_iam_role_policy" "task" {
  name   = "least-privilege"
  role   = aws_iam_role.task.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.task_statements })
}

resource "aws_iam_role" "execution" {
  name               = "${var.name_prefix}-inference-execution"
  description        = "What ECS does to start the task: pull images, inject provider API keys, write logs (iam_policies.json execution*)."
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

resource "aws_iam_role_policy" "execution" {
  name   = "least-privilege"
  role   = aws_iam_role.execution.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.execution_statements })
}

# Security groups -------------------------------------------------------------------------------

resource "aws_security_group" "alb" {
  name_prefix = "${var.name_prefix}-inference-alb-"
  description = "The inference plane's load balancer: HTTPS from clients, to the tasks."
  vpc_id      = var.vpc_id

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  for_each = toset(var.allowed_cidrs)

  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from coding agents"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_egress_rule" "alb_to_tasks" {
  for_each = toset([tostring(local.agentgateway_port), tostring(local.agentgateway_ready_port)])

  security_group_id            = aws_security_group.alb.id
  description                  = "Requests and health checks to agentgateway"
  ip_protocol                  = "tcp"
  from_port                    = tonumber(each.value)
  to_port                      = tonumber(each.value)
  referenced_security_group_id = aws_security_group.tasks.id
}

resource "aws_security_group" "tasks" {
  name_prefix = "${var.name_prefix}-inference-tasks-"
  description = "agentgateway tasks: from the load balancer only; HTTPS out."
  vpc_id      = var.vpc_id

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "tasks_from_alb" {
  for_each = toset([tostring(local.agentgateway_port), tostring(local.agentgateway_ready_port)])

  security_group_id            = aws_security_group.tasks.id
  description                  = "Requests and health checks from the load balancer"
  ip_protocol                  = "tcp"
  from_port                    = tonumber(each.value)
  to_port                      = tonumber(each.value)
  referenced_security_group_id = aws_security_group.alb.id
}

resource "aws_vpc_security_group_egress_rule" "tasks_https" {
  security_group_id = aws_security_group.tasks.id
  description       = "HTTPS to providers, Bedrock, AWS APIs, registries and Cognito's JWKS"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}
