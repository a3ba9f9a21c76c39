import { auditHandlers, auditReportKey } from "../../handlers/audit/audit-handlers.ts";
import type { AuditReport } from "../../handlers/audit/audit-report.ts";
import { httpSite } from "../../handlers/audit/site.ts";
import { auditSite } from "../../handlers/jobs.ts";
import { memoryStore } from "../../handlers/object-store.ts";
import { startTestApp } from "../../tools/src/testing/index.ts";
import type { AuditRun } from "./baseline.ts";

/** Each stage's concurrency: invocations at once (the event source's cap) x records per invocation. */
export interface StageConcurrency {
  readonly fetchInvocations: number;
  readonly extractInvocations: number;
  /** Records an invocation runs at once (`createSqsHandler`'s `concurrency`), in both stages. */
  readonly recordsPerInvocation: number;
}

/**
 * The example app's audit flow on the testing kit's local stack: the same handlers as the
 * example's Lambdas, the site over HTTP instead of the bucket, snapshots and the report in memory
 * instead of S3 (the one-job loop keeps its report in memory too).
 */
export async function runFlow(site: string, stages: StageConcurrency, timeoutMs: number): Promise<AuditRun> {
  const store = memoryStore();
  const handlers = auditHandlers({ siteFor: (url) => httpSite(url), store });
  const consumer = { logLevel: "warn" as const, concurrency: stages.recordsPerInvocation };
  await using app = await startTestApp({
    ledger: true,
    dynamoDbProcess: "own",
    queues: [
      { name: "audit", handlers: handlers.audit, consumer },
      { name: "audit-fetch", handlers: handlers.fetch, maxConcurrency: stages.fetchInvocations, consumer },
      {
        name: "audit-extract",
        handlers: handlers.extract,
        maxConcurrency: stages.extractInvocations,
        consumer,
      },
    ],
  });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const sent = await app.send(auditSite, { site });
  await app.drain({ timeoutMs });
  const wallMs = performance.now() - t0;
  const { user, system } = process.cpuUsage(cpu0);
  const cpuMs = (user + system) / 1000;
  const report = store.objects.get(auditReportKey(sent.jobId));
  if (report === undefined)
    throw new Error(`the flow wrote no report (the audit job is ${(await app.job(sent)).status})`);
  return { wallMs, cpuMs, report: JSON.parse(report) as AuditReport };
}
