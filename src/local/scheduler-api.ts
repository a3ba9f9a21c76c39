import type { IncomingHttpHeaders } from "node:http";
import { isIP } from "node:net";
import { type ApiResponse, jsonResponse } from "./local-request.ts";
import { type LocalSchedule, type LocalScheduler, SchedulerApiError } from "./scheduler.ts";

/**
 * The subset of EventBridge Scheduler's REST-JSON API that sqs-jobs uses, served by `sqs-jobs dev`
 * and the test rig: CreateSchedule (`POST /schedules/{Name}`), GetSchedule (`GET`), DeleteSchedule
 * (`DELETE`) and ListSchedules (`GET /schedules`), as the SDK's serializer sends them. Errors carry
 * their type in `x-amzn-errortype`, which the SDK reads to pick the exception class.
 * Plus one local-only route, loopback only: `POST /_sqs-jobs/clock/advance` with `{ "ms": N }`
 * moves the scheduler's clock and answers once what became due was delivered.
 */

const CLOCK_PATH = "/_sqs-jobs/clock/advance";

/**
 * A Scheduler call: SigV4 names the service in the credential scope, which tells `/schedules`
 * apart from an S3 bucket of that name on the same endpoint.
 */
export function isSchedulerRequest(pathname: string, headers: IncomingHttpHeaders): boolean {
  if (pathname === CLOCK_PATH) return true;
  const auth = headers.authorization;
  return (
    (pathname === "/schedules" || pathname.startsWith("/schedules/")) &&
    typeof auth === "string" &&
    auth.includes("/scheduler/aws4_request")
  );
}

const json = (status: number, value: unknown): ApiResponse => jsonResponse(status, value);

const failure = (type: string, status: number, message: string): ApiResponse =>
  jsonResponse(status, { Message: message }, type);

const seconds = (d: Date | undefined): number | undefined =>
  d === undefined ? undefined : d.getTime() / 1000;

function scheduleView(s: LocalSchedule) {
  return {
    Arn: s.arn,
    GroupName: s.groupName,
    Name: s.name,
    ScheduleExpression: s.expression,
    ScheduleExpressionTimezone: s.timezone,
    State: s.state,
    ActionAfterCompletion: s.actionAfterCompletion,
    CreationDate: seconds(s.createdAt),
    LastModificationDate: seconds(s.modifiedAt),
    StartDate: seconds(s.startDate),
    EndDate: seconds(s.endDate),
    Description: s.description,
    FlexibleTimeWindow: { Mode: "OFF" },
    Target: {
      Arn: s.target.arn,
      RoleArn: s.target.roleArn,
      Input: s.target.input,
      ...(s.target.messageGroupId === undefined
        ? {}
        : { SqsParameters: { MessageGroupId: s.target.messageGroupId } }),
    },
  };
}

interface CreateBody {
  GroupName?: string;
  ScheduleExpression?: string;
  ScheduleExpressionTimezone?: string;
  State?: "ENABLED" | "DISABLED";
  ActionAfterCompletion?: "NONE" | "DELETE";
  StartDate?: number;
  EndDate?: number;
  Description?: string;
  Target?: { Arn?: string; RoleArn?: string; Input?: string; SqsParameters?: { MessageGroupId?: string } };
}

const date = (epochSeconds: number | undefined): Date | undefined =>
  typeof epochSeconds === "number" ? new Date(epochSeconds * 1000) : undefined;

/** Answers one Scheduler call (see {@link isSchedulerRequest}). */
export async function handleSchedulerApi(
  scheduler: LocalScheduler,
  method: string,
  url: URL,
  body: string,
  remoteAddress: string | undefined,
): Promise<ApiResponse> {
  try {
    if (url.pathname === CLOCK_PATH) {
      // Moving time is for tests on this machine only, whatever Host the request names.
      const bare = (remoteAddress ?? "").replace(/^::ffff:/, "");
      if (!(bare === "::1" || (isIP(bare) === 4 && bare.startsWith("127.")))) {
        return failure("AccessDeniedException", 403, "the clock moves only for requests from this machine");
      }
      if (method !== "POST")
        return failure("ValidationException", 405, `use POST ${CLOCK_PATH} with {"ms": N}`);
      const ms = Number((JSON.parse(body || "{}") as { ms?: unknown }).ms);
      return json(200, { now: (await scheduler.advance(ms)).toISOString() });
    }
    const group = url.searchParams.get("groupName") ?? undefined;
    if (url.pathname === "/schedules") {
      if (method !== "GET") return failure("ValidationException", 405, "only GET lists schedules");
      const all = scheduler.list({
        groupName: url.searchParams.get("ScheduleGroup") ?? undefined,
        namePrefix: url.searchParams.get("NamePrefix") ?? undefined,
      });
      const state = url.searchParams.get("State");
      const listed = all.filter((s) => state === null || s.state === state);
      const start = Number(url.searchParams.get("NextToken") ?? 0);
      const max = Number(url.searchParams.get("MaxResults") ?? 100);
      const page = listed.slice(start, start + max);
      return json(200, {
        Schedules: page.map((s) => ({
          Arn: s.arn,
          Name: s.name,
          GroupName: s.groupName,
          State: s.state,
          CreationDate: seconds(s.createdAt),
          LastModificationDate: seconds(s.modifiedAt),
          Target: { Arn: s.target.arn },
        })),
        ...(start + max < listed.length ? { NextToken: String(start + max) } : {}),
      });
    }
    const name = decodeURIComponent(url.pathname.slice("/schedules/".length));
    if (method === "POST") {
      const input = JSON.parse(body || "{}") as CreateBody;
      const created = scheduler.create({
        name,
        groupName: input.GroupName,
        expression: input.ScheduleExpression ?? "",
        timezone: input.ScheduleExpressionTimezone,
        state: input.State,
        actionAfterCompletion: input.ActionAfterCompletion,
        startDate: date(input.StartDate),
        endDate: date(input.EndDate),
        description: input.Description,
        target: {
          arn: input.Target?.Arn ?? "",
          roleArn: input.Target?.RoleArn ?? "",
          input: input.Target?.Input,
          messageGroupId: input.Target?.SqsParameters?.MessageGroupId,
        },
      });
      return json(200, { ScheduleArn: created.arn });
    }
    if (method === "GET") {
      const schedule = scheduler.get(name, group);
      if (schedule === undefined)
        return failure("ResourceNotFoundException", 404, `Schedule ${name} does not exist.`);
      return json(200, scheduleView(schedule));
    }
    if (method === "DELETE") {
      if (!scheduler.delete(name, group)) {
        return failure("ResourceNotFoundException", 404, `Schedule ${name} does not exist.`);
      }
      return json(200, {});
    }
    return failure(
      "ValidationException",
      405,
      `${method} is not served for /schedules/{Name} by sqs-jobs dev`,
    );
  } catch (error) {
    if (error instanceof SchedulerApiError) return failure(error.type, error.status, error.message);
    if (error instanceof SyntaxError)
      return failure("ValidationException", 400, "the request body is not JSON");
    throw error;
  }
}
