# Identity: the Cognito user pool that issues every token of the gateway.
#
# - Resource server `https://gateway.internal` with two scopes: `admin` (operators, the admin API)
#   and `invoke` (teams, the inference plane). The contract's security requirements name them.
# - The operators' admin app client (client-credentials grant, `admin` only).
# - Team app clients are NOT here: team_registration creates one per team at run time
#   (controlplane/identity/cognito.py), with the same grant and the `invoke` scope.

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  create_pool  = var.existing_user_pool_id == null
  user_pool_id = local.create_pool ? aws_cognito_user_pool.this[0].id : var.existing_user_pool_id
  # Built rather than read, so an existing pool needs no extra read permission at plan time.
  user_pool_arn = "arn:${data.aws_partition.current.partition}:cognito-idp:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:userpool/${local.user_pool_id}"

  # A prefix domain lives under amazoncognito.com; a custom domain (it has dots) is used as is.
  domain      = local.create_pool ? aws_cognito_user_pool_domain.this[0].domain : var.existing_user_pool_domain
  domain_host = strcontains(local.domain, ".") ? local.domain : "${local.domain}.auth.${data.aws_region.current.region}.amazoncognito.com"

  resource_server = "https://gateway.internal"
  admin_scope     = "${local.resource_server}/admin"
  invoke_scope    = "${local.resource_server}/invoke"
}

resource "aws_cognito_user_pool" "this" {
  count = local.create_pool ? 1 : 0

  name                = "${var.name_prefix}-identity"
  deletion_protection = var.deletion_protection ? "ACTIVE" : "INACTIVE"

  # Machine-to-machine only: nobody signs up; there are no users, only app clients.
  admin_create_user_config {
    allow_admin_create_user_only = true
  }

  password_policy {
    minimum_length                   = 14
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = true
    temporary_password_validity_days = 1
  }
}

resource "aws_cognito_user_pool_domain" "this" {
  count = local.create_pool ? 1 : 0

  domain       = var.domain_prefix
  user_pool_id = local.user_pool_id
}

resource "aws_cognito_resource_server" "gateway" {
  identifier   = local.resource_server
  name         = "${var.name_prefix}-gateway"
  user_pool_id = local.user_pool_id

  scope {
    scope_name        = "admin"
    scope_description = "Operators: the admin API (teams, budgets, prices, routing, scanner, usage)."
  }

  scope {
    scope_name        = "invoke"
    scope_description = "Teams: the inference plane, and reading their own usage."
  }

  lifecycle {
    precondition {
      condition     = local.create_pool || var.existing_user_pool_domain != null
      error_message = "existing_user_pool_id needs existing_user_pool_domain: the token endpoint lives on the pool's domain."
    }
  }
}

resource "aws_cognito_user_pool_client" "admin" {
  name         = "${var.name_prefix}-admin"
  user_pool_id = local.user_pool_id

  generate_secret                      = true
  allowed_oauth_flows                  = ["client_credentials"]
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_scopes                 = [local.admin_scope]
  # The smallest set Cognito accepts (see controlplane/identity/cognito.py); the
  # client-credentials grant issues no refresh token, so it grants nothing.
  explicit_auth_flows           = ["ALLOW_REFRESH_TOKEN_AUTH"]
  prevent_user_existence_errors = "ENABLED"
  enable_token_revocation       = true

  access_token_validity = var.admin_token_validity_minutes
  token_validity_units {
    access_token = "minutes"
  }

  # The scope must exist before a client can be granted it.
  depends_on = [aws_cognito_resource_server.gateway]
}
