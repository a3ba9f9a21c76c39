import { z } from "zod";
import { defineJob } from "../../src/index.ts";

/**
 * The pipeline's job: tight retry settings so a whole run takes seconds. The timeout matters with
 * the ledger: a killed run's job waits out its lease, the timeout + 30 s.
 */
export function definePipelineJob(timeoutSeconds = 5) {
  return defineJob({
    name: "pipeline",
    schema: z.object({ i: z.number().int().nonnegative() }),
    retry: { maxAttempts: 3, backoff: { type: "fixed", seconds: 1 } },
    timeoutSeconds,
  });
}

export const pipelineJob = definePipelineJob();

export type Behaviour = "succeed" | "fail-once" | "fail-always" | "permanent";

/** How job `i` behaves, from a hash of `i`: the same answer in every process. */
export function behaviour(i: number): Behaviour {
  let h = 2166136261;
  for (const c of `p${i}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  const bucket = h % 100;
  if (bucket < 4) return "fail-always";
  if (bucket < 6) return "permanent";
  if (bucket < 26) return "fail-once";
  return "succeed";
}

/** Whether job `i` should end in the DLQ, and with which reason. */
export function expectedDeadLetter(i: number): "exhausted" | "permanent" | undefined {
  const kind = behaviour(i);
  return kind === "fail-always" ? "exhausted" : kind === "permanent" ? "permanent" : undefined;
}
