import { existsSync } from "node:fs";
import nodeModule from "node:module";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { StandardSchemaV1 } from "@standard-schema/spec";
import { ConfigError } from "sqs-jobs/internal/core/errors";
import { defineJob, type JobDefinition } from "sqs-jobs/internal/core/job";

function isJobDefinition(value: unknown): value is JobDefinition {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.name === "string" && typeof v.schema === "object" && v.schema !== null && "~standard" in v.schema
  );
}

const TS_PARENT = /\.[cm]?ts$/;
const JS_SPECIFIER = /^\.{1,2}\/.*\.[cm]?js$/;
let jsToTsMapped = false;

/**
 * TypeScript projects import their own `.ts` files as `./other.js` (what tsc and tsx expect, and
 * what the compiled output needs), but Node's type stripping resolves specifiers as written. So
 * a relative `.js`/`.mjs`/`.cjs` import from a TypeScript file that names no existing file is
 * resolved as the `.ts`/`.mts`/`.cts` beside it, as tsc does;
 * an existing `.js` file always wins.
 */
function mapJsImportsToTs(): void {
  // registerHooks arrived in Node 22.15, before Node ran TypeScript unflagged (22.18): where it
  // is missing, a .ts jobs module does not load at all and the import error says so.
  if (jsToTsMapped || typeof nodeModule.registerHooks !== "function") return;
  jsToTsMapped = true;
  nodeModule.registerHooks({
    resolve(specifier, context, nextResolve) {
      const parent = context.parentURL;
      if (JS_SPECIFIER.test(specifier) && parent !== undefined && TS_PARENT.test(parent)) {
        const asWritten = new URL(specifier, parent);
        const asTs = new URL(specifier.replace(/js$/, "ts"), parent);
        if (!existsSync(fileURLToPath(asWritten)) && existsSync(fileURLToPath(asTs))) {
          return nextResolve(asTs.href, context);
        }
      }
      return nextResolve(specifier, context);
    },
  });
}

/**
 * Imports the user's jobs module (TypeScript runs directly on Node >= 22.18 / 24) and finds the
 * exported job definition called `jobName`, whatever its export name.
 *
 * @throws {ConfigError} the module cannot be imported, or exports no job of that name
 */
export async function loadJob(modulePath: string, jobName: string): Promise<JobDefinition> {
  let exports: Record<string, unknown>;
  mapJsImportsToTs();
  try {
    exports = (await import(pathToFileURL(resolve(modulePath)).href)) as Record<string, unknown>;
  } catch (cause) {
    throw new ConfigError(
      `cannot import the jobs module ${modulePath}: ${cause instanceof Error ? cause.message.split("\n")[0] : String(cause)}`,
      { cause },
    );
  }
  const jobs = Object.values(exports).filter(isJobDefinition);
  const job = jobs.find((j) => j.name === jobName);
  if (job === undefined) {
    const known = jobs.map((j) => `"${j.name}"`).join(", ");
    throw new ConfigError(
      `${modulePath} exports no job named "${jobName}"${known === "" ? " (it exports no defineJob() result at all)" : `; it exports ${known}`}`,
    );
  }
  return job;
}

/** A schema that accepts anything: `send` without `--jobs` still builds a proper envelope. */
const ANY: StandardSchemaV1<unknown, unknown> = {
  "~standard": { version: 1, vendor: "sqs-jobs-cli", validate: (value) => ({ value }) },
};

/** A job definition for a name alone, so unchecked sends share JobClient's envelope and checks. */
export function untypedJob(jobName: string): JobDefinition {
  return defineJob({ name: jobName, schema: ANY });
}
