terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # Every argument is checked offline against this provider's schema (6.69.1, vendored in
      # .provider-schema/ with its provenance); a new major may rename them.
      version = "~> 6.69"
    }
  }
}
