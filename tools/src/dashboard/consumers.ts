import type { LambdaClient } from "@aws-sdk/client-lambda";
import { describeAwsError } from "sqs-jobs/internal/core/aws-errors";
import { listMappingsBySource, type MappingInfo } from "sqs-jobs/internal/ops/event-source";

/** A queue's consumers as the API shows them. */
export interface ConsumerView {
  readonly uuid: string;
  readonly functionName: string;
  readonly state: string;
  readonly batchSize: number | null;
  readonly maximumConcurrency: number | null;
}

export interface ConsumersOf {
  readonly consumers: readonly ConsumerView[] | null;
  /** Why `consumers` is unknown: no Lambda client, or Lambda's error. */
  readonly consumersError: string | null;
}

export function consumerView(m: MappingInfo): ConsumerView {
  return {
    uuid: m.uuid,
    functionName: m.functionName,
    state: m.state,
    batchSize: m.batchSize ?? null,
    maximumConcurrency: m.maximumConcurrency ?? null,
  };
}

type Reading = { readonly bySource: ReadonlyMap<string, MappingInfo[]> } | { readonly error: string };

/**
 * The Lambda event source mappings of every queue, from one account-wide listing (one call per
 * 100 mappings, however many queues), kept `maxAgeMs`: consumers change rarely, and a pause or
 * resume from the dashboard forgets the listing at once.
 */
export class ConsumerCache {
  readonly #lambda: LambdaClient | undefined;
  readonly #maxAgeMs: number;
  #last: { at: number; reading: Promise<Reading> } | undefined;

  constructor(lambda: LambdaClient | undefined, options: { readonly maxAgeMs?: number } = {}) {
    this.#lambda = lambda;
    this.#maxAgeMs = options.maxAgeMs ?? 5_000;
  }

  async of(queueArns: readonly string[]): Promise<ConsumersOf[]> {
    const reading = await this.#read();
    return queueArns.map((arn) =>
      "error" in reading
        ? { consumers: null, consumersError: reading.error }
        : { consumers: (reading.bySource.get(arn) ?? []).map(consumerView), consumersError: null },
    );
  }

  forget(): void {
    this.#last = undefined;
  }

  #read(): Promise<Reading> {
    const lambda = this.#lambda;
    if (lambda === undefined) return Promise.resolve({ error: "no Lambda client" });
    if (this.#last === undefined || Date.now() - this.#last.at >= this.#maxAgeMs) {
      const reading = listMappingsBySource(lambda, { signal: AbortSignal.timeout(5_000) }).then(
        (bySource): Reading => ({ bySource }),
        (error: unknown): Reading => ({ error: describeAwsError(error) }),
      );
      this.#last = { at: Date.now(), reading };
    }
    return this.#last.reading;
  }
}
