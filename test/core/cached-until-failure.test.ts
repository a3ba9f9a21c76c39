import { describe, expect, it } from "vitest";
import { cachedUntilFailure } from "../../src/core/cached-until-failure.ts";

describe("cachedUntilFailure", () => {
  it("makes the value once and shares it, also with calls made while it is pending", async () => {
    // Given a maker that counts its calls
    let made = 0;
    const get = cachedUntilFailure(async () => ++made);
    // When three callers ask, two of them at once
    const [a, b] = await Promise.all([get(), get()]);
    const c = await get();
    // Then all got the first value
    expect([a, b, c, made]).toEqual([1, 1, 1, 1]);
  });

  it("does not keep a failure: the next call tries again", async () => {
    // Given a maker that fails the first time
    let calls = 0;
    const get = cachedUntilFailure(async () => {
      calls += 1;
      if (calls === 1) throw new Error("not yet");
      return "ready";
    });
    // When it is asked twice
    await expect(get()).rejects.toThrow("not yet");
    // Then the second call made it again, and that success is kept
    await expect(get()).resolves.toBe("ready");
    await expect(get()).resolves.toBe("ready");
    expect(calls).toBe(2);
  });
});
