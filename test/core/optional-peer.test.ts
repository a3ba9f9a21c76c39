import { describe, expect, it } from "vitest";
import { SqsJobsError } from "../../src/core/errors.ts";
import { loadOptionalPeer } from "../../src/core/optional-peer.ts";

describe("loadOptionalPeer", () => {
  it("gives the module when it is installed", async () => {
    const sns = await loadOptionalPeer(
      "@aws-sdk/client-sns",
      "Publishing",
      () => import("@aws-sdk/client-sns"),
    );
    expect(typeof sns.SNSClient).toBe("function");
  });

  it("names the package, the feature and the install command when it is missing", async () => {
    const missing = "@sqs-jobs/not-installed";
    const error = await loadOptionalPeer(missing, "S3 payloads", () => import(missing)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SqsJobsError);
    expect(error).toMatchObject({ code: "ERR_MISSING_PEER" });
    expect((error as Error).message).toBe(
      "S3 payloads needs the package @sqs-jobs/not-installed, which is not installed: run `npm i @sqs-jobs/not-installed`",
    );
  });

  it("throws other load failures as they are", async () => {
    const broken = new SyntaxError("Unexpected token");
    await expect(loadOptionalPeer("x", "y", () => Promise.reject(broken))).rejects.toBe(broken);
  });
});
