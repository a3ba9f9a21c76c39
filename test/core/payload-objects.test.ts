import type { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { PayloadReader } from "../../src/consumer/payload-read.ts";
import { pointerBody } from "../../src/core/payload-pointer.ts";

/** An S3 client whose every call throws `error`, as S3 does when it refuses one. */
function failingS3(error: unknown): S3Client {
  return {
    send: async () => {
      throw error;
    },
  } as unknown as S3Client;
}

const pointer = pointerBody({ bucket: "b", key: "sqs-jobs/j/1.json" });

describe("PayloadReader", () => {
  it("reads a body that is no pointer as it is, without asking S3", async () => {
    const reader = new PayloadReader({ s3: failingS3(new Error("must not be called")) });
    expect(await reader.read('{"sqsJobs":1,"job":"j","payload":{}}')).toEqual({
      ok: true,
      body: '{"sqsJobs":1,"job":"j","payload":{}}',
    });
  });

  it("calls a missing object poison, naming bucket and key", async () => {
    const reader = new PayloadReader({
      s3: failingS3({ name: "NoSuchKey", $metadata: { httpStatusCode: 404 } }),
    });
    const read = await reader.read(pointer);
    expect(read).toMatchObject({ ok: false, poison: true, error: { code: "ERR_PAYLOAD_MISSING" } });
    expect(read.ok ? "" : String((read.error as Error).message)).toContain("s3://b/sqs-jobs/j/1.json");
  });

  it("calls S3 slowing down, failing or refusing access not poison: the delivery is tried again later", async () => {
    for (const error of [
      { name: "SlowDown", $fault: "server", $metadata: { httpStatusCode: 503 } },
      { name: "InternalError", $fault: "server", $metadata: { httpStatusCode: 500 } },
      { name: "AccessDenied", $fault: "client", $metadata: { httpStatusCode: 403 } },
    ]) {
      const reader = new PayloadReader({ s3: failingS3(error) });
      expect(await reader.read(pointer)).toMatchObject({ ok: false, poison: false, error });
    }
  });

  it("calls a malformed pointer poison", async () => {
    const reader = new PayloadReader({ s3: failingS3(new Error("must not be called")) });
    const read = await reader.read('["software.amazon.payloadoffloading.PayloadS3Pointer",{}]');
    expect(read).toMatchObject({ ok: false, poison: true, error: { code: "ERR_ENVELOPE" } });
  });

  it("keeps results inline up to the ledger's limit, and stores larger ones only with a bucket", async () => {
    const stored: { Bucket?: string; Key?: string }[] = [];
    const s3 = {
      send: async (command: { input: { Bucket?: string; Key?: string } }) => {
        stored.push(command.input);
        return {};
      },
    } as unknown as S3Client;
    const big = JSON.stringify({ html: "x".repeat(400_000) });
    expect(await new PayloadReader({ s3 }).storeResult("render", "id-1", '{"ok":1}')).toBe('{"ok":1}');
    const withBucket = new PayloadReader({ s3, resultBucket: "b" });
    expect(await withBucket.storeResult("render", "id-1", '{"ok":1}')).toBe('{"ok":1}');
    expect(await withBucket.storeResult("render", "id-1", big)).toBe(
      pointerBody({ bucket: "b", key: "sqs-jobs/render/id-1.result.json" }),
    );
    expect(stored).toMatchObject([{ Bucket: "b", Key: "sqs-jobs/render/id-1.result.json" }]);
  });
});
