import type { Link, Span, SpanContext } from "@opentelemetry/api";
import type { Envelope } from "../core/envelope.ts";
import {
  inSpan,
  loadedOpenTelemetry,
  type OpenTelemetryApi,
  openTelemetry,
  recordSpanError,
  tracerProviderRegistered,
} from "../core/open-telemetry.ts";
import { queueNameOf } from "../core/queue-url.ts";
import { type TraceParent, traceParentOf } from "../core/trace-context.ts";
import type { Delivery } from "./delivery.ts";
import type { AfterJobInfo } from "./hooks.ts";

/** Where the job's span sits in the context its decision runs in, for {@link noteJobOutcome}. */
const JOB_SPAN = Symbol.for("sqs-jobs.job-span");

/**
 * Runs one delivery's decision inside the job's span when the app registered an OpenTelemetry
 * tracer provider; else runs it as it is (one property read, nothing loaded).
 *
 * The span (kind CONSUMER, `process <job name>`) is a child of the producer's span, and also
 * links to it. OpenTelemetry's messaging conventions require the link (a batch cannot have every
 * producer as its parent) and allow the parent when a span processes one message: a job is one
 * message, so the trace reads end to end, from the request that sent the job to what its handler
 * does and sends. The span active around the consumer (Lambda's invocation span under ADOT) is
 * linked too. The handler, the hooks and every AWS call of the decision run in the span's
 * context: a job the handler sends continues the same trace.
 */
export function traceJob<R>(
  delivery: Delivery<R>,
  envelope: Envelope | undefined,
  decide: () => Promise<R>,
): Promise<R> {
  if (!tracerProviderRegistered()) return decide();
  return decideTraced(delivery, envelope, decide);
}

async function decideTraced<R>(
  delivery: Delivery<R>,
  envelope: Envelope | undefined,
  decide: () => Promise<R>,
): Promise<R> {
  const otel = await openTelemetry();
  if (otel === undefined) return decide();
  const active = otel.context.active();
  const links: Link[] = [];
  let parent = active;
  const producer = traceParentOf(delivery.traceHeaders(), envelope?.trace);
  if (producer !== undefined) {
    const remote = remoteContext(otel, producer);
    parent = otel.trace.setSpanContext(active, remote);
    links.push({ context: remote });
    const around = otel.trace.getSpanContext(active);
    if (around !== undefined && otel.isSpanContextValid(around)) links.push({ context: around });
  }
  const name = envelope === undefined ? "process" : `process ${envelope.job}`;
  const options = { kind: otel.SpanKind.CONSUMER, attributes: startAttributes(delivery, envelope), links };
  return inSpan(otel, name, options, parent, (span) =>
    otel.context.with(otel.context.active().setValue(JOB_SPAN, span), decide),
  );
}

function remoteContext(otel: OpenTelemetryApi, producer: TraceParent): SpanContext {
  const { traceId, spanId, traceFlags, traceState } = producer;
  const remote: SpanContext = { traceId, spanId, traceFlags, isRemote: true };
  return traceState === undefined ? remote : { ...remote, traceState: otel.createTraceState(traceState) };
}

/** OpenTelemetry's messaging conventions for SQS, and the job as it is known before it runs. */
function startAttributes<R>(
  delivery: Delivery<R>,
  envelope: Envelope | undefined,
): Record<string, string | number> {
  const attributes: Record<string, string | number> = {
    "messaging.system": "aws_sqs",
    "messaging.operation.type": "process",
    "messaging.operation.name": "process",
    "sqs_jobs.attempt": delivery.attempt,
  };
  if (delivery.queueUrl !== undefined)
    attributes["messaging.destination.name"] = queueNameOf(delivery.queueUrl);
  if (delivery.messageId !== undefined) attributes["messaging.message.id"] = delivery.messageId;
  if (envelope !== undefined) {
    attributes["sqs_jobs.job.name"] = envelope.job;
    attributes["sqs_jobs.job.id"] = delivery.jobIdOf(envelope);
  }
  return attributes;
}

/**
 * Records a job's outcome on its span (called where the afterJob hook is): the outcome, the
 * attempt as the ledger counted it, and the error of an attempt that failed. Nothing when
 * tracing is off or the decision runs outside a job span.
 */
export function noteJobOutcome(info: AfterJobInfo): void {
  const otel = loadedOpenTelemetry();
  const span = otel?.context.active().getValue(JOB_SPAN) as Span | undefined;
  if (otel === undefined || span === undefined) return;
  span.setAttributes({
    "sqs_jobs.outcome": info.outcome,
    "sqs_jobs.attempt": info.attempt,
    "sqs_jobs.job.id": info.jobId,
  });
  if (info.outcome !== "succeeded") recordSpanError(otel, span, info.error);
}
