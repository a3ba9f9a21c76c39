import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // The two packages' names resolve to their sources here, as `--conditions=sqs-jobs-source`
    // makes them for Node and `customConditions` for tsc (see package.json "exports").
    alias: [
      { find: /^sqs-jobs\/internal\/(.*)$/, replacement: here("./src/$1.ts") },
      { find: /^sqs-jobs\/cdk$/, replacement: here("./cdk/lib/index.ts") },
      { find: /^sqs-jobs$/, replacement: here("./src/index.ts") },
      { find: /^sqs-jobs-tools\/testing$/, replacement: here("./tools/src/testing/index.ts") },
      { find: /^sqs-jobs-tools\/cli$/, replacement: here("./tools/src/cli/run.ts") },
    ],
  },
  test: {
    // Node processes a test starts (the CLI, fixtures) resolve the packages' names to the sources too.
    env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --conditions=sqs-jobs-source`.trim() },
    include: ["test/**/*.test.ts", "src/**/*.test.ts", "tools/src/**/*.test.ts", "cdk/**/*.test.ts"],
    globalSetup: ["test/helpers/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    typecheck: { enabled: true, include: ["test/**/*.test-d.ts"], tsconfig: "tsconfig.json" },
  },
});
