output "user_pool_id" {
  description = "Id of the Cognito user pool that issues the gateway's tokens."
  value       = local.user_pool_id
}

output "user_pool_arn" {
  description = "ARN of the user pool (the admin API's Cognito authorizer, team_registration's IAM policy)."
  value       = local.user_pool_arn
}

output "issuer" {
  description = "The `iss` of the pool's access tokens; its JWKS is at <issuer>/.well-known/jwks.json."
  value       = "https://cognito-idp.${data.aws_region.current.region}.amazonaws.com/${local.user_pool_id}"
}

output "token_endpoint" {
  description = "OAuth2 token endpoint (client-credentials grant) of the pool's domain."
  value       = "https://${local.domain_host}/oauth2/token"
}

output "admin_client_id" {
  description = "Client id of the operators' admin app client (scope https://gateway.internal/admin)."
  value       = aws_cognito_user_pool_client.admin.id
}

output "admin_client_secret" {
  description = "Client secret of the operators' admin app client."
  value       = aws_cognito_user_pool_client.admin.client_secret
  sensitive   = true
}

output "admin_scope" {
  description = "The scope the admin API requires."
  value       = local.admin_scope
}

output "invoke_scope" {
  description = "The scope team clients get for the inference plane."
  value       = local.invoke_scope
}
