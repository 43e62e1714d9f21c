variable "name_prefix" {
  description = "Prefix of every name this module creates (user pool, admin client)."
  type        = string
}

variable "existing_user_pool_id" {
  description = "Use this Cognito user pool instead of creating one (for example `us-east-1_AbCdEf123`). Its resource server and admin client are still created here; team clients are created in it at run time."
  type        = string
  default     = null
}

variable "existing_user_pool_domain" {
  description = "The domain of the existing user pool: a Cognito prefix (`my-gateway`) or a custom domain (`auth.example.com`). Required with `existing_user_pool_id`, which can have only one domain; ignored otherwise."
  type        = string
  default     = null
}

variable "domain_prefix" {
  description = "Cognito domain prefix of a created user pool: the token endpoint becomes https://<prefix>.auth.<region>.amazoncognito.com/oauth2/token. Globally unique within the region."
  type        = string
}

variable "deletion_protection" {
  description = "Protect a created user pool from deletion (on in production: deleting it revokes every team's credentials)."
  type        = bool
}

variable "admin_token_validity_minutes" {
  description = "Lifetime of the operators' admin access tokens, in minutes (5 to 1440)."
  type        = number
  default     = 60

  validation {
    condition     = var.admin_token_validity_minutes >= 5 && var.admin_token_validity_minutes <= 1440
    error_message = "admin_token_validity_minutes must be between 5 and 1440."
  }
}
