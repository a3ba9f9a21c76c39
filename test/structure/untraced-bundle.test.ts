import { build } from "esbuild";
import { describe, expect, it } from "vitest";

describe("an app that does not install @opentelemetry/api", () => {
  it.each(["handlers/build-report.ts", "handlers/api.ts"])(
    "still bundles %s with esbuild (as NodejsFunction does), the optional import left for run time",
    async (entry) => {
      // Given a project where the package cannot be resolved (aliased to one that does not exist)
      const missing = "@not-installed/opentelemetry-api";
      // When a consumer and a producer are bundled
      const out = await build({
        entryPoints: [entry],
        bundle: true,
        write: false,
        format: "esm",
        platform: "node",
        mainFields: ["module", "main"],
        conditions: ["sqs-jobs-source"],
        external: ["@aws-sdk/*"],
        alias: { "@opentelemetry/api": missing },
        logLevel: "silent",
      });
      // Then the bundle builds, and imports the package only if tracing ever asks for it
      expect(out.errors).toEqual([]);
      expect(out.outputFiles[0]?.text.match(/import\("[^"]*opentelemetry[^"]*"\)/g)).toEqual([
        'import("@opentelemetry/api")',
      ]);
    },
  );
});
