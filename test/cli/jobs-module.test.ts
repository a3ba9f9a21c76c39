import { afterAll, describe, expect, it } from "vitest";
import { decodeEnvelope } from "../../src/core/envelope.ts";
import { createTestQueue, drainQueue, testSqs } from "../helpers/sqs.ts";
import { runCli } from "./run-cli.ts";

const sqs = testSqs();
afterAll(() => sqs.destroy());

describe("sqs-jobs send --jobs with a TypeScript project's import specifiers", () => {
  it("loads a module that imports ./schema.js where only schema.ts exists, and validates with it", async () => {
    // Given a queue and a jobs module written as tsc and tsx want (`./schema.js` for schema.ts)
    const url = await createTestQueue(sqs, "send-js-specifier");
    const jobs = "test/cli/fixtures/js-specifiers/jobs.ts";
    const send = (payload: string) =>
      runCli(["send", url, "build-report", "--jobs", jobs, "--payload", payload]);

    // When a valid and an invalid payload are sent
    const ok = await send('{"inputKey":"inputs/a.txt"}');
    const bad = await send('{"inputKey":"elsewhere/a.txt"}');

    // Then the module loaded, the valid job was sent and the schema from schema.ts refused the other
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("inputKey");
    const messages = await drainQueue(sqs, url, { expect: 1 });
    expect(messages.map((m) => decodeEnvelope(m.Body ?? "").payload)).toEqual([{ inputKey: "inputs/a.txt" }]);
  });
});
