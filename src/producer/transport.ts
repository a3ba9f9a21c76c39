import {
  SendMessageBatchCommand,
  type SendMessageBatchRequest,
  type SendMessageBatchResult,
  SendMessageCommand,
  type SendMessageRequest,
  type SendMessageResult,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { type AttemptWatch, watchAttempts } from "./attempt-watch.ts";

/**
 * How JobClient's two send calls reach SQS. Each call makes up to the client's maxAttempts
 * attempts and sets `watch.ambiguous` when one of them ended without an answer, so the caller can
 * flag a possible duplicate even when a later attempt succeeded. Errors look like the SDK's.
 */
export interface SendTransport {
  sendMessage(input: SendMessageRequest, watch: AttemptWatch): Promise<SendMessageResult>;
  sendMessageBatch(input: SendMessageBatchRequest, watch: AttemptWatch): Promise<SendMessageBatchResult>;
}

/** The default: the caller's SQSClient with its whole middleware stack. */
export function sdkTransport(sqs: SQSClient): SendTransport {
  return {
    sendMessage(input, watch) {
      const command = new SendMessageCommand(input);
      watchAttempts(command, watch);
      return sqs.send(command);
    },
    sendMessageBatch(input, watch) {
      const command = new SendMessageBatchCommand(input);
      watchAttempts(command, watch);
      return sqs.send(command);
    },
  };
}
