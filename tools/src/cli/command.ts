import type { ParseArgsOptionsConfig } from "node:util";
import type { CliContext } from "./context.ts";
import { UsageError } from "./usage-error.ts";

export type OptionValues = Readonly<Record<string, string | boolean | undefined>>;

/** One `sqs-jobs` command: its help, its options (beside the global ones) and what it does. */
export interface Command {
  /** As typed: "status", "dlq peek". */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The full `--help` text: usage, options, examples (global options are appended). */
  readonly help: string;
  readonly options: ParseArgsOptionsConfig;
  /** Positional arguments allowed. */
  readonly args: { readonly min: number; readonly max: number };
  /** Resolves to the exit code. */
  run(ctx: CliContext, positionals: readonly string[], values: OptionValues): Promise<number>;
}

export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
}

/** A whole-number option within bounds, or a {@link UsageError} that says which bounds. */
export function intOption(
  values: OptionValues,
  name: string,
  bounds: { min: number; max: number },
): number | undefined {
  const raw = stringOption(values, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < bounds.min || n > bounds.max) {
    throw new UsageError(
      `--${name} must be a whole number from ${bounds.min} to ${bounds.max}, but "${raw}" was given`,
    );
  }
  return n;
}
