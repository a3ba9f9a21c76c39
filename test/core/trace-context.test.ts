import { describe, expect, it } from "vitest";
import { decodeEnvelope } from "../../src/core/envelope.ts";
import { encodeEnvelopeJson } from "../../src/core/envelope-text.ts";
import {
  formatTraceparent,
  parseAwsTraceHeader,
  parseTraceparent,
  traceParentOf,
} from "../../src/core/trace-context.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";

describe("trace context headers", () => {
  it("reads a W3C traceparent and writes it back the same", () => {
    const parsed = parseTraceparent(`00-${TRACE}-${SPAN}-01`, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
    expect(parsed).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: 1,
      traceState: "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
    });
    expect(formatTraceparent(parsed as NonNullable<typeof parsed>)).toBe(`00-${TRACE}-${SPAN}-01`);
  });

  it.each([
    ["not a header", "garbage"],
    ["a version ff", `ff-${TRACE}-${SPAN}-01`],
    ["an all-zero trace id", `00-${"0".repeat(32)}-${SPAN}-01`],
    ["an all-zero span id", `00-${TRACE}-${"0".repeat(16)}-01`],
    ["upper-case hex", `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ["version 00 with more fields", `00-${TRACE}-${SPAN}-01-more`],
    ["a number", 42],
    ["a huge string", "0".repeat(100_000)],
  ])("ignores %s", (_, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it("accepts a later version's extra fields (W3C: parse what version 00 defines)", () => {
    expect(parseTraceparent(`01-${TRACE}-${SPAN}-00-future`)?.traceFlags).toBe(0);
  });

  it("drops a tracestate too long or with characters W3C forbids, keeping the parent", () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01`, `k=${"v".repeat(600)}`)?.traceState).toBeUndefined();
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01`, "k=\u00e9")?.traceState).toBeUndefined();
  });

  it("maps an X-Ray header to a W3C parent, and ignores one without a Parent", () => {
    expect(
      parseAwsTraceHeader(
        "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a:1",
      ),
    ).toEqual({
      traceId: "5759e988bd862e3fe1be46a994272793",
      spanId: "53995c3f42cd8ad8",
      traceFlags: 1,
      traceState: undefined,
    });
    expect(parseAwsTraceHeader("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0")).toBeUndefined();
  });

  it("prefers the traceparent attribute, then the envelope's trace, then AWSTraceHeader", () => {
    const attribute = `00-${TRACE}-${SPAN}-01`;
    const envelope = { traceparent: `00-${"1".repeat(32)}-${SPAN}-01` };
    const awsTraceHeader = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
    expect(traceParentOf({ traceparent: attribute, awsTraceHeader }, envelope)?.traceId).toBe(TRACE);
    expect(traceParentOf({ traceparent: "bad", awsTraceHeader }, envelope)?.traceId).toBe("1".repeat(32));
    expect(traceParentOf({ awsTraceHeader }, "not an object")?.traceId).toBe(
      "5759e988bd862e3fe1be46a994272793",
    );
    expect(traceParentOf({}, undefined)).toBeUndefined();
  });
});

describe("the envelope's trace field", () => {
  it("round-trips, and is poison only when it is not an object", () => {
    const trace = { traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: "k=v" };
    const body = encodeEnvelopeJson("j", "id", new Date().toISOString(), "{}", { trace });
    expect(decodeEnvelope(body).trace).toEqual(trace);
    // Malformed contents are the tracer's to ignore, not poison.
    expect(decodeEnvelope(body.replace(/"trace":\{[^}]*\}/, '"trace":{"traceparent":1}')).trace).toEqual({
      traceparent: 1,
    });
    expect(() => decodeEnvelope(body.replace(/"trace":\{[^}]*\}/, '"trace":"x"'))).toThrow(
      '"trace" must be an object when present',
    );
  });
});
