import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { classifyFailure, describeAwsError, queueMissingOr } from "../core/aws-errors.ts";
import { SendError, SqsJobsError } from "../core/errors.ts";
import type { JobDefinition } from "../core/job.ts";
import { type AttemptWatch, watchAttempts } from "./attempt-watch.ts";
import type { DeliverOne } from "./send-each.ts";

/**
 * The deliver step of `send` to SQS: one SendMessage, retried by the SDK. A failure says whether
 * SQS may hold the job anyway (`possibleDuplicate`, and the thrown error's `maybeSent`): also when
 * `signal`, the deadline of the job's ledger keys, cut it short.
 */
export function sendNow(sqs: SQSClient, queueUrl: string, job: Pick<JobDefinition, "name">): DeliverOne {
  return async (m, index, signal) => {
    const attempts: AttemptWatch = { ambiguous: false };
    try {
      const command = new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: m.body,
        MessageAttributes: m.attributes,
        DelaySeconds: m.delaySeconds,
        MessageGroupId: m.groupId,
        MessageDeduplicationId: m.dedupId,
      });
      watchAttempts(command, attempts);
      const out = await sqs.send(command, { abortSignal: signal });
      return {
        index,
        ok: true,
        jobId: m.jobId,
        messageId: out.MessageId ?? "",
        possibleDuplicate: attempts.ambiguous,
        deduplicated: false,
      };
    } catch (error) {
      const failed = { index, ok: false, jobId: m.jobId, error: describeAwsError(error) } as const;
      // A queue that does not exist holds nothing, whatever an earlier attempt did.
      const mapped = queueMissingOr(error, queueUrl);
      if (mapped instanceof SqsJobsError) return { ...failed, possibleDuplicate: false, cause: mapped };
      const maybeSent =
        attempts.ambiguous || signal?.aborted === true || classifyFailure(error) === "ambiguous";
      const cause = new SendError(
        `sending job "${job.name}" to ${queueUrl} failed: ${describeAwsError(error)}${maybeSent ? "; SQS may hold it anyway (an attempt got no answer), so a resend may store it twice" : ""}`,
        { cause: error, maybeSent },
      );
      return { ...failed, possibleDuplicate: maybeSent, cause };
    }
  };
}
