import { SqsJobsError } from "./errors.ts";

/**
 * Loads a package the runtime lists as an optional peer dependency (the S3 and SNS clients,
 * `@opentelemetry/api`) the first time a feature needs it, so an app that never uses the feature
 * installs and loads nothing for it. `load` is the literal `import("name")`: bundlers (esbuild in
 * CDK) resolve only literal specifiers.
 *
 * A missing package is an `ERR_MISSING_PEER` error that names the package, the feature and the
 * install command; any other failure to load is thrown as it is.
 */
export async function loadOptionalPeer<T>(name: string, feature: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (!isModuleNotFound(error, name)) throw error;
    throw new SqsJobsError(
      "ERR_MISSING_PEER",
      `${feature} needs the package ${name}, which is not installed: run \`npm i ${name}\``,
      { cause: error },
    );
  }
}

function isModuleNotFound(error: unknown, name: string): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") &&
    typeof message === "string" &&
    message.includes(name)
  );
}
