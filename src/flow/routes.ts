import { ConfigError } from "../core/errors.ts";
import { routeOf } from "../producer/client-route.ts";
import type { SendRoute } from "../producer/send-pipeline.ts";
import type { JobRoute, RouteFor } from "./flow-spec.ts";

/**
 * @throws {ConfigError} a job is listed by two routes
 */
export function routeFor(routes: readonly JobRoute[], fallback: () => Promise<SendRoute>): RouteFor {
  const byName = new Map<string, SendRoute>();
  for (const { jobs, client } of routes) {
    for (const job of jobs) {
      if (byName.has(job.name)) {
        throw new ConfigError(`job "${job.name}" is listed in two routes; list each job once`);
      }
      byName.set(job.name, routeOf(client));
    }
  }
  return async (job) => byName.get(job.name) ?? fallback();
}
