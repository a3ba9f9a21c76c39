import type { DeadLetterFilter } from "sqs-jobs/internal/ops/dead-letter-filter";
import { badRequest } from "./api-error.ts";

/** A whole-number parameter within bounds, or its default when absent. */
export function intParam(
  params: URLSearchParams,
  name: string,
  bounds: { readonly min: number; readonly max: number; readonly default: number },
): number {
  const raw = params.get(name);
  if (raw === null || raw === "") return bounds.default;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < bounds.min || n > bounds.max) {
    throw badRequest(
      `${name} must be a whole number from ${bounds.min} to ${bounds.max}, but "${raw.slice(0, 40)}" was given`,
    );
  }
  return n;
}

/** An instant given as an ISO-8601 string (or anything Date.parse reads), or undefined when absent. */
export function dateParam(raw: unknown, name: string): Date | undefined {
  if (raw === undefined || raw === null || raw === "") return undefined;
  const at = typeof raw === "string" ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(at)) {
    throw badRequest(
      `${name} must be an ISO-8601 time such as 2026-11-30T12:00:00Z, but ${describe(raw)} was given`,
    );
  }
  return new Date(at);
}

function textParam(raw: unknown, name: string): string | undefined {
  if (raw === undefined || raw === null || raw === "") return undefined;
  if (typeof raw !== "string" || raw.length > 1_000) {
    throw badRequest(`${name} must be a string of at most 1,000 characters, but ${describe(raw)} was given`);
  }
  return raw;
}

/** The DLQ filter of a listing's query string or of a redrive's `filter` object: same fields, same meaning. */
export function filterOf(source: { get(name: string): unknown }): DeadLetterFilter {
  const filter: { -readonly [K in keyof DeadLetterFilter]: DeadLetterFilter[K] } = {};
  const job = textParam(source.get("job"), "job");
  const reason = textParam(source.get("reason"), "reason");
  const since = dateParam(source.get("since"), "since");
  const until = dateParam(source.get("until"), "until");
  if (job !== undefined) filter.job = job;
  if (reason !== undefined) filter.reason = reason;
  if (since !== undefined) filter.since = since;
  if (until !== undefined) filter.until = until;
  return filter;
}

/** Most message ids one redrive takes: what a page can select, not a bulk API. */
const MAX_IDS = 1_000;

/** What a redrive's body asks for: some messages by id, a filter, or (`{}`) everything. */
export function redriveSelection(body: Record<string, unknown>): DeadLetterFilter | undefined {
  const { messageIds, filter, ...rest } = body;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) {
    throw badRequest(
      `unknown field(s) ${unknown.slice(0, 5).join(", ")}: send { messageIds } or { filter } or {}`,
    );
  }
  if (messageIds !== undefined && filter !== undefined) {
    throw badRequest("send either messageIds or filter, not both");
  }
  if (messageIds !== undefined) {
    if (
      !Array.isArray(messageIds) ||
      messageIds.length === 0 ||
      messageIds.length > MAX_IDS ||
      !messageIds.every((id) => typeof id === "string" && id !== "" && id.length <= 100)
    ) {
      throw badRequest(`messageIds must be a list of 1 to ${MAX_IDS} message ids (strings)`);
    }
    return { messageIds: new Set(messageIds as string[]) };
  }
  if (filter !== undefined) {
    if (typeof filter !== "object" || filter === null || Array.isArray(filter)) {
      throw badRequest("filter must be an object with job, reason, since and/or until");
    }
    const fields = filter as Record<string, unknown>;
    const extra = Object.keys(fields).filter((k) => !["job", "reason", "since", "until"].includes(k));
    if (extra.length > 0) throw badRequest(`unknown filter field(s) ${extra.slice(0, 5).join(", ")}`);
    return filterOf({ get: (name) => fields[name] });
  }
  return undefined;
}

function describe(raw: unknown): string {
  return typeof raw === "string" ? `"${raw.slice(0, 40)}"` : `a ${Array.isArray(raw) ? "list" : typeof raw}`;
}
