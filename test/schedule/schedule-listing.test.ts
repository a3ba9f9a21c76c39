import { randomUUID } from "node:crypto";
import { CreateScheduleCommand, DeleteScheduleCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { afterAll, describe, expect, inject, it } from "vitest";
import { listSchedules } from "../../src/schedule/schedule-listing.ts";

// The rig's scheduler fires on a clock other files move by hours: these schedules fire in 2098.
const endpoint = inject("sqsEndpoint");
const region = process.env.AWS_REGION ?? "us-east-1";
const admin = new SchedulerClient({ endpoint, region });
afterAll(() => admin.destroy());

async function create(group: string, name: string): Promise<void> {
  await admin.send(
    new CreateScheduleCommand({
      Name: name,
      GroupName: group,
      ScheduleExpression: "at(2098-01-01T00:00:00)",
      ActionAfterCompletion: "DELETE",
      FlexibleTimeWindow: { Mode: "OFF" },
      Target: {
        Arn: "arn:aws:sqs:us-east-1:000000000000:nowhere",
        RoleArn: "arn:aws:iam::000000000000:role/scheduler",
        Input: "{}",
      },
    }),
  );
}

describe("listSchedules", () => {
  it("skips a schedule that is gone between List and Get (a one-time schedule that fired)", async () => {
    // Given three schedules in a group of this test's own
    const group = `l-${randomUUID().slice(0, 8)}`;
    for (const name of ["a", "b", "c"]) await create(group, name);
    // And a client whose ListSchedules answer comes back just after "b" fired and deleted itself
    const client = new SchedulerClient({ endpoint, region });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        if (context.commandName === "ListSchedulesCommand") {
          await admin.send(new DeleteScheduleCommand({ Name: "b", GroupName: group }));
        }
        return out;
      },
      { step: "initialize", name: "fireBetweenListAndGet" },
    );
    try {
      // When the schedules are listed
      const listed = await listSchedules(client, { group });
      // Then the listing holds the two that exist, not an error
      expect(listed.map((s) => s.name)).toEqual(["a", "c"]);
    } finally {
      client.destroy();
    }
  });
});
