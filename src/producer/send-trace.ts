import type { MessageAttributeValue } from "@aws-sdk/client-sqs";
import {
  inSpan,
  type OpenTelemetryApi,
  openTelemetry,
  tracerProviderRegistered,
} from "../core/open-telemetry.ts";
import { queueNameOf } from "../core/queue-url.ts";
import {
  type EnvelopeTrace,
  formatTraceparent,
  TRACEPARENT_ATTRIBUTE,
  TRACESTATE_ATTRIBUTE,
  TRACESTATE_MAX,
} from "../core/trace-context.ts";

/**
 * Where a sent job carries its producer's trace: message attributes when the message goes
 * straight to SQS; the envelope's `trace` field when EventBridge Scheduler sends it later (a
 * schedule's SQS target carries a body and a message group, no attributes) or a call invokes the
 * function with the envelope alone.
 */
export interface MessageTrace {
  readonly attributes?: Readonly<Record<string, MessageAttributeValue>>;
  readonly envelope?: EnvelopeTrace;
}

export interface SendSpanInit {
  /** `send`: to the queue or a schedule (a PRODUCER span); `call`: a direct invoke (CLIENT). */
  readonly operation: "send" | "call";
  readonly jobName: string;
  readonly queueUrl: string | undefined;
  /** Jobs in this send. */
  readonly count: number;
  readonly carry: "attributes" | "envelope";
}

/**
 * Runs a send inside its span when the app registered an OpenTelemetry tracer provider, and
 * gives it the trace its messages carry: the span's context, a child of whatever span is active
 * at the call (a request, or the job span of a handler that sends), so the consumer's job span
 * continues the same trace. Without a provider: `run(undefined)`, nothing loaded.
 */
export async function withSendSpan<T>(
  init: SendSpanInit,
  run: (trace: MessageTrace | undefined) => Promise<T>,
): Promise<T> {
  if (!tracerProviderRegistered()) return run(undefined);
  const otel = await openTelemetry();
  if (otel === undefined) return run(undefined);
  const kind = init.operation === "call" ? otel.SpanKind.CLIENT : otel.SpanKind.PRODUCER;
  const options = { kind, attributes: sendAttributes(init) };
  return inSpan(otel, `${init.operation} ${init.jobName}`, options, otel.context.active(), (span) =>
    run(messageTrace(otel, span.spanContext(), init.carry)),
  );
}

/** OpenTelemetry's messaging conventions for SQS, and the job's name. */
function sendAttributes(init: SendSpanInit): Record<string, string | number> {
  const attributes: Record<string, string | number> = {
    "messaging.system": "aws_sqs",
    "messaging.operation.type": "send",
    "messaging.operation.name": init.operation,
    "sqs_jobs.job.name": init.jobName,
  };
  if (init.queueUrl !== undefined) attributes["messaging.destination.name"] = queueNameOf(init.queueUrl);
  if (init.count > 1) attributes["messaging.batch.message_count"] = init.count;
  return attributes;
}

function messageTrace(
  otel: OpenTelemetryApi,
  context: import("@opentelemetry/api").SpanContext,
  carry: SendSpanInit["carry"],
): MessageTrace | undefined {
  if (!otel.isSpanContextValid(context)) return undefined;
  const traceparent = formatTraceparent(context);
  const serialized = context.traceState?.serialize() ?? "";
  const tracestate = serialized !== "" && serialized.length <= TRACESTATE_MAX ? serialized : undefined;
  if (carry === "envelope")
    return { envelope: tracestate === undefined ? { traceparent } : { traceparent, tracestate } };
  const attributes: Record<string, MessageAttributeValue> = {
    [TRACEPARENT_ATTRIBUTE]: { DataType: "String", StringValue: traceparent },
  };
  // Only when there is one: SQS allows ten attributes, and a dead-letter copy adds eight.
  if (tracestate !== undefined)
    attributes[TRACESTATE_ATTRIBUTE] = { DataType: "String", StringValue: tracestate };
  return { attributes };
}
