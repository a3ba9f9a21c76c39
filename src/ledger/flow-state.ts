import type { FlowFailurePolicy } from "./flow-layout.ts";

/** A flow's progress, as `getFlow` and `getJob(...).flows` show it. */
export interface FlowProgress {
  readonly flowId: string;
  readonly parentId: string;
  readonly rootId: string;
  readonly onChildFailure: FlowFailurePolicy;
  /** Children in the flow. */
  readonly total: number;
  /** Children that succeeded (counted once each). */
  readonly succeeded: number;
  /** Children that are dead. */
  readonly dead: number;
  /** Children not final yet: `total - succeeded - dead`. */
  readonly pending: number;
  /** The continuation's id; it is sent once `pending` is 0. */
  readonly thenJobId: string;
  readonly thenJobName: string;
  readonly createdAt: Date;
  /** When the continuation was sent. */
  readonly completedAt: Date | undefined;
}
