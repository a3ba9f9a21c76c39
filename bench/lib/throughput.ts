import { median, round, type Spread, spread } from "./stats.ts";

/** One method's figures from one repetition of a throughput benchmark. */
export interface ThroughputSample {
  readonly msgsPerSec: number;
  /** SQS calls by command name, e.g. `SendMessageBatchCommand`. */
  readonly calls: Record<string, number>;
  readonly clientCpuMs: number;
  readonly emulatorCpuMs: number;
}

/** Median SQS calls per message over the samples: all calls, or those of one command. */
export function callsPerMessage(
  samples: readonly ThroughputSample[],
  messages: number,
  command?: string,
): number {
  return round(
    median(
      samples.map(
        (s) =>
          (command === undefined
            ? Object.values(s.calls).reduce((a, b) => a + b, 0)
            : (s.calls[command] ?? 0)) / messages,
      ),
    ),
    4,
  );
}

/** The figures every throughput method reports: msg/s, calls per message, CPU per 1,000 messages. */
export function throughputSummary(samples: readonly ThroughputSample[], messages: number) {
  const per1k = (ms: number) => (ms * 1000) / messages;
  return {
    msgsPerSec: spread(
      samples.map((s) => s.msgsPerSec),
      0,
    ),
    callsPerMessage: callsPerMessage(samples, messages),
    clientCpuMsPer1k: spread(
      samples.map((s) => per1k(s.clientCpuMs)),
      1,
    ),
    emulatorCpuMsPer1k: spread(
      samples.map((s) => per1k(s.emulatorCpuMs)),
      1,
    ),
  };
}

/**
 * Throughput of method `a` over method `b`, taken within each repetition (they ran back to back
 * under the same machine load), then summarised: steadier on a shared machine than a ratio of
 * medians. `undefined` when either method did not run.
 */
export function ratioWithin(
  samples: ReadonlyMap<string, readonly ThroughputSample[]>,
  a: string,
  b: string,
): Spread | undefined {
  const xs = samples.get(a) ?? [];
  const ys = samples.get(b) ?? [];
  if (xs.length === 0 || ys.length === 0) return undefined;
  return spread(
    xs.map((x, i) => x.msgsPerSec / (ys[i]?.msgsPerSec ?? Number.NaN)),
    2,
  );
}
