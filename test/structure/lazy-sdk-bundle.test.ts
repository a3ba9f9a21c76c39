import { build } from "esbuild";
import { describe, expect, it } from "vitest";

/**
 * The AWS SDK clients sqs-jobs uses, each loaded on first use. A bundler hoists every static import
 * of an external module to the top of its single file, including those of modules sqs-jobs itself
 * imports lazily, so one static import anywhere the runtime reaches loads that client (about 50 ms
 * for SQS) at every cold start.
 */
describe("a Lambda bundle of sqs-jobs", () => {
  it.each([
    ["a consumer", "bench/consumer/fixtures/sqs-jobs-alone.ts"],
    ["a producer (the example's API)", "handlers/api.ts"],
  ])("of %s imports no AWS SDK client at load, only on first use", async (_, entry) => {
    // Given an entry bundled as NodejsFunction does (cdk/lib/bundling.ts: ESM, the SDK external)
    const out = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      outfile: "out.mjs",
      format: "esm",
      platform: "node",
      mainFields: ["module", "main"],
      conditions: ["sqs-jobs-source"],
      external: ["@aws-sdk/*", "@opentelemetry/api"],
      metafile: true,
      logLevel: "silent",
    });
    // When its imports of the SDK are read, at load and on first use
    const imports = Object.values(out.metafile.outputs).flatMap((o) => o.imports);
    const sdk = (kind: string) =>
      [
        ...new Set(
          imports.filter((i) => i.path.startsWith("@aws-sdk/") && i.kind === kind).map((i) => i.path),
        ),
      ].sort();
    // Then none is at the top of the file, and the SQS client is there for when it is needed
    expect(sdk("import-statement")).toEqual([]);
    expect(sdk("dynamic-import")).toContain("@aws-sdk/client-sqs");
  });
});
