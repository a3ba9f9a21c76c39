import type { ValidationIssue } from "./errors.ts";

/** Enough to fix a payload; a huge array of NaN need not list every index. */
const MAX_ISSUES = 20;

/** Objects JSON.stringify turns into `{}` (or, for typed arrays, an object of indexes). */
function lossyObjectKind(value: object): string | undefined {
  if (
    value instanceof Map ||
    value instanceof Set ||
    value instanceof WeakMap ||
    value instanceof WeakSet ||
    value instanceof RegExp ||
    value instanceof Error ||
    value instanceof Promise ||
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value)
  ) {
    return Object.prototype.toString.call(value).slice(8, -1);
  }
  return undefined;
}

/**
 * Finds the values `JSON.stringify` changes without an error, so the consumer would see something
 * else than the producer had: NaN and ±Infinity (sent as null), -0 (sent as 0), `undefined`,
 * functions and symbols inside arrays (sent as null), and Maps, Sets, typed arrays, RegExps and
 * Errors (sent as `{}` or an object of indexes). A schema that accepts null, numbers or any
 * object would let them through. Paths are built only for an issue, so a clean payload costs one
 * walk and no allocation beyond its objects' key lists.
 */
export function findJsonLoss(payload: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const path: PropertyKey[] = [];
  const report = (message: string) => issues.push({ path: [...path], kind: "json_loss", message });
  const walk = (value: unknown, key: string, inArray: boolean): void => {
    if (issues.length >= MAX_ISSUES) return;
    let v = value;
    if (typeof v === "object" && v !== null && typeof (v as { toJSON?: unknown }).toJSON === "function") {
      v = (v as { toJSON: (key: string) => unknown }).toJSON(key);
    }
    if (typeof v === "number") {
      if (!Number.isFinite(v)) report(`is ${v}, which JSON sends as null; send a finite number or null`);
      else if (Object.is(v, -0)) report("is -0, which JSON sends as 0; send 0");
      return;
    }
    if (v === undefined || typeof v === "function" || typeof v === "symbol") {
      if (inArray) {
        report(
          `is ${v === undefined ? "undefined" : `a ${typeof v}`} inside an array, which JSON sends as null; remove it or use null`,
        );
      }
      return;
    }
    if (typeof v !== "object" || v === null) return;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        walk(v[i], String(i), true);
        path.pop();
      }
      return;
    }
    const lossy = lossyObjectKind(v);
    if (lossy !== undefined) {
      report(
        `is a ${lossy}, which JSON does not carry (it sends {} or an object of indexes); send an array or a plain object`,
      );
      return;
    }
    for (const k of Object.keys(v)) {
      path.push(k);
      walk((v as Record<string, unknown>)[k], k, false);
      path.pop();
    }
  };
  walk(payload, "", false);
  return issues;
}
