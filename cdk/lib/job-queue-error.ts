import { ConfigError } from "../../src/core/errors.ts";

/**
 * A JobQueue's props are invalid. Thrown when the construct is created (at synth time), listing
 * every problem at once so one run shows all the fixes.
 */
export class JobQueueConfigError extends ConfigError {
  // Set explicitly: minifiers (esbuild in Lambda bundles) rename classes, and DLQ reasons show this name.
  override readonly name: string = "JobQueueConfigError";
  readonly problems: readonly string[];

  constructor(path: string, problems: readonly string[]) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    super(`JobQueue ${path} has ${count}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.problems = problems;
  }
}
