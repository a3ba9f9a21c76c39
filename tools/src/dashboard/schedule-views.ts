import type { SchedulerClient } from "@aws-sdk/client-scheduler";
import { describeAwsError, neverReachedAws } from "sqs-jobs/internal/core/aws-errors";
import { listSchedules } from "sqs-jobs/internal/schedule/schedule-listing";
import { DashboardRequestError } from "./api-error.ts";

/** Every schedule with its next three fire times, as `api/schedules` answers. */
export async function scheduleViews(client: SchedulerClient) {
  let listed: Awaited<ReturnType<typeof listSchedules>>;
  try {
    listed = await listSchedules(client);
  } catch (error) {
    if (noScheduler(error)) {
      throw new DashboardRequestError(
        404,
        "NO_SCHEDULER",
        `the EventBridge Scheduler API does not answer on this endpoint (${describeAwsError(error).slice(0, 200)})`,
        { cause: error },
      );
    }
    throw error;
  }
  return {
    schedules: listed.map((s) => ({
      group: s.groupName,
      name: s.name,
      expression: s.expression,
      timezone: s.timezone,
      state: s.state,
      target: s.target.arn ?? "",
      jobName: s.jobName ?? null,
      next: s.nextFireTimes.map((t) => t.toISOString()),
    })),
  };
}

/** An endpoint without the Scheduler API: nothing listens, or it does not know the route. */
function noScheduler(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const name = (error as { name?: string }).name ?? "";
  return neverReachedAws(error) || status === 404 || /UnknownOperation|NotImplemented/.test(name);
}
