// The reader moved to core, where `init` (runtime) finds the version it writes into new projects.
export { packageVersion } from "sqs-jobs/internal/core/package-version";
