import { afterAll, describe, expect, it } from "vitest";
import { createTestQueue, drainQueue, queueDepth, testSqs } from "../helpers/sqs.ts";
import { POISON, queueWithDlq, seedDeadLetter, TIMEOUT } from "./dlq-fixtures.ts";
import { runCli } from "./run-cli.ts";

const sqs = testSqs();
afterAll(() => sqs.destroy());

describe("sqs-jobs dlq redrive", () => {
  it("returns every job to its source: by StartMessageMoveTask, or client-side on fauxqs with reasons stripped", async () => {
    // Given two dead jobs in the DLQ of a queue
    const q = await queueWithDlq(sqs, "redrive-all");
    await seedDeadLetter(sqs, q.dlqUrl, q.url, TIMEOUT);
    await seedDeadLetter(sqs, q.dlqUrl, q.url, POISON);

    // When redrive runs without filters
    const run = await runCli(["dlq", "redrive", q.name]);

    // Then both moved (fauxqs lacks the move API: the CLI says it fell back) and the DLQ is empty
    expect(run.code).toBe(0);
    const clientSide = run.stderr.includes("has no StartMessageMoveTask");
    expect(run.stdout).toMatch(
      clientSide ? /^moved 2 \(client-side move\)/ : /^moved 2 of 2 \(server-side move\)/,
    );
    expect(await queueDepth(sqs, q.dlqUrl)).toMatchObject({ visible: 0, inFlight: 0 });

    // And the source holds the jobs again; a client-side copy keeps only the job attribute, is
    // marked redriven (so the ledger takes a dead job up again) and starts at receive count 0
    // (1 on this first read)
    const back = await drainQueue(sqs, q.url, { expect: 2 });
    expect(back.map((m) => JSON.parse(m.Body ?? "{}").job).sort()).toEqual(["build-report", "send-email"]);
    if (clientSide) {
      for (const m of back) {
        expect(Object.keys(m.MessageAttributes ?? {}).sort()).toEqual(["sqs-jobs.job", "sqs-jobs.redriven"]);
        expect(m.Attributes?.ApproximateReceiveCount).toBe("1");
      }
    }
  });

  it("moves only the jobs matching --job and --reason, and leaves the rest visible in the DLQ", async () => {
    // Given three timed-out build-report jobs and two poison send-email jobs
    const q = await queueWithDlq(sqs, "redrive-filter");
    for (let i = 0; i < 3; i++) await seedDeadLetter(sqs, q.dlqUrl, q.url, TIMEOUT);
    for (let i = 0; i < 2; i++) await seedDeadLetter(sqs, q.dlqUrl, q.url, POISON);

    // When redrive is filtered on the job and a piece of the error message, rate-limited
    const run = await runCli([
      "dlq",
      "redrive",
      q.dlqName,
      "--job",
      "build-report",
      "--reason",
      "TIMED OUT",
      "--max-per-second",
      "100",
    ]);

    // Then the three matching jobs moved and the two others are visible in the DLQ again
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("moved 3, 2 left in the DLQ");
    expect(await queueDepth(sqs, q.dlqUrl)).toMatchObject({ visible: 2, inFlight: 0 });
    const back = await drainQueue(sqs, q.url, { expect: 3 });
    expect(back.every((m) => JSON.parse(m.Body ?? "{}").job === "build-report")).toBe(true);
  });

  it("says once what a filtered redrive of one job moved, in the singular", async () => {
    // Given one dead job that matches the filter
    const q = await queueWithDlq(sqs, "redrive-one");
    await seedDeadLetter(sqs, q.dlqUrl, q.url, TIMEOUT);

    // When a filtered redrive moves it
    const run = await runCli(["dlq", "redrive", q.name, "--job", "build-report"]);

    // Then the result says "moved 1" on stdout, and no progress line repeats it on stderr
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("moved 1 (client-side move)\n");
    expect(`${run.stdout}${run.stderr}`.match(/moved 1/g)).toHaveLength(1);
  });

  it("keeps FIFO group ids and sends to --to when given", async () => {
    // Given a FIFO DLQ with jobs of two groups, and a separate FIFO replay queue
    const q = await queueWithDlq(sqs, "redrive-fifo", { fifo: true });
    const replay = await createTestQueue(sqs, "replay", { fifo: true });
    await seedDeadLetter(sqs, q.dlqUrl, q.url, { ...TIMEOUT, groupId: "tenant-a" });
    await seedDeadLetter(sqs, q.dlqUrl, q.url, { ...TIMEOUT, groupId: "tenant-b" });

    // When redrive sends them to the replay queue (a filter that matches both makes the move
    // client-side on every endpoint, LocalStack included)
    const run = await runCli(["dlq", "redrive", q.name, "--to", replay, "--job", "build-report", "--json"]);

    // Then both arrive there in their own groups
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ mode: "client", moved: 2, failed: 0 });
    const back = await drainQueue(sqs, replay, { expect: 2 });
    expect(back.map((m) => m.Attributes?.MessageGroupId).sort()).toEqual(["tenant-a", "tenant-b"]);
    expect(await queueDepth(sqs, q.url)).toMatchObject({ visible: 0 });
  });

  it("on FIFO, a filtered move stops in each group at the first job that does not match, keeping order", async () => {
    // Given group g1 holding [poison send-email, timed-out build-report] and group g2 one build-report
    const q = await queueWithDlq(sqs, "redrive-fifo-filter", { fifo: true });
    await seedDeadLetter(sqs, q.dlqUrl, q.url, { ...POISON, groupId: "g1" });
    await seedDeadLetter(sqs, q.dlqUrl, q.url, { ...TIMEOUT, groupId: "g1" });
    await seedDeadLetter(sqs, q.dlqUrl, q.url, { ...TIMEOUT, groupId: "g2" });

    // When only build-report jobs are redriven
    const run = await runCli(["dlq", "redrive", q.name, "--job", "build-report", "--json"]);

    // Then g2's job moved; g1's build-report stays behind its group's send-email, in order
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ moved: 1, skipped: 1, failed: 0 });
    const back = await drainQueue(sqs, q.url, { expect: 1 });
    expect(back.map((m) => m.Attributes?.MessageGroupId)).toEqual(["g2"]);
    const left = await drainQueue(sqs, q.dlqUrl, { expect: 2 });
    expect(left.map((m) => JSON.parse(m.Body ?? "{}").job)).toEqual(["send-email", "build-report"]);
  });
});
