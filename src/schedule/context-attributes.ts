import { randomUUID } from "node:crypto";

/**
 * EventBridge Scheduler's context attributes, replaced in a target's input as Scheduler does at
 * each invocation: a fresh execution id, the scheduled time in ISO 8601 without milliseconds, the
 * schedule's ARN and the attempt number (1: a retry by Scheduler is not modelled here).
 *
 * @example
 * withContextAttributes('{"id":"<aws.scheduler.execution-id>"}', { scheduledTime: new Date(), scheduleArn })
 */
export function withContextAttributes(
  input: string,
  context: { readonly scheduledTime: Date; readonly scheduleArn: string },
): string {
  return input
    .replaceAll("<aws.scheduler.execution-id>", randomUUID())
    .replaceAll(
      "<aws.scheduler.scheduled-time>",
      context.scheduledTime.toISOString().replace(/\.\d{3}Z$/, "Z"),
    )
    .replaceAll("<aws.scheduler.schedule-arn>", context.scheduleArn)
    .replaceAll("<aws.scheduler.attempt-number>", "1");
}
