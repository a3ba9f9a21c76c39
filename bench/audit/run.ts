/**
 * The site audit as a benchmark (issue 24): a generated site of `--pages` pages, each answering
 * after `--delay-ms`, audited twice on the testing kit's local stack: by one job that fetches and
 * extracts every page in a loop, and by the example app's flow (a child per page through a fetch
 * stage and an extract stage, each on its own queue with its own concurrency, then one summary
 * job). Both must find the same report.
 *
 * What runs where: the site in a child process (a website is another machine); dynalite, the local
 * DynamoDB, in a child process (on AWS the ledger's work is not on the consumer's CPU); in this
 * process fauxqs (SQS), the stack's endpoint, the pollers and every consumer with its AWS SDK
 * clients, which on AWS would be Lambda instances of their own. So the flow's figure is still
 * bound by this one process's CPU per page (`cpuMsPerPage`), which the results report.
 * `npm run bench:audit [-- --pages 1000]`.
 */
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { machineInfo } from "../lib/machine.ts";
import { writeResults } from "../lib/results.ts";
import { round } from "../lib/stats.ts";
import { type AuditRun, runOneJob } from "./baseline.ts";
import { runFlow, type StageConcurrency } from "./flow.ts";
import { forkSiteServer } from "./site-process.ts";
import { brokenLinkCount } from "./site-server.ts";

const { values: args } = parseArgs({
  options: {
    pages: { type: "string", default: "10000" },
    // A fast site's page (a server near the crawler, or a CDN): real pages take 50 to 500 ms. Also
    // the slowest that keeps a 10,000-page run of both audits near 15 minutes here (the loop waits
    // 10,000 x 50 ms = 500 s; docs/site-audit.md, "As a benchmark").
    "delay-ms": { type: "string", default: "50" },
    "fetch-invocations": { type: "string", default: "10" },
    "extract-invocations": { type: "string", default: "2" },
    "records-per-invocation": { type: "string", default: "10" },
    only: { type: "string" },
    out: { type: "string", default: fileURLToPath(new URL("../results/audit.json", import.meta.url)) },
  },
});
const PAGES = Number(args.pages);
const DELAY_MS = Number(args["delay-ms"]);
/** Only a guard against a hang: on a loaded machine the flow's per-job costs take far longer than the delays. */
const TIMEOUT_MS = 60 * 60_000;
const STAGES: StageConcurrency = {
  fetchInvocations: Number(args["fetch-invocations"]),
  extractInvocations: Number(args["extract-invocations"]),
  recordsPerInvocation: Number(args["records-per-invocation"]),
};

/** Both audits must find what the generated site holds. */
function check(name: string, run: AuditRun): void {
  const expected = brokenLinkCount(PAGES);
  const { pages, brokenLinks, unread } = run.report;
  if (pages !== PAGES || brokenLinks.length !== expected || unread.length !== 0) {
    throw new Error(
      `the ${name} saw ${pages} pages, ${brokenLinks.length} broken links and ${unread.length} unread, not ${PAGES}, ${expected} and 0`,
    );
  }
}

const timing = (run: AuditRun) => ({
  wallMs: round(run.wallMs),
  pagesPerSecond: round(PAGES / (run.wallMs / 1000), 1),
  cpuMsPerPage: round(run.cpuMs / PAGES, 1),
});

async function main(): Promise<void> {
  const loadBefore = loadavg()[0] ?? 0;
  const site = await forkSiteServer({ pages: PAGES, delayMs: DELAY_MS });
  try {
    const flow = args.only === "loop" ? undefined : await runFlow(site.url, STAGES, TIMEOUT_MS);
    if (flow !== undefined) check("flow", flow);
    const loop = args.only === "flow" ? undefined : await runOneJob(site.url, TIMEOUT_MS);
    if (loop !== undefined) check("one-job audit", loop);
    const results = {
      benchmark: "audit",
      date: new Date().toISOString(),
      machine: machineInfo(),
      loadAverage: { before: round(loadBefore, 1), after: round(loadavg()[0] ?? 0, 1) },
      site: { pages: PAGES, delayMs: DELAY_MS, floorOfTheLoopMs: PAGES * DELAY_MS },
      processes: {
        site: "child process",
        dynamodb: "child process (dynalite)",
        bench: "fauxqs, the endpoint, the pollers, every consumer (cpuMsPerPage)",
      },
      flow: flow === undefined ? null : { stages: STAGES, ...timing(flow) },
      oneJob: loop === undefined ? null : timing(loop),
      speedup: flow === undefined || loop === undefined ? null : round(loop.wallMs / flow.wallMs, 2),
    };
    await writeResults(args.out, results);
    console.log(JSON.stringify(results, null, 2));
  } finally {
    await site.stop();
  }
}

await main();
