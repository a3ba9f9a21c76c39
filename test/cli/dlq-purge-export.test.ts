import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { queueDepth, testSqs } from "../helpers/sqs.ts";
import { POISON, queueWithDlq, seedDeadLetter, TIMEOUT } from "./dlq-fixtures.ts";
import { runCli } from "./run-cli.ts";

const sqs = testSqs();
afterAll(() => sqs.destroy());

describe("sqs-jobs dlq export and purge", () => {
  it("exports every message to JSON Lines without consuming, then purges only with --yes", async () => {
    // Given a DLQ with two dead jobs
    const q = await queueWithDlq(sqs, "export");
    const ids = [
      await seedDeadLetter(sqs, q.dlqUrl, q.url, TIMEOUT),
      await seedDeadLetter(sqs, q.dlqUrl, q.url, POISON),
    ];
    const out = join(await mkdtemp(join(tmpdir(), "sqs-jobs-export-")), "dlq.jsonl");

    // When export runs
    const exported = await runCli(["dlq", "export", q.name, "--out", out]);

    // Then the file has one record per message with body and reason attributes, and both stay in the DLQ
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain(`exported 2 messages from ${q.dlqName}`);
    const lines = (await readFile(out, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.jobId).sort()).toEqual([...ids].sort());
    expect(lines[0].messageAttributes["sqs-jobs.reason"].value).toMatch(/exhausted|poison/);
    expect(await queueDepth(sqs, q.dlqUrl)).toMatchObject({ visible: 2, inFlight: 0 });

    // And a second export to the same file is refused rather than overwriting the backup
    const again = await runCli(["dlq", "export", q.name, "--out", out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("never overwrites a file");

    // When purge runs without --yes, it refuses and explains
    const refused = await runCli(["dlq", "purge", q.name]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("without --yes");
    expect(await queueDepth(sqs, q.dlqUrl)).toMatchObject({ visible: 2 });

    // When purge runs with --yes, the DLQ is emptied and the source untouched
    const purged = await runCli(["dlq", "purge", q.name, "--yes"]);
    expect(purged.code).toBe(0);
    expect(purged.stdout).toContain(`purged ${q.dlqName}`);
    expect(await queueDepth(sqs, q.dlqUrl)).toMatchObject({ visible: 0, inFlight: 0 });
  });

  it("counts one message in the singular when it exports, refuses to purge and purges", async () => {
    // Given a DLQ with one dead job
    const q = await queueWithDlq(sqs, "export-one");
    await seedDeadLetter(sqs, q.dlqUrl, q.url, TIMEOUT);
    const out = join(await mkdtemp(join(tmpdir(), "sqs-jobs-export-")), "dlq.jsonl");

    // Then each message counts it as "1 message"
    expect((await runCli(["dlq", "export", q.name, "--out", out])).stdout).toContain(
      `exported 1 message from ${q.dlqName}`,
    );
    expect((await runCli(["dlq", "purge", q.name])).stderr).toContain(`purge ${q.dlqName} (about 1 message)`);
    expect((await runCli(["dlq", "purge", q.name, "--yes"])).stdout).toBe(
      `purged ${q.dlqName} (about 1 message)\n`,
    );
  });
});
