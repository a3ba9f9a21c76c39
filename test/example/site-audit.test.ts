import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditReport } from "../../handlers/audit/audit-report.ts";
import { auditSite } from "../../handlers/jobs.ts";
import { startTestApp, type TestApp } from "../../tools/src/testing/index.ts";

/**
 * The example app's site audit (docs/site-audit.md), run as a user tests it with
 * `sqs-jobs-tools/testing`: the CDK app's three audit queues and their bundled consumers, the
 * bucket seeded with handlers/seed (the site under `site/`).
 */
let app: TestApp;
let s3: S3Client;

beforeAll(async () => {
  app = await startTestApp({ cdk: { seed: [{ bucket: "Bucket", dir: "handlers/seed" }] } });
  s3 = new S3Client({ ...app.aws, forcePathStyle: true });
}, 120_000);

afterAll(async () => {
  s3?.destroy();
  await app?.stop();
});

async function readObject(key: string): Promise<string | undefined> {
  const out = await s3.send(new GetObjectCommand({ Bucket: app.buckets[0]?.name, Key: key }));
  return out.Body?.transformToString();
}

describe("the site audit", () => {
  it("audits the seeded site through both stages and writes one report with its findings", async () => {
    const sent = await app.send(auditSite, { site: "site/" });
    await app.drain({ timeoutMs: 60_000 });

    const report = JSON.parse((await readObject(`audits/${sent.jobId}.json`)) ?? "{}") as AuditReport;
    expect(report).toMatchObject({
      site: "site/",
      pages: 8,
      brokenLinks: [
        { from: "about.html", to: "team.html" },
        { from: "shop.html", to: "shop/city.html" },
      ],
      orphans: ["old-prices.html"],
      untitled: ["contact.html"],
      unread: [],
      externalLinks: 2,
    });
    // The root's flow counted each of its 8 children once, and its continuation ran
    const root = await app.job(sent);
    expect(root.status).toBe("succeeded");
    expect(root.flows).toEqual([
      expect.objectContaining({ total: 8, succeeded: 8, dead: 0, pending: 0, thenJobName: "extract-pages" }),
    ]);
    const extract = await app.job(root.flows?.[0]?.thenJobId ?? "");
    expect(extract).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(extract.flows).toEqual([
      expect.objectContaining({ total: 8, succeeded: 8, pending: 0, thenJobName: "write-audit-report" }),
    ]);
    expect(await app.job(extract.flows?.[0]?.thenJobId ?? "")).toMatchObject({
      status: "succeeded",
      attempts: 1,
      result: { reportKey: `audits/${sent.jobId}.json`, pages: 8, brokenLinks: 2, orphans: 1, unread: 0 },
    });
  });

  it("refuses to audit a folder outside site/ at once, with the reason", async () => {
    const sent = await app.send(auditSite, { site: "reports/" });
    await app.drain();
    expect(await app.job(sent)).toMatchObject({
      status: "dead",
      failure: { reason: "permanent", message: 'the example audits folders of its bucket under "site/"' },
    });
  });
});
