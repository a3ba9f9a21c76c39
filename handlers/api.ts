import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from "aws-lambda";
import {
  InvalidOptionError,
  JobClient,
  JobDeadError,
  type JobInput,
  ValidationError,
  WaitTimeoutError,
} from "../src/index.ts";
import { analyseText, buildReport, QUEUES, sendEmail } from "./jobs.ts";

/*
 * The example's producer: a Lambda function URL (IAM auth) that enqueues jobs.
 *   POST /reports {"inputKey": "inputs/a.txt"}          -> 202 {"jobId": "..."}
 *   POST /reports?wait=20 {...}                         -> 200 {"jobId", "result"} once built (or 202 after 20 s)
 *   GET  /reports/<jobId>                               -> 200 the job's state in the ledger
 *   POST /reports/preview {...}                         -> 200 {"result"}: run now through the consumer (call)
 *   POST /reports/text {"name": "a.txt", "text": "..."} -> 202 {"jobId"}: the text in the job, through S3 past 1 MiB
 *   POST /emails  {"to": "a@example.com", "subject": "Hi", "body": "..."} -> 202 {"jobId", "deduplicated"}
 *   POST /emails?at=2026-12-01T09:00:00Z {...}          -> 202 {"jobId", "scheduledAt"}: a reminder sent then
 *                                                          (an EventBridge Scheduler schedule; cancel with its jobId)
 * Each client reads its queue URL (and the ledger's table, for /preview the consumer's name, and
 * for ?at= the role Scheduler sends with, SQS_JOBS_EMAIL_SCHEDULER_ROLE_ARN) from the variables
 * the JobQueue construct sets on this function.
 */
let reports: JobClient | undefined;
let emails: JobClient | undefined;

export async function handler(event: LambdaFunctionURLEvent): Promise<LambdaFunctionURLResult> {
  const method = event.requestContext.http.method;
  const jobId = /^\/reports\/([0-9a-f-]{36})$/.exec(event.rawPath)?.[1];
  if (method === "GET" && jobId !== undefined) {
    reports ??= new JobClient({ queue: QUEUES.reports });
    const state = await reports.getJob(buildReport, jobId);
    return state === undefined ? reply(404, { error: `no job ${jobId} in the ledger` }) : reply(200, state);
  }
  if (method !== "POST") return reply(405, { error: "use POST, or GET /reports/<jobId>" });
  let body: unknown;
  try {
    const raw = event.isBase64Encoded ? Buffer.from(event.body ?? "", "base64").toString() : event.body;
    body = JSON.parse(raw ?? "");
  } catch {
    return reply(400, { error: "the body must be JSON" });
  }
  // No cast is trusted: send() validates the body against the job's schema before it sends anything.
  try {
    reports ??= new JobClient({ queue: QUEUES.reports });
    switch (event.rawPath) {
      case "/reports": {
        const sent = await reports.send(buildReport, body as JobInput<typeof buildReport>);
        const wait = Number(event.queryStringParameters?.wait ?? 0);
        if (!(wait > 0)) return reply(202, { jobId: sent.jobId });
        try {
          return reply(200, {
            jobId: sent.jobId,
            result: await sent.waitFor({ timeoutMs: Math.min(wait, 25) * 1000 }),
          });
        } catch (error) {
          if (error instanceof WaitTimeoutError)
            return reply(202, { jobId: sent.jobId, status: error.status });
          throw error;
        }
      }
      case "/reports/text": {
        // A text past 1 MiB travels through the queue's payload bucket (docs/payloads.md).
        const { jobId } = await reports.send(analyseText, body as JobInput<typeof analyseText>);
        return reply(202, { jobId });
      }
      case "/reports/preview":
        return reply(200, { result: await reports.call(buildReport, body as JobInput<typeof buildReport>) });
      case "/emails": {
        emails ??= new JobClient({ queue: QUEUES.email });
        const atParam = event.queryStringParameters?.at;
        if (atParam !== undefined) {
          const at = new Date(atParam);
          if (Number.isNaN(at.getTime())) return reply(400, { error: "at must be an ISO 8601 date-time" });
          const { jobId, scheduledAt } = await emails.send(sendEmail, body as JobInput<typeof sendEmail>, {
            at,
          });
          return reply(202, { jobId, scheduledAt });
        }
        const { jobId, deduplicated } = await emails.send(sendEmail, body as JobInput<typeof sendEmail>);
        return reply(202, { jobId, deduplicated });
      }
      default:
        return reply(404, {
          error: `no route ${event.rawPath}; use /reports, /reports/text, /reports/preview or /emails`,
        });
    }
  } catch (error) {
    // The schema ran before anything was sent: tell the caller what to fix.
    if (error instanceof ValidationError) return reply(400, { error: error.message, issues: error.issues });
    // A reminder in the past or more than a year ahead.
    if (error instanceof InvalidOptionError) return reply(400, { error: error.message });
    // The job died (or a preview's handler threw): the reason, never the payload.
    if (error instanceof JobDeadError) return reply(422, { error: error.message, failure: error.failure });
    throw error;
  }
}

function reply(statusCode: number, body: unknown): LambdaFunctionURLResult {
  return { statusCode, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}
