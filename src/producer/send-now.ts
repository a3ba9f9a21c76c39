import { classifyFailure, describeAwsError } from "../core/aws-errors.ts";
import { SendError } from "../core/errors.ts";
import type { JobDefinition } from "../core/job.ts";
import type { AttemptWatch } from "./attempt-watch.ts";
import type { DeliveryChannel } from "./delivery-channel.ts";
import type { DeliverOne } from "./send-each.ts";

/**
 * The deliver step of `send` (SendMessage) and `publish` (SNS Publish): one call, retried by the
 * SDK. A failure says whether the queue or topic may hold the job anyway (`possibleDuplicate`, and
 * the thrown error's `maybeSent`): also when `signal`, the deadline of the job's ledger keys, cut
 * it short.
 */
export function sendNow(channel: DeliveryChannel, job: Pick<JobDefinition, "name">): DeliverOne {
  return async (m, index, signal) => {
    const attempts: AttemptWatch = { ambiguous: false };
    try {
      const messageId = await channel.sendOne(m, attempts, signal);
      return {
        index,
        ok: true,
        jobId: m.jobId,
        messageId,
        possibleDuplicate: attempts.ambiguous,
        deduplicated: false,
      };
    } catch (error) {
      const failed = { index, ok: false, jobId: m.jobId, error: describeAwsError(error) } as const;
      // A queue or topic that does not exist holds nothing, whatever an earlier attempt did.
      const missing = channel.missing(error);
      if (missing !== undefined) return { ...failed, possibleDuplicate: false, cause: missing };
      const maybeSent =
        attempts.ambiguous || signal?.aborted === true || classifyFailure(error) === "ambiguous";
      const cause = new SendError(
        `sending job "${job.name}" to ${channel.target} failed: ${describeAwsError(error)}${maybeSent ? `; ${channel.service} may hold it anyway (an attempt got no answer), so a resend may store it twice` : ""}`,
        { cause: error, maybeSent },
      );
      return { ...failed, possibleDuplicate: maybeSent, cause };
    }
  };
}
