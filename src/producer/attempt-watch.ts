import { type SendMessageBatchCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { classifyFailure } from "../core/aws-errors.ts";

export interface AttemptWatch {
  /** Set once any attempt of the call ended without a clear answer (5xx, reset, timeout). */
  ambiguous: boolean;
}

/**
 * Watches every attempt of one SDK send command, the SDK's own retries included. The SDK retries
 * a 5xx or a reset by itself (3 attempts by default) and reports only the last outcome: when the
 * first attempt reached SQS but its answer was lost, the retry stores a second copy and the call
 * still looks like a clean success. Only a per-attempt view can tell, so the result can say
 * `possibleDuplicate`. The middleware sits on this command only; the caller's client is untouched.
 */
export function watchAttempts(
  command: SendMessageCommand | SendMessageBatchCommand,
  watch: AttemptWatch,
): void {
  const middleware =
    <A, R>(next: (args: A) => Promise<R>) =>
    async (args: A): Promise<R> => {
      try {
        return await next(args);
      } catch (error) {
        // An attempt without a clear answer may have stored the message.
        if (classifyFailure(error) === "ambiguous") watch.ambiguous = true;
        throw error;
      }
    };
  // "deserialize" runs inside the retry loop; priority "high" wraps the deserializer, so service
  // errors arrive here already parsed (name, $metadata) like the caller will see them.
  const options = { step: "deserialize", priority: "high", name: "sqsJobsAttemptWatch" } as const;
  // Two calls because TypeScript cannot call `add` on the union of the two commands' stacks.
  if (command instanceof SendMessageCommand) command.middlewareStack.add(middleware, options);
  else command.middlewareStack.add(middleware, options);
}
