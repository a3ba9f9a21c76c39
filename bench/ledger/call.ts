import { fileURLToPath } from "node:url";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import type { CallEvent } from "../../src/core/call-event.ts";
import { encodeEnvelopeJson } from "../../src/core/envelope-text.ts";
import { JobClient } from "../../src/index.ts";
import { startServerProcess } from "../lib/server-process.ts";
import { median, round } from "../lib/stats.ts";
import { squareJob } from "./call-job.ts";

const CHILD = fileURLToPath(new URL("./lambda-child.ts", import.meta.url));

export interface CallRoundTrip {
  readonly calls: number;
  readonly callMedianUs: number;
  readonly rawInvokeMedianUs: number;
  /** Median over rounds of call / raw invoke, each round's two timed back to back. */
  readonly ratio: number;
}

/**
 * `JobClient.call` against a raw Lambda Invoke of the same function with the same event (the
 * envelope built once, the answer only JSON-parsed), one at a time, interleaved in rounds of
 * 100 so load drifts hit both alike. The function runs in its own process.
 */
export async function measureCallRoundTrip(calls: number): Promise<CallRoundTrip> {
  const fn = await startServerProcess({ name: "lambda", script: CHILD, portVariable: "LAMBDA_PORT" });
  const lambda = new LambdaClient({
    endpoint: fn.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
    maxAttempts: 1,
  });
  const jobs = new JobClient({
    queueUrl: "http://127.0.0.1:1/000000000000/square",
    functionName: "square",
    lambda,
    ledger: false,
  });
  const event: CallEvent = {
    "sqs-jobs": "call",
    body: encodeEnvelopeJson(
      "square",
      "0190a4b2-0000-7000-8000-000000000000",
      new Date().toISOString(),
      '{"n":3}',
    ),
  };
  const payload = new TextEncoder().encode(JSON.stringify(event));
  const viaCall = async () => {
    await jobs.call(squareJob, { n: 3 });
  };
  const viaRaw = async () => {
    const out = await lambda.send(new InvokeCommand({ FunctionName: "square", Payload: payload }));
    JSON.parse(new TextDecoder().decode(out.Payload));
  };
  const timeEach = async (run: () => Promise<void>, n: number): Promise<number[]> => {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await run();
      times.push((performance.now() - t0) * 1000);
    }
    return times;
  };
  try {
    await timeEach(viaCall, 200);
    await timeEach(viaRaw, 200);
    const callTimes: number[] = [];
    const rawTimes: number[] = [];
    const ratios: number[] = [];
    for (let done = 0; done < calls; done += 100) {
      const c = await timeEach(viaCall, 100);
      const r = await timeEach(viaRaw, 100);
      callTimes.push(...c);
      rawTimes.push(...r);
      ratios.push(median(c) / median(r));
    }
    return {
      calls,
      callMedianUs: round(median(callTimes), 1),
      rawInvokeMedianUs: round(median(rawTimes), 1),
      ratio: round(median(ratios), 3),
    };
  } finally {
    lambda.destroy();
    await fn.stop();
  }
}
