import { buildReport } from "../../handlers/jobs.ts";
import { startTestApp } from "../../tools/src/testing/index.ts";

/**
 * The body of the CDK mode's benchmark file: the example app started from its CDK app, 10 report
 * jobs sent at once and drained, their states read. Prints when each phase ended (ms) for
 * `bench/testing/run.ts`, and returns the jobs' statuses for the file's assertion. With
 * `BENCH_WARM_ROUND=1` it then sends and drains 10 more, which find the function's execution
 * environments warm: the difference between the two rounds is what cold environments cost.
 */
export async function runTenJobs(): Promise<string[]> {
  const t0 = performance.now();
  const app = await startTestApp({
    cdk: {
      seed: [{ bucket: "Bucket", dir: "handlers/seed" }],
      ...(process.env.BENCH_CACHE_DIR === undefined ? {} : { cacheDir: process.env.BENCH_CACHE_DIR }),
    },
  });
  const started = performance.now();
  const sent = await Promise.all(
    Array.from({ length: 10 }, () => app.send(buildReport, { inputKey: "inputs/sample.txt" })),
  );
  await app.drain();
  const drained = performance.now();
  let warmSendAndDrainMs: number | undefined;
  if (process.env.BENCH_WARM_ROUND === "1") {
    const again = performance.now();
    sent.push(
      ...(await Promise.all(
        Array.from({ length: 10 }, () => app.send(buildReport, { inputKey: "inputs/sample.txt" })),
      )),
    );
    await app.drain();
    warmSendAndDrainMs = performance.now() - again;
  }
  const states = await Promise.all(sent.map((s) => app.job(s)));
  const stopping = performance.now();
  await app.stop();
  const stopped = performance.now();
  const phases = {
    startMs: started - t0,
    sendAndDrainMs: drained - started,
    stopMs: stopped - stopping,
    ...(warmSendAndDrainMs === undefined ? {} : { warmSendAndDrainMs }),
  };
  process.stdout.write(`BENCH_PHASES ${JSON.stringify(phases)}\n`);
  return states.map((s) => s?.status ?? "none");
}
