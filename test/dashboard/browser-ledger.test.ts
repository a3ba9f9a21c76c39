import { existsSync } from "node:fs";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { SchedulerClient } from "@aws-sdk/client-scheduler";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobClient } from "../../src/index.ts";
import { LEDGER_TABLE_ENV } from "../../src/ledger/table-layout.ts";
import { DevDashboard } from "../../tools/src/cli/dev-dashboard.ts";
import { type RunningDashboard, startDashboard } from "../../tools/src/dashboard/server.ts";
import { startTestDevStack, type TestDevStack } from "../helpers/dev-stack.ts";
import { eventually } from "../helpers/eventually.ts";
import { chargeCard, makeThumbnail } from "./ledger-app/jobs.ts";

/**
 * The dashboard's jobs and schedules pages, and a read-only dashboard, in a real browser (Debian's
 * Chromium driven by playwright-core), against `sqs-jobs dev` run in-process on an app with a job
 * ledger and a nightly schedule. browser.test.ts drives the queues and DLQ pages.
 */
const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);

const THUMBNAILS = 3;
let dev: TestDevStack;
let dashboard: DevDashboard;
let readOnly: RunningDashboard;
let browser: Browser;
let dashboardUrl: string;
let thumbnailId: string;
let chargeId: string;
const clients: { destroy(): void }[] = [];

describe.skipIf(!hasChromium)("the dashboard's jobs and schedules pages in Chromium", () => {
  beforeAll(async () => {
    dashboard = new DevDashboard();
    [dev, browser] = await Promise.all([
      startTestDevStack({
        appFile: "test/dashboard/ledger-app/app.ts",
        onEvent: (event) => dashboard.record(event),
      }),
      chromium.launch({ executablePath: CHROMIUM }),
    ]);
    dashboardUrl = dashboard.mount(dev.stack, "0.0.0-test");
    const tableName = dev.stack.ledgerEnvironment[LEDGER_TABLE_ENV];
    const dynamodb = new DynamoDBClient(dev.client);
    const scheduler = new SchedulerClient(dev.client);
    const lambda = new LambdaClient(dev.client);
    clients.push(dynamodb, scheduler, lambda);
    // As `sqs-jobs dashboard --read-only --endpoint <the stack>` starts it
    readOnly = await startDashboard({
      sqs: dev.sqs,
      lambda,
      dynamodb: async () => dynamodb,
      ledgerTable: tableName,
      scheduler: async () => scheduler,
      target: { endpoint: dev.stack.endpoint, region: dev.stack.region },
      version: "0.0.0-test",
      readOnly: true,
      port: 0,
    });
    // Given thumbnails that succeed with a result and a card charge that dies, all in the ledger
    const queueUrl = dev.stack.queues.find((q) => q.name === "shop")?.url ?? "";
    const client = new JobClient({ queueUrl, sqs: dev.sqs, ledger: { tableName, dynamodb } });
    const sent = await client.sendBatch(
      makeThumbnail,
      Array.from({ length: THUMBNAILS }, (_, i) => ({ key: `photo-${i}.png` })),
    );
    const charge = await client.send(chargeCard, { orderId: "o-1" });
    thumbnailId = sent.items[0]?.jobId ?? "";
    chargeId = charge.jobId;
    const ended = await eventually(
      async () => [
        (await client.getJob(chargeCard, chargeId))?.status,
        (await client.getJob(makeThumbnail, thumbnailId))?.status,
      ],
      ([charged, thumbnailed]) => charged === "dead" && thumbnailed === "succeeded",
    );
    expect(ended).toEqual(["dead", "succeeded"]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    dashboard?.close();
    await readOnly?.close();
    for (const c of clients) c.destroy();
    await dev?.stop();
  });

  it("lists the ledger's jobs, filters them by status, and shows a job with its result on request", async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(dashboardUrl);
    await page.getByRole("link", { name: "Jobs" }).first().click();
    const rows = page.locator('[data-testid="jobs-table"] tbody tr');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(THUMBNAILS + 1);

    // Filtering by status "dead" leaves the card charge, with its reason
    await page.getByLabel("Status").selectOption("dead");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(1);
    expect(await rows.first().textContent()).toContain("charge-card");
    expect(await rows.first().locator(".reason").textContent()).toBe("permanent");

    // A dead job's page says why
    await rows.first().getByRole("link", { name: "charge-card" }).click();
    await expect.poll(() => page.locator(".notice.error").textContent()).toContain("the card was declined");

    // A succeeded job's result shows only when asked for
    await page.goto(`${dashboardUrl.split("#")[0]}#/jobs/${thumbnailId}`);
    await page.getByTestId("job").waitFor();
    expect(await page.getByTestId("result").count()).toBe(0);
    await page.getByRole("button", { name: "Show result" }).click();
    await expect
      .poll(() => page.getByTestId("result").textContent())
      .toContain('"thumbnailKey": "thumbs/photo-0.png"');
    expect(errors).toEqual([]);
  }, 60_000);

  it("lists the schedules with their next runs", async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(dashboardUrl);
    await page.getByRole("link", { name: "Schedules" }).first().click();
    const row = page.locator('[data-testid="schedules-table"] tbody tr').first();
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain("make-thumbnail");
    expect(await row.textContent()).toContain("Europe/Berlin");
    expect(await row.locator("li").count()).toBe(3);
    expect(errors).toEqual([]);
  }, 30_000);

  it("read-only: shows the queues, jobs and DLQ, offers no action, and never shows a result", async () => {
    const { page } = await openPage(browser);
    await page.goto(readOnly.url);
    await expect
      .poll(() => page.locator('[data-testid="queues-table"] tbody tr').count(), { timeout: 10_000 })
      .toBeGreaterThan(0);
    expect(await page.getByRole("button", { name: /^Pause/ }).count()).toBe(0);

    // A succeeded job's page says its result stays hidden, and the API refuses it even with the token
    await page.goto(`${readOnly.origin}#/jobs/${thumbnailId}`);
    await page.getByTestId("job").waitFor();
    expect(await page.getByRole("button", { name: "Show result" }).count()).toBe(0);
    await expect
      .poll(() => page.textContent("body"))
      .toContain("Results stay hidden on a read-only dashboard");
    const refused = await fetch(`${readOnly.origin}api/jobs/${thumbnailId}?result=1`, {
      headers: { "x-sqs-jobs-token": readOnly.token },
    });
    expect(refused.status).toBe(403);

    // The DLQ page lists the dead job without redrive or purge
    await page.goto(`${readOnly.origin}#/queues/shop/dlq`);
    await expect
      .poll(() => page.locator('[data-testid="dlq-table"] tbody tr').count(), { timeout: 10_000 })
      .toBe(1);
    expect(await page.getByRole("button", { name: /Redrive|Purge/ }).count()).toBe(0);
  }, 60_000);
});

async function openPage(b: Browser): Promise<{ page: Page; errors: string[] }> {
  const page = await b.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  return { page, errors };
}
