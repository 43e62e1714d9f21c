# Alarms: any error or throttle of a function, and any ingestion batch that failed for good.
# They notify the alerts topic unless alarm_actions names other topics.

locals {
  alarm_actions = length(var.alarm_actions) > 0 ? var.alarm_actions : [aws_sns_topic.alerts.arn]
  function_alarms = {
    for pair in setproduct(local.all_functions, ["Errors", "Throttles"]) :
    "${pair[0]}-${lower(pair[1])}" => { function = pair[0], metric = pair[1] }
  }
}

resource "aws_cloudwatch_metric_alarm" "function" {
  for_each = local.function_alarms

  alarm_name          = "${local.function_names[each.value.function]}-${lower(each.value.metric)}"
  alarm_description   = "${each.value.function}: ${each.value.metric} in the last 5 minutes."
  namespace           = "AWS/Lambda"
  metric_name         = each.value.metric
  dimensions          = { FunctionName = local.function_names[each.value.function] }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "ingest_failures" {
  alarm_name          = "${var.name_prefix}-usage-ingest-failed-batches"
  alarm_description   = "CloudWatch Logs batches usage_ingest gave up on are waiting in ${aws_sqs_queue.ingest_failures.name}: usage is missing until they are replayed."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.ingest_failures.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}
