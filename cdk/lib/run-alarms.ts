import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import type { Construct } from "constructs";
import { DEFAULT_METRICS_NAMESPACE } from "../../src/consumer/metrics.ts";

/** CloudWatch refuses an alarm whose metric math reads more than 10 metrics. */
export const MAX_ALARM_METRICS = 10;

/**
 * The runs of a queue's jobs that ended one way, summed over its job names from the consumer's EMF
 * metric of that name (dimension `jobName`, namespace `SqsJobs`): `cancelled` (a cancel request
 * stopped them) or `throttled` (put back on the queue by a rate limit). One alarm reads at most
 * {@link MAX_ALARM_METRICS} job names: the first ones.
 */
export function metricRuns(
  metricName: "cancelled" | "throttled",
  jobNames: readonly string[],
  label: string,
): cloudwatch.MathExpression {
  const usingMetrics: Record<string, cloudwatch.IMetric> = {};
  jobNames.slice(0, MAX_ALARM_METRICS).forEach((jobName, i) => {
    usingMetrics[`m${i}`] = new cloudwatch.Metric({
      namespace: DEFAULT_METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { jobName },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
    });
  });
  return new cloudwatch.MathExpression({
    expression: Object.keys(usingMetrics)
      .map((id) => `FILL(${id}, 0)`)
      .join(" + "),
    usingMetrics,
    label,
    period: Duration.minutes(5),
  });
}

/** An alarm when at least `threshold` runs ended so within 5 minutes. */
export function runsAlarm(
  scope: Construct,
  id: string,
  metric: cloudwatch.MathExpression,
  threshold: number,
  alarmDescription: string,
): cloudwatch.Alarm {
  return metric.createAlarm(scope, id, {
    alarmDescription,
    threshold,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}
