import { type AppModel, LOCAL_ACCOUNT } from "./app-model.ts";
import type { LocalScheduleInput, LocalScheduler } from "./scheduler.ts";

/** The app's periodic schedules, fired on time by the local scheduler into the local queues. */
export function registerSchedules(
  scheduler: LocalScheduler,
  schedules: AppModel["schedules"],
  queues: readonly { logicalId: string; arn: string }[],
): void {
  for (const s of schedules) {
    const queue = queues.find((q) => q.logicalId === s.queueLogicalId);
    if (queue === undefined) continue;
    const wanted = {
      name: s.name,
      groupName: s.groupName,
      expression: s.expression,
      timezone: s.timezone,
      state: s.enabled ? "ENABLED" : "DISABLED",
      target: {
        arn: queue.arn,
        roleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/sqs-jobs-dev-scheduler`,
        input: s.input,
        ...(s.messageGroupId === undefined ? {} : { messageGroupId: s.messageGroupId }),
      },
    } as const;
    const existing = scheduler.get(s.name, s.groupName);
    // Restarted with --persist on an unchanged template: the stored schedule stays as it is, so
    // a one-time schedule that fired is not fired again (as a redeploy does not on AWS), and a
    // rate keeps counting from its creation.
    if (existing !== undefined && sameSchedule(existing, wanted)) continue;
    // Changed since, or created twice: the template's version wins.
    if (existing !== undefined) scheduler.delete(s.name, s.groupName);
    scheduler.create(wanted);
  }
}

function sameSchedule(a: LocalScheduleInput, b: LocalScheduleInput): boolean {
  return (
    a.expression === b.expression &&
    a.timezone === b.timezone &&
    a.state === b.state &&
    a.target.arn === b.target.arn &&
    a.target.roleArn === b.target.roleArn &&
    a.target.input === b.target.input &&
    a.target.messageGroupId === b.target.messageGroupId
  );
}
