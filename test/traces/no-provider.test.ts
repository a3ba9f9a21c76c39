import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { encodeEnvelopeJson } from "../../src/core/envelope-text.ts";
import { loadedOpenTelemetry } from "../../src/core/open-telemetry.ts";
import { createSqsHandler, defineJob, handle, JobClient, type Logger } from "../../src/index.ts";
import { invokeLikeLambda } from "../consumer/harness.ts";
import { createTestQueue, drainQueue, queueArn, testSqs } from "../helpers/sqs.ts";

const sqs = testSqs();
const job = defineJob({ name: "untraced", schema: z.object({ n: z.number() }), timeoutSeconds: 5 });
const lines: Record<string, unknown>[] = [];
const keep = (msg: string, fields?: Record<string, unknown>) => lines.push({ msg, ...fields });
const logger: Logger = { debug: keep, info: keep, warn: keep, error: keep };

const registered = () =>
  (globalThis as { [key: symbol]: { trace?: unknown } | undefined })[Symbol.for("opentelemetry.js.api.1")]
    ?.trace;

afterAll(async () => {
  const { trace } = await import("@opentelemetry/api");
  trace.disable();
});

describe("tracing without a tracer provider", () => {
  it("loads nothing and writes nothing, even for a message that carries a trace; a provider registered later turns it on", async () => {
    // Given no OpenTelemetry provider in the process, and a message that carries a traceparent
    expect(registered()).toBeUndefined();
    const queueUrl = await createTestQueue(sqs, "untraced");
    const client = new JobClient({ queueUrl, sqs });
    await client.send(job, { n: 1 });
    const body = encodeEnvelopeJson(job.name, "traced-1", new Date().toISOString(), '{"n":2}');
    const traceparent = `00-${"a".repeat(32)}-${"b".repeat(16)}-01`;
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: body,
        MessageAttributes: { traceparent: { DataType: "String", StringValue: traceparent } },
      }),
    );
    const handler = createSqsHandler([handle(job, (_, ctx) => ctx.logger.info("ran"))], { queueUrl, logger });

    // When the function handles both
    const { event, response } = await invokeLikeLambda(
      sqs,
      queueUrl,
      await queueArn(sqs, queueUrl),
      handler,
      {
        expect: 2,
      },
    );

    // Then both ran, the sent one carries no trace attribute, no log line a trace id, and sqs-jobs never loaded the API
    expect(response.batchItemFailures).toEqual([]);
    const sent = event.Records.find((r) => r.messageAttributes?.traceparent === undefined);
    expect(Object.keys(sent?.messageAttributes ?? {})).toEqual(["sqs-jobs.job"]);
    expect(lines.filter((l) => l.msg === "ran")).toHaveLength(2);
    expect(lines.filter((l) => "traceId" in l)).toEqual([]);
    expect(loadedOpenTelemetry()).toBeUndefined();

    // And when a provider is registered, the next send loads it and writes the trace (the check above could fail)
    const { trace } = await import("@opentelemetry/api");
    const { BasicTracerProvider } = await import("@opentelemetry/sdk-trace-base");
    trace.setGlobalTracerProvider(new BasicTracerProvider());
    await client.send(job, { n: 3 });
    const [traced] = await drainQueue(sqs, queueUrl, { expect: 1 });
    expect(loadedOpenTelemetry()).toBeDefined();
    expect(traced?.MessageAttributes?.traceparent?.StringValue).toMatch(
      /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/,
    );
  });
});
