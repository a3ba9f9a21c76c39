import { type BundlingOptions, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";

/** Lets an ESM bundle load the CommonJS dependencies some packages still `require`. */
const ESM_REQUIRE_SHIM =
  "import { createRequire as __sqsJobsCreateRequire } from 'node:module'; const require = __sqsJobsCreateRequire(import.meta.url);";

/**
 * The esbuild settings sqs-jobs functions are built with: minified ESM with source maps, the AWS SDK
 * left to the runtime, bundled locally (esbuild from node_modules, no Docker). Use it for producer
 * functions too; `overrides` are merged over it.
 *
 * @example
 * new NodejsFunction(this, "Api", { entry: "handlers/api.ts", bundling: sqsJobsBundling() });
 */
export function sqsJobsBundling(overrides: BundlingOptions = {}): BundlingOptions {
  return {
    minify: true,
    // Error class names show in logs and dead-letter reasons: a minified "D" tells nobody anything.
    keepNames: true,
    sourceMap: true,
    format: OutputFormat.ESM,
    mainFields: ["module", "main"],
    banner: ESM_REQUIRE_SHIM,
    // The Node.js runtimes ship AWS SDK v3: leaving it out keeps bundles small and cold starts short.
    externalModules: ["@aws-sdk/*"],
    forceDockerBundling: false,
    ...overrides,
  };
}

/** The variables a function built with {@link sqsJobsBundling} needs: source-mapped stack traces. */
export function sqsJobsBundlingEnvironment(bundling: BundlingOptions | undefined): Record<string, string> {
  return bundling?.sourceMap === false ? {} : { NODE_OPTIONS: "--enable-source-maps" };
}
