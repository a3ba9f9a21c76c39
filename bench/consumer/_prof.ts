import { createSqsHandler, handle, type LambdaContext } from "../../src/index.ts";
import { benchSqsClient, CallCounter } from "../lib/sqs.ts";
import { benchJob, sqsEvent } from "./workload.ts";
const sqs = benchSqsClient("http://127.0.0.1:9", new CallCounter());
const h = createSqsHandler([handle(benchJob, async () => {})], { sqs, logLevel: "warn", metrics: false });
const deadline = Date.now() + 3_600_000;
const ctx: LambdaContext = { getRemainingTimeInMillis: () => deadline - Date.now() };
const ev = sqsEvent(2000);
for (let i = 0; i < 50; i++) await h(ev, ctx);
const times: number[] = [];
for (let i = 0; i < 200; i++) { const t = performance.now(); await h(ev, ctx); times.push(((performance.now() - t) * 1e6) / 2000); }
times.sort((a, b) => a - b);
console.log("ns/record min", times[0]?.toFixed(0), "p25", times[50]?.toFixed(0), "median", times[100]?.toFixed(0));
