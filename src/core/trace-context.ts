/**
 * The W3C Trace Context headers a job carries from its producer to its consumer, and the X-Ray
 * header SQS keeps as the `AWSTraceHeader` system attribute, read and written without
 * OpenTelemetry: the producer writes `traceparent` / `tracestate`; the consumer reads them back,
 * and falls back to `AWSTraceHeader` (Lambda with active tracing, an X-Ray SDK producer).
 * Anything malformed reads as no parent: a bad header never fails a job.
 */

/** Message attribute names: the W3C header names, as OpenTelemetry's SQS instrumentations use them. */
export const TRACEPARENT_ATTRIBUTE = "traceparent";
export const TRACESTATE_ATTRIBUTE = "tracestate";

/**
 * The longest `tracestate` carried: W3C asks vendors to propagate at least 512 characters and
 * lets them cut beyond; a longer one is dropped (the parent is kept).
 */
export const TRACESTATE_MAX = 512;

/** A remote span: where a job's trace continues from. */
export interface TraceParent {
  /** 32 lowercase hex digits, not all zeros. */
  readonly traceId: string;
  /** 16 lowercase hex digits, not all zeros. */
  readonly spanId: string;
  /** W3C trace flags; bit 0 is "sampled". */
  readonly traceFlags: number;
  readonly traceState: string | undefined;
}

/** What a delivery may carry of its producer's trace, before it is checked. */
export interface TraceHeaders {
  readonly traceparent?: string | undefined;
  readonly tracestate?: string | undefined;
  /** SQS's `AWSTraceHeader` system attribute (X-Ray format). */
  readonly awsTraceHeader?: string | undefined;
}

/** The envelope's `trace` field: the headers where no message attribute travels (Scheduler, `call`). */
export interface EnvelopeTrace {
  readonly traceparent: string;
  readonly tracestate?: string;
}

// Version 00 is exactly 55 characters; a later version may append fields after a "-" (W3C 3.2.4).
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);
/** tracestate: printable ASCII (W3C allows 0x20-0x7E in keys and values, with "," and "=" as separators). */
const TRACESTATE = /^[\x20-\x7e]*$/;

/** `00-<trace id>-<span id>-<flags>`. */
export function formatTraceparent(parent: Pick<TraceParent, "traceId" | "spanId" | "traceFlags">): string {
  return `00-${parent.traceId}-${parent.spanId}-${(parent.traceFlags & 0xff).toString(16).padStart(2, "0")}`;
}

/** A `traceparent` value as W3C defines it, or undefined when it is not one. */
export function parseTraceparent(traceparent: unknown, tracestate?: unknown): TraceParent | undefined {
  if (typeof traceparent !== "string" || traceparent.length > 256) return undefined;
  const match = TRACEPARENT.exec(traceparent);
  if (match === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16), traceState: checkTracestate(tracestate) };
}

function checkTracestate(value: unknown): string | undefined {
  if (typeof value !== "string" || value === "" || value.length > TRACESTATE_MAX) return undefined;
  return TRACESTATE.test(value) ? value : undefined;
}

/**
 * An X-Ray trace header (`Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1`)
 * as a W3C parent: X-Ray's trace id is its epoch and random parts joined, as AWS's X-Ray
 * propagator for OpenTelemetry maps it. Without a `Parent` there is nothing to continue from.
 */
export function parseAwsTraceHeader(header: unknown): TraceParent | undefined {
  if (typeof header !== "string" || header.length > 256) return undefined;
  const fields = new Map<string, string>();
  for (const part of header.split(";")) {
    const at = part.indexOf("=");
    if (at > 0) fields.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  const root = /^1-([0-9a-f]{8})-([0-9a-f]{24})$/.exec(fields.get("Root") ?? "");
  const spanId = fields.get("Parent") ?? "";
  if (root === null || !/^[0-9a-f]{16}$/.test(spanId)) return undefined;
  const traceId = `${root[1]}${root[2]}`;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, traceFlags: fields.get("Sampled") === "1" ? 1 : 0, traceState: undefined };
}

/**
 * The parent a delivery's job continues: its `traceparent` attribute, else the envelope's
 * `trace` (sends for later, calls), else SQS's `AWSTraceHeader`. Undefined when none is valid.
 */
export function traceParentOf(headers: TraceHeaders, envelopeTrace: unknown): TraceParent | undefined {
  const fromEnvelope =
    typeof envelopeTrace === "object" && envelopeTrace !== null
      ? (envelopeTrace as Record<string, unknown>)
      : undefined;
  return (
    parseTraceparent(headers.traceparent, headers.tracestate) ??
    parseTraceparent(fromEnvelope?.traceparent, fromEnvelope?.tracestate) ??
    parseAwsTraceHeader(headers.awsTraceHeader)
  );
}
