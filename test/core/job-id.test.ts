import { describe, expect, it } from "vitest";
import { newJobId } from "../../src/core/job-id.ts";

describe("newJobId", () => {
  it("makes RFC 9562 version 7 UUIDs that sort by creation, unique across many calls", () => {
    const ids = Array.from({ length: 10_000 }, () => newJobId());
    for (const id of ids.slice(0, 100)) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it("encodes the millisecond timestamp in the first 48 bits", () => {
    const at = Date.now() + 60_000; // later than any id made so far, so no monotonic carry-over
    const id = newJobId(at);
    expect(Number.parseInt(id.replace(/-/g, "").slice(0, 12), 16)).toBe(at);
  });
});
