import { setMappingsEnabled } from "sqs-jobs/internal/ops/event-source";
import { resolveQueue } from "sqs-jobs/internal/ops/queue-ref";
import type { Command } from "../command.ts";

function mappingCommand(enabled: boolean): Command {
  const verb = enabled ? "resume" : "pause";
  return {
    name: verb,
    summary: enabled
      ? "re-enable the Lambda consumer(s) of a queue"
      : "stop the Lambda consumer(s) of a queue; jobs wait in the queue",
    help: `Usage: sqs-jobs ${verb} <queue>

${
  enabled
    ? `Enables every Lambda event source mapping that reads <queue>, so its consumers
poll again.`
    : `Disables every Lambda event source mapping that reads <queue>: Lambda stops
receiving, and jobs wait in the queue (for its retention period) instead of
failing while a downstream system is down. Nothing is lost; \`sqs-jobs resume\`
picks up where it stopped.\n`
}
On AWS the state goes through "${enabled ? "Enabling" : "Disabling"}" for a few seconds.

Examples:
  sqs-jobs ${verb} reports
  sqs-jobs ${verb} https://sqs.eu-west-1.amazonaws.com/123456789012/reports`,
    options: {},
    args: { min: 1, max: 1 },
    async run(ctx, [queue = ""]) {
      const ref = await resolveQueue(ctx.sqs, queue);
      const mappings = await setMappingsEnabled(ctx.lambda, ref.arn, enabled);
      if (ctx.json) {
        ctx.out(JSON.stringify({ queue: ref.url, mappings }, null, 2));
        return 0;
      }
      for (const m of mappings) ctx.out(`${ref.name} -> ${m.functionName}: ${m.state} (mapping ${m.uuid})`);
      return 0;
    },
  };
}

export const pauseCommand = mappingCommand(false);
export const resumeCommand = mappingCommand(true);
