import { SNSClient } from "@aws-sdk/client-sns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobClient, publishedCopyId } from "../../src/index.ts";
import { LOCAL_ACCOUNT } from "../../tools/src/local/app-model.ts";
import { startTestApp, type TestApp } from "../../tools/src/testing/index.ts";
import { invoiceDue, reportReady } from "./fixtures/fan-out-app/jobs.ts";

/**
 * The whole path of a publish: a CDK app's JobTopic with three subscriptions (filters on the job
 * name and a declared attribute), created locally from the synthesized template, the bundled
 * consumers, and the ledger the three queues share.
 */
let app: TestApp<"audit" | "eu-mail" | "invoices">;

beforeAll(async () => {
  app = await startTestApp({ cdk: { app: "npx tsx test/testing/fixtures/fan-out-app/app.ts" } });
}, 180_000);

afterAll(() => app?.stop());

describe("a topic of the CDK app, locally", () => {
  it("delivers a publish to exactly the queues whose subscriptions match, each copy run once", async () => {
    // Given the app's topic, as the local stack made it from the template
    const topicArn = `arn:aws:sns:${app.aws.region}:${LOCAL_ACCOUNT}:events`;
    const events = new JobClient({ topicArn, sns: new SNSClient(app.aws), ledger: false });
    // When an EU report, a US report and an invoice are published
    const eu = await events.publish(reportReady, { reportId: "r-eu", region: "eu" });
    const us = await events.publish(reportReady, { reportId: "r-us", region: "us" });
    const invoice = await events.publish(invoiceDue, { invoiceId: "i-1" });
    await app.drain({ timeoutMs: 30_000 });
    // Then "audit" ran both reports, "eu-mail" the EU report only, "invoices" the invoice only
    const ran = (queue: string, jobId: string) =>
      app.job(publishedCopyId(queue, jobId)).then(
        (job) => job.status,
        (error: { code?: string }) =>
          error.code === "ERR_JOB_NOT_IN_LEDGER" ? "never" : Promise.reject(error),
      );
    expect(await ran("audit", eu.jobId)).toBe("succeeded");
    expect(await ran("audit", us.jobId)).toBe("succeeded");
    expect(await ran("eu-mail", eu.jobId)).toBe("succeeded");
    expect(await ran("eu-mail", us.jobId)).toBe("never");
    expect(await ran("invoices", invoice.jobId)).toBe("succeeded");
    expect(await ran("invoices", eu.jobId)).toBe("never");
    expect(await ran("audit", invoice.jobId)).toBe("never");
  }, 60_000);
});
