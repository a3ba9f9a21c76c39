import { randomBytes } from "node:crypto";
import {
  SendDurableExecutionCallbackFailureCommand,
  SendDurableExecutionCallbackSuccessCommand,
} from "@aws-sdk/client-lambda";
import { describe, expect, it } from "vitest";
import { durableFixture } from "./fixture.ts";

const { lambda, completionOf } = durableFixture();
const newCallbackId = () => randomBytes(48).toString("base64");

describe("the local Lambda API's durable callback calls", () => {
  it("records a success with its result, and answers a repeat as Lambda answers a closed callback", async () => {
    const callbackId = newCallbackId();
    await lambda.send(
      new SendDurableExecutionCallbackSuccessCommand({
        CallbackId: callbackId,
        Result: Buffer.from('{"n":1}'),
      }),
    );
    expect(await completionOf(callbackId)).toMatchObject({
      callbackId,
      status: "succeeded",
      result: '{"n":1}',
    });
    for (const repeat of [
      new SendDurableExecutionCallbackSuccessCommand({ CallbackId: callbackId }),
      new SendDurableExecutionCallbackFailureCommand({
        CallbackId: callbackId,
        Error: { ErrorMessage: "late" },
      }),
    ]) {
      await expect(lambda.send(repeat as SendDurableExecutionCallbackSuccessCommand)).rejects.toMatchObject({
        name: "CallbackTimeoutException",
        $metadata: { httpStatusCode: 400 },
      });
    }
    // The first completion stands
    expect(await completionOf(callbackId)).toMatchObject({ status: "succeeded", result: '{"n":1}' });
  });

  it("records a failure's error object, and a success without a result", async () => {
    const failed = newCallbackId();
    await lambda.send(
      new SendDurableExecutionCallbackFailureCommand({
        CallbackId: failed,
        Error: { ErrorType: "JobDeadError", ErrorMessage: "dead", ErrorData: '{"x":1}' },
      }),
    );
    expect(await completionOf(failed)).toMatchObject({
      status: "failed",
      error: { errorType: "JobDeadError", errorMessage: "dead", errorData: '{"x":1}' },
    });
    const empty = newCallbackId();
    await lambda.send(new SendDurableExecutionCallbackSuccessCommand({ CallbackId: empty }));
    const completion = await completionOf(empty);
    expect(completion).toMatchObject({ status: "succeeded" });
    expect(completion).not.toHaveProperty("result");
  });

  it("refuses a malformed callback id and a result over 256 KiB, recording nothing", async () => {
    await expect(
      lambda.send(new SendDurableExecutionCallbackSuccessCommand({ CallbackId: "not base64!" })),
    ).rejects.toMatchObject({ name: "ValidationException" });
    const callbackId = newCallbackId();
    await expect(
      lambda.send(
        new SendDurableExecutionCallbackSuccessCommand({
          CallbackId: callbackId,
          Result: Buffer.alloc(262_145, 97),
        }),
      ),
    ).rejects.toMatchObject({ name: "ValidationException" });
    expect(await completionOf(callbackId)).toBeUndefined();
  });
});
