# The edge: an internet-facing ALB whose HTTPS listener validates the caller's Cognito access
# token (its `jwt-validation` action: RS256 signature against the pool's JWKS, `iss`, `exp`,
# and the claims below) before forwarding the LLM paths to agentgateway. agentgateway's own
# jwtAuth (in the rendered config) validates the token again, and the budget check a third
# time: the ALB rule is the outer wall, not the only one.

locals {
  # The paths the rendered config routes (controlplane/domain/agentgateway.py: CHAT_PATH,
  # MESSAGES_PATH, COUNT_TOKENS_PATH, MODELS_PATH, each also with a trailing slash); a test
  # checks this list against the render. An ALB rule takes at most five condition values.
  llm_paths = [
    "/v1/chat/completions",
    "/v1/chat/completions/",
    "/v1/messages",
    "/v1/messages/",
    "/v1/messages/count_tokens",
    "/v1/messages/count_tokens/",
    "/v1/models",
    "/v1/models/",
  ]
  path_rules = chunklist(local.llm_paths, 4)
}

resource "aws_lb" "this" {
  #checkov:skip=CKV_AWS_91:Access logs need a bucket with ELB's log-delivery policy; every LLM request is in agentgateway's JSON access log (CloudWatch), which is what usage is billed from.
  #checkov:skip=CKV2_AWS_20:No HTTP listener to redirect: the load balancer listens on HTTPS (443) only.
  #checkov:skip=CKV2_AWS_28:The WAF web ACL is optional (waf_web_acl_arn): every request carries a Cognito token the listener validates before anything reaches a target.
  #checkov:skip=CKV2_AWS_76:The web ACL and its rule set are the operator's (waf_web_acl_arn, optional); agentgateway is Rust, not Log4j.
  name_prefix                = "llmgw-"
  internal                   = false
  load_balancer_type         = "application"
  security_groups            = [aws_security_group.alb.id]
  subnets                    = var.public_subnet_ids
  idle_timeout               = var.idle_timeout_seconds
  drop_invalid_header_fields = true
  enable_http2               = true
  enable_deletion_protection = var.deletion_protection
  desync_mitigation_mode     = "strictest"
}

resource "aws_wafv2_web_acl_association" "this" {
  count = var.waf_web_acl_arn == null ? 0 : 1

  resource_arn = aws_lb.this.arn
  web_acl_arn  = var.waf_web_acl_arn
}

resource "aws_lb_target_group" "agentgateway" {
  #checkov:skip=CKV_AWS_378:TLS ends at the load balancer; the hop to agentgateway stays inside the VPC, between two security groups that admit only each other.
  name_prefix          = "llmgw-"
  vpc_id               = var.vpc_id
  target_type          = "ip"
  protocol             = "HTTP"
  protocol_version     = "HTTP1"
  port                 = local.agentgateway_port
  deregistration_delay = "120"

  # agentgateway's readiness endpoint (200 once its config is loaded), on its own port.
  health_check {
    enabled             = true
    protocol            = "HTTP"
    port                = tostring(local.agentgateway_ready_port)
    path                = "/healthz/ready"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.tls_policy
  certificate_arn   = var.certificate_arn

  # Anything but the LLM paths: a JSON 404, nothing reaches agentgateway.
  default_action {
    type = "fixed-response"
    fixed_response {
      content_type = "application/json"
      status_code  = "404"
      message_body = jsonencode({ error = { type = "not_found", message = "Not an LLM gateway path: use /v1/chat/completions or /v1/messages." } })
    }
  }
}

resource "aws_lb_listener_rule" "llm" {
  count = length(local.path_rules)

  listener_arn = aws_lb_listener.https.arn
  priority     = 10 + count.index

  condition {
    path_pattern {
      values = local.path_rules[count.index]
    }
  }

  # 1. The Cognito access token: signature, iss and exp (ALB checks those always), an access
  #    token (not an id token) with the invoke scope. A failure is a 401 from the ALB itself.
  action {
    type  = "jwt-validation"
    order = 1
    jwt_validation {
      issuer        = var.issuer
      jwks_endpoint = "${var.issuer}/.well-known/jwks.json"
      additional_claim {
        name   = "token_use"
        format = "single-string"
        values = ["access"]
      }
      additional_claim {
        name   = "scope"
        format = "space-separated-values"
        values = [var.invoke_scope]
      }
    }
  }

  # 2. agentgateway.
  action {
    type             = "forward"
    order            = 2
    target_group_arn = aws_lb_target_group.agentgateway.arn
  }
}
