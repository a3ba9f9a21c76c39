import { Checks, members } from "./api-validation.ts";
import type { EventSourceState } from "./event-source.ts";

/** The settings an UpdateEventSourceMapping call changes, each checked. */
export type MappingChanges = Partial<
  Pick<
    EventSourceState,
    "enabled" | "batchSize" | "batchingWindowSeconds" | "maximumConcurrency" | "reportBatchItemFailures"
  >
>;

/** Why Lambda refuses an update: a model rule (ValidationException) or a rule of SQS sources. */
export interface MappingRefusal {
  readonly type: "ValidationException" | "InvalidParameterValueException";
  readonly message: string;
}

/**
 * The changes an UpdateEventSourceMapping body asks of a mapping with `current` settings, checked
 * as Lambda checks them: its model's ranges first (BatchSize 1-10,000, a batching window of
 * 0-300 s, maximum concurrency 2-1,000), every problem at once; then SQS's rule that a batch
 * over 10 needs a batching window. A refused update changes nothing.
 */
export function mappingChanges(body: unknown, current: EventSourceState): MappingChanges | MappingRefusal {
  const input = members(body);
  const scaling = members(input.ScalingConfig);
  const checks = new Checks();
  const changes: {
    -readonly [K in keyof MappingChanges]: MappingChanges[K];
  } = {};
  if (checks.boolean(input.Enabled, "enabled")) changes.enabled = input.Enabled;
  if (checks.number(input.BatchSize, "batchSize", { min: 1, max: 10_000 }))
    changes.batchSize = input.BatchSize;
  if (
    checks.number(input.MaximumBatchingWindowInSeconds, "maximumBatchingWindowInSeconds", {
      min: 0,
      max: 300,
    })
  ) {
    changes.batchingWindowSeconds = input.MaximumBatchingWindowInSeconds;
  }
  if (checks.number(scaling.MaximumConcurrency, "scalingConfig.maximumConcurrency", { min: 2, max: 1_000 })) {
    changes.maximumConcurrency = scaling.MaximumConcurrency;
  }
  const types = input.FunctionResponseTypes;
  if (types !== undefined && types !== null) {
    const all = Array.isArray(types) ? types : [types];
    if (all.every((t) => checks.oneOf(t, "functionResponseTypes", ["ReportBatchItemFailures"]))) {
      changes.reportBatchItemFailures = all.includes("ReportBatchItemFailures");
    }
  }
  const problem = checks.message();
  if (problem !== undefined) return { type: "ValidationException", message: problem };
  const batchSize = changes.batchSize ?? current.batchSize;
  const window = changes.batchingWindowSeconds ?? current.batchingWindowSeconds;
  if (batchSize > 10 && window === 0) {
    return {
      type: "InvalidParameterValueException",
      message:
        "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10",
    };
  }
  return changes;
}
