import { createHash } from "node:crypto";

/**
 * The id of a job derived from its parent's id and a key: the same parent and key always give
 * the same id, so a parent that runs again sends the same children, and the ledger (and the
 * consumer's claim) knows them for the jobs they already are. Shaped as a UUID (version 8, RFC
 * 9562's custom layout) so it travels wherever a job id does.
 */
export function childJobId(parentId: string, key: string): string {
  const hex = createHash("sha256").update(parentId).update("\n").update(key).digest("hex");
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
