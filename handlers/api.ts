import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from "aws-lambda";
import { JobClient, type JobInput, ValidationError } from "../src/index.ts";
import { buildReport, QUEUES, sendEmail } from "./jobs.ts";

/*
 * The example's producer: a Lambda function URL (IAM auth) that enqueues jobs.
 *   POST /reports {"inputKey": "inputs/a.txt"}                   -> 202 {"jobId": "..."}
 *   POST /emails  {"to": "a@example.com", "subject": "Hi", "body": "..."} -> 202 {"jobId": "..."}
 * Each client reads its queue URL from the variable JobQueue.grantSendJobs set on this function.
 */
let reports: JobClient | undefined;
let emails: JobClient | undefined;

export async function handler(event: LambdaFunctionURLEvent): Promise<LambdaFunctionURLResult> {
  if (event.requestContext.http.method !== "POST") return reply(405, { error: "use POST" });
  let body: unknown;
  try {
    const raw = event.isBase64Encoded ? Buffer.from(event.body ?? "", "base64").toString() : event.body;
    body = JSON.parse(raw ?? "");
  } catch {
    return reply(400, { error: "the body must be JSON" });
  }
  // No cast is trusted: send() validates the body against the job's schema before it sends anything.
  try {
    switch (event.rawPath) {
      case "/reports": {
        reports ??= new JobClient({ queue: QUEUES.reports });
        const { jobId } = await reports.send(buildReport, body as JobInput<typeof buildReport>);
        return reply(202, { jobId });
      }
      case "/emails": {
        emails ??= new JobClient({ queue: QUEUES.email });
        const { jobId } = await emails.send(sendEmail, body as JobInput<typeof sendEmail>);
        return reply(202, { jobId });
      }
      default:
        return reply(404, { error: `no route ${event.rawPath}; use /reports or /emails` });
    }
  } catch (error) {
    // The schema ran before anything was sent: tell the caller what to fix.
    if (error instanceof ValidationError) return reply(400, { error: error.message, issues: error.issues });
    throw error;
  }
}

function reply(statusCode: number, body: unknown): LambdaFunctionURLResult {
  return { statusCode, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}
