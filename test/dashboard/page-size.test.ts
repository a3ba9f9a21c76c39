import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/** The vendor modules the page's import map names (tools/src/dashboard/static-assets.ts serves these). */
const VENDOR = [
  "node_modules/preact/dist/preact.mjs",
  "node_modules/preact/hooks/dist/hooks.mjs",
  "node_modules/htm/dist/htm.mjs",
  "node_modules/htm/preact/index.mjs",
];
const UI_DIR = "tools/src/dashboard/ui";

/** docs/dashboard.md states the page's size; this keeps it from growing unnoticed. */
const BUDGET_BYTES = 100_000;

describe("the dashboard page's size", () => {
  it("is under 100 KB with its vendor modules, as served (uncompressed)", () => {
    const page = readdirSync(UI_DIR).reduce((sum, f) => sum + statSync(join(UI_DIR, f)).size, 0);
    const vendor = VENDOR.reduce((sum, f) => sum + statSync(f).size, 0);
    console.log(
      `dashboard page: ${page} bytes in ${readdirSync(UI_DIR).length} files + ${vendor} bytes of preact/htm`,
    );
    expect(page + vendor).toBeLessThan(BUDGET_BYTES);
  });
});
