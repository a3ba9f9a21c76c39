import type { Command } from "../command.ts";

export const devCommand: Command = {
  name: "dev",
  summary: "run the CDK app's queues and functions locally (no AWS, no Docker)",
  help: "Usage: sqs-jobs dev [--app CMD|DIR] [--port 4566] [--persist DIR]",
  options: { app: { type: "string" }, port: { type: "string" }, persist: { type: "string" } },
  args: { min: 0, max: 0 },
  async run(ctx) {
    ctx.note("error: sqs-jobs dev is not available in this build yet");
    return 1;
  },
};
