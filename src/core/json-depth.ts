/**
 * Deepest nesting of arrays and objects a job's payload (or result) may have: `{ "a": 1 }` is 1,
 * `[[1]]` is 2. Real payloads (API bodies, events, records) nest a handful of levels, rarely 20;
 * 64 leaves them room while keeping every recursive reader downstream (JSON.stringify, schema
 * libraries, the ledger's payload hash, your handler) thousands of frames short of V8's stack
 * limit, which a payload 5,000 deep reaches.
 */
export const MAX_PAYLOAD_DEPTH = 64;
