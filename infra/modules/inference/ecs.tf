# The service: Fargate tasks of three containers (see main.tf), behind the ALB's target group,
# scaled on requests per task and on CPU.

resource "aws_ecs_cluster" "this" {
  name = "${var.name_prefix}-inference"

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

locals {
  awslogs = {
    "awslogs-region" = local.region
  }

  containers = [
    {
      # Writes the published config onto the shared volume; healthy once the file exists, which
      # is what agentgateway waits for (it refuses to start without a config).
      name                   = "config-sync"
      image                  = var.control_plane_image
      essential              = true
      command                = ["config", "sync", "--from", "s3://${var.config_bucket}/${var.config_object_key}", "--to", local.config_file, "--interval", tostring(var.sync_interval_seconds)]
      environment            = [{ name = "AWS_REGION", value = local.region }]
      mountPoints            = [{ sourceVolume = "config", containerPath = local.config_dir, readOnly = false }]
      readonlyRootFilesystem = true
      healthCheck = {
        command     = ["CMD", "python", "-c", "import os, sys; sys.exit(0 if os.path.getsize('${local.config_file}') > 0 else 1)"]
        interval    = 10
        timeout     = 5
        retries     = 3
        startPeriod = 30
      }
      logConfiguration = {
        logDriver = "awslogs"
        options   = merge(local.awslogs, { "awslogs-group" = aws_cloudwatch_log_group.sidecars.name, "awslogs-stream-prefix" = "config-sync" })
      }
    },
    {
      # agentgateway's promptGuard webhook on loopback, reading the store with the task role.
      name                   = "budget-check"
      image                  = var.control_plane_image
      essential              = true
      command                = ["budget-check", "serve", "--port", tostring(local.budget_check_port)]
      environment            = [for name, value in merge(var.control_plane_environment, { AWS_REGION = local.region }) : { name = name, value = value }]
      readonlyRootFilesystem = true
      healthCheck = {
        command     = ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${local.budget_check_port}/healthz', timeout=2)"]
        interval    = 10
        timeout     = 5
        retries     = 3
        startPeriod = 30
      }
      logConfiguration = {
        logDriver = "awslogs"
        options   = merge(local.awslogs, { "awslogs-group" = aws_cloudwatch_log_group.sidecars.name, "awslogs-stream-prefix" = "budget-check" })
      }
    },
    {
      name                   = "agentgateway"
      image                  = var.agentgateway_image
      essential              = true
      command                = ["-f", local.config_file]
      portMappings           = [{ containerPort = local.agentgateway_port, protocol = "tcp" }, { containerPort = local.agentgateway_ready_port, protocol = "tcp" }]
      mountPoints            = [{ sourceVolume = "config", containerPath = local.config_dir, readOnly = true }]
      readonlyRootFilesystem = true
      # Provider API keys (the `${VAR}` references of the rendered config) from Secrets Manager;
      # Bedrock signs with the task role's credentials, which ECS provides to the container.
      secrets     = [for name, arn in var.provider_api_key_secret_arns : { name = name, valueFrom = arn }]
      environment = [for name, value in var.agentgateway_environment : { name = name, value = value }]
      dependsOn = [
        { containerName = "config-sync", condition = "HEALTHY" },
        { containerName = "budget-check", condition = "HEALTHY" },
      ]
      # Streams in flight get the ALB's deregistration delay to finish (both 120 s).
      stopTimeout = 120
      logConfiguration = {
        logDriver = "awslogs"
        options   = merge(local.awslogs, { "awslogs-group" = aws_cloudwatch_log_group.access.name, "awslogs-stream-prefix" = "agentgateway" })
      }
    },
  ]
}

resource "aws_ecs_task_definition" "this" {
  family                   = "${var.name_prefix}-agentgateway"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = tostring(var.task_cpu)
  memory                   = tostring(var.task_memory)
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  container_definitions    = jsonencode(local.containers)

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  # The config file, shared by config-sync (writes) and agentgateway (reads).
  volume {
    name = "config"
  }

  lifecycle {
    precondition {
      condition     = can(regex(":${replace(var.agentgateway_release, ".", "[.]")}(@sha256:[0-9a-f]{64})?$", var.agentgateway_image))
      error_message = "agentgateway_image must be agentgateway ${var.agentgateway_release}, the release whose config schema the control plane validates against (tag :${var.agentgateway_release}, optionally @sha256:...). To roll a new release, see infra/README.md."
    }
  }
}

resource "aws_ecs_service" "agentgateway" {
  name                               = "${var.name_prefix}-agentgateway"
  cluster                            = aws_ecs_cluster.this.id
  task_definition                    = aws_ecs_task_definition.this.arn
  desired_count                      = var.desired_count
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  health_check_grace_period_seconds  = 60
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  enable_ecs_managed_tags            = true
  propagate_tags                     = "SERVICE"

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.agentgateway.arn
    container_name   = "agentgateway"
    container_port   = local.agentgateway_port
  }

  lifecycle {
    # Autoscaling owns the count once the service exists.
    ignore_changes = [desired_count]
  }

  depends_on = [aws_lb_listener_rule.llm, aws_iam_role_policy.task, aws_iam_role_policy.execution]
}

# Autoscaling -------------------------------------------------------------------------------------

resource "aws_appautoscaling_target" "service" {
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.this.name}/${aws_ecs_service.agentgateway.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.min_count
  max_capacity       = var.max_count
}

# Requests per task: LLM requests are long and mostly waiting on the provider, so CPU alone
# understates the load; this tracks the ALB's request count per target (per minute).
resource "aws_appautoscaling_policy" "requests" {
  name               = "${var.name_prefix}-agentgateway-requests"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.service.service_namespace
  resource_id        = aws_appautoscaling_target.service.resource_id
  scalable_dimension = aws_appautoscaling_target.service.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.requests_per_task_per_minute
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ALBRequestCountPerTarget"
      resource_label         = "${aws_lb.this.arn_suffix}/${aws_lb_target_group.agentgateway.arn_suffix}"
    }
  }
}

# CPU: guards (regexes over every prompt and answer), TLS to providers, the budget check.
resource "aws_appautoscaling_policy" "cpu" {
  name               = "${var.name_prefix}-agentgateway-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.service.service_namespace
  resource_id        = aws_appautoscaling_target.service.resource_id
  scalable_dimension = aws_appautoscaling_target.service.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.cpu_target_percent
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}
