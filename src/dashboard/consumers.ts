import type { LambdaClient } from "@aws-sdk/client-lambda";
import { mapLimit } from "../core/map-limit.ts";
import type { MappingInfo } from "../ops/event-source.ts";
import { mappingsOf } from "../ops/stats.ts";

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

/**
 * The Lambda event source mappings of each queue, read 8 at a time (Lambda's control plane
 * throttles ListEventSourceMappings well below SQS's rates) and kept `maxAgeMs`: consumers change
 * rarely, and a pause or resume from the dashboard forgets the queue's entry at once.
 */
export class ConsumerCache {
  readonly #lambda: LambdaClient | undefined;
  readonly #maxAgeMs: number;
  readonly #entries = new Map<string, { at: number; value: ConsumersOf }>();

  constructor(lambda: LambdaClient | undefined, options: { readonly maxAgeMs?: number } = {}) {
    this.#lambda = lambda;
    this.#maxAgeMs = options.maxAgeMs ?? 5_000;
  }

  async of(queueArns: readonly string[]): Promise<ConsumersOf[]> {
    return mapLimit(queueArns, 8, (arn) => this.#one(arn));
  }

  forget(queueArn: string): void {
    this.#entries.delete(queueArn);
  }

  async #one(queueArn: string): Promise<ConsumersOf> {
    const cached = this.#entries.get(queueArn);
    if (cached !== undefined && Date.now() - cached.at < this.#maxAgeMs) return cached.value;
    const value = await this.#read(queueArn);
    this.#entries.set(queueArn, { at: Date.now(), value });
    return value;
  }

  async #read(queueArn: string): Promise<ConsumersOf> {
    const read = await mappingsOf(queueArn, { lambda: this.#lambda });
    return { consumers: read.value?.map(consumerView) ?? null, consumersError: read.error ?? null };
  }
}
