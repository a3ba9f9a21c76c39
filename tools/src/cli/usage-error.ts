import { InvalidOptionError } from "sqs-jobs/internal/core/errors";

/** The command line itself is wrong: exit code 2 and a pointer to `--help`. */
export class UsageError extends InvalidOptionError {
  override readonly name: string = "UsageError";
}
