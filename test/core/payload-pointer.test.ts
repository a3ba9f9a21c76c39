import { describe, expect, it } from "vitest";
import { parsePointer, pointerAttribute, pointerBody } from "../../src/core/payload-pointer.ts";

/** The SQS Extended Client's pointer, read and written as its clients document it. */
describe("payload pointer", () => {
  it("writes the Java client's layout: the class name, then bucket and key, no spaces", () => {
    expect(pointerBody({ bucket: "b", key: "sqs-jobs/j/1.json" })).toBe(
      '["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"b","s3Key":"sqs-jobs/j/1.json"}]',
    );
    expect(pointerAttribute(2_000_000)).toEqual({
      ExtendedPayloadSize: { DataType: "Number", StringValue: "2000000" },
    });
  });

  it("reads the Python client's layout and the Java 1.x class", () => {
    expect(
      parsePointer(
        '["software.amazon.payloadoffloading.PayloadS3Pointer", {"s3BucketName": "b", "s3Key": "k"}]',
      ),
    ).toEqual({ bucket: "b", key: "k" });
    expect(
      parsePointer(' ["com.amazon.sqs.javamessaging.MessageS3Pointer",{"s3BucketName":"b","s3Key":"k"}]'),
    ).toEqual({ bucket: "b", key: "k" });
  });

  it("leaves every other body alone: envelopes, other arrays, non-JSON", () => {
    expect(parsePointer('{"sqsJobs":1,"job":"j","payload":{}}')).toBeUndefined();
    expect(parsePointer('["something", {"s3BucketName": "b", "s3Key": "k"}]')).toBeUndefined();
    expect(parsePointer("[not json")).toBeUndefined();
  });

  it("refuses a pointer without its bucket or key as an envelope error (poison), naming the layout", () => {
    for (const body of [
      '["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"b"}]',
      '["software.amazon.payloadoffloading.PayloadS3Pointer"]',
      '["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"","s3Key":"k"}]',
    ]) {
      expect(() => parsePointer(body)).toThrow(expect.objectContaining({ code: "ERR_ENVELOPE" }));
    }
  });
});
