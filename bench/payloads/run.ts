/**
 * S3 offload per job: `JobClient.send` of jobs past 1 MiB (validate, encode, PutObject, pointer,
 * SendMessage) against raw loops making the same two calls per job with the same bodies
 * (PutObject of the serialised envelope, then SendMessage of the pointer). fauxqs (SQS and
 * S3) in its own process; the methods run back to back in each repetition, rotating which
 * goes first. Every run checks the queue holds one message per job and each object is there.
 * `npm run bench:payloads [-- --jobs N --kib K --concurrency C --repetitions R]`.
 */
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import * as z from "zod/mini";
import { pointerAttribute, pointerBody } from "../../src/core/payload-pointer.ts";
import { defineJob, JobClient } from "../../src/index.ts";
import { ownCpuMs, processCpuMs } from "../lib/cpu.ts";
import { startFauxqsProcess } from "../lib/fauxqs-process.ts";
import { machineInfo } from "../lib/machine.ts";
import { runPool } from "../lib/pool.ts";
import { writeResults } from "../lib/results.ts";
import { benchSqsClient, countMessages, createQueue, deleteQueue } from "../lib/sqs.ts";
import { round, spread } from "../lib/stats.ts";

const { values: args } = parseArgs({
  options: {
    jobs: { type: "string", default: "60" },
    kib: { type: "string", default: "2048" },
    concurrency: { type: "string", default: "4" },
    repetitions: { type: "string", default: "5" },
    out: { type: "string", default: fileURLToPath(new URL("../results/payloads.json", import.meta.url)) },
  },
});
const JOBS = Number(args.jobs);
const KIB = Number(args.kib);
const CONCURRENCY = Number(args.concurrency);
const REPETITIONS = Number(args.repetitions);

const upload = defineJob({ name: "upload", schema: z.object({ name: z.string(), data: z.string() }) });

interface Target {
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly queueUrl: string;
}

type Method = (target: Target, payloads: readonly { name: string; data: string }[]) => Promise<void>;

/** A raw loop: PutObject of the serialised envelope (`encode` makes the Body), then the pointer. */
function rawLoop(encode: (body: string) => string | Uint8Array): Method {
  return async ({ sqs, s3, bucket, queueUrl }, payloads) => {
    // Serialising the payload is on the clock: any sender of a 2 MiB job pays it. Validation,
    // size checks and the job id are not: the raw loop does strictly less client work.
    await runPool(payloads.length, CONCURRENCY, async (i) => {
      const payload = payloads[i];
      const body = encode(JSON.stringify({ sqsJobs: 1, job: upload.name, id: randomUUID(), payload }));
      const pointer = { bucket, key: `raw/${randomUUID()}.json` };
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: pointer.key, Body: body }));
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: pointerBody(pointer),
          MessageAttributes: pointerAttribute(
            typeof body === "string" ? Buffer.byteLength(body) : body.byteLength,
          ),
        }),
      );
    });
  };
}

/**
 * sqs-jobs, and two raw loops: one passing the body as the string it serialised (as most code
 * does, and the SDK then encodes it twice: for the checksum and for the request), one encoding it
 * to bytes once itself (as sqs-jobs does): the strongest baseline.
 */
const METHODS = {
  "sqs-jobs": async ({ sqs, s3, bucket, queueUrl }, payloads) => {
    const jobs = new JobClient({ queueUrl, sqs, ledger: false, payloads: { bucket, s3 } });
    await runPool(payloads.length, CONCURRENCY, async (i) => {
      await jobs.send(upload, payloads[i] as { name: string; data: string });
    });
  },
  raw: rawLoop((body) => body),
  "raw, bytes": rawLoop((body) => Buffer.from(body, "utf8")),
} satisfies Record<string, Method>;
type MethodName = keyof typeof METHODS;
const NAMES = Object.keys(METHODS) as MethodName[];
const perMethod = <T>(make: () => T): Record<MethodName, T> =>
  Object.fromEntries(NAMES.map((name) => [name, make()])) as Record<MethodName, T>;

/**
 * The objects in `bucket`, counted, then deleted with the bucket: the emulator keeps them in
 * memory, and hundreds of 2 MiB objects left from earlier runs slow its collector down under
 * whichever method runs next.
 */
async function countAndEmpty(s3: S3Client, bucket: string): Promise<number> {
  let count = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    const keys = (page.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [{ Key: o.Key }]));
    count += keys.length;
    if (keys.length > 0)
      await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
    token = page.NextContinuationToken;
  } while (token !== undefined);
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  return count;
}

async function main(): Promise<void> {
  const fauxqs = await startFauxqsProcess();
  const sqs = benchSqsClient(fauxqs.endpoint);
  const s3 = new S3Client({
    endpoint: fauxqs.endpoint,
    forcePathStyle: true,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  const data = "x".repeat(KIB * 1024);
  const payloads = Array.from({ length: JOBS }, (_, i) => ({ name: `file-${i}`, data }));
  const rates = perMethod<number[]>(() => []);
  // CPU per job, this process's (the client) and fauxqs's, to tell client cost from emulator noise.
  const clientCpu = perMethod<number[]>(() => []);
  const emulatorCpu = perMethod<number[]>(() => []);
  const ratios: number[] = [];
  const bytesRatios: number[] = [];
  try {
    // One repetition first that counts for nothing: the first runs of each method pay for the
    // JIT and the connections, whichever goes first.
    for (let rep = -1; rep < REPETITIONS; rep++) {
      // Rotate the order each repetition so no method always runs first.
      const order = NAMES.map((_, k) => NAMES[(rep + 1 + k) % NAMES.length] as MethodName);
      const jobsPerSec = perMethod(() => 0);
      for (const name of order) {
        const slug = name.replace(/[^a-z-]/g, "");
        const bucket = `bench-payloads-${rep + 1}-${slug}`;
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
        const queueUrl = await createQueue(sqs, `bench-payloads-${process.pid}-${rep + 1}-${slug}`);
        const cpu0 = ownCpuMs();
        const emu0 = processCpuMs(fauxqs.pid);
        const t0 = performance.now();
        await METHODS[name]({ sqs, s3, bucket, queueUrl }, payloads);
        const elapsedMs = performance.now() - t0;
        const cpu = {
          client: (ownCpuMs() - cpu0) / JOBS,
          emulator: (processCpuMs(fauxqs.pid) - emu0) / JOBS,
        };
        // A method must not win by losing a message or an object.
        const held = await countMessages(sqs, queueUrl);
        const stored = await countAndEmpty(s3, bucket);
        if (held !== JOBS || stored !== JOBS) {
          throw new Error(`${name}: ${held} messages and ${stored} objects for ${JOBS} jobs`);
        }
        await deleteQueue(sqs, queueUrl);
        jobsPerSec[name] = (JOBS * 1000) / elapsedMs;
        if (rep < 0) continue;
        rates[name].push(jobsPerSec[name]);
        clientCpu[name].push(cpu.client);
        emulatorCpu[name].push(cpu.emulator);
      }
      if (rep < 0) continue;
      ratios.push(jobsPerSec["sqs-jobs"] / jobsPerSec.raw);
      bytesRatios.push(jobsPerSec["sqs-jobs"] / jobsPerSec["raw, bytes"]);
    }
    const ratio = spread(ratios, 2);
    const bytesRatio = spread(bytesRatios, 2);
    const each = (samples: Record<MethodName, number[]>) =>
      Object.fromEntries(NAMES.map((name) => [name, spread(samples[name], 1)]));
    const results = {
      benchmark: "payloads",
      date: new Date().toISOString(),
      node: process.version,
      machine: machineInfo(),
      emulator: "fauxqs (SQS and S3) in its own process on loopback",
      jobs: JOBS,
      payloadKiB: KIB,
      concurrency: CONCURRENCY,
      repetitions: REPETITIONS,
      jobsPerSec: each(rates),
      ratio,
      ratioToBytesLoop: bytesRatio,
      clientCpuMsPerJob: each(clientCpu),
      emulatorCpuMsPerJob: each(emulatorCpu),
      targets: {
        "send through S3 >= 0.9x a raw PutObject + SendMessage loop": ratio.median >= 0.9,
        "the same against the loop that encodes its body once": bytesRatio.median >= 0.9,
      },
    };
    await writeResults(args.out, results);
    console.log(JSON.stringify(results, null, 2));
    console.log(`ratio median ${round(ratio.median, 2)}, to the bytes loop ${round(bytesRatio.median, 2)}`);
  } finally {
    sqs.destroy();
    s3.destroy();
    await fauxqs.stop();
  }
}

await main();
