import type { AuditReport } from "../../handlers/audit/audit-report.ts";
import { startTestApp } from "../../tools/src/testing/index.ts";
import { auditInOneJob, oneJobHandler } from "./one-job.ts";

/** One audit's wall time and what it found, for the comparison and its checks. */
export interface AuditRun {
  /** From the send of the first job to the drain of the last queue. */
  readonly wallMs: number;
  /**
   * CPU this process spent meanwhile (consumers, handlers, the AWS SDK, fauxqs and the endpoint;
   * not dynalite's nor the site's, which run in child processes).
   */
  readonly cpuMs: number;
  readonly report: AuditReport;
}

/** The baseline: one job walks every page of `site` in a loop, on the testing kit's local stack. */
export async function runOneJob(site: string, timeoutMs: number): Promise<AuditRun> {
  const reports: AuditReport[] = [];
  await using app = await startTestApp({
    queues: [{ name: "audit-loop", handlers: [oneJobHandler(reports)] }],
    ledger: true,
    dynamoDbProcess: "own",
  });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const sent = await app.send(auditInOneJob, { site });
  await app.drain({ timeoutMs });
  const wallMs = performance.now() - t0;
  const { user, system } = process.cpuUsage(cpu0);
  const cpuMs = (user + system) / 1000;
  const state = await app.job(sent);
  const [report] = reports;
  if (state.status !== "succeeded" || report === undefined) {
    throw new Error(`the one-job audit ended ${state.status}: ${state.failure?.message ?? "no report"}`);
  }
  return { wallMs, cpuMs, report };
}
