import type { JobFailure } from "../ledger/job-state.ts";

/**
 * What a failure completion of a durable callback carries as JSON in `ErrorData`: the consumer
 * writes it, `waitForJob` reads it back into a typed error. `dead`: the job is dead.
 * `result-too-large`: the job succeeded, but its result is larger than a callback carries.
 */
export type CallbackErrorData =
  | {
      readonly sqsJobs: "dead";
      readonly jobName: string;
      readonly jobId: string;
      readonly attempts: number;
      readonly failure: JobFailure;
    }
  | {
      readonly sqsJobs: "result-too-large";
      readonly jobName: string;
      readonly jobId: string;
      readonly bytes: number;
    };

/**
 * The {@link CallbackErrorData} in a durable SDK error or any error of its cause chain (the SDK
 * keeps `ErrorData` as `errorData`, and may wrap the callback's error in a context's), or
 * undefined when none carries ours.
 */
export function callbackErrorDataOf(error: unknown): CallbackErrorData | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    const { errorData, cause } = current as { errorData?: unknown; cause?: unknown };
    const data = typeof errorData === "string" ? parse(errorData) : undefined;
    if (data !== undefined) return data;
    current = cause;
  }
  return undefined;
}

function parse(text: string): CallbackErrorData | undefined {
  try {
    const value: unknown = JSON.parse(text);
    const kind = (value as { sqsJobs?: unknown } | null)?.sqsJobs;
    return kind === "dead" || kind === "result-too-large" ? (value as CallbackErrorData) : undefined;
  } catch {
    return undefined;
  }
}
