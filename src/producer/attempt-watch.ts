import { classifyFailure } from "../core/aws-errors.ts";

export interface AttemptWatch {
  /** Set once any attempt of the call ended without a clear answer (5xx, reset, timeout). */
  ambiguous: boolean;
}

/**
 * What {@link watchAttempts} needs of a command: its middleware stack. SQS's and SNS's commands
 * each type it for their own input and output; the middleware below handles any, so it is passed
 * as `never`, which every command's stack accepts.
 */
interface WatchableCommand {
  readonly middlewareStack: {
    add(middleware: never, options: { step: "deserialize"; priority: "high"; name: string }): void;
  };
}

/**
 * Watches every attempt of one SDK send command, the SDK's own retries included. The SDK retries
 * a 5xx or a reset by itself (3 attempts by default) and reports only the last outcome: when the
 * first attempt reached SQS (or SNS) but its answer was lost, the retry stores a second copy and
 * the call still looks like a clean success. Only a per-attempt view can tell, so the result can
 * say `possibleDuplicate`. The middleware sits on this command only; the caller's client is untouched.
 */
export function watchAttempts(command: WatchableCommand, watch: AttemptWatch): void {
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
  command.middlewareStack.add(middleware as never, {
    step: "deserialize",
    priority: "high",
    name: "sqsJobsAttemptWatch",
  });
}
