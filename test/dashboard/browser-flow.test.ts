import { existsSync } from "node:fs";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { createSqsClient } from "../../src/core/sqs-client.ts";
import { child, defineJob, handle } from "../../src/index.ts";
import { type RunningDashboard, startDashboard } from "../../tools/src/dashboard/server.ts";
import { startTestApp, type TestApp } from "../../tools/src/testing/index.ts";

/**
 * A flow on the dashboard's job page, in Debian's Chromium (as browser.test.ts): the root's flow
 * as a progress bar whose counts move as children finish, then its continuation, linked.
 */
const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);

const CHILDREN = 12;
const page = defineJob({ name: "audit-page", schema: z.object({ n: z.number() }), timeoutSeconds: 30 });
const report = defineJob({ name: "audit-report", schema: z.object({}), timeoutSeconds: 30 });
const audit = defineJob({ name: "audit", schema: z.object({}), timeoutSeconds: 30 });

/** Children wait here until the test lets half, then all, finish. */
let allowed = 0;
const gate = async (n: number) => {
  while (n >= allowed) await new Promise((resolve) => setTimeout(resolve, 50));
};

let app: TestApp;
let dash: RunningDashboard;
let browser: Browser;
let dynamodb: DynamoDBClient;

describe.skipIf(!hasChromium)("a flow on the dashboard's job page", () => {
  beforeAll(async () => {
    [app, browser] = await Promise.all([
      startTestApp({
        ledger: true,
        queues: [
          {
            name: "audit",
            maxConcurrency: 2,
            handlers: [
              handle(audit, async (_payload, ctx) => {
                await ctx.flow({
                  children: Array.from({ length: CHILDREN }, (_, n) => child(page, { n })),
                  // biome-ignore lint/suspicious/noThenProperty: a flow's continuation is data, never a function
                  then: child(report, {}),
                });
              }),
              handle(page, ({ n }) => gate(n)),
              handle(report, () => {}),
            ],
          },
        ],
      }),
      chromium.launch({ executablePath: CHROMIUM }),
    ]);
    dynamodb = new DynamoDBClient(app.aws);
    dash = await startDashboard({
      sqs: createSqsClient(app.aws),
      target: { endpoint: app.endpoint, region: app.aws.region },
      version: "0.0.0-test",
      port: 0,
      dynamodb: async () => dynamodb,
      ledgerTable: "test-app-ledger",
    });
  }, 120_000);

  afterAll(async () => {
    allowed = CHILDREN;
    await browser?.close();
    await dash?.close();
    dynamodb?.destroy();
    await app?.stop();
  });

  it("shows the flow's progress moving as children finish, then its continuation with a link", async () => {
    // Given a root whose flow's children wait at a gate
    const sent = await app.send(audit, {});
    const tab = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    tab.on("pageerror", (error) => errors.push(error.message));
    await tab.goto(`${dash.origin}#/jobs/${sent.jobId}`);
    const counts = tab.getByTestId("flow-counts");
    await expect
      .poll(() => counts.textContent(), { timeout: 10_000 })
      .toContain(`0 succeeded, 0 dead, ${CHILDREN} pending`);
    await expect
      .poll(() => tab.getByTestId("flow").textContent())
      .toContain("sent once every child is final");

    // When half the children may finish, the counts follow without a reload
    allowed = CHILDREN / 2;
    await expect
      .poll(() => counts.textContent(), { timeout: 10_000 })
      .toContain(`${CHILDREN / 2} succeeded, 0 dead, ${CHILDREN / 2} pending`);
    expect(await tab.locator("progress").first().getAttribute("value")).toBe(String(CHILDREN / 2));

    // Then all: the continuation shows as a link to its own page, succeeded
    allowed = CHILDREN;
    await app.drain({ timeoutMs: 20_000 });
    const continuation = tab.getByTestId("flow").getByRole("link", { name: "audit-report" });
    await expect.poll(() => continuation.count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => counts.textContent()).toContain(`${CHILDREN} succeeded, 0 dead, 0 pending`);
    await continuation.click();
    await expect.poll(() => tab.locator("h1").textContent()).toContain("audit-report");
    expect(errors).toEqual([]);
  });
});
