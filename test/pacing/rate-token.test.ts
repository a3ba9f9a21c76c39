import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { Ledger } from "../../src/ledger/ledger.ts";
import { type RateToken, rateSpacingMs, takeRateToken } from "../../src/ledger/rate-limit.ts";
import { testDynamoDb } from "../helpers/ledger-table.ts";
import { ledgerFixture } from "../ledger/fixture.ts";

const { newLedger } = ledgerFixture();

/** A run's request for a start of key `k`, `limit` a second, waiting at most `maxWaitMs`. */
const request = (runToken: string, limit: number, maxWaitMs: number) => ({
  job: "j",
  key: "k",
  spacingMs: rateSpacingMs(limit, 1),
  runToken,
  maxWaitMs,
});

/** The starts of `runs` runs that ask for a start of one key at the same moment. */
async function startsOf(runs: number, limit: number, maxWaitMs: number): Promise<RateToken[]> {
  const ledger = await newLedger();
  // The SDK and the connection are warm before the runs ask, as in a consumer that already ran.
  await takeRateToken(ledger, { ...request("warm", limit, 0), key: "warm" });
  return Promise.all(
    Array.from({ length: runs }, (_, n) => takeRateToken(ledger, request(`run-${n}`, limit, maxWaitMs))),
  );
}

/** The same table through a client whose every answer arrives `ms` after DynamoDB sent it. */
function slowLedger(ledger: Ledger, ms: number): Ledger {
  const client = testDynamoDb();
  client.middlewareStack.add(
    (next) => async (args) => {
      const answer = await next(args).catch((error: unknown) => error);
      await sleep(ms);
      if (answer instanceof Error) throw answer;
      return answer as Awaited<ReturnType<typeof next>>;
    },
    { step: "finalizeRequest" },
  );
  return new Ledger({ client, tableName: ledger.tableName, retentionDays: 14 });
}

/** The same table through a client that counts its writes. */
function countedLedger(ledger: Ledger): { readonly ledger: Ledger; readonly writes: number } {
  const client = testDynamoDb();
  const counted = {
    ledger: new Ledger({ client, tableName: ledger.tableName, retentionDays: 14 }),
    writes: 0,
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === "UpdateItemCommand") counted.writes++;
      return next(args);
    },
    { step: "initialize" },
  );
  return counted;
}

const atOf = (tokens: readonly RateToken[]) =>
  tokens.map((token) => (token.kind === "taken" ? token.at : Number.NaN)).sort((a, b) => a - b);

describe("a rate limit's start tokens", () => {
  it("gives runs that ask at once each its own start, exactly a spacing apart: none goes unused while they wait", async () => {
    // Given a key of 1 start a second (a spacing far longer than the ledger's round trip)
    // When 20 runs ask at the same moment, each willing to wait a minute
    const asked = Date.now();
    const starts = atOf(await startsOf(20, 1, 60_000));
    // Then the first starts now and each other one second after the one before: reserved, not retried
    const first = starts[0] as number;
    expect(first).toBeGreaterThanOrEqual(asked);
    expect(starts).toEqual(Array.from({ length: 20 }, (_, n) => first + n * 1000));
  });

  it("still lines runs up when each answer arrives after the start it was about has passed", async () => {
    // Given a ledger whose answers arrive 150 ms after it wrote (a slow network), and 10 starts a
    // second: a refused run hears of the key's next start only once it has fallen due
    const ledger = slowLedger(await newLedger(), 150);
    // When 20 runs ask at the same moment, each willing to wait 5 s
    const tokens = await Promise.all(
      Array.from({ length: 20 }, (_, n) => takeRateToken(ledger, request(`run-${n}`, 10, 5_000))),
    );
    // Then every one has a start (not one a round, as if each lost to the next due start), a spacing apart
    expect(tokens.filter((token) => token.kind !== "taken")).toEqual([]);
    const starts = atOf(tokens);
    for (let n = 1; n < starts.length; n++) {
      expect((starts[n] as number) - (starts[n - 1] as number)).toBeGreaterThanOrEqual(100);
    }
  });

  it("reserves no start further off than the run waits: past it the run is throttled until the key's next start", async () => {
    // Given a key whose next 10 starts are taken (10 seconds of them)
    const ledger = await newLedger();
    const taken = atOf(
      await Promise.all(
        Array.from({ length: 10 }, (_, n) => takeRateToken(ledger, request(`run-${n}`, 1, 60_000))),
      ),
    );
    const last = taken.at(-1) as number;
    // When a run that waits at most 5 s asks
    const impatient = await takeRateToken(ledger, request("impatient", 1, 5_000));
    // Then it gets no start, and learns how far off the key's next one is
    expect(impatient.kind).toBe("throttled");
    if (impatient.kind === "throttled") expect(impatient.waitMs).toBeGreaterThan(5_000);
    // And a run that waits long enough gets exactly that start: the refused one reserved nothing
    expect(await takeRateToken(ledger, request("patient", 1, 60_000))).toEqual({
      kind: "taken",
      at: last + 1000,
    });
  });

  it("costs a busy key one write a start once the consumer has seen it busy, and a run that cannot wait none", async () => {
    // Given a key whose next starts are taken, and a client that counts the ledger's writes
    const ledger = await newLedger();
    const counted = countedLedger(ledger);
    let seenNextAt: number | undefined;
    const note = (token: RateToken) => {
      seenNextAt = token.kind === "taken" ? token.at + 1000 : Date.now() + token.waitMs;
    };
    note(await takeRateToken(ledger, request("first", 1, 60_000)));
    // When 10 runs ask one after another, each told the key's next start its consumer last saw
    for (let n = 0; n < 10; n++) {
      note(await takeRateToken(counted.ledger, { ...request(`run-${n}`, 1, 60_000), seenNextAt }));
    }
    // Then each reserved its start in one write, none refused
    expect(counted.writes).toBe(10);
    // And a run that waits 5 s, when the key's next start is 11 s off, is throttled without a write
    const impatient = await takeRateToken(counted.ledger, { ...request("impatient", 1, 5_000), seenNextAt });
    expect(impatient.kind).toBe("throttled");
    expect(counted.writes).toBe(10);
  });

  it("a run that waits for nothing takes only a start that is due", async () => {
    const ledger = await newLedger();
    expect((await takeRateToken(ledger, request("a", 10, 0))).kind).toBe("taken");
    expect((await takeRateToken(ledger, request("b", 10, 0))).kind).toBe("throttled");
  });
});
