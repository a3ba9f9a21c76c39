import { describe, expect, it } from "vitest";
import { MAX_PAYLOAD_DEPTH, nestsDeeperThan } from "../../src/core/json-depth.ts";
import { toJsonValue } from "../../src/core/json-value.ts";

function nestedArrays(depth: number): unknown {
  let value: unknown = "leaf";
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe("nestsDeeperThan", () => {
  it("counts arrays and objects, not scalars: {} is 1, [[1]] is 2, a string is 0", () => {
    expect(nestsDeeperThan("text", 0)).toBe(false);
    expect(nestsDeeperThan({}, 0)).toBe(true);
    expect(nestsDeeperThan({}, 1)).toBe(false);
    expect(nestsDeeperThan([[1]], 1)).toBe(true);
    expect(nestsDeeperThan({ a: [1], b: { c: { d: null } } }, 3)).toBe(false);
    expect(nestsDeeperThan({ a: [1], b: { c: { d: {} } } }, 3)).toBe(true);
  });

  it("is exact at the limit", () => {
    expect(nestsDeeperThan(nestedArrays(MAX_PAYLOAD_DEPTH), MAX_PAYLOAD_DEPTH)).toBe(false);
    expect(nestsDeeperThan(nestedArrays(MAX_PAYLOAD_DEPTH + 1), MAX_PAYLOAD_DEPTH)).toBe(true);
  });

  it("walks a value a million levels deep without overflowing the stack", () => {
    expect(nestsDeeperThan(nestedArrays(1_000_000), MAX_PAYLOAD_DEPTH)).toBe(true);
  });

  it("ends on a cycle, which is endless nesting", () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(nestsDeeperThan(cycle, MAX_PAYLOAD_DEPTH)).toBe(true);
  });

  it("a wide shallow value is not deep", () => {
    const wide = Array.from({ length: 100_000 }, (_, i) => ({ i, tags: ["a", "b"] }));
    expect(nestsDeeperThan(wide, 3)).toBe(false);
    expect(nestsDeeperThan(wide, 2)).toBe(true);
  });
});

describe("toJsonValue's nesting limit", () => {
  it("holds a handler's result to the same limit as a payload", () => {
    expect(toJsonValue(nestedArrays(MAX_PAYLOAD_DEPTH), "result").ok).toBe(true);
    expect(toJsonValue(nestedArrays(MAX_PAYLOAD_DEPTH + 1), "result")).toEqual({
      ok: false,
      issues: [{ path: [], kind: "too_deep", message: expect.stringMatching(/^result nests .* at most 64/) }],
    });
  });

  it("still names a cycle a cycle, not a nesting too deep", () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const out = toJsonValue(cycle, "payload");
    expect(out.ok ? [] : out.issues.map((i) => i.kind)).toEqual(["not_json"]);
  });
});

describe("toJsonValue on values that fight back", () => {
  it("a getter that throws a RangeError is reported as not JSON, not thrown", () => {
    const hostile = {
      get boom(): never {
        throw new RangeError("no");
      },
    };
    const out = toJsonValue(hostile, "payload");
    expect(out.ok ? [] : out.issues.map((i) => i.kind)).toEqual(["not_json"]);
  });
});
