import type { ValidationIssue } from "./errors.ts";
import { MAX_PAYLOAD_DEPTH } from "./json-depth.ts";
import { wireCopy } from "./wire-copy.ts";

export type JsonValue =
  | { readonly ok: true; readonly json: string; readonly wire: unknown }
  | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

/**
 * A value as JSON will carry it: the text, and `wire`, what the other side parses back (what a
 * schema must then accept). Values JSON cannot carry, or changes silently (see {@link wireCopy}),
 * come back as issues, and so does nesting deeper than {@link MAX_PAYLOAD_DEPTH}. `what` names the
 * value in messages.
 *
 * The text is written from `wire`, so the two agree by construction: a getter or `toJSON` runs
 * once, and a payload that is mostly text is neither scanned a second time nor parsed back.
 */
export function toJsonValue(value: unknown, what: "payload" | "result" | "progress"): JsonValue {
  let walked: ReturnType<typeof wireCopy>;
  try {
    walked = wireCopy(value);
  } catch (cause) {
    // V8's messages name the problem (a BigInt, a cycle and the keys closing it), never values.
    const reason = cause instanceof Error ? cause.message : String(cause);
    return {
      ok: false,
      issues: [{ path: [], kind: "not_json", message: `${what} is not JSON-serialisable (${reason})` }],
    };
  }
  if (walked.tooDeep) {
    const message = `${what} nests arrays and objects more than ${MAX_PAYLOAD_DEPTH} levels deep; at most ${MAX_PAYLOAD_DEPTH} are accepted`;
    return { ok: false, issues: [{ path: [], kind: "too_deep", message }] };
  }
  if (walked.issues.length > 0) return { ok: false, issues: walked.issues };
  // A plain copy: JSON.stringify neither throws on it nor calls anything of the caller's.
  const json = JSON.stringify(walked.copy) as string | undefined;
  if (json === undefined) {
    return {
      ok: false,
      issues: [
        { path: [], kind: "not_json", message: `${what} of type ${typeof value} cannot be sent as JSON` },
      ],
    };
  }
  return { ok: true, json, wire: walked.copy };
}
