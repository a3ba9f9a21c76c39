import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod/mini";
import { DEAD_LETTER_ROOM_BYTES } from "../../src/core/dead-letter-attributes.ts";
import { messageBytes } from "../../src/core/message-size.ts";
import { defineJob } from "../../src/index.ts";
import { prepareMessage } from "../../src/producer/message.ts";
import { publishedMessage } from "../../src/producer/published-message.ts";

const reportReady = defineJob({
  name: "report.ready",
  schema: z.object({ reportId: z.string(), region: z.string(), words: z.number() }),
  attributes: { region: (p) => p.region, words: (p) => p.words },
});

async function prepared(payload: { reportId: string; region: string; words: number }) {
  const result = await prepareMessage(reportReady, payload, {}, false);
  if (!result.ok) throw new Error("invalid");
  return result.message;
}

afterEach(() => vi.restoreAllMocks());

describe("a published message", () => {
  it("measures body and every attribute as SNS counts them, without the dead-letter room", async () => {
    // Given a job with declared attributes and multi-byte text in body and attributes
    const message = await prepared({ reportId: "r-ü€😀", region: "eu-€", words: 1234 });
    expect(message.sizeBytes).toBe(messageBytes(message.body, message.attributes) + DEAD_LETTER_ROOM_BYTES);

    // When it is made a published one
    const published = publishedMessage(reportReady, message, "events-€");
    if (!published.ok) throw new Error("refused");

    // Then its size is the body plus all its attributes, the declared ones and the topic's
    expect(Object.keys(published.message.attributes).sort()).toEqual([
      "region",
      "sqs-jobs.job",
      "sqs-jobs.topic",
      "words",
    ]);
    expect(published.message.sizeBytes).toBe(
      messageBytes(published.message.body, published.message.attributes),
    );
  });
});

describe("enqueuedAt", () => {
  it("is the time each job was prepared, to the millisecond", async () => {
    // Given a clock that moves a millisecond between two jobs
    const now = vi.spyOn(Date, "now");
    now.mockReturnValue(Date.UTC(2026, 11, 7, 21, 0, 0, 1));
    const first = await prepared({ reportId: "a", region: "eu", words: 1 });
    now.mockReturnValue(Date.UTC(2026, 11, 7, 21, 0, 0, 2));
    const second = await prepared({ reportId: "b", region: "eu", words: 1 });

    // Then each envelope carries its own millisecond
    expect(JSON.parse(first.body).enqueuedAt).toBe("2026-12-07T21:00:00.001Z");
    expect(JSON.parse(second.body).enqueuedAt).toBe("2026-12-07T21:00:00.002Z");
  });
});
