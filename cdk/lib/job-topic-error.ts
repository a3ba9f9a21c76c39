import { ConfigError } from "../../src/core/errors.ts";

/**
 * A JobTopic's props or a subscription are invalid. Thrown at synth time, listing every problem
 * at once so one run shows all the fixes.
 */
export class JobTopicConfigError extends ConfigError {
  // Set explicitly: minifiers rename classes, and logs show this name.
  override readonly name: string = "JobTopicConfigError";
  readonly problems: readonly string[];

  constructor(path: string, problems: readonly string[]) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    super(`JobTopic ${path} has ${count}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.problems = problems;
  }
}
