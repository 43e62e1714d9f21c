# The control plane's state and delivery: one KMS key, the store's table, the bucket the rendered
# agentgateway config is published to, the alerts topic, and the queue of failed ingestions.
# The functions that use them are in lambda.tf; alarms in alarms.tf.

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  region     = data.aws_region.current.region
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  table      = jsondecode(file(var.table_definition_path))
}

# One customer-managed key encrypts the table, the config bucket, the topic, the queue and the log
# groups, and seals the replayed answers the functions keep (envelope encryption, encryption
# context purpose=control-plane-sealing). The root statement delegates use of the key to IAM
# policies (the function roles get only what they need, through the services that use it, or
# with that encryption context); AWS services that encrypt on their own
# behalf (CloudWatch Logs, alarms publishing to the topic) are named in the key policy.
resource "aws_kms_key" "this" {
  description             = "${var.name_prefix} control plane: table, config bucket, alerts topic, queues, logs"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.key.json
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name_prefix}-control-plane"
  target_key_id = aws_kms_key.this.key_id
}

data "aws_iam_policy_document" "key" {
  #checkov:skip=CKV_AWS_109:A key policy's resource is always "*" (the key itself); the root statement only delegates to IAM policies.
  #checkov:skip=CKV_AWS_111:Same: "*" in a key policy means this key, and the root statement is what lets IAM policies grant use of it.
  #checkov:skip=CKV_AWS_356:Same: "*" in a key policy means this key.
  statement {
    sid       = "AccountAdministersTheKeyThroughIam"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchLogsEncryptsTheLogGroups"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"]
    }
  }

  statement {
    sid       = "CloudWatchAlarmsPublishToTheEncryptedTopic"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

# The store ------------------------------------------------------------------------------------

resource "aws_dynamodb_table" "store" {
  name                        = "${var.name_prefix}-control-plane"
  billing_mode                = local.table.billing_mode
  hash_key                    = local.table.hash_key
  range_key                   = local.table.range_key
  deletion_protection_enabled = var.deletion_protection

  dynamic "attribute" {
    for_each = local.table.attributes
    content {
      name = attribute.value.name
      type = attribute.value.type
    }
  }

  ttl {
    attribute_name = local.table.ttl_attribute
    enabled        = true
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.this.arn
  }
}

# The published agentgateway config -------------------------------------------------------------

resource "aws_s3_bucket" "config" {
  #checkov:skip=CKV_AWS_18:Access logging needs a second bucket; the config is written by our functions only and every write is in CloudTrail and the audit trail.
  #checkov:skip=CKV_AWS_144:Cross-region replication: the config is re-rendered from the table at any time (`gatewayctl config render --publish`); nothing is lost with the bucket.
  #checkov:skip=CKV2_AWS_62:No event notifications: agentgateway's config sync polls the object's ETag.
  bucket_prefix = "${var.name_prefix}-config-"
  force_destroy = !var.deletion_protection
}

resource "aws_s3_bucket_ownership_controls" "config" {
  bucket = aws_s3_bucket.config.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "config" {
  bucket                  = aws_s3_bucket.config.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "config" {
  bucket = aws_s3_bucket.config.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "config" {
  bucket = aws_s3_bucket.config.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.this.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "config" {
  bucket = aws_s3_bucket.config.id

  rule {
    id     = "expire-old-config-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 90
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.config]
}

resource "aws_s3_bucket_policy" "config" {
  bucket = aws_s3_bucket.config.id
  policy = data.aws_iam_policy_document.config_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.config]
}

data "aws_iam_policy_document" "config_bucket" {
  statement {
    sid     = "TlsOnly"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.config.arn,
      "${aws_s3_bucket.config.arn}/*",
    ]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

# Alerts and failed ingestions ------------------------------------------------------------------

resource "aws_sns_topic" "alerts" {
  name              = "${var.name_prefix}-alerts"
  kms_master_key_id = aws_kms_key.this.arn
}

# A CloudWatch Logs batch that usage_ingest could not apply after its retries lands here, whole
# (the event with the batch): replaying it is safe, batches are applied exactly once.
resource "aws_sqs_queue" "ingest_failures" {
  name                      = "${var.name_prefix}-usage-ingest-failures"
  kms_master_key_id         = aws_kms_key.this.arn
  message_retention_seconds = 1209600
}
