import { PublishBatchCommand, PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { TOPIC_ATTRIBUTE } from "../../src/core/topic-attribute.ts";
import { JobClient } from "../../src/index.ts";
import { runPool } from "../lib/pool.ts";
import { round, spread } from "../lib/stats.ts";
import { benchJob, CONCURRENCY, makeWorkload } from "../producer/methods.ts";

/**
 * An SNS client whose calls never leave the process: each answers after one turn of the event
 * loop (as a socket's answer would arrive), with a message id per entry. What a method then
 * costs is its own client work (sqs-jobs: validation, ids, envelope, the send pipeline) plus the
 * command objects, without the SDK's serialisation, signing and HTTP, whose CPU on a loopback
 * emulator is 10 to 100 times larger and varies by more than sqs-jobs's whole cost between runs.
 */
function answeringClient(): SNSClient {
  const send = async (command: unknown) => {
    await new Promise((resolve) => setImmediate(resolve));
    if (command instanceof PublishBatchCommand) {
      const entries = command.input.PublishBatchRequestEntries ?? [];
      return { Successful: entries.map((e) => ({ Id: e.Id, MessageId: "m" })), Failed: [] };
    }
    return { MessageId: "m" };
  };
  const config = {
    region: async () => "us-east-1",
    credentials: async () => ({ accessKeyId: "test", secretAccessKey: "test" }),
  };
  return { send, config } as unknown as SNSClient;
}

export interface ClientOverhead {
  /** Microseconds of the client's time a message, median of the rounds. */
  readonly microsPerMessage: Record<string, ReturnType<typeof spread>>;
  /** sqs-jobs's own work a message: its time minus the raw loop's, from the medians. */
  readonly ownMicrosPerMessage: { readonly publish: number; readonly publishBatch: number };
}

/**
 * publish and publishBatch against the raw commands on {@link answeringClient}: `messages` a
 * round, `rounds` rounds after one not counted, wall time of one process doing nothing else.
 */
export async function measureClientOverhead(messages: number, rounds: number): Promise<ClientOverhead> {
  const sns = answeringClient();
  const topicArn = "arn:aws:sns:us-east-1:000000000000:bench";
  const client = new JobClient({ topicArn, sns, ledger: false });
  const work = makeWorkload(messages);
  const attributes = { ...work.attributes, [TOPIC_ATTRIBUTE]: { DataType: "String", StringValue: "bench" } };
  const methods: Record<string, () => Promise<unknown>> = {
    "sqs-jobs publish": () =>
      runPool(messages, CONCURRENCY, async (i) => {
        await client.publish(benchJob, work.payloads[i] as (typeof work.payloads)[number]);
      }),
    "raw Publish": () =>
      runPool(messages, CONCURRENCY, async (i) => {
        await sns.send(
          new PublishCommand({ TopicArn: topicArn, Message: work.bodies[i], MessageAttributes: attributes }),
        );
      }),
    "sqs-jobs publishBatch": () => client.publishBatch(benchJob, work.payloads),
    "raw PublishBatch": () =>
      runPool(Math.ceil(messages / 10), CONCURRENCY, async (chunk) => {
        const entries = work.bodies
          .slice(chunk * 10, chunk * 10 + 10)
          .map((Message, i) => ({ Id: String(i), Message, MessageAttributes: attributes }));
        await sns.send(new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries }));
      }),
  };
  const samples: Record<string, number[]> = {};
  for (let r = -1; r < rounds; r++) {
    for (const [name, run] of Object.entries(methods)) {
      const t0 = performance.now();
      await run();
      if (r < 0) continue;
      const xs = samples[name] ?? [];
      xs.push(((performance.now() - t0) * 1000) / messages);
      samples[name] = xs;
    }
  }
  const microsPerMessage = Object.fromEntries(
    Object.entries(samples).map(([name, xs]) => [name, spread(xs, 2)]),
  );
  const median = (name: string) => microsPerMessage[name]?.median ?? Number.NaN;
  return {
    microsPerMessage,
    ownMicrosPerMessage: {
      publish: round(median("sqs-jobs publish") - median("raw Publish"), 2),
      publishBatch: round(median("sqs-jobs publishBatch") - median("raw PublishBatch"), 2),
    },
  };
}
