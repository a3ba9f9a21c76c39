import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_PAYLOAD_DEPTH } from "../../src/core/json-depth.ts";
import { toJsonValue } from "../../src/core/json-value.ts";

function nestedArrays(depth: number): unknown {
  let value: unknown = "leaf";
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

function nestedObjects(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

const kinds = (out: ReturnType<typeof toJsonValue>) => (out.ok ? [] : out.issues.map((i) => i.kind));

/** What JSON.parse(JSON.stringify(value)) gives: toJsonValue must give the same, text and value. */
function roundTrip(value: unknown): { json: string; wire: unknown } {
  const json = JSON.stringify(value);
  return { json, wire: JSON.parse(json) };
}

describe("toJsonValue's nesting limit", () => {
  it("counts arrays and objects, not scalars: {} is 1, [[1]] is 2, a string is 0", () => {
    expect(toJsonValue("text", "payload").ok).toBe(true);
    expect(toJsonValue(nestedObjects(MAX_PAYLOAD_DEPTH), "payload").ok).toBe(true);
    expect(kinds(toJsonValue(nestedObjects(MAX_PAYLOAD_DEPTH + 1), "payload"))).toEqual(["too_deep"]);
  });

  it("holds a handler's result to the same limit as a payload, exactly at the limit", () => {
    expect(toJsonValue(nestedArrays(MAX_PAYLOAD_DEPTH), "result").ok).toBe(true);
    expect(toJsonValue(nestedArrays(MAX_PAYLOAD_DEPTH + 1), "result")).toEqual({
      ok: false,
      issues: [{ path: [], kind: "too_deep", message: expect.stringMatching(/^result nests .* at most 64/) }],
    });
  });

  it("walks a value a million levels deep without overflowing the stack", () => {
    expect(kinds(toJsonValue(nestedArrays(1_000_000), "payload"))).toEqual(["too_deep"]);
  });

  it("a wide shallow value is not deep", () => {
    const wide = Array.from({ length: 100_000 }, (_, i) => ({ i, tags: ["a", "b"] }));
    expect(toJsonValue(wide, "payload").ok).toBe(true);
  });

  it("still names a cycle a cycle (V8's message), not a nesting too deep", () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const out = toJsonValue(cycle, "payload");
    expect(out).toEqual({
      ok: false,
      issues: [
        { path: [], kind: "not_json", message: expect.stringMatching(/not JSON-serialisable.*circular/) },
      ],
    });
  });

  it("lets the same object appear twice side by side: only a cycle is refused", () => {
    const shared = { n: 1 };
    expect(toJsonValue({ a: shared, b: [shared, shared] }, "payload")).toMatchObject({
      ok: true,
      ...roundTrip({ a: shared, b: [shared, shared] }),
    });
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
    expect(kinds(out)).toEqual(["not_json"]);
  });

  it("a getter runs once, and the text and the value the schema sees hold the same reading", () => {
    let reads = 0;
    const payload = {
      get n() {
        reads++;
        return reads;
      },
    };
    const out = toJsonValue(payload, "payload");
    expect(reads).toBe(1);
    expect(out).toEqual({ ok: true, json: '{"n":1}', wire: { n: 1 } });
  });

  it("a BigInt anywhere is not JSON, with V8's words", () => {
    expect(toJsonValue({ a: [1, { n: 10n }] }, "payload")).toEqual({
      ok: false,
      issues: [
        {
          path: [],
          kind: "not_json",
          message: "payload is not JSON-serialisable (Do not know how to serialize a BigInt)",
        },
      ],
    });
  });
});

describe("toJsonValue's value is what the other side parses back", () => {
  it("calls toJSON with its key, as JSON.stringify does", () => {
    const keys: string[] = [];
    const stamp = {
      toJSON: (key: string) => {
        keys.push(key);
        return `at ${key}`;
      },
    };
    const value = { when: new Date(0), list: [stamp], stamp };
    const out = toJsonValue(value, "payload");
    expect(out).toEqual({ ok: true, ...roundTrip(value) });
    expect(keys).toEqual(["0", "stamp", "0", "stamp"]);
  });

  it("unwraps boxed primitives and leaves out undefined, functions and symbols in objects", () => {
    const value = {
      n: new Number(3),
      s: new String("x"),
      b: new Boolean(false),
      u: undefined,
      f: () => 1,
      y: Symbol("s"),
    };
    expect(toJsonValue(value, "payload")).toEqual({
      ok: true,
      json: '{"n":3,"s":"x","b":false}',
      wire: { n: 3, s: "x", b: false },
    });
  });

  it("keeps an own __proto__ key a key, as JSON.parse does, without touching the copy's prototype", () => {
    const value = JSON.parse('{"__proto__":{"polluted":true},"a":1}') as unknown;
    const out = toJsonValue(value, "payload");
    expect(out).toEqual({ ok: true, ...roundTrip(value) });
    if (!out.ok) return;
    expect(Object.getPrototypeOf(out.wire)).toBe(Object.prototype);
    expect((out.wire as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it("carries a raw JSON value (JSON.rawJSON) as the value its text parses to", () => {
    const rawJSON = (JSON as { rawJSON?: (text: string) => unknown }).rawJSON;
    if (rawJSON === undefined) return;
    const value = { big: rawJSON("12345678901234567890"), s: rawJSON('"x"') };
    // What the consumer parses is the same; digits past a double's precision are not kept.
    expect(toJsonValue(value, "payload")).toEqual({
      ok: true,
      json: '{"big":12345678901234567000,"s":"x"}',
      wire: roundTrip(value).wire,
    });
  });

  it("gives a fresh value: a schema's transform cannot change the caller's payload", () => {
    const payload = { items: [{ n: 1 }] };
    const out = toJsonValue(payload, "payload");
    if (!out.ok) throw new Error("refused");
    expect(out.wire).toEqual(payload);
    expect(out.wire).not.toBe(payload);
    expect((out.wire as typeof payload).items[0]).not.toBe(payload.items[0]);
  });

  it("reports what JSON would change (NaN, -0, undefined in arrays, a Map), by path", () => {
    const out = toJsonValue(
      // biome-ignore lint/suspicious/noSparseArray: a hole is what JSON turns into null
      { a: [1, undefined, Number.NaN], b: { c: -0, m: new Map() }, d: [, 2] },
      "payload",
    );
    expect(out.ok ? [] : out.issues.map((i) => i.path)).toEqual([
      ["a", 1],
      ["a", 2],
      ["b", "c"],
      ["b", "m"],
      ["d", 0],
    ]);
  });

  it("matches JSON.parse(JSON.stringify(v)) on any JSON value, text and value", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        // -0 is refused on purpose (JSON sends 0); every other JSON value passes whole.
        fc.pre(!hasNegativeZero(value));
        expect(toJsonValue(value, "payload")).toEqual({ ok: true, ...roundTrip(value) });
      }),
      { numRuns: 500 },
    );
  });
});

function hasNegativeZero(value: unknown): boolean {
  if (Object.is(value, -0)) return true;
  if (typeof value !== "object" || value === null) return false;
  return Object.values(value).some(hasNegativeZero);
}
