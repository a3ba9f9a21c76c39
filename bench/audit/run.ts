/**
 * The site audit as a benchmark (issue 24): a generated site of `--pages` pages served on loopback,
 * each page answering after `--delay-ms`, audited twice on the testing kit's local stack: by one
 * job that fetches and extracts every page in a loop, and by the example app's flow (a child per
 * page through a fetch stage and an extract stage, each on its own queue with its own concurrency,
 * then one summary job). Both must find the same report. `npm run bench:audit [-- --pages 1000]`.
 */
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { machineInfo } from "../lib/machine.ts";
import { writeResults } from "../lib/results.ts";
import { round } from "../lib/stats.ts";
import { runOneJob } from "./baseline.ts";
import { brokenLinkCount, startSiteServer } from "./site-server.ts";

const { values: args } = parseArgs({
  options: {
    pages: { type: "string", default: "10000" },
    "delay-ms": { type: "string", default: "10" },
    out: { type: "string", default: fileURLToPath(new URL("../results/audit.json", import.meta.url)) },
  },
});
const PAGES = Number(args.pages);
const DELAY_MS = Number(args["delay-ms"]);
/** The loop's floor is pages x delay; give it twice that, and a minute. */
const TIMEOUT_MS = 2 * PAGES * DELAY_MS + 60_000;

async function main(): Promise<void> {
  const loadBefore = loadavg()[0] ?? 0;
  const site = await startSiteServer({ pages: PAGES, delayMs: DELAY_MS });
  try {
    const loop = await runOneJob(site.url, TIMEOUT_MS);
    const expected = brokenLinkCount(PAGES);
    if (loop.report.pages !== PAGES || loop.report.brokenLinks.length !== expected) {
      throw new Error(
        `the one-job audit saw ${loop.report.pages} pages and ${loop.report.brokenLinks.length} broken links, not ${PAGES} and ${expected}`,
      );
    }
    const results = {
      benchmark: "audit",
      date: new Date().toISOString(),
      machine: machineInfo(),
      loadAverage: { before: round(loadBefore, 1), after: round(loadavg()[0] ?? 0, 1) },
      site: { pages: PAGES, delayMs: DELAY_MS, floorOfTheLoopMs: PAGES * DELAY_MS },
      oneJob: { wallMs: round(loop.wallMs), pagesPerSecond: round(PAGES / (loop.wallMs / 1000), 1) },
    };
    await writeResults(args.out, results);
    console.log(JSON.stringify(results, null, 2));
  } finally {
    await site.stop();
  }
}

await main();
