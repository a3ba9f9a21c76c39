import { parseArgs } from "node:util";
import { toOpsError } from "sqs-jobs/internal/core/aws-errors";
import { SqsJobsError } from "sqs-jobs/internal/core/errors";
import { packageVersion } from "sqs-jobs/internal/core/package-version";
import type { Command, OptionValues } from "./command.ts";
import { dashboardCommand } from "./commands/dashboard.ts";
import { devCommand } from "./commands/dev.ts";
import { dlqExportCommand } from "./commands/dlq-export.ts";
import { dlqPeekCommand } from "./commands/dlq-peek.ts";
import { dlqPurgeCommand } from "./commands/dlq-purge.ts";
import { dlqRedriveCommand } from "./commands/dlq-redrive.ts";
import { initCommand } from "./commands/init.ts";
import { jobsGetCommand } from "./commands/jobs-get.ts";
import { jobsListCommand } from "./commands/jobs-list.ts";
import { pauseCommand, resumeCommand } from "./commands/pause-resume.ts";
import { schedulesCommand } from "./commands/schedules-list.ts";
import { schedulesRunCommand } from "./commands/schedules-run.ts";
import { sendCommand } from "./commands/send.ts";
import { statusCommand } from "./commands/status.ts";
import { CliContext, GLOBAL_HELP, GLOBAL_OPTIONS } from "./context.ts";
import { UsageError } from "./usage-error.ts";

const COMMANDS: readonly Command[] = [
  initCommand,
  devCommand,
  dashboardCommand,
  statusCommand,
  sendCommand,
  jobsGetCommand,
  jobsListCommand,
  dlqPeekCommand,
  dlqRedriveCommand,
  dlqPurgeCommand,
  dlqExportCommand,
  pauseCommand,
  resumeCommand,
  schedulesCommand,
  schedulesRunCommand,
];

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `sqs-jobs: typed background jobs on SQS + Lambda

Usage: sqs-jobs <command> [options]

Commands:
${COMMANDS.map((c) => listLine(c, width)).join("\n")}

Queues are given by name, URL or ARN. Every command works against AWS,
LocalStack and \`sqs-jobs dev\` alike: point it with --endpoint or
AWS_ENDPOINT_URL.
Run \`sqs-jobs <command> --help\` for a command's options and examples, and
\`sqs-jobs --version\` for the version.

${GLOBAL_HELP}`;
}

/** A command's line in a list, its summary aligned at `width` and wrapped to 80 columns. */
function listLine(command: Command, width: number): string {
  const lines: string[] = [];
  let current = `  ${command.name.padEnd(width)} `;
  for (const word of command.summary.split(" ")) {
    if (current.length + 1 + word.length > 80) {
      lines.push(current);
      current = " ".repeat(width + 3);
    }
    current += ` ${word}`;
  }
  return [...lines, current].join("\n");
}

function findCommand(argv: readonly string[]): { command: Command; rest: string[] } | undefined {
  const [first, second] = argv;
  // Two words first: `schedules run` is a command of its own, not `schedules` given "run".
  const two = COMMANDS.find((c) => c.name === `${first} ${second}`);
  if (two !== undefined) return { command: two, rest: argv.slice(2) };
  const one = COMMANDS.find((c) => c.name === first);
  return one === undefined ? undefined : { command: one, rest: argv.slice(1) };
}

/** Runs the CLI on `argv` (without node and script) and resolves to the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  const debug = argv.includes("--debug");
  const found = findCommand(argv);
  if (found === undefined) {
    const [first] = argv;
    if (first === "--version") {
      process.stdout.write(`${await packageVersion()}\n`);
      return 0;
    }
    if (first === undefined || first === "--help" || first === "-h" || first === "help") {
      process.stdout.write(`${mainHelp()}\n`);
      return first === undefined ? 2 : 0;
    }
    const group = COMMANDS.filter((c) => c.name.startsWith(`${first} `));
    if (group.length > 0 && (argv[1] === undefined || argv[1] === "--help" || argv[1] === "-h")) {
      process.stdout.write(
        `Usage: sqs-jobs ${first} <${group.map((c) => c.name.split(" ")[1]).join("|")}> ...\n\n`,
      );
      const width = Math.max(...group.map((c) => c.name.length));
      process.stdout.write(`${group.map((c) => listLine(c, width)).join("\n")}\n`);
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
    ctx = await CliContext.create(parsed.values);
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
    throw new UsageError(describeParseError(error, command));
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

/**
 * node:util's parser errors, in the CLI's words: its own text suggests a `--` workaround with
 * an unbalanced quote, which reads as a bug to someone who mistyped an option.
 */
function describeParseError(error: unknown, command: Command): string {
  const code = typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  const option = /'(-[^' ]+)/.exec(message)?.[1] ?? "";
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION")
    return `unknown option ${option} for sqs-jobs ${command.name}`;
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    return message.includes("does not take an argument")
      ? `${option} takes no value`
      : `${option} needs a value`;
  }
  return message;
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
