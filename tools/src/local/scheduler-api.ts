import type { IncomingHttpHeaders } from "node:http";
import { isIP } from "node:net";
import { SCHEDULE_NAME } from "sqs-jobs/internal/core/schedule-name";
import { Checks, decodeSegment, members } from "./api-validation.ts";
import { type ApiResponse, jsonResponse } from "./local-request.ts";
import { type LocalSchedule, type LocalScheduler, SchedulerApiError } from "./scheduler.ts";

/**
 * The subset of EventBridge Scheduler's REST-JSON API that sqs-jobs uses, served by `sqs-jobs dev`
 * and the test rig: CreateSchedule (`POST /schedules/{Name}`), GetSchedule (`GET`), DeleteSchedule
 * (`DELETE`) and ListSchedules (`GET /schedules`), as the SDK's serializer sends them. Errors carry
 * their type in `x-amzn-errortype`, which the SDK reads to pick the exception class.
 * Plus one local-only route, loopback only: `POST /_sqs-jobs/clock/advance` with `{ "ms": N }`
 * moves the stack's one clock (schedules, SQS delays and visibility deadlines: the testing kit's
 * `advanceTime`) and answers once what became due was delivered.
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

function checkName(checks: Checks, value: string, member: string): void {
  checks.pattern(value, member, SCHEDULE_NAME, "[0-9a-zA-Z-_.]+");
}

/** CreateSchedule's model, checked before the scheduler reads the schedule: every problem at once. */
function createProblems(input: Readonly<Record<string, unknown>>): string | undefined {
  const checks = new Checks();
  if (checks.required(input.ScheduleExpression, "scheduleExpression")) {
    checks.string(input.ScheduleExpression, "scheduleExpression");
  }
  checks.string(input.ScheduleExpressionTimezone, "scheduleExpressionTimezone");
  checks.string(input.Description, "description");
  if (checks.string(input.GroupName, "groupName")) checkName(checks, input.GroupName, "groupName");
  checks.oneOf(input.State, "state", ["ENABLED", "DISABLED"]);
  checks.oneOf(input.ActionAfterCompletion, "actionAfterCompletion", ["NONE", "DELETE"]);
  checks.timestamp(input.StartDate, "startDate");
  checks.timestamp(input.EndDate, "endDate");
  if (checks.required(input.Target, "target")) {
    const target = members(input.Target);
    if (checks.required(target.Arn, "target.arn")) checks.string(target.Arn, "target.arn");
    if (checks.required(target.RoleArn, "target.roleArn")) checks.string(target.RoleArn, "target.roleArn");
    checks.string(target.Input, "target.input");
    checks.string(members(target.SqsParameters).MessageGroupId, "target.sqsParameters.messageGroupId");
  }
  return checks.message();
}

/**
 * Where a ListSchedules page starts and how long it is, or AWS's message for a MaxResults out of
 * 1-100 or a NextToken this API did not hand out.
 */
function pageOf(params: URLSearchParams, total: number): { start: number; max: number } | string {
  const checks = new Checks();
  const rawMax = params.get("MaxResults");
  const max = rawMax === null ? 100 : Number(rawMax);
  checks.number(Number.isNaN(max) ? rawMax : max, "maxResults", { min: 1, max: 100 });
  const token = params.get("NextToken");
  const start = token === null ? 0 : Number(token);
  const problem = checks.message();
  if (problem !== undefined) return problem;
  if (!Number.isInteger(start) || start < 0 || start > total) return "The NextToken is not valid.";
  return { start, max };
}

const date = (epochSeconds: number | undefined): Date | undefined =>
  typeof epochSeconds === "number" ? new Date(epochSeconds * 1000) : undefined;

/** Answers one Scheduler call (see {@link isSchedulerRequest}). */
export async function handleSchedulerApi(
  { scheduler, advanceClock }: { scheduler: LocalScheduler; advanceClock: (ms: unknown) => Promise<Date> },
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
      const { ms } = members(JSON.parse(body || "{}"));
      return jsonResponse(200, { now: (await advanceClock(ms)).toISOString() });
    }
    if (url.pathname === "/schedules") {
      if (method !== "GET") return failure("ValidationException", 405, "only GET lists schedules");
      const all = scheduler.list({
        groupName: url.searchParams.get("ScheduleGroup") ?? undefined,
        namePrefix: url.searchParams.get("NamePrefix") ?? undefined,
      });
      const state = url.searchParams.get("State");
      const listed = all.filter((s) => state === null || s.state === state);
      const paging = pageOf(url.searchParams, listed.length);
      if (typeof paging === "string") return failure("ValidationException", 400, paging);
      const { start, max } = paging;
      const page = listed.slice(start, start + max);
      return jsonResponse(200, {
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
    const segment = url.pathname.slice("/schedules/".length);
    const name = decodeSegment(segment) ?? segment;
    const group = url.searchParams.get("groupName") ?? undefined;
    const named = new Checks();
    checkName(named, name, "name");
    if (group !== undefined) checkName(named, group, "groupName");
    const badName = named.message();
    if (badName !== undefined) return failure("ValidationException", 400, badName);
    if (method === "POST") {
      const given = members(JSON.parse(body || "{}"));
      const problem = createProblems(given);
      if (problem !== undefined) return failure("ValidationException", 400, problem);
      // Checked above: each member is absent or of its type.
      const input = given as CreateBody;
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
      return jsonResponse(200, { ScheduleArn: created.arn });
    }
    if (method === "GET") {
      const schedule = scheduler.get(name, group);
      if (schedule === undefined)
        return failure("ResourceNotFoundException", 404, `Schedule ${name} does not exist.`);
      return jsonResponse(200, scheduleView(schedule));
    }
    if (method === "DELETE") {
      if (!scheduler.delete(name, group)) {
        return failure("ResourceNotFoundException", 404, `Schedule ${name} does not exist.`);
      }
      return jsonResponse(200, {});
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
