import { beforeAll, describe, expect, it } from "vitest";
import { LEDGER_RETENTION_ENV, LEDGER_TABLE_ENV, LIST_INDEX } from "../../src/ledger/table-layout.ts";
import { fixtureAssembly } from "../helpers/fixture-assembly.ts";
import { devOutput } from "./dev-app.ts";
import { startCli } from "./run-cli.ts";

interface Ready {
  endpoint: string;
  tables: { logicalId: string; name: string; arn: string; indexes: string[]; timeToLiveAttribute?: string }[];
  environment: Record<string, string>;
}

let assembly: string | undefined;

beforeAll(async () => {
  assembly = await fixtureAssembly("test/local/fixtures/ledger-app/app.ts");
}, 60_000);

describe("sqs-jobs dev on an app with a job ledger", () => {
  it("lists the table with its index and TTL, and gives producers its name", async () => {
    const run = await devOutput(["--port", "0", "--app", assembly ?? ""]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /listening on http:\/\/127\.0\.0\.1:\d+ \(SQS, S3, SNS, DynamoDB, Lambda API\)/,
    );
    const name = /^ {2}(LedgerFixture-LedgerTable\w+) {2}\(index (\w+), TTL (\w+)\)$/m.exec(run.stdout);
    expect(name?.slice(2)).toEqual([LIST_INDEX, "expiresAt"]);
    expect(run.stdout).toContain(`  export ${LEDGER_TABLE_ENV}=${name?.[1]}\n`);
    expect(run.stdout).toContain(`  export ${LEDGER_RETENTION_ENV}=14\n`);
  }, 60_000);

  it("puts the tables and the ledger's variables in its --json ready line", async () => {
    const dev = startCli(["dev", "--port", "0", "--app", assembly ?? "", "--json"]);
    try {
      const ready = (await dev.firstJson) as Ready;
      const [table] = ready.tables;
      expect(ready.tables).toHaveLength(1);
      expect(table).toMatchObject({ indexes: [LIST_INDEX], timeToLiveAttribute: "expiresAt" });
      expect(table?.arn).toBe(`arn:aws:dynamodb:us-east-1:000000000000:table/${table?.name}`);
      expect(ready.environment[LEDGER_TABLE_ENV]).toBe(table?.name);
    } finally {
      await dev.stop("SIGINT");
    }
  }, 60_000);
});
