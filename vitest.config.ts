import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Three tiers, as vitest projects (`vitest run --project <name>`):
 * - unit: no emulator, no child process; the modules alone (in-process fakes at most).
 * - integration: against the local stack (the global set-up's endpoint, or a stack a file starts).
 * - slow: whole-product runs: the packed-tarball install, the example app end to end, the 800-2,000-job
 *   fault runs, the long property runs, the browser, the README's code compiled and run, and the
 *   CLI and `sqs-jobs dev` run as processes (a third of the quick tier's time once wave 3 grew it
 *   past 4 minutes), and the few files that mostly wait out visibility timeouts.
 * `npm test` runs all of them (what CI runs); `npm run test:quick` runs unit, integration and clock
 * (the files that move the emulator's clock, on an emulator of their own: OWN_CLOCK below).
 * Each list names test files as globs under test/ and tools/ (the tools workspace's tests).
 */
const ROOTS = ["test", "src", "cdk", "tools"];
const every = (glob: string): string[] => ROOTS.map((root) => `${root}/${glob}`);

const SLOW = [
  "test/package/**/*.test.ts",
  "test/e2e/**/*.test.ts",
  "test/docs/**/*.test.ts",
  "test/property/**/*.test.ts",
  "test/dashboard/browser.test.ts",
  "test/dashboard/browser-ledger.test.ts",
  "test/dashboard/browser-flow.test.ts",
  "test/reliability/consumer-faults.test.ts",
  "test/reliability/ledger-faults.test.ts",
  "test/reliability/producer-faults.test.ts",
  "test/reliability/producer-faults-fifo.test.ts",
  "test/reliability/refused-sends.test.ts",
  "test/reliability/lambda-faults.test.ts",
  "test/reliability/lambda-unhandled-rejection.test.ts",
  "test/ledger/timed-out-runs.test.ts",
  "test/flows/big-flow.test.ts",
  "test/init/init-project.test.ts",
  "test/pacing/rate-limit.test.ts",
  // The CLI and the dev stack as a user runs them: each test starts processes.
  "test/cli/!(table|node-version).test.ts",
  "test/local/dev-stack.test.ts",
  "test/local/plain-app.test.ts",
  "test/example/example-app.test.ts",
  // Over 15 s each, mostly waiting out visibility timeouts and retries.
  "test/ledger/tracked-jobs.test.ts",
  "test/flows/recovery.test.ts",
  "test/payloads/s3-unreachable.test.ts",
];

const UNIT = [
  "test/cdk/!(example-api).test.ts",
  "test/cli/table.test.ts",
  "test/cli/node-version.test.ts",
  "test/consumer/dead-letter-queues.test.ts",
  "test/consumer/metrics.test.ts",
  "test/consumer/progress-value.test.ts",
  "test/local/fair-order.test.ts",
  "test/producer/tenant.test.ts",
  "test/core/!(payload-privacy|validate).test.ts",
  "test/dashboard/cloudwatch-rates.test.ts",
  "test/dashboard/page-size.test.ts",
  "test/dashboard/job-states.test.ts",
  "test/example/audit-pages.test.ts",
  "test/local/ledger-environment.test.ts",
  "test/local/request-meter.test.ts",
  "test/ops/!(peek-receive-count).test.ts",
  "test/pacing/options.test.ts",
  "test/schedule/expression.test.ts",
  "test/schedule/fire-times.test.ts",
  "test/types/**/*.test.ts",
  "test/structure/**/*.test.ts",
];

/**
 * Files that move the emulator's clock (`POST /_sqs-jobs/clock/advance`): since the clock is one
 * clock, it moves SQS visibility deadlines and delays too, so a file that moves it hours ahead
 * makes every in-flight message of the emulator visible at once. They get an emulator of their own
 * (a project's global set-up starts one per project).
 */
const OWN_CLOCK = ["test/schedule/send-later.test.ts"];

/** Starts the local stack's endpoint for the run and gives it to the files (inject("sqsEndpoint")). */
const EMULATOR = ["test/helpers/global-setup.ts"];

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
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Most of an integration file's time is waiting (visibility timeouts, backoffs, child
    // processes), so more files than cores run at once; vitest's default on 2 cores is one.
    maxWorkers: 3,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: UNIT,
          // Nothing here reaches AWS or the emulator: dummy credentials, so the SDK can sign, and
          // never a developer's own.
          env: { AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" },
          // The files share no state, so they share one module graph (aws-cdk-lib, the SDK) per worker.
          isolate: false,
          typecheck: { enabled: true, include: every("**/*.test-d.ts"), tsconfig: "tsconfig.json" },
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: every("**/*.test.ts"),
          exclude: [...UNIT, ...SLOW, ...OWN_CLOCK, "**/node_modules/**"],
          globalSetup: EMULATOR,
        },
      },
      {
        extends: true,
        test: { name: "clock", include: OWN_CLOCK, globalSetup: EMULATOR },
      },
      {
        extends: true,
        test: { name: "slow", include: SLOW, globalSetup: EMULATOR },
      },
    ],
  },
});
