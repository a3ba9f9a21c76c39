import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { DLQ_ATTRIBUTES, JobClient } from "../../src/index.ts";
import { behaviour, reliabilityJob } from "../fixtures/reliability-job.ts";
import { createTestQueue, drainQueue, queueArn, queueDepth, testSqs } from "../helpers/sqs.ts";
import { sleep } from "./harness.ts";

const sqs = testSqs();
const JOBS = 2_000;

function startChild(env: Record<string, string>): ChildProcess {
  // process.execPath is the Node 24 that runs vitest; it runs the .ts fixture natively.
  return spawn(process.execPath, ["test/fixtures/worker-child.ts"], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
}

function successes(file: string): number[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map(Number);
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });
}

describe("reliability", () => {
  it("loses no job across a SIGKILL and restart of the worker, with failing handlers", {
    timeout: 90_000,
  }, async () => {
    // Given 2,000 jobs (20% fail once, 5% always) on a queue with a DLQ
    const dlqUrl = await createTestQueue(sqs, "rel-dlq");
    const queueUrl = await createTestQueue(sqs, "rel", {
      attributes: {
        VisibilityTimeout: "4",
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: await queueArn(sqs, dlqUrl),
          maxReceiveCount: 8,
        }),
      },
    });
    await new JobClient({ queueUrl, sqs }).sendBatch(
      reliabilityJob,
      Array.from({ length: JOBS }, (_, i) => ({ i })),
    );
    const file = join(mkdtempSync(join(tmpdir(), "sqs-jobs-rel-")), "successes.txt");
    const env = {
      QUEUE_URL: queueUrl,
      DLQ_URL: dlqUrl,
      SUCCESS_FILE: file,
      AWS_ENDPOINT_URL: inject("sqsEndpoint"),
    };

    // When a worker process is killed mid-run and a new one takes over
    const first = startChild(env);
    const killDeadline = Date.now() + 30_000;
    while (successes(file).length < JOBS / 3 && Date.now() < killDeadline) await sleep(20);
    first.kill("SIGKILL");
    await exited(first);
    const killedAt = successes(file).length;
    const second = startChild(env);
    const deadline = Date.now() + 60_000;
    let dead = 0;
    for (;;) {
      const unique = new Set(successes(file)).size;
      dead = (await queueDepth(sqs, dlqUrl)).visible;
      const depth = await queueDepth(sqs, queueUrl);
      if (unique + dead >= JOBS && depth.visible + depth.inFlight + depth.delayed === 0) break;
      if (Date.now() > deadline) break;
      await sleep(250);
    }
    second.kill("SIGTERM");
    const code = await exited(second);

    // Then every job succeeded at least once or sits in the DLQ with its reason, nothing is left
    const all = successes(file);
    const succeeded = new Set(all);
    const deadLettered = await drainQueue(sqs, dlqUrl, { expect: dead });
    const deadIds = new Set<number>();
    for (const m of deadLettered) {
      deadIds.add((JSON.parse(m.Body ?? "{}") as { payload: { i: number } }).payload.i);
      expect(m.MessageAttributes?.[DLQ_ATTRIBUTES.reason]?.StringValue).toBe("exhausted");
      expect(m.MessageAttributes?.[DLQ_ATTRIBUTES.errorMessage]?.StringValue).toMatch(/always fails/);
      expect(m.MessageAttributes?.[DLQ_ATTRIBUTES.attempts]?.StringValue).toBe("3");
    }
    const lost = Array.from({ length: JOBS }, (_, i) => i).filter(
      (i) => !succeeded.has(i) && !deadIds.has(i),
    );
    const counts = {
      sent: JOBS,
      succeeded: succeeded.size,
      duplicates: all.length - succeeded.size,
      deadLettered: deadIds.size,
      dlqCopies: deadLettered.length,
      succeededBeforeKill: killedAt,
      lost: lost.length,
    };
    console.log(`reliability: ${JSON.stringify(counts)}`);
    expect(lost).toEqual([]);
    const failAlways = Array.from({ length: JOBS }, (_, i) => i).filter(
      (i) => behaviour(i) === "fail-always",
    );
    expect([...deadIds].sort((a, b) => a - b)).toEqual(failAlways);
    expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect(code).toBe(0);
  });
});
