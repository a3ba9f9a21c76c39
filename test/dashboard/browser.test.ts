import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mapLimit } from "../../src/core/map-limit.ts";
import { JobClient } from "../../src/index.ts";
import { DevDashboard } from "../../tools/src/cli/dev-dashboard.ts";
import { startTestDevStack, type TestDevStack } from "../helpers/dev-stack.ts";
import { eventually } from "../helpers/eventually.ts";
import { call } from "./dashboard-client.ts";
import { resizeImage } from "./fixture-app/jobs.ts";

/**
 * The dashboard in a real browser: Debian's Chromium (never a downloaded one) driven by
 * playwright-core, against `sqs-jobs dev` run in-process on an app whose consumer dead-letters
 * every job at once: send-invoice jobs as poison, resize-image jobs as permanent failures.
 */
const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `test/dashboard/browser.test.ts skipped: no Chromium at ${CHROMIUM}. Install Debian's (sudo apt-get install chromium) to run it; never a downloaded browser.`,
  );
}

/** `DASHBOARD_SCREENSHOTS=1` saves the screenshots the docs show (docs/images/dashboard-*.png). */
const SCREENSHOTS = process.env.DASHBOARD_SCREENSHOTS === "1" ? "docs/images" : undefined;

/**
 * How long a count may take to follow an action: the page refreshes as soon as the action ends,
 * but the server's own readings (queues 1.5 s, a DLQ 2 s) may answer once more before they do.
 */
const AFTER_ACTION = { timeout: 5_000 };

const POISON = 6;
const PERMANENT = 4;

let dev: TestDevStack;
let dashboard: DevDashboard;
let browser: Browser;
let dashboardUrl: string;
let queueName: string;
let dlqName: string;

describe.skipIf(!hasChromium)("the dashboard in Chromium", () => {
  beforeAll(async () => {
    // As `sqs-jobs dev` does: the dashboard on the stack's own port, its rates from the stack's events.
    dashboard = new DevDashboard();
    [dev, browser] = await Promise.all([
      startTestDevStack({
        appFile: "test/dashboard/fixture-app/app.ts",
        onEvent: (event) => dashboard.record(event),
      }),
      chromium.launch({ executablePath: CHROMIUM }),
    ]);
    dashboardUrl = dashboard.mount(dev.stack, "0.0.0-test");
    const queue = dev.stack.queues.find((q) => q.dlqUrl !== undefined);
    const dlq = dev.stack.queues.find((q) => q.url === queue?.dlqUrl);
    if (queue === undefined || dlq === undefined) throw new Error("the fixture app has no queue with a DLQ");
    queueName = queue.name;
    dlqName = dlq.name;
    // Given jobs of two kinds that all die on their first attempt
    const client = new JobClient({ queueUrl: queue.url, sqs: dev.sqs });
    await client.sendBatch(
      resizeImage,
      Array.from({ length: PERMANENT }, (_, i) => ({ key: `photos/${i}.jpg` })),
    );
    for (let i = 0; i < POISON; i++) {
      // A payload that breaks send-invoice's schema (customerId must be a string): poison.
      const envelope = {
        sqsJobs: 1,
        job: "send-invoice",
        id: `poison-${i}`,
        payload: { customerId: 4200 + i },
      };
      await dev.sqs.send(
        new SendMessageCommand({ QueueUrl: queue.url, MessageBody: JSON.stringify(envelope) }),
      );
    }
    const depth = await eventually(
      () => dlqDepth(dlq.url),
      (n) => n === POISON + PERMANENT,
    );
    expect(depth).toBe(POISON + PERMANENT);
    if (SCREENSHOTS !== undefined) await mkdir(SCREENSHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    dashboard?.close();
    await dev?.stop();
  });

  it("shows the queues and the DLQ's reasons; filters, redrives by the filter and a selection, peeks, pauses and purges without a reload", async () => {
    const { page, requests, errors } = await openPage(browser);
    await page.goto(dashboardUrl);
    // The token moved out of the address bar into this tab's storage.
    expect(page.url()).not.toContain("token=");
    const row = page.locator(`tr[data-queue="${queueName}"]`);
    await expect
      .poll(() => row.locator('[data-col="dlq"]').textContent(), AFTER_ACTION)
      .toBe(String(POISON + PERMANENT));
    if (SCREENSHOTS !== undefined) {
      // For the docs, a depth chart that has sampled the full DLQ (the server samples every 5 s).
      await row.locator(`svg[aria-label*="DLQ now ${POISON + PERMANENT}"]`).waitFor({ timeout: 10_000 });
      await shot(page, "queues");
    }
    // A mark on the window: gone if anything below reloaded the page.
    await page.evaluate("window.notReloaded = true");

    // When the consumer is paused, its state says so and the button offers to resume
    await row.getByRole("button", { name: `Pause the consumers of ${queueName}` }).click();
    await expect
      .poll(() => row.locator(".consumers .state").first().textContent(), AFTER_ACTION)
      .toBe("Disabled");
    await expect.poll(() => row.getByRole("button", { name: /^Resume/ }).count()).toBe(1);

    // The DLQ page lists both reasons and both jobs, counted
    await row.locator('[data-col="dlq"] a').click();
    const chip = (reason: string) => page.locator(`a.chip[data-reason="${reason}"]`);
    await expect.poll(() => chip("poison").textContent()).toBe(`poison ${POISON}`);
    await expect.poll(() => chip("permanent").textContent()).toBe(`permanent ${PERMANENT}`);
    await expect
      .poll(() => page.locator('a.chip[data-job="resize-image"]').textContent())
      .toBe(`resize-image ${PERMANENT}`);

    // Filtering by a reason (its chip) shows only those jobs
    await chip("permanent").click();
    const rows = page.locator('[data-testid="dlq-table"] tbody tr');
    await expect.poll(() => rows.count()).toBe(PERMANENT);
    expect(await rows.locator(".reason").allTextContents()).toEqual(Array(PERMANENT).fill("permanent"));
    await shot(page, "dlq");

    // Redriving by the filter moves those jobs back (the consumer is paused: they wait there),
    // with a progress bar, and the counts change without a reload
    await page.getByRole("button", { name: "Redrive all matching the filter" }).click();
    await page.locator('[data-testid="redrive-progress"][data-state="done"]').waitFor();
    await expect.poll(() => page.getByTestId("dlq-depth").textContent(), AFTER_ACTION).toBe(String(POISON));
    await expect.poll(() => rows.count()).toBe(0);
    await page.getByRole("link", { name: "Clear filters" }).first().click();
    await expect.poll(() => chip("permanent").count()).toBe(0);
    await expect.poll(() => rows.count()).toBe(POISON);

    // Peeking shows the envelope without its payload, until asked
    const peek = page.getByRole("button", { name: /^Peek at the envelope of send-invoice/ }).first();
    const peekLabel = await peek.getAttribute("aria-label");
    await peek.click();
    const dialog = page.getByRole("dialog");
    await dialog.getByTestId("envelope").waitFor();
    expect(await dialog.getByTestId("envelope").textContent()).toContain('"job": "send-invoice"');
    expect(await dialog.getByTestId("payload").count()).toBe(0);
    await dialog.getByRole("button", { name: "Show payload" }).click();
    await expect.poll(() => dialog.getByTestId("payload").textContent()).toMatch(/"customerId": 42\d\d/);
    await shot(page, "envelope");
    // Escape closes it and gives focus back to the button that opened it
    await page.keyboard.press("Escape");
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await page.evaluate("document.activeElement.getAttribute('aria-label')")).toBe(peekLabel);

    // By keyboard: Shift+Tab from that button reaches its row's box, Space selects it, and the
    // selection (one job) is redriven
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Space");
    await page.getByRole("button", { name: "Redrive selected (1)" }).click();
    await page
      .locator('[data-testid="redrive-progress"][data-state="done"]', { hasText: "1 of 1 moved" })
      .waitFor();
    await expect
      .poll(() => page.getByTestId("dlq-depth").textContent(), AFTER_ACTION)
      .toBe(String(POISON - 1));
    await expect.poll(() => rows.count()).toBe(POISON - 1);

    // Purging needs the DLQ's name typed in
    await page.getByRole("button", { name: "Purge DLQ…" }).click();
    const purge = page.getByRole("dialog");
    const confirm = purge.getByRole("button", { name: "Purge" });
    expect(await confirm.isDisabled()).toBe(true);
    await purge.getByRole("textbox").fill(`${dlqName}-not`);
    expect(await confirm.isDisabled()).toBe(true);
    await purge.getByRole("textbox").fill(dlqName);
    await confirm.click();
    await expect.poll(() => page.getByTestId("dlq-depth").textContent(), AFTER_ACTION).toBe("0");

    // Back on the queues page: the redriven jobs wait in the paused queue
    await page.getByRole("link", { name: "Queues" }).first().click();
    await expect
      .poll(() => row.locator('[data-col="visible"]').textContent(), AFTER_ACTION)
      .toBe(String(PERMANENT + 1));
    expect(await page.evaluate("window.notReloaded")).toBe(true);
    expectOwnOriginOnly(requests, errors);
  }, 60_000);

  it("renders 50 queues within a second of DOMContentLoaded", async () => {
    // Given 50 more queues
    await mapLimit(
      Array.from({ length: 50 }, (_, i) => `load-${String(i).padStart(2, "0")}`),
      10,
      (name) => dev.sqs.send(new CreateQueueCommand({ QueueName: name })),
    );
    // The server reuses a reading of the queues for a moment: measure once it has seen all 51.
    await expect
      .poll(
        async () => (await call(dashboardUrl.split("#")[0] ?? "", "GET", "api/queues")).json.queues.length,
        {
          timeout: 10_000,
        },
      )
      .toBe(51);
    const { page, requests, errors } = await openPage(browser);
    // Records when the table first has every row, as the page builds it. (Browser code as text:
    // the tests are typed without the DOM library.)
    await page.addInitScript({ content: RECORD_TABLE_RENDERED });
    await page.goto(dashboardUrl);
    await page.waitForFunction(() => "tableAt" in globalThis, undefined, { timeout: 10_000 });
    const timing = (await page.evaluate(TABLE_TIMING)) as { fromDomContentLoaded: number; fromStart: number };
    console.log(
      `dashboard, 51 queues: table rendered ${Math.round(timing.fromDomContentLoaded)} ms after DOMContentLoaded, ${Math.round(timing.fromStart)} ms after navigation start`,
    );
    expect(timing.fromDomContentLoaded).toBeLessThan(1000);
    expectOwnOriginOnly(requests, errors);
  }, 30_000);
});

const RECORD_TABLE_RENDERED = `
  new MutationObserver((_, observer) => {
    if (document.querySelectorAll('[data-testid="queues-table"] tbody tr').length >= 51) {
      window.tableAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });`;

const TABLE_TIMING = `({
  fromDomContentLoaded: window.tableAt - performance.getEntriesByType("navigation")[0].domContentLoadedEventStart,
  fromStart: window.tableAt,
})`;

async function dlqDepth(url: string): Promise<number> {
  const out = await dev.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages"] }),
  );
  return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
}

/**
 * A fresh page at the size of a laptop screen, with every request it makes recorded, and every
 * error it logs: a request the Content-Security-Policy blocks never shows as a request, but as an
 * error, as do failed loads and exceptions.
 */
async function openPage(b: Browser): Promise<{ page: Page; requests: string[]; errors: string[] }> {
  const page = await b.newPage({ viewport: { width: 1280, height: 800 } });
  const requests: string[] = [];
  const errors: string[] = [];
  page.on("request", (request) => requests.push(request.url()));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  return { page, requests, errors };
}

/**
 * The page asked nothing of anyone but its own server (no CDN, no fonts: it works offline), and
 * nothing it tried was blocked or failed.
 */
function expectOwnOriginOnly(requests: readonly string[], errors: readonly string[]): void {
  const origin = new URL(dashboardUrl).origin;
  expect(requests.length).toBeGreaterThan(0);
  expect(requests.filter((url) => !url.startsWith("data:") && new URL(url).origin !== origin)).toEqual([]);
  expect(errors).toEqual([]);
}

async function shot(page: Page, name: string): Promise<void> {
  if (SCREENSHOTS !== undefined) await page.screenshot({ path: `${SCREENSHOTS}/dashboard-${name}.png` });
}
