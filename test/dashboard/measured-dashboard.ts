import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { vi } from "vitest";
import {
  type RunningDashboard,
  type StartDashboardOptions,
  startDashboard,
} from "../../tools/src/dashboard/server.ts";

/**
 * Counts every request a client sends, by command name (`QueryCommand`, `ReceiveMessageCommand`):
 * what a test reads to state the requests an operation costs, measured rather than assumed.
 */
export function countRequests(client: SQSClient | DynamoDBClient): Map<string, number> {
  const counts = new Map<string, number>();
  (client as SQSClient).middlewareStack.add(
    (next, context) => (args) => {
      const name = context.commandName ?? "unnamed";
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: "initialize" },
  );
  return counts;
}

/**
 * A dashboard whose polls a test plays on a clock: only `Date` is faked (move it with
 * `vi.setSystemTime`), so timers, sockets and the emulator run for real. `close` gives the real
 * clock back.
 */
export async function dashboardOnPlayedClock(
  options: Omit<StartDashboardOptions, "target" | "version" | "port">,
): Promise<RunningDashboard> {
  const dash = await startDashboard({
    ...options,
    target: { endpoint: null, region: "us-east-1" },
    version: "0",
    port: 0,
  });
  vi.useFakeTimers({ toFake: ["Date"] });
  return {
    ...dash,
    close() {
      vi.useRealTimers();
      return dash.close();
    },
  };
}
