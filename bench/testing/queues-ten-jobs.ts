import * as z from "zod/mini";
import { defineJob, handle } from "../../src/index.ts";
import { startTestApp } from "../../tools/src/testing/index.ts";

const greet = defineJob({ name: "greet", schema: z.object({ n: z.number() }) });

/**
 * The body of the in-process benchmark file: a queue declared in code whose handler runs in the
 * test's process, 10 jobs sent at once and drained. Prints when each phase ended (ms) for
 * `bench/testing/run.ts`, and returns what the handler saw, in order, for the file's assertion.
 */
export async function runQueuesTenJobs(): Promise<number[]> {
  const t0 = performance.now();
  const seen: number[] = [];
  const app = await startTestApp({
    queues: [{ name: "greetings", handlers: [handle(greet, (payload) => void seen.push(payload.n))] }],
  });
  const started = performance.now();
  await Promise.all(Array.from({ length: 10 }, (_, n) => app.send(greet, { n })));
  await app.drain();
  const drained = performance.now();
  await app.stop();
  const stopped = performance.now();
  const phases = { startMs: started - t0, sendAndDrainMs: drained - started, stopMs: stopped - drained };
  process.stdout.write(`BENCH_PHASES ${JSON.stringify(phases)}\n`);
  return seen.sort((a, b) => a - b);
}
