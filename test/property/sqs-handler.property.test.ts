import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type AfterJobInfo,
  createSqsHandler,
  defineJob,
  handle,
  type JobOutcome,
  type Logger,
  PermanentError,
  type SqsRecord,
} from "../../src/index.ts";
import { createTestQueue, queueArn, testSqs } from "../helpers/sqs.ts";

/**
 * createSqsHandler against random records: bodies that are noise, JSON, envelopes with valid or
 * invalid payloads, unknown jobs; random receive counts and message attributes; handlers that
 * succeed, throw, reject later, throw non-errors or throw PermanentError. For every batch the
 * handler must resolve, decide each record exactly once, report only the records it keeps, and
 * never log a payload or attribute value.
 */
const sqs = testSqs();

const MODES = ["ok", "throw", "throw-string", "throw-undefined", "reject-later", "permanent"] as const;
type Mode = (typeof MODES)[number];

const work = defineJob({
  name: "work",
  schema: z.object({ mode: z.enum(MODES), note: z.string() }),
  retry: { maxAttempts: 3, backoff: { type: "fixed", seconds: 0 } },
  timeoutSeconds: 5,
});

async function run(payload: { mode: Mode; note: string }): Promise<void> {
  switch (payload.mode) {
    case "ok":
      return;
    case "throw":
      throw new Error("handler failed on purpose");
    case "throw-string":
      throw "a thrown string";
    case "throw-undefined":
      throw undefined;
    case "reject-later":
      await new Promise((resolve) => setTimeout(resolve, 1));
      throw new RangeError("rejected later on purpose");
    case "permanent":
      throw new PermanentError("permanent on purpose");
  }
}

/** Every value placed in a body or attribute carries this, so a leak into the logs is visible. */
const MARK = "zqMARKqz";
const marked = fc.string({ maxLength: 20 }).map((s) => `${MARK}${s}`);

const envelopeBody = fc
  .record({
    job: fc.oneof(
      { arbitrary: fc.constant("work"), weight: 6 },
      { arbitrary: fc.constant("no-such-job"), weight: 1 },
    ),
    payload: fc.oneof(
      { arbitrary: fc.record({ mode: fc.constantFrom(...MODES), note: marked }), weight: 8 },
      { arbitrary: fc.record({ mode: marked, note: marked }), weight: 1 },
      { arbitrary: fc.record({ note: fc.integer() }), weight: 1 },
      { arbitrary: marked, weight: 1 },
    ),
    withId: fc.boolean(),
  })
  .map(({ job, payload, withId }) =>
    JSON.stringify({ sqsJobs: 1, job, ...(withId ? { id: crypto.randomUUID() } : {}), payload }),
  );

const body = fc.oneof(
  { arbitrary: envelopeBody, weight: 6 },
  { arbitrary: marked, weight: 1 },
  { arbitrary: fc.jsonValue().map((v) => JSON.stringify({ sqsJobs: 1, note: MARK, v })), weight: 1 },
  { arbitrary: fc.jsonValue().map((v) => JSON.stringify([MARK, v])), weight: 1 },
);

const record = fc.record({
  body,
  receiveCount: fc.oneof(
    { arbitrary: fc.constantFrom("1", "2", "3"), weight: 6 },
    { arbitrary: fc.constantFrom("4", "0", "-1", "1e9", "", "NaN"), weight: 1 },
    { arbitrary: fc.string({ maxLength: 5 }), weight: 1 },
  ),
  attributes: fc.dictionary(
    fc.stringMatching(/^[a-z]{1,8}$/),
    fc.record({ dataType: fc.constant("String"), stringValue: marked }),
    { maxKeys: 3 },
  ),
});

const EXPECTED_KEPT: ReadonlySet<JobOutcome> = new Set(["retrying", "handed-back"]);

describe("createSqsHandler (property)", () => {
  let queueUrl: string;
  let dlqUrl: string;
  let arn: string;

  beforeAll(async () => {
    dlqUrl = await createTestQueue(sqs, "property-dlq");
    queueUrl = await createTestQueue(sqs, "property");
    arn = await queueArn(sqs, queueUrl);
  });

  it.each([{ dlq: "reachable" as const }, { dlq: "missing" as const }])(
    "with the DLQ $dlq: never throws, decides every record once, keeps only retries, never logs payloads",
    async ({ dlq }) => {
      const lines: string[] = [];
      const capture: Logger = {
        debug: (m, f) => lines.push(`${m} ${JSON.stringify(f)}`),
        info: (m, f) => lines.push(`${m} ${JSON.stringify(f)}`),
        warn: (m, f) => lines.push(`${m} ${JSON.stringify(f)}`),
        error: (m, f) => lines.push(`${m} ${JSON.stringify(f)}`),
      };
      const outcomes = new Map<string, AfterJobInfo[]>();
      const handler = createSqsHandler([handle(work, run)], {
        sqs,
        queueUrl,
        // A missing DLQ makes every dead-letter send fail: those records must be kept, not lost.
        dlqUrl: dlq === "reachable" ? dlqUrl : `${dlqUrl}-missing`,
        logger: capture,
        logLevel: "debug",
        metrics: false,
        hooks: {
          afterJob: (info) => {
            outcomes.set(info.messageId, [...(outcomes.get(info.messageId) ?? []), info]);
          },
        },
      });
      let records = 0;
      let logged = 0;
      const tally: Record<string, number> = {};

      await fc.assert(
        fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 10 }), async (batch) => {
          lines.length = 0;
          outcomes.clear();
          // Given a batch of random records
          const event = {
            Records: batch.map(
              (r, i): SqsRecord => ({
                messageId: `${crypto.randomUUID()}-${i}`,
                receiptHandle: `fake-handle-${i}`,
                body: r.body,
                attributes: { ApproximateReceiveCount: r.receiveCount, SentTimestamp: String(Date.now()) },
                messageAttributes: r.attributes,
                eventSourceARN: arn,
              }),
            ),
          };
          // When the handler runs (a rejection here fails the property)
          const response = await handler(event, { getRemainingTimeInMillis: () => 60_000 });
          // Then each record was decided exactly once, and only kept records are reported
          const reported = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
          expect(reported.size).toBe(response.batchItemFailures.length);
          for (const r of event.Records) {
            const decided = outcomes.get(r.messageId) ?? [];
            expect(decided).toHaveLength(1);
            const outcome = decided[0]?.outcome as JobOutcome;
            tally[outcome] = (tally[outcome] ?? 0) + 1;
            expect(reported.has(r.messageId)).toBe(EXPECTED_KEPT.has(outcome));
          }
          for (const id of reported) expect(outcomes.has(id)).toBe(true);
          // And no log line carries a body or attribute value
          for (const line of lines) expect(line).not.toContain(MARK);
          logged += lines.length;
          records += batch.length;
        }),
        { numRuns: 60 },
      );
      console.log(
        `[property] createSqsHandler, DLQ ${dlq}: ${records} random records, outcomes ${JSON.stringify(tally)}, ${logged} log lines checked`,
      );
      expect(tally.succeeded ?? 0).toBeGreaterThan(0);
      expect(tally.retrying ?? 0).toBeGreaterThan(0);
      expect(logged).toBeGreaterThan(0);
      if (dlq === "reachable") expect(tally.dead ?? 0).toBeGreaterThan(0);
      else expect(tally["handed-back"] ?? 0).toBeGreaterThan(0);
    },
    120_000,
  );
});
