import {
  type EventSourceMappingConfiguration,
  type LambdaClient,
  ListEventSourceMappingsCommand,
  UpdateEventSourceMappingCommand,
} from "@aws-sdk/client-lambda";
import { OperationError, toOpsError } from "../core/aws-errors.ts";

/** One Lambda event source mapping reading a queue: the consumer's on/off switch. */
export interface MappingInfo {
  readonly uuid: string;
  /** The function's name (last field of its ARN). */
  readonly functionName: string;
  /** Lambda's word: `Enabled`, `Disabled`, `Enabling`, `Disabling`, `Updating`, `Creating`... */
  readonly state: string;
  /** ScalingConfig.MaximumConcurrency, when set. */
  readonly maximumConcurrency: number | undefined;
  readonly batchSize: number | undefined;
}

function toInfo(m: EventSourceMappingConfiguration): MappingInfo {
  const fn = m.FunctionArn ?? "";
  return {
    uuid: m.UUID ?? "",
    functionName: fn.split(":").at(fn.includes(":function:") ? 6 : -1) ?? fn,
    state: m.State ?? "Unknown",
    maximumConcurrency: m.ScalingConfig?.MaximumConcurrency,
    batchSize: m.BatchSize,
  };
}

/**
 * The event source mappings that read a queue (by its ARN), following pagination.
 *
 * @example
 * const mappings = await listMappings(lambda, queue.arn, { signal: AbortSignal.timeout(5_000) });
 */
export async function listMappings(
  lambda: LambdaClient,
  queueArn: string,
  options: { signal?: AbortSignal } = {},
): Promise<MappingInfo[]> {
  const all = await allPages(
    lambda,
    queueArn,
    options.signal,
    `the Lambda event source mappings of ${queueArn}`,
  );
  return all.map(toInfo);
}

/**
 * Every event source mapping of the account and region, by the ARN of what it reads: one call
 * per 100 mappings, where asking queue by queue costs one call per queue (a dashboard of 50
 * queues would wait on 50 calls to Lambda's control plane).
 */
export async function listMappingsBySource(
  lambda: LambdaClient,
  options: { signal?: AbortSignal } = {},
): Promise<Map<string, MappingInfo[]>> {
  const bySource = new Map<string, MappingInfo[]>();
  for (const m of await allPages(lambda, undefined, options.signal, "the Lambda event source mappings")) {
    const source = m.EventSourceArn ?? "";
    bySource.set(source, [...(bySource.get(source) ?? []), toInfo(m)]);
  }
  return bySource;
}

async function allPages(
  lambda: LambdaClient,
  eventSourceArn: string | undefined,
  signal: AbortSignal | undefined,
  what: string,
): Promise<EventSourceMappingConfiguration[]> {
  const all: EventSourceMappingConfiguration[] = [];
  let marker: string | undefined;
  try {
    do {
      const out = await lambda.send(
        new ListEventSourceMappingsCommand({ EventSourceArn: eventSourceArn, Marker: marker, MaxItems: 100 }),
        { abortSignal: signal },
      );
      all.push(...(out.EventSourceMappings ?? []));
      marker = out.NextMarker;
    } while (marker !== undefined && marker !== "");
  } catch (error) {
    throw toOpsError(error, { what: `listing ${what}` });
  }
  return all;
}

/**
 * Enables or disables every event source mapping that reads the queue: pausing stops Lambda from
 * receiving, so jobs wait in the queue (up to its retention period) instead of failing.
 *
 * @returns the mappings with the state Lambda reported after the update (`Disabling` on AWS
 *   until the pollers stop, then `Disabled`)
 * @throws {OperationError} no mapping reads this queue
 */
export async function setMappingsEnabled(
  lambda: LambdaClient,
  queueArn: string,
  enabled: boolean,
): Promise<MappingInfo[]> {
  const mappings = await listMappings(lambda, queueArn);
  if (mappings.length === 0) {
    throw new OperationError(
      `no Lambda event source mapping reads ${queueArn}, so there is no consumer to ${enabled ? "resume" : "pause"}`,
    );
  }
  const updated: MappingInfo[] = [];
  for (const mapping of mappings) {
    try {
      const out = await lambda.send(
        new UpdateEventSourceMappingCommand({ UUID: mapping.uuid, Enabled: enabled }),
      );
      updated.push(toInfo(out));
    } catch (error) {
      throw toOpsError(error, { what: `updating event source mapping ${mapping.uuid}` });
    }
  }
  return updated;
}
