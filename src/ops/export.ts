import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { unlink } from "node:fs/promises";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { OperationError } from "../core/aws-errors.ts";
import { toDeadLetterRecord } from "./dead-letter-record.ts";
import { scanQueue } from "./scan.ts";

export interface ExportOptions {
  readonly onProgress?: (seen: number) => void;
}

/**
 * Writes every message of a queue to a new JSON Lines file (one object per message: ids, body,
 * system attributes, message attributes and the sqs-jobs reasons) without consuming anything:
 * messages are held hidden while they are read, then made visible again.
 *
 * @returns how many messages were written
 * @throws {OperationError} the file exists or cannot be created (nothing was received)
 * @example
 * await exportMessages(sqs, dlq.url, "dlq-backup.jsonl"); // then `dlq purge`
 */
export async function exportMessages(
  sqs: SQSClient,
  queueUrl: string,
  outPath: string,
  options: ExportOptions = {},
): Promise<number> {
  // The file is created first so a bad path fails before any message is touched; "wx" because a
  // backup that silently replaced an older backup would defeat its purpose.
  const out = createWriteStream(outPath, { flags: "wx" });
  try {
    await once(out, "open");
  } catch (cause) {
    throw new OperationError(
      `cannot create ${outPath} (${cause instanceof Error ? cause.message : String(cause)}); export never overwrites a file, choose a new name`,
      { cause },
    );
  }
  try {
    // Held for 5 minutes: long enough to read a large DLQ without seeing a message twice.
    const messages = await scanQueue(sqs, queueUrl, {
      visibilitySeconds: 300,
      onProgress: options.onProgress,
    });
    for (const message of messages) {
      if (!out.write(`${JSON.stringify(toDeadLetterRecord(message))}\n`)) await once(out, "drain");
    }
    out.end();
    await once(out, "finish");
    return messages.length;
  } catch (error) {
    out.destroy();
    await unlink(outPath).catch(() => undefined);
    throw error;
  }
}
