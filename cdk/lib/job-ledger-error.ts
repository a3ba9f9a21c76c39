import { ConfigError } from "../../src/core/errors.ts";

/**
 * A JobLedger's props are invalid. Thrown when the construct is created (at synth time), listing
 * every problem at once.
 */
export class JobLedgerConfigError extends ConfigError {
  // Set explicitly: minifiers rename classes, and logs show this name.
  override readonly name: string = "JobLedgerConfigError";
  readonly problems: readonly string[];

  constructor(path: string, problems: readonly string[]) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    super(`JobLedger ${path} has ${count}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.problems = problems;
  }
}
