import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { type BundlingOptions, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { ConfigError } from "../../src/core/errors.ts";

/** Lets an ESM bundle load the CommonJS dependencies some packages still `require`. */
const ESM_REQUIRE_SHIM =
  "import { createRequire as __sqsJobsCreateRequire } from 'node:module'; const require = __sqsJobsCreateRequire(import.meta.url);";

/**
 * The esbuild settings sqs-jobs functions are built with: minified ESM with source maps, the AWS SDK
 * left to the runtime, bundled locally (esbuild from node_modules, no Docker). Use it for producer
 * functions too; `overrides` are merged over it. Throws a `ConfigError` naming `npm i -D esbuild` when
 * aws-cdk-lib cannot find esbuild, unless the overrides ask for Docker.
 *
 * @example
 * new NodejsFunction(this, "Api", { entry: "handlers/api.ts", bundling: sqsJobsBundling() });
 */
export function sqsJobsBundling(overrides: BundlingOptions = {}): BundlingOptions {
  if (!bundlesInDocker(overrides) && !esbuildFound()) {
    throw new ConfigError(
      "sqsJobsBundling bundles locally with esbuild, which aws-cdk-lib cannot find (CDK would fall back to docker build): run `npm i -D esbuild` in your CDK app, or pass forceDockerBundling: true to bundle in Docker on purpose",
    );
  }
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

let esbuildCache: boolean | undefined;

/**
 * Whether aws-cdk-lib will find esbuild to bundle locally, looked up as it does: `esbuild/package.json`
 * resolvable from aws-cdk-lib, else an `esbuild` command on the PATH. Without it CDK silently builds a
 * Docker image to bundle in, which fails on machines without Docker ("Cannot connect to the Docker
 * daemon"), so JobQueue checks first and names the fix.
 */
export function esbuildFound(): boolean {
  esbuildCache ??= esbuildResolvableFromCdk() || spawnSync("esbuild", ["--version"]).status === 0;
  return esbuildCache;
}

function esbuildResolvableFromCdk(): boolean {
  try {
    const cdkLib = createRequire(import.meta.url).resolve("aws-cdk-lib/package.json");
    createRequire(cdkLib).resolve("esbuild/package.json");
    return true;
  } catch {
    return false;
  }
}

/** Whether these options leave bundling to a Docker image on purpose. */
export function bundlesInDocker(bundling: BundlingOptions | undefined): boolean {
  return bundling?.forceDockerBundling === true || bundling?.dockerImage !== undefined;
}
