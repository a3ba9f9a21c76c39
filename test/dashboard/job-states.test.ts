import { describe, expect, it } from "vitest";
import { JOB_STATUSES } from "../../src/ledger/job-state.ts";

/**
 * The page is served unbundled, so it cannot import the ledger's TypeScript: its list of states is
 * a copy. This holds the copy to the one truth, so a state added to the ledger shows on the page.
 */
describe("the dashboard's job states", () => {
  it("are the ledger's, in the ledger's order", async () => {
    // The page's plain JavaScript module, which has no type declarations.
    const page = new URL("../../tools/src/dashboard/ui/job-view.js", import.meta.url).href;
    const { JOB_STATES } = (await import(page)) as { JOB_STATES: readonly string[] };
    expect(JOB_STATES).toEqual([...JOB_STATUSES]);
  });
});
