import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parsedPayloadHash, payloadHash } from "../../src/ledger/job-key.ts";

/**
 * The producer hashes the payload's JSON text; the consumer hashes the payload it parsed from the
 * message. The two must agree for every payload, or every tracked job would look like a reused id;
 * past the depth JSON.stringify can write, the consumer writes the text itself.
 */
const key = fc.oneof(fc.string(), fc.constantFrom("__proto__", "1", "01", "-0", "constructor"));
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string({ unit: "binary" }),
    fc.array(tie("value")),
    fc.dictionary(key, tie("value")),
  ),
})).value;

/** Deeper than JSON.stringify can write, whatever the stack size of the run. */
const DEPTH = 20_000;

describe("parsedPayloadHash", () => {
  it("equals payloadHash of the producer's JSON for any JSON value", () => {
    fc.assert(
      fc.property(jsonValue, (value) => {
        const text = JSON.stringify(value);
        expect(parsedPayloadHash(JSON.parse(text))).toBe(payloadHash(text));
      }),
      { numRuns: 1_000 },
    );
  });

  it("equals it too for any JSON value nested 20,000 levels deep, which JSON.stringify cannot write", () => {
    fc.assert(
      fc.property(jsonValue, fc.boolean(), (value, inObjects) => {
        const [open, close] = inObjects ? ['{"a":', "}"] : ["[", "]"];
        const text = `${open.repeat(DEPTH)}${JSON.stringify(value)}${close.repeat(DEPTH)}`;
        const parsed: unknown = JSON.parse(text);
        expect(() => JSON.stringify(parsed)).toThrow(RangeError);
        expect(parsedPayloadHash(parsed)).toBe(payloadHash(text));
      }),
      { numRuns: 10 },
    );
  });
});
