import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeEnvelope } from "../../src/core/envelope.ts";
import {
  encodeEnvelopeJson,
  envelopeString,
  envelopeText,
  envelopeUtf8,
} from "../../src/core/envelope-text.ts";

const AT = "2026-12-07T00:00:00.000Z";

describe("an envelope's text in parts", () => {
  it("measures and encodes the text it joins: bytes, buffer and string agree, whatever the payload", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: "grapheme" }), (payload, note) => {
        const text = envelopeText("report", "id-1", AT, JSON.stringify({ payload, note }), {
          trace: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
        });
        const joined = envelopeString(text);
        expect(text.bytes).toBe(Buffer.byteLength(joined, "utf8"));
        expect(envelopeUtf8(text).equals(Buffer.from(joined, "utf8"))).toBe(true);
        expect(decodeEnvelope(joined).payload).toEqual(JSON.parse(JSON.stringify({ payload, note })));
      }),
      { numRuns: 300 },
    );
  });

  it("escapes U+FFFE and U+FFFF, which SQS refuses in a body, in the payload and in the fields before it", () => {
    const payloadJson = JSON.stringify({ s: "a\uFFFEb\uFFFF" });
    const body = encodeEnvelopeJson("report", "id-1", AT, payloadJson, {
      trace: {
        traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        tracestate: "k=\uFFFE",
      },
    });
    expect(body).not.toMatch(/[\uFFFE\uFFFF]/);
    expect(body).toContain(String.raw`a\ufffeb\uffff`);
    const decoded = decodeEnvelope(body);
    expect(decoded.payload).toEqual({ s: "a\uFFFEb\uFFFF" });
    expect(decoded.trace?.tracestate).toBe("k=\uFFFE");
  });
});
