import { loadOptionalPeer } from "./optional-peer.ts";

/**
 * sqs-jobs traces only when the app registered an OpenTelemetry tracer provider. Whether one is
 * registered is read from the global every copy of `@opentelemetry/api` 1.x shares
 * (`Symbol.for("opentelemetry.js.api.1")`, where `trace.setGlobalTracerProvider` writes), so an
 * app without one loads nothing and pays one property read per job or send.
 */

export type OpenTelemetryApi = typeof import("@opentelemetry/api");

const API_GLOBAL = Symbol.for("opentelemetry.js.api.1");

/** Whether an OpenTelemetry SDK registered a global tracer provider. */
export function tracerProviderRegistered(): boolean {
  const registered = (globalThis as { [API_GLOBAL]?: { trace?: unknown } })[API_GLOBAL];
  return registered?.trace !== undefined;
}

let api: OpenTelemetryApi | undefined;
/** Set once loading failed: tracing stays off for the process instead of retrying per job. */
let unavailable = false;

/**
 * `@opentelemetry/api`, loaded on first use, when a tracer provider is registered; else
 * undefined. Tracing never fails a send or a job: a package that cannot be loaded turns it off.
 */
export async function openTelemetry(): Promise<OpenTelemetryApi | undefined> {
  if (unavailable || !tracerProviderRegistered()) return undefined;
  if (api !== undefined) return api;
  try {
    // The `.catch` makes esbuild leave the import as it is when the package is not installed,
    // where a bare `import()` would fail the bundling of every app that does not trace.
    api = await loadOptionalPeer("@opentelemetry/api", "tracing", () =>
      import("@opentelemetry/api").catch((error: unknown) => {
        throw error;
      }),
    );
  } catch {
    unavailable = true;
  }
  return api;
}

/**
 * Runs `run` inside a new span of sqs-jobs' tracer (asked of the API each time: the API caches
 * tracers, and a provider registered later is then the one used), a child of `parent`; a throw
 * marks the span failed. The span ends when `run` settles.
 */
export async function inSpan<T>(
  otel: OpenTelemetryApi,
  name: string,
  options: import("@opentelemetry/api").SpanOptions,
  parent: import("@opentelemetry/api").Context,
  run: (span: import("@opentelemetry/api").Span) => Promise<T>,
): Promise<T> {
  const span = otel.trace.getTracer("sqs-jobs").startSpan(name, options, parent);
  try {
    return await otel.context.with(otel.trace.setSpan(parent, span), () => run(span));
  } catch (error) {
    recordSpanError(otel, span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** The API if a send or job loaded it already, for what cannot wait (a log line, an outcome). */
export function loadedOpenTelemetry(): OpenTelemetryApi | undefined {
  return api;
}

/**
 * The active span's trace and span ids, for log lines; undefined when tracing was never loaded
 * or no valid span is active.
 */
export function activeTraceIds(): { readonly traceId: string; readonly spanId: string } | undefined {
  if (api === undefined) return undefined;
  const context = api.trace.getActiveSpan()?.spanContext();
  if (context === undefined || !api.isSpanContextValid(context)) return undefined;
  return { traceId: context.traceId, spanId: context.spanId };
}

/** Marks a span failed with the error thrown (its name and message; the stack stays with the error). */
export function recordSpanError(
  otel: OpenTelemetryApi,
  span: import("@opentelemetry/api").Span,
  error: unknown,
): void {
  const exception = error instanceof Error ? error : { name: "Error", message: String(error) };
  span.recordException(exception);
  span.setStatus({ code: otel.SpanStatusCode.ERROR, message: exception.message.slice(0, 1_000) });
}
