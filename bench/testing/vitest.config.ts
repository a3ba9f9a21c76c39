import { defineConfig } from "vitest/config";

/**
 * A user's plain vitest setup for the testing benchmark: none of the repository's global setup
 * (the test rig's emulator) or type checking, which a user's project would not have.
 */
export default defineConfig({
  test: { include: ["bench/testing/*.test.ts"], testTimeout: 120_000 },
});
