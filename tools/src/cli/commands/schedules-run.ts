import { randomUUID } from "node:crypto";
import type { GetScheduleCommandOutput } from "@aws-sdk/client-scheduler";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { isFifoQueue, parseQueueArn, queueUrlFromArn } from "sqs-jobs/internal/core/queue-url";
import { withContextAttributes } from "sqs-jobs/internal/schedule/context-attributes";
import { loadSchedulerSdk } from "sqs-jobs/internal/schedule/one-time";
import { type Command, stringOption } from "../command.ts";

export const schedulesRunCommand: Command = {
  name: "schedules run",
  summary: "fire one EventBridge Scheduler schedule now (SQS targets)",
  help: `Usage: sqs-jobs schedules run <name> [--group G]

Fires the schedule now, as Scheduler would: reads it (GetSchedule) and sends
its target's input to its SQS queue, with Scheduler's context attributes
replaced: <aws.scheduler.execution-id> by a new UUID, scheduled-time by now,
schedule-arn by its ARN and attempt-number by 1. A FIFO queue gets the
schedule's message group and a deduplication id run-<uuid>. The schedule itself
is left as it is; targets other than an SQS queue are refused.

Options:
  --group G   the schedule's group (default: default)
  --json      the message id, queue URL and schedule ARN as JSON

Examples:
  sqs-jobs schedules run nightly-report --group reports
  sqs-jobs schedules run nightly-report --group reports --json`,
  options: { group: { type: "string" } },
  args: { min: 1, max: 1 },
  async run(ctx, [name = ""], values) {
    const group = stringOption(values, "group") ?? "default";
    const sdk = await loadSchedulerSdk();
    const client = await ctx.scheduler();
    let schedule: GetScheduleCommandOutput;
    try {
      schedule = await client.send(new sdk.GetScheduleCommand({ Name: name, GroupName: group }));
    } catch (error) {
      if (error instanceof sdk.ResourceNotFoundException) {
        ctx.note(`error: there is no schedule ${name} in group ${group}; \`sqs-jobs schedules\` lists them`);
        return 1;
      }
      throw error;
    }
    const targetArn = schedule.Target?.Arn ?? "";
    if (parseQueueArn(targetArn) === undefined) {
      ctx.note(
        `error: schedule ${name} targets ${targetArn.slice(0, 200) || "nothing"}, not an SQS queue; \`schedules run\` fires SQS targets only`,
      );
      return 1;
    }
    const queueUrl = queueUrlFromArn(targetArn);
    const scheduleArn = schedule.Arn ?? "";
    const body = withContextAttributes(schedule.Target?.Input ?? "{}", {
      scheduledTime: new Date(),
      scheduleArn,
    });
    const groupId = schedule.Target?.SqsParameters?.MessageGroupId;
    const sent = await ctx.sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: body,
        ...(groupId === undefined ? {} : { MessageGroupId: groupId }),
        // A queue with content-based deduplication would drop a second run of an unchanged
        // input within five minutes; an id per run makes each one a new message.
        ...(isFifoQueue(targetArn) ? { MessageDeduplicationId: `run-${randomUUID()}` } : {}),
      }),
    );
    if (ctx.json) ctx.out(JSON.stringify({ messageId: sent.MessageId, queueUrl, scheduleArn }));
    else
      ctx.out(`fired ${name} (group ${group}) to ${targetArn.split(":").at(-1)}: message ${sent.MessageId}`);
    return 0;
  },
};
