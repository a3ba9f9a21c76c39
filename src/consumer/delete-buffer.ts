import { DeleteMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { describeAwsError } from "../core/aws-errors.ts";
import type { LevelLogger } from "./logger.ts";

/** How long a lone delete waits for company before it is sent. */
const LINGER_MS = 5;

/**
 * Collects the receipt handles of finished messages and deletes them ten per DeleteMessageBatch,
 * sending a full batch at once and a partial one after a few milliseconds. A delete that fails
 * only means the job runs again (at-least-once), so failures are logged, not thrown.
 */
export class DeleteBuffer {
  readonly #sqs: SQSClient;
  readonly #queueUrl: string;
  readonly #log: LevelLogger;
  #pending: string[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(sqs: SQSClient, queueUrl: string, logger: LevelLogger) {
    this.#sqs = sqs;
    this.#queueUrl = queueUrl;
    this.#log = logger;
  }

  add(receiptHandle: string): void {
    this.#pending.push(receiptHandle);
    if (this.#pending.length >= 10) this.#send();
    else this.#timer ??= setTimeout(() => this.#send(), LINGER_MS);
  }

  /** Sends what is pending and waits for every delete in flight. */
  async flush(): Promise<void> {
    while (this.#pending.length > 0) this.#send();
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
  }

  #send(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const handles = this.#pending.splice(0, 10);
    if (this.#pending.length > 0) this.#timer = setTimeout(() => this.#send(), LINGER_MS);
    if (handles.length === 0) return;
    const call = this.#sqs
      .send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.#queueUrl,
          Entries: handles.map((ReceiptHandle, i) => ({ Id: String(i), ReceiptHandle })),
        }),
      )
      .then(
        (out) => {
          if (out.Failed !== undefined && out.Failed.length > 0) {
            this.#log.warn("sqs-jobs could not delete some finished messages; they will run again", {
              queueUrl: this.#queueUrl,
              failed: out.Failed.length,
              reason: out.Failed[0]?.Code,
            });
          }
        },
        (error: unknown) => {
          this.#log.warn("sqs-jobs could not delete finished messages; they will run again", {
            queueUrl: this.#queueUrl,
            count: handles.length,
            error: describeAwsError(error),
          });
        },
      )
      .finally(() => this.#inFlight.delete(call));
    this.#inFlight.add(call);
  }
}
