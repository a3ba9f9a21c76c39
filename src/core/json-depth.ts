/**
 * Deepest nesting of arrays and objects a job's payload (or result) may have: `{ "a": 1 }` is 1,
 * `[[1]]` is 2. Real payloads (API bodies, events, records) nest a handful of levels, rarely 20;
 * 64 leaves them room while keeping every recursive reader downstream (JSON.stringify, schema
 * libraries, the ledger's payload hash, your handler) thousands of frames short of V8's stack
 * limit, which a payload 5,000 deep reaches.
 */
export const MAX_PAYLOAD_DEPTH = 64;

/**
 * Whether `value` nests arrays and objects (their own enumerable values) more than `max` levels
 * deep. Iterative, and it never looks below `max + 1` levels, so it cannot overflow the stack
 * however deep the value, and it ends on a cycle (which it reports as too deep). Meant for JSON
 * values: a parsed payload, or a value JSON.stringify gave up on.
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const pending: { readonly value: unknown; readonly depth: number }[] = [{ value, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next.value !== "object" || next.value === null) continue;
    const depth = next.depth + 1;
    if (depth > max) return true;
    for (const child of Object.values(next.value)) pending.push({ value: child, depth });
  }
  return false;
}
