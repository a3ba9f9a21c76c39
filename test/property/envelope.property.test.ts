import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeEnvelope } from "../../src/core/envelope.ts";
import { encodeEnvelopeJson } from "../../src/core/envelope-text.ts";
import { EnvelopeError } from "../../src/index.ts";

/**
 * decodeEnvelope reads bodies anyone can write (the CLI, EventBridge, SNS, a stray producer). For
 * any input it must either return an envelope or throw an EnvelopeError, and its message must not
 * carry the body's contents (they may be personal data, and they would flood logs and DLQ
 * attributes).
 */

/** A distinctive marker that no error message could contain by chance. */
const marker = fc.stringMatching(/^[a-z]{6}$/).map((s) => `zq${s}qz`);

function decodeOutcome(body: string): "ok" | EnvelopeError {
  try {
    decodeEnvelope(body);
    return "ok";
  } catch (error) {
    if (error instanceof EnvelopeError) return error;
    throw new Error(`decodeEnvelope threw a ${Object.prototype.toString.call(error)}, not an EnvelopeError`, {
      cause: error,
    });
  }
}

/** The dates JobClient writes: `new Date().toISOString()`, four-digit years. */
const writtenDate = fc.date({
  min: new Date(0),
  max: new Date("9999-12-31T23:59:59.999Z"),
  noInvalidDate: true,
});

/** Envelope-shaped objects with the marker hidden in every place a value can go. */
const envelopeLike = marker.chain((m) =>
  fc
    .record(
      {
        sqsJobs: fc.oneof(
          fc.constant(1),
          fc.constant(2),
          fc.constant(m),
          fc.jsonValue(),
          fc.constant({ v: m }),
        ),
        job: fc.oneof(fc.constant("resize-image"), fc.constant(m), fc.constant(""), fc.jsonValue()),
        id: fc.oneof(fc.uuid(), fc.constant(m), fc.constant(""), fc.integer()),
        enqueuedAt: fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          fc.constant(m),
          fc.constant(`2026-01-01T00:00:00Z${m}`),
          fc.integer(),
        ),
        payload: fc.oneof(fc.jsonValue(), fc.constant({ [m]: m }), fc.constant([m])),
      },
      { requiredKeys: [] },
    )
    .map((envelope) => ({ marker: m, envelope })),
);

describe("decodeEnvelope (property)", () => {
  it("throws nothing but EnvelopeError on any string", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.json()), (body) => {
        decodeOutcome(body);
      }),
      { numRuns: 2_000 },
    );
  });

  it("throws nothing but EnvelopeError on any JSON value, and SNS-wrapped ones", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, wrapped) => {
        const body = JSON.stringify(value);
        decodeOutcome(wrapped ? JSON.stringify({ Type: "Notification", Message: body }) : body);
      }),
      { numRuns: 2_000 },
    );
  });

  it("never echoes a body's values in its error message", () => {
    fc.assert(
      fc.property(envelopeLike, fc.boolean(), ({ marker: m, envelope }, wrapped) => {
        const json = JSON.stringify(envelope);
        const body = wrapped ? JSON.stringify({ Type: "Notification", Message: json }) : json;
        const outcome = decodeOutcome(body);
        if (outcome !== "ok") {
          expect(outcome.message).not.toContain(m);
          expect(outcome.message.length).toBeLessThan(500);
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it("never echoes a body that is not JSON, however long", () => {
    fc.assert(
      fc.property(marker, fc.string(), (m, noise) => {
        const outcome = decodeOutcome(`{${noise}${m}${"x".repeat(1_000)}`);
        expect(outcome).toBeInstanceOf(EnvelopeError);
        expect((outcome as EnvelopeError).message).not.toContain(m);
      }),
      { numRuns: 500 },
    );
  });

  it("accepts every envelope JobClient writes, whatever the payload", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.uuid(), writtenDate, (payload, id, at) => {
        const body = encodeEnvelopeJson("j", id, at.toISOString(), JSON.stringify(payload));
        expect(decodeEnvelope(body)).toMatchObject({ job: "j", id });
      }),
      { numRuns: 1_000 },
    );
  });
});
