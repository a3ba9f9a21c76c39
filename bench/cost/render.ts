/**
 * docs/cost.md's and the README's cost tables, rendered from bench/results/cost.json: the numbers
 * are the bench's, never typed by hand. `node bench/cost/render.ts` rewrites both files between
 * their `<!-- cost:<name> -->` and `<!-- /cost:<name> -->` marks; test/docs/cost-tables.test.ts
 * fails when a table and the results disagree.
 */
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { CostResults, ScenarioCost } from "./model.ts";
import { PRICES, VALKEY_SERVERLESS_MIN_GB } from "./prices.ts";

const RESULTS = fileURLToPath(new URL("../results/cost.json", import.meta.url));
export const COST_PAGES = {
  docs: fileURLToPath(new URL("../../docs/cost.md", import.meta.url)),
  readme: fileURLToPath(new URL("../../README.md", import.meta.url)),
} as const;

const dollars = (n: number): string => `$${n.toFixed(2)}`;
const count = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(2));

function floorOf(results: CostResults): ScenarioCost {
  const floor = results.scenarios.find((s) => s.name === "floor");
  if (floor === undefined) throw new Error("bench/results/cost.json has no floor scenario");
  return floor;
}

/** The full table of docs/cost.md: what each way of using sqs-jobs costs per million jobs. */
export function detailTable(results: CostResults): string {
  const floor = floorOf(results);
  const rows = results.scenarios.map((s) => {
    const p = s.perJob;
    const sqsRatio = floor.perJob.sqsRequests === 0 ? 0 : p.sqsRequests / floor.perJob.sqsRequests;
    return `| ${s.title} | ${count(p.sqsRequests)} (${sqsRatio.toFixed(2)}x) | ${count(p.dynamoDbWriteUnits)} + ${count(p.dynamoDbIndexWriteUnits)} | ${count(p.schedulerInvocations)} | ${count(p.lambdaInvocations)} | ${dollars(s.usdPerMillionJobs.sqs)} | ${dollars(s.usdPerMillionJobs.dynamodb)} | ${dollars(s.usdPerMillionJobs.scheduler)} | ${dollars(s.usdPerMillionJobs.s3 + s.usdPerMillionJobs.sns)} | ${dollars(s.usdPerMillionJobs.lambda)} | **${dollars(s.usdPerMillionJobs.total)}** |`;
  });
  return [
    "| scenario | SQS requests per job (vs the floor) | DynamoDB write units per job (table + list index) | Scheduler invocations per job | Lambda invocations per job | SQS $ | DynamoDB $ | Scheduler $ | S3 and SNS $ | Lambda $ | total per million jobs |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

/** The README's short table: the total per million jobs of the common ways. */
export function summaryTable(results: CostResults): string {
  const shown = [
    "send",
    "ledger",
    "unique",
    "at",
    "call",
    "flowChild",
    "offloaded",
    "rateLimited",
    "published",
  ];
  const rows = results.scenarios
    .filter((s) => shown.includes(s.name))
    .map((s) => `| ${s.title} | ${dollars(s.usdPerMillionJobs.total)} |`);
  return ["| a million jobs, each... | on AWS (us-east-1) |", "| --- | --- |", ...rows].join("\n");
}

/** Hours in an average month (365 x 24 / 12), as AWS's pricing examples count them. */
const HOURS_A_MONTH = 730;

/**
 * docs/cost.md's side-by-side: a million jobs in a month on sqs-jobs (from the run) and on BullMQ
 * with ElastiCache Serverless for Valkey (its least monthly charge, from prices.ts); the hosted
 * platforms whose prices were not found are prose beside it, not rows.
 */
export function alternativesTable(results: CostResults): string {
  const total = (name: string): number => {
    const found = results.scenarios.find((s) => s.name === name);
    if (found === undefined) throw new Error(`bench/results/cost.json has no ${name} scenario`);
    return found.usdPerMillionJobs.total;
  };
  const valkeyFloor = VALKEY_SERVERLESS_MIN_GB * PRICES.elastiCacheServerlessValkeyGbHour.usd * HOURS_A_MONTH;
  const ecpuPerMillion = Number((PRICES.elastiCacheServerlessValkeyEcpu.usd * 1e6).toPrecision(2));
  return [
    "| a million jobs in a month | what you pay AWS | what it grows with |",
    "| --- | --- | --- |",
    `| sqs-jobs: send, Lambda consumer | ${dollars(total("send"))} | the jobs (and $0.10 to $0.26 a month per idle queue) |`,
    `| sqs-jobs: send with the job ledger | ${dollars(total("ledger"))} | the jobs |`,
    `| BullMQ on ElastiCache Serverless for Valkey, us-east-1 | at least ${dollars(valkeyFloor)} (${VALKEY_SERVERLESS_MIN_GB * 1000} MB stored for ${HOURS_A_MONTH} hours at $${PRICES.elastiCacheServerlessValkeyGbHour.usd} per GB-hour), plus $${ecpuPerMillion} per million ECPUs its commands use, plus the host its workers run on | the hours, whatever the jobs; the data kept |`,
  ].join("\n");
}

const marks = (name: string) => ({ start: `<!-- cost:${name} -->`, end: `<!-- /cost:${name} -->` });

/** The text between a page's marks for `name` (trimmed), or undefined when it has no such marks. */
export function markedSection(page: string, name: string): string | undefined {
  const { start, end } = marks(name);
  const from = page.indexOf(start);
  const to = page.indexOf(end, from);
  if (from < 0 || to < 0) return undefined;
  return page.slice(from + start.length, to).trim();
}

function replaceSection(page: string, name: string, table: string): string {
  const { start, end } = marks(name);
  const from = page.indexOf(start);
  const to = page.indexOf(end, from);
  if (from < 0 || to < 0) throw new Error(`no ${start} ... ${end} marks on the page`);
  return `${page.slice(0, from + start.length)}\n${table}\n${page.slice(to)}`;
}

export async function readCostResults(): Promise<CostResults> {
  return JSON.parse(await readFile(RESULTS, "utf8")) as CostResults;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const results = await readCostResults();
  const docs = await readFile(COST_PAGES.docs, "utf8");
  const withDetail = replaceSection(docs, "detail", detailTable(results));
  await writeFile(COST_PAGES.docs, replaceSection(withDetail, "alternatives", alternativesTable(results)));
  const readme = await readFile(COST_PAGES.readme, "utf8");
  await writeFile(COST_PAGES.readme, replaceSection(readme, "summary", summaryTable(results)));
  console.log("docs/cost.md and README.md: tables rendered from bench/results/cost.json");
}
