import type { PreparedMessage } from "./message.ts";

/** What a delivery did with a job: SQS (or Scheduler) has it, may have it, or certainly has not. */
export type DeliveredAs = "sent" | "maybe" | "unsent";

/** Jobs of one delivery unit, as the gate let them through. */
export interface Opening {
  /** Per message: the id of the live job holding its key (the message is not sent), or undefined. */
  readonly heldBy: readonly (string | undefined)[];
  /**
   * When the unit's delivery must have ended (epoch ms), so its keys' lease covers it; undefined
   * when no key was taken.
   */
  readonly sendBy: number | undefined;
}

/**
 * The reserve and record steps of the send pipeline, around each delivery unit (a chunk of at
 * most 10 jobs: one SendMessageBatch, or up to 10 CreateSchedule calls). Reserving per unit, not
 * per batch, keeps each key's lease running only while its own job is delivered.
 */
export interface SendGate {
  /**
   * Before a unit's first try.
   * @throws {SendError} the ledger could not be written: nothing of this unit was kept or sent
   */
  open(messages: readonly PreparedMessage[]): Promise<Opening>;
  /** After jobs of opened units settled for good; a message the gate did not open is ignored. */
  close(settled: readonly { readonly message: PreparedMessage; readonly as: DeliveredAs }[]): Promise<void>;
  /** The delivery threw (`error`): settles every job opened and not closed. */
  abandon(error: unknown): Promise<void>;
}

/** Without a ledger: every job goes, nothing is kept. */
export const OPEN_GATE: SendGate = {
  open: async (messages) => ({ heldBy: new Array(messages.length), sendBy: undefined }),
  close: async () => {},
  abandon: async () => {},
};
