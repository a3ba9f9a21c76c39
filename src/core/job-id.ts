import { randomFillSync } from "node:crypto";

/** Random bytes are drawn in blocks: one syscall per 256 ids instead of one per id. */
const POOL_IDS = 256;
const pool = new Uint8Array(10 * POOL_IDS);
let poolIndex = POOL_IDS;
let lastMs = -1;
let sequence = 0;

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/**
 * A UUIDv7 (RFC 9562): 48-bit millisecond timestamp, then random bits. Ids sort by creation time,
 * which keeps DLQ listings and logs in order. Within one millisecond a 12-bit counter in `rand_a`
 * keeps ids from this process monotonic.
 */
export function newJobId(now: number = Date.now()): string {
  if (poolIndex >= POOL_IDS) {
    randomFillSync(pool);
    poolIndex = 0;
  }
  const r = pool.subarray(poolIndex * 10, poolIndex * 10 + 10);
  poolIndex++;
  if (now <= lastMs) {
    // Same millisecond (or the clock stepped back): count on; past 4,095 ids borrow the next
    // millisecond, so ids from this process never go out of order.
    sequence++;
    if (sequence > 0xfff) {
      lastMs++;
      sequence = 0;
    }
  } else {
    lastMs = now;
    sequence = ((r[0] ?? 0) << 3) & 0x7ff;
  }
  const bytes = new Uint8Array(16);
  let ms = lastMs;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | ((r[1] ?? 0) & 0x3f);
  bytes.set(r.subarray(2, 9), 9);
  let out = "";
  for (let i = 0; i < 16; i++) {
    out += HEX[bytes[i] ?? 0];
    if (i === 3 || i === 5 || i === 7 || i === 9) out += "-";
  }
  return out;
}
