import type { ValidationIssue } from "./errors.ts";
import { findJsonLoss } from "./json-loss.ts";

export type JsonValue =
  | { readonly ok: true; readonly json: string; readonly wire: unknown }
  | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

/**
 * A value as JSON will carry it: the text, and `wire`, what the other side parses back (what a
 * schema must then accept). Values JSON cannot carry, or changes silently (see
 * {@link findJsonLoss}), come back as issues. `what` names the value in messages.
 */
export function toJsonValue(value: unknown, what: "payload" | "result"): JsonValue {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (cause) {
    // V8's messages name the problem (a BigInt, a cycle and the keys closing it), never values.
    const reason = cause instanceof Error ? cause.message : String(cause);
    return {
      ok: false,
      issues: [{ path: [], kind: "not_json", message: `${what} is not JSON-serialisable (${reason})` }],
    };
  }
  if (json === undefined) {
    return {
      ok: false,
      issues: [
        { path: [], kind: "not_json", message: `${what} of type ${typeof value} cannot be sent as JSON` },
      ],
    };
  }
  const lost = findJsonLoss(value);
  if (lost.length > 0) return { ok: false, issues: lost };
  return { ok: true, json, wire: JSON.parse(json) };
}
