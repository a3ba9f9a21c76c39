import type { ValidationIssue } from "../core/errors.ts";

/** Enough to fix a payload; a huge array of NaN need not list every index. */
const MAX_ISSUES = 20;

function describe(value: unknown): string | undefined {
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * Finds the values `JSON.stringify` silently turns into `null`: NaN and ±Infinity anywhere, and
 * `undefined`, functions and symbols inside arrays. A schema that accepts null (or anything) would
 * let them through, and the consumer would see null where the producer had a value. Call it only
 * when the JSON contains "null", so clean payloads pay nothing.
 */
export function findJsonLoss(payload: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const walk = (value: unknown, path: PropertyKey[], key: string, inArray: boolean): void => {
    if (issues.length >= MAX_ISSUES) return;
    let v = value;
    if (typeof v === "object" && v !== null && typeof (v as { toJSON?: unknown }).toJSON === "function") {
      v = (v as { toJSON: (key: string) => unknown }).toJSON(key);
    }
    const bad = describe(v);
    if (bad !== undefined) {
      issues.push({
        path,
        kind: "json_loss",
        message: `is ${bad}, which JSON sends as null; send a finite number or null`,
      });
      return;
    }
    if (v === undefined || typeof v === "function" || typeof v === "symbol") {
      if (inArray) {
        issues.push({
          path,
          kind: "json_loss",
          message: `is ${v === undefined ? "undefined" : `a ${typeof v}`} inside an array, which JSON sends as null; remove it or use null`,
        });
      }
      return;
    }
    if (typeof v !== "object" || v === null) return;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) walk(v[i], [...path, i], String(i), true);
      return;
    }
    for (const [k, item] of Object.entries(v)) walk(item, [...path, k], k, false);
  };
  walk(payload, [], "", false);
  return issues;
}
