import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { inject } from "vitest";
import { JobClient, type JobHandler, type JobRoute, type LogLevel, startWorker } from "../../src/index.ts";
import { createTestQueue, testSqs } from "../helpers/sqs.ts";
import { ledgerFixture } from "../ledger/fixture.ts";

const sqs = testSqs();
const { client: dynamodb, newLedger } = ledgerFixture();

/** A queue with its DLQ on one ledger table, a client, and workers on it. */
export async function flowRig(
  label: string,
  options: { readonly fifo?: boolean; readonly tableName?: string } = {},
) {
  const dlqUrl = await createTestQueue(sqs, `${label}-dlq`, { fifo: options.fifo });
  const queueUrl = await createTestQueue(sqs, label, {
    fifo: options.fifo,
    attributes: { VisibilityTimeout: "30" },
  });
  const tableName = options.tableName ?? (await newLedger()).tableName;
  const ledger = { tableName, dynamodb };
  const jobs = new JobClient({ queueUrl, sqs, ledger });
  const workers: { stop(): Promise<void> }[] = [];
  const work = (
    handlers: JobHandler[],
    more: { concurrency?: number; routes?: JobRoute[]; shutdownTimeoutMs?: number } = {},
  ) => {
    const worker = startWorker({
      queueUrl,
      handlers,
      sqs,
      ledger,
      dlqUrl,
      concurrency: more.concurrency ?? 10,
      waitTimeSeconds: 1,
      handleSignals: false,
      logLevel: (process.env.FLOW_LOG ?? "silent") as LogLevel,
      ...(more.routes === undefined ? {} : { routes: more.routes }),
      ...(more.shutdownTimeoutMs === undefined ? {} : { shutdownTimeoutMs: more.shutdownTimeoutMs }),
    });
    workers.push(worker);
    return worker;
  };
  const stop = () => Promise.all(workers.map((w) => w.stop()));
  return {
    queueUrl,
    dlqUrl,
    jobs,
    ledger,
    tableName,
    work,
    stop,
    sqs,
    dynamodb,
    endpoint: inject("sqsEndpoint"),
  };
}

/** Moves every message of `dlqUrl` whose body mentions `match` back to `queueUrl`, as a redrive does. */
export async function redrive(
  sqs: SQSClient,
  dlqUrl: string,
  queueUrl: string,
  match: string,
): Promise<number> {
  let moved = 0;
  for (let round = 0; round < 10; round++) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ["All"],
        WaitTimeSeconds: 1,
      }),
    );
    for (const m of out.Messages ?? []) {
      if (!m.Body?.includes(match)) {
        await sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: dlqUrl,
            ReceiptHandle: m.ReceiptHandle,
            VisibilityTimeout: 0,
          }),
        );
        continue;
      }
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: m.Body,
          MessageAttributes: m.MessageAttributes,
        }),
      );
      await sqs.send(new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: m.ReceiptHandle }));
      moved++;
    }
    if (moved > 0 && (out.Messages ?? []).length === 0) break;
  }
  return moved;
}
