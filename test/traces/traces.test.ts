import { type InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { SchedulerClient } from "@aws-sdk/client-scheduler";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { encodeEnvelopeJson } from "../../src/core/envelope-text.ts";
import {
  type CallEvent,
  createSqsHandler,
  defineJob,
  handle,
  JobClient,
  type Logger,
  type SqsEvent,
  startWorker,
} from "../../src/index.ts";
import { invokeLikeLambda, lambdaContext } from "../consumer/harness.ts";
import { createTestQueue, queueArn, testSqs } from "../helpers/sqs.ts";

// The app's side: an OpenTelemetry SDK registered as a Lambda or container would (a context
// manager, so the active span follows async calls), exporting to memory.
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(provider);
const tracer = trace.getTracer("app");

afterEach(() => exporter.reset());
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
});

const sqs = testSqs();
const endpoint = inject("sqsEndpoint");
/** A queue no call reaches: a Lambda batch that succeeds calls nothing. */
const nowhere = "http://127.0.0.1:1/000000000000/q";

const report = defineJob({
  name: "trace-report",
  schema: z.object({ n: z.number().int() }),
  retry: { maxAttempts: 3, backoff: { type: "fixed", seconds: 1 } },
  timeoutSeconds: 5,
});
const notify = defineJob({
  name: "trace-notify",
  schema: z.object({ n: z.number().int() }),
  timeoutSeconds: 5,
});

/** A logger that keeps every line. */
function linesLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const keep = (msg: string, fields?: Record<string, unknown>) => lines.push({ msg, ...fields });
  return { lines, logger: { debug: keep, info: keep, warn: keep, error: keep } };
}

function spanNamed(name: string): ReadableSpan {
  const spans = exporter.getFinishedSpans().filter((s) => s.name === name);
  expect(spans.map((s) => s.name)).toEqual([name]);
  return spans[0] as ReadableSpan;
}

async function until(condition: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("traces across the queue", () => {
  it("worker: the trace goes from the producer's span through a job its handler sends to that handler's log line", async () => {
    // Given a worker whose report handler sends a notify job, and logs from both handlers kept
    const queueUrl = await createTestQueue(sqs, "traces-chain");
    const client = new JobClient({ queueUrl, sqs });
    const { logger, lines } = linesLogger();
    const worker = startWorker({
      queueUrl,
      sqs,
      logger,
      waitTimeSeconds: 1,
      handleSignals: false,
      handlers: [
        handle(report, async ({ n }, ctx) => {
          ctx.logger.info("report handler", { n });
          await client.send(notify, { n });
        }),
        handle(notify, (_, ctx) => ctx.logger.info("notify handler")),
      ],
    });

    // When a request span sends the report job
    const requestTraceId = await tracer.startActiveSpan("request", async (span) => {
      await client.send(report, { n: 1 });
      span.end();
      return span.spanContext().traceId;
    });
    await until(() => lines.some((l) => l.msg === "notify handler"));
    await until(() => exporter.getFinishedSpans().some((s) => s.name === "process trace-notify"));
    await worker.stop();

    // Then both handlers' lines carry the request's trace id
    const logged = lines.filter((l) => l.msg === "report handler" || l.msg === "notify handler");
    expect(logged.map((l) => l.traceId)).toEqual([requestTraceId, requestTraceId]);
    // And the spans chain request -> send -> process -> send (from the handler) -> process
    const request = spanNamed("request");
    const sendReport = spanNamed("send trace-report");
    const processReport = spanNamed("process trace-report");
    const sendNotify = spanNamed("send trace-notify");
    const processNotify = spanNamed("process trace-notify");
    const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;
    expect(parentOf(sendReport)).toBe(request.spanContext().spanId);
    expect(parentOf(processReport)).toBe(sendReport.spanContext().spanId);
    expect(parentOf(sendNotify)).toBe(processReport.spanContext().spanId);
    expect(parentOf(processNotify)).toBe(sendNotify.spanContext().spanId);
    for (const s of [sendReport, processReport, sendNotify, processNotify]) {
      expect(s.spanContext().traceId).toBe(requestTraceId);
    }
    expect(sendReport.kind).toBe(SpanKind.PRODUCER);
    expect(processReport.kind).toBe(SpanKind.CONSUMER);
    // linked to the producer's span as well, per OpenTelemetry's messaging conventions
    expect(processReport.links.map((l) => l.context.spanId)).toContain(sendReport.spanContext().spanId);
    expect(processReport.attributes).toMatchObject({
      "messaging.system": "aws_sqs",
      "messaging.destination.name": queueUrl.split("/").pop(),
      "sqs_jobs.job.name": "trace-report",
      "sqs_jobs.attempt": 1,
      "sqs_jobs.outcome": "succeeded",
    });
    expect(processReport.attributes["sqs_jobs.job.id"]).toEqual(expect.any(String));
    expect(processReport.attributes["messaging.message.id"]).toEqual(expect.any(String));
  });

  it("Lambda: a failed attempt's span records the error and the outcome, under the producer's trace", async () => {
    // Given a job sent inside a request span, and a Lambda handler that fails it
    const queueUrl = await createTestQueue(sqs, "traces-lambda");
    const { logger, lines } = linesLogger();
    const handler = createSqsHandler(
      [
        handle(report, () => {
          throw new TypeError("the report broke");
        }),
      ],
      { queueUrl, logger, metrics: false },
    );
    const traceId = await tracer.startActiveSpan("request", async (span) => {
      await new JobClient({ queueUrl, sqs }).send(report, { n: 2 });
      span.end();
      return span.spanContext().traceId;
    });

    // When Lambda's poller hands it to the function
    await invokeLikeLambda(sqs, queueUrl, await queueArn(sqs, queueUrl), handler);

    // Then the job's span is in the request's trace, failed, with the outcome retrying
    const span = spanNamed("process trace-report");
    expect(span.spanContext().traceId).toBe(traceId);
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.status.message).toBe("the report broke");
    expect(span.events.map((e) => e.name)).toContain("exception");
    expect(span.attributes["sqs_jobs.outcome"]).toBe("retrying");
    // And the consumer's own line about the attempt carries the trace and the job span's id
    const retrying = lines.filter((l) => l.msg === "job retrying");
    expect(retrying).toEqual([expect.objectContaining({ traceId, spanId: span.spanContext().spanId })]);
  });

  it("a malformed traceparent attribute or envelope trace is ignored: the job runs, in a trace of its own", async () => {
    // Given messages with broken trace headers: bad format, an all-zero trace id, a non-string
    const queueUrl = await createTestQueue(sqs, "traces-malformed");
    const bodies = [
      { attribute: "not-a-traceparent" },
      { attribute: `00-${"0".repeat(32)}-${"1".repeat(16)}-01` },
      { attribute: `00-${"a".repeat(32)}-${"b".repeat(16)}-01-extra` },
      { envelope: { traceparent: 42, tracestate: ["x"] } },
    ];
    for (const [n, bad] of bodies.entries()) {
      const body = encodeEnvelopeJson(
        report.name,
        `bad-${n}`,
        new Date().toISOString(),
        JSON.stringify({ n }),
      );
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody:
            bad.envelope === undefined
              ? body
              : body.replace(',"payload":', `,"trace":${JSON.stringify(bad.envelope)},"payload":`),
          MessageAttributes:
            bad.attribute === undefined
              ? undefined
              : { traceparent: { DataType: "String", StringValue: bad.attribute } },
        }),
      );
    }
    const ran: number[] = [];
    const handler = createSqsHandler([handle(report, ({ n }) => void ran.push(n))], {
      queueUrl,
      logLevel: "silent",
      metrics: false,
    });

    // When they are handled
    const { response } = await invokeLikeLambda(sqs, queueUrl, await queueArn(sqs, queueUrl), handler, {
      expect: bodies.length,
    });

    // Then every job succeeded, each span a root with no producer link
    expect(response.batchItemFailures).toEqual([]);
    expect(ran.sort()).toEqual([0, 1, 2, 3]);
    const spans = exporter.getFinishedSpans().filter((s) => s.name === "process trace-report");
    expect(spans).toHaveLength(bodies.length);
    for (const span of spans) {
      expect(span.parentSpanContext).toBeUndefined();
      expect(span.links).toEqual([]);
      expect(span.attributes["sqs_jobs.outcome"]).toBe("succeeded");
    }
  });

  it("AWSTraceHeader (X-Ray) is the parent when no traceparent is carried", async () => {
    // Given a record as Lambda delivers it from an X-Ray traced producer
    const handler = createSqsHandler([handle(report, () => {})], {
      queueUrl: nowhere,
      logLevel: "silent",
      metrics: false,
    });
    const body = encodeEnvelopeJson(report.name, "xray-1", new Date().toISOString(), '{"n":3}');
    const event: SqsEvent = {
      Records: [
        {
          messageId: "m-1",
          receiptHandle: "r-1",
          body,
          attributes: {
            ApproximateReceiveCount: "1",
            AWSTraceHeader: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
          },
          messageAttributes: {},
        },
      ],
    };

    // When the function handles it
    const response = await handler(event, lambdaContext());

    // Then the job's span continues the X-Ray trace
    expect(response.batchItemFailures).toEqual([]);
    const span = spanNamed("process trace-report");
    expect(span.spanContext().traceId).toBe("5759e988bd862e3fe1be46a994272793");
    expect(span.parentSpanContext?.spanId).toBe("53995c3f42cd8ad8");
  });

  it("send { at }: the trace rides in the envelope EventBridge Scheduler sends", async () => {
    // Given a client whose CreateSchedule inputs are kept
    const queueUrl = await createTestQueue(sqs, "traces-at");
    const scheduler = new SchedulerClient({ endpoint, region: "us-east-1", maxAttempts: 1 });
    const inputs: string[] = [];
    scheduler.middlewareStack.add(
      (next) => async (args) => {
        const input = (args.input as { Target?: { Input?: string } }).Target?.Input;
        if (input !== undefined) inputs.push(input);
        return next(args);
      },
      { step: "initialize" },
    );
    const client = new JobClient({
      queueUrl,
      sqs,
      scheduler: { roleArn: "arn:aws:iam::000000000000:role/scheduler", client: scheduler },
    });

    // When a request span sends a job for tomorrow, and the schedule's body reaches the consumer
    const traceId = await tracer.startActiveSpan("request", async (span) => {
      await client.send(report, { n: 4 }, { at: new Date(Date.now() + 86_400_000) });
      span.end();
      return span.spanContext().traceId;
    });
    const handler = createSqsHandler([handle(report, () => {})], {
      queueUrl: nowhere,
      logLevel: "silent",
      metrics: false,
    });
    const record = {
      messageId: "m-at",
      receiptHandle: "r-at",
      body: inputs[0] ?? "",
      attributes: { ApproximateReceiveCount: "1" },
    };
    await handler({ Records: [record] }, lambdaContext());

    // Then the job's span is in the request's trace, a child of the send
    expect(inputs).toHaveLength(1);
    const span = spanNamed("process trace-report");
    expect(span.spanContext().traceId).toBe(traceId);
    expect(span.parentSpanContext?.spanId).toBe(spanNamed("send trace-report").spanContext().spanId);
  });

  it("call: the invoked function's job span continues the caller's trace", async () => {
    // Given a Lambda client that hands the Invoke payload to the consumer in process
    const consumer = createSqsHandler([handle(report, ({ n }) => void n)], {
      logLevel: "silent",
      metrics: false,
    });
    const lambda = new LambdaClient({ endpoint, region: "us-east-1" });
    lambda.middlewareStack.add(
      () => async (args) => {
        const { Payload } = args.input as InvokeCommand["input"];
        const event = JSON.parse(new TextDecoder().decode(Payload as Uint8Array)) as CallEvent;
        // Outside the caller's context, as the function runs elsewhere: only the event carries the trace.
        const answer = await context.with(ROOT_CONTEXT, () => consumer(event, lambdaContext()));
        return {
          output: {
            $metadata: {},
            StatusCode: 200,
            Payload: new TextEncoder().encode(JSON.stringify(answer)),
          },
          response: {},
        };
      },
      { step: "initialize" },
    );
    const client = new JobClient({
      queueUrl: "http://127.0.0.1:1/000000000000/q",
      sqs,
      lambda,
      functionName: "consumer",
    });

    // When a request span calls the job
    const traceId = await tracer.startActiveSpan("request", async (span) => {
      await client.call(report, { n: 5 });
      span.end();
      return span.spanContext().traceId;
    });

    // Then the job ran under the call's span, in the request's trace
    const call = spanNamed("call trace-report");
    expect(call.kind).toBe(SpanKind.CLIENT);
    const span = spanNamed("process trace-report");
    expect(span.spanContext().traceId).toBe(traceId);
    expect(span.parentSpanContext?.spanId).toBe(call.spanContext().spanId);
    expect(span.attributes["sqs_jobs.outcome"]).toBe("succeeded");
  });
});
