import { describe, expect, it } from "vitest";
import { LEDGER_RETENTION_ENV, LEDGER_TABLE_ENV } from "../../src/ledger/table-layout.ts";
import { ledgerEnvironment } from "../../tools/src/local/ledger-environment.ts";

describe("the ledger variables dev gives local producers", () => {
  const consumer = { [LEDGER_TABLE_ENV]: "jobs", [LEDGER_RETENTION_ENV]: "14", OTHER: "x" };

  it("are the table and retention the app's functions have", () => {
    expect(ledgerEnvironment([{ OTHER: "y" }, consumer, consumer])).toEqual({
      [LEDGER_TABLE_ENV]: "jobs",
      [LEDGER_RETENTION_ENV]: "14",
    });
  });

  it("are none when no function has a ledger, or functions name different tables", () => {
    expect(ledgerEnvironment([{ OTHER: "y" }, { [LEDGER_TABLE_ENV]: "" }])).toEqual({});
    expect(ledgerEnvironment([consumer, { ...consumer, [LEDGER_TABLE_ENV]: "other" }])).toEqual({});
  });
});
