import { parseArgs } from "node:util";
import { toOpsError } from "../core/aws-errors.ts";
import { SqsJobsError } from "../core/errors.ts";
import type { Command, OptionValues } from "./command.ts";
import { UsageError } from "./command.ts";
import { devCommand } from "./commands/dev.ts";
import { dlqExportCommand } from "./commands/dlq-export.ts";
import { dlqPeekCommand } from "./commands/dlq-peek.ts";
import { dlqPurgeCommand } from "./commands/dlq-purge.ts";
import { dlqRedriveCommand } from "./commands/dlq-redrive.ts";
import { pauseCommand, resumeCommand } from "./commands/pause-resume.ts";
import { sendCommand } from "./commands/send.ts";
import { statusCommand } from "./commands/status.ts";
import { CliContext, GLOBAL_HELP, GLOBAL_OPTIONS } from "./context.ts";

const COMMANDS: readonly Command[] = [
  devCommand,
  statusCommand,
  sendCommand,
  dlqPeekCommand,
  dlqRedriveCommand,
  dlqPurgeCommand,
  dlqExportCommand,
  pauseCommand,
  resumeCommand,
];

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `sqs-jobs: typed background jobs on SQS + Lambda

Usage: sqs-jobs <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}

Queues are given by name, URL or ARN. Every command works against AWS, LocalStack and
\`sqs-jobs dev\` alike: point it with --endpoint or AWS_ENDPOINT_URL.
Run \`sqs-jobs <command> --help\` for a command's options and examples.

${GLOBAL_HELP}`;
}

function findCommand(argv: readonly string[]): { command: Command; rest: string[] } | undefined {
  const [first, second] = argv;
  for (const command of COMMANDS) {
    const words = command.name.split(" ");
    if (words.length === 1 && first === words[0]) return { command, rest: argv.slice(1) };
    if (words.length === 2 && first === words[0] && second === words[1])
      return { command, rest: argv.slice(2) };
  }
  return undefined;
}

/** Runs the CLI on `argv` (without node and script) and resolves to the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  const debug = argv.includes("--debug");
  const found = findCommand(argv);
  if (found === undefined) {
    const [first] = argv;
    if (first === undefined || first === "--help" || first === "-h" || first === "help") {
      process.stdout.write(`${mainHelp()}\n`);
      return first === undefined ? 2 : 0;
    }
    const group = COMMANDS.filter((c) => c.name.startsWith(`${first} `));
    if (group.length > 0 && (argv[1] === undefined || argv[1] === "--help" || argv[1] === "-h")) {
      process.stdout.write(
        `Usage: sqs-jobs ${first} <${group.map((c) => c.name.split(" ")[1]).join("|")}> ...\n\n`,
      );
      process.stdout.write(`${group.map((c) => `  ${c.name}  ${c.summary}`).join("\n")}\n`);
      return argv[1] === undefined ? 2 : 0;
    }
    process.stderr.write(
      `error: unknown command "${argv.slice(0, group.length > 0 ? 2 : 1).join(" ")}"; run \`sqs-jobs --help\` for the list\n`,
    );
    return 2;
  }
  const { command, rest } = found;
  let ctx: CliContext | undefined;
  try {
    const parsed = parseCommandLine(command, rest);
    if (parsed.values.help === true) {
      process.stdout.write(`${command.help}\n\n${GLOBAL_HELP}\n`);
      return 0;
    }
    ctx = new CliContext(parsed.values);
    return await command.run(ctx, parsed.positionals, parsed.values);
  } catch (error) {
    return report(error, command, debug, ctx);
  } finally {
    ctx?.destroy();
  }
}

function parseCommandLine(command: Command, rest: string[]) {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...GLOBAL_OPTIONS, ...command.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // node:util explains unknown options and missing values well; keep its words.
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { positionals } = parsed;
  // No option is declared with `multiple`, so no value is an array.
  const values = parsed.values as OptionValues;
  if (
    values.help !== true &&
    (positionals.length < command.args.min || positionals.length > command.args.max)
  ) {
    throw new UsageError(
      positionals.length < command.args.min
        ? `missing argument: ${command.help.split("\n")[0]}`
        : `unexpected argument "${positionals[command.args.max]}"`,
    );
  }
  return { positionals, values };
}

function report(error: unknown, command: Command, debug: boolean, ctx: CliContext | undefined): number {
  ctx?.clearProgress();
  const typed =
    error instanceof SqsJobsError ? error : toOpsError(error, { what: `sqs-jobs ${command.name}` });
  const usage = typed instanceof UsageError;
  process.stderr.write(`error: ${typed.message}\n`);
  if (usage) process.stderr.write(`run \`sqs-jobs ${command.name} --help\` for usage and examples\n`);
  if (debug) {
    let current: unknown = error;
    for (let depth = 0; depth < 5 && current !== undefined; depth++) {
      process.stderr.write(
        `${depth === 0 ? "" : "caused by: "}${current instanceof Error ? (current.stack ?? current.message) : String(current)}\n`,
      );
      current = current instanceof Error ? current.cause : undefined;
    }
  } else if (!usage) {
    process.stderr.write(`(${typed.code}; rerun with --debug for details)\n`);
  }
  return usage ? 2 : 1;
}
