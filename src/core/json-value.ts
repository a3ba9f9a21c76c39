import type { ValidationIssue } from "./errors.ts";
import { MAX_PAYLOAD_DEPTH, nestsDeeperThan } from "./json-depth.ts";
import { findJsonLoss } from "./json-loss.ts";

export type JsonValue =
  | { readonly ok: true; readonly json: string; readonly wire: unknown }
  | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

/**
 * A value as JSON will carry it: the text, and `wire`, what the other side parses back (what a
 * schema must then accept). Values JSON cannot carry, or changes silently (see
 * {@link findJsonLoss}), come back as issues, and so does nesting deeper than
 * {@link MAX_PAYLOAD_DEPTH}. `what` names the value in messages.
 */
export function toJsonValue(value: unknown, what: "payload" | "result" | "progress"): JsonValue {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (cause) {
    // V8 overflows its stack a few thousand levels down (a RangeError); a cycle or a BigInt is a
    // TypeError, which the depth walk would misname (a cycle is endless nesting).
    if (cause instanceof RangeError && overflowedOnDepth(value)) return tooDeep(what);
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
  // JSON.parse does not recurse (V8's parser is iterative), and its copy has no cycle or getter.
  const wire: unknown = JSON.parse(json);
  if (nestsDeeperThan(wire, MAX_PAYLOAD_DEPTH)) return tooDeep(what);
  // Recursive: it walks the value as JSON.stringify did, so only once that is known to be shallow.
  const lost = findJsonLoss(value);
  if (lost.length > 0) return { ok: false, issues: lost };
  return { ok: true, json, wire };
}

function tooDeep(what: "payload" | "result" | "progress"): JsonValue {
  const message = `${what} nests arrays and objects more than ${MAX_PAYLOAD_DEPTH} levels deep; at most ${MAX_PAYLOAD_DEPTH} are accepted`;
  return { ok: false, issues: [{ path: [], kind: "too_deep", message }] };
}

/** The depth walk on a value JSON.stringify gave up on, whose getters may throw again. */
function overflowedOnDepth(value: unknown): boolean {
  try {
    return nestsDeeperThan(value, MAX_PAYLOAD_DEPTH);
  } catch {
    return false;
  }
}
