import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { tracerProviderRegistered } from "../../src/core/open-telemetry.ts";
import { createSqsHandler, handle, type LambdaContext, type SqsEvent } from "../../src/index.ts";
import { benchSqsClient, CallCounter } from "../lib/sqs.ts";
import { spread } from "../lib/stats.ts";
import { benchJob, sqsEvent } from "./workload.ts";

export interface TraceCostOptions {
  readonly repetitions: number;
  readonly recordsPerSample: number;
  readonly settleMs: number;
}

const deadline = Date.now() + 24 * 3_600_000;
const lambdaContext: LambdaContext = { getRemainingTimeInMillis: () => deadline - Date.now() };

/** Spans are built and handed to a processor, as in production, then dropped instead of sent. */
const discard: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: async () => {},
};

/**
 * What an app with OpenTelemetry has: a tracer provider and a context manager, registered; and
 * what one without has: neither. Toggled between samples, so both run in one process, interleaved.
 */
function tracing(on: boolean): void {
  if (on) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(discard)] }),
    );
  } else {
    trace.disable();
    context.disable();
  }
}

/** Every record carries its producer's traceparent, as a traced producer sends it. */
function tracedEvent(size: number): SqsEvent {
  const event = sqsEvent(size);
  const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  return {
    Records: event.Records.map((r) => ({
      ...r,
      messageAttributes: {
        ...r.messageAttributes,
        traceparent: { stringValue: traceparent, dataType: "String" },
      },
    })),
  };
}

const collectGarbage = (globalThis as { gc?: () => void }).gc;

async function sample(
  handler: ReturnType<typeof createSqsHandler>,
  event: SqsEvent,
  invocations: number,
  settleMs: number,
): Promise<number> {
  collectGarbage?.();
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const t0 = process.hrtime.bigint();
  let failed = 0;
  for (let i = 0; i < invocations; i++)
    failed += (await handler(event, lambdaContext)).batchItemFailures.length;
  const ns = Number(process.hrtime.bigint() - t0);
  if (failed > 0) throw new Error(`${failed} records reported failed`);
  return ns / (invocations * event.Records.length);
}

/** ns per call of the probe every job and send makes when tracing is off. */
function probeNs(): number {
  const calls = 10_000_000;
  let registered = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) if (tracerProviderRegistered()) registered++;
  const ns = Number(process.hrtime.bigint() - t0) / calls;
  if (registered !== 0) throw new Error("a provider was registered during the probe's measure");
  return ns;
}

/**
 * The Lambda handler's cost per record with tracing off (no provider: the app never loads
 * OpenTelemetry) and on (a provider and context manager registered: a span per job, a child of
 * the record's traceparent, exported to nothing), metrics off and log level warn as in the
 * per-record rows of lambda-cost.ts.
 */
export async function runTraceCost(options: TraceCostOptions) {
  const counter = new CallCounter();
  const handler = createSqsHandler([handle(benchJob, async () => {})], {
    sqs: benchSqsClient("http://127.0.0.1:9", counter),
    logLevel: "warn",
    metrics: false,
  });
  const sizes = [10, 10_000];
  const results: Record<string, unknown> = {};
  for (const size of sizes) {
    const event = tracedEvent(size);
    const invocations = Math.max(1, Math.round(options.recordsPerSample / size));
    const samples = { off: [] as number[], on: [] as number[] };
    for (const on of [false, true]) {
      tracing(on);
      await sample(handler, event, invocations, 0);
    }
    for (let rep = 0; rep < options.repetitions; rep++) {
      for (const on of rep % 2 === 0 ? [false, true] : [true, false]) {
        tracing(on);
        samples[on ? "on" : "off"].push(await sample(handler, event, invocations, options.settleMs));
      }
    }
    tracing(false);
    const ratio = spread(
      samples.on.map((on, i) => on / (samples.off[i] ?? Number.NaN)),
      2,
    );
    results[`records${size}`] = {
      offNsPerRecord: spread(samples.off, 0),
      onNsPerRecord: spread(samples.on, 0),
      onVsOff: ratio,
    };
    console.log(
      `traces ${String(size).padStart(5)} records  off ${spread(samples.off, 0).median} ns/record  on ${spread(samples.on, 0).median} ns/record  on/off ${ratio.median}x`,
    );
  }
  if (counter.total() !== 0) throw new Error("the handler made SQS calls");
  const probe = probeNs();
  console.log(`traces probe (tracing off, per job and per send): ${probe.toFixed(2)} ns`);
  return {
    repetitions: options.repetitions,
    recordsPerSample: options.recordsPerSample,
    results,
    offProbeNsPerCall: Math.round(probe * 100) / 100,
  };
}
