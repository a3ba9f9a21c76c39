import type { FaultRates } from "./fault-proxy.ts";

/** The issue's rates: 10% of calls throttled, 2% reset (half before SQS acts, half after). */
export const ISSUE_FAULTS: FaultRates = { throttle: 0.1, resetBefore: 0.01, resetAfter: 0.01 };

/** Those rates on the producer's only call. */
export const PRODUCER_RATES = { SendMessageBatch: ISSUE_FAULTS };

/** Those rates on every call the worker makes. */
export const CONSUMER_RATES = {
  ReceiveMessage: ISSUE_FAULTS,
  DeleteMessageBatch: ISSUE_FAULTS,
  ChangeMessageVisibility: ISSUE_FAULTS,
  ChangeMessageVisibilityBatch: ISSUE_FAULTS,
  SendMessage: ISSUE_FAULTS,
  GetQueueAttributes: ISSUE_FAULTS,
};

/**
 * The same 12% on the job ledger's calls, in DynamoDB's shapes: throttling
 * (ProvisionedThroughputExceededException), 500s and 503s, and resets on either side.
 */
const LEDGER_FAULTS: FaultRates = {
  throttle: 0.08,
  error500: 0.01,
  error503: 0.01,
  resetBefore: 0.01,
  resetAfter: 0.01,
};

/** Those rates on every call the ledger makes, producer's (BatchWriteItem, DeleteItem) and consumer's. */
export const LEDGER_RATES = {
  BatchWriteItem: LEDGER_FAULTS,
  PutItem: LEDGER_FAULTS,
  UpdateItem: LEDGER_FAULTS,
  DeleteItem: LEDGER_FAULTS,
  GetItem: LEDGER_FAULTS,
};
