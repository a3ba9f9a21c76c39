/**
 * S3 offload per job: `JobClient.send` of jobs past 1 MiB (validate, encode, PutObject, pointer,
 * SendMessage) against a raw loop making the same two calls per job with the same bodies
 * (PutObject of the serialised envelope, then SendMessage of the pointer). fauxqs (SQS and
 * S3) in its own process; both methods run back to back in each repetition, alternating which
 * goes first. Every run checks the queue holds one message per job and each object is there.
 * `npm run bench:payloads [-- --jobs N --kib K --concurrency C --repetitions R]`.
 */
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
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

const METHODS: Record<"sqs-jobs" | "raw", Method> = {
  "sqs-jobs": async ({ sqs, s3, bucket, queueUrl }, payloads) => {
    const jobs = new JobClient({ queueUrl, sqs, ledger: false, payloads: { bucket, s3 } });
    await runPool(payloads.length, CONCURRENCY, async (i) => {
      await jobs.send(upload, payloads[i] as { name: string; data: string });
    });
  },
  raw: async ({ sqs, s3, bucket, queueUrl }, payloads) => {
    // Serialising the payload is on the clock: any sender of a 2 MiB job pays it. Validation,
    // size checks and the job id are not: the raw loop does strictly less client work.
    await runPool(payloads.length, CONCURRENCY, async (i) => {
      const payload = payloads[i];
      const body = JSON.stringify({ sqsJobs: 1, job: upload.name, id: randomUUID(), payload });
      const pointer = { bucket, key: `raw/${randomUUID()}.json` };
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: pointer.key, Body: body }));
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: pointerBody(pointer),
          MessageAttributes: pointerAttribute(Buffer.byteLength(body)),
        }),
      );
    });
  },
};

async function objectCount(s3: S3Client, bucket: string): Promise<number> {
  let count = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    count += page.KeyCount ?? 0;
    token = page.NextContinuationToken;
  } while (token !== undefined);
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
  const rates: Record<string, number[]> = { "sqs-jobs": [], raw: [] };
  // CPU per job, this process's (the client) and fauxqs's, to tell client cost from emulator noise.
  const clientCpu: Record<string, number[]> = { "sqs-jobs": [], raw: [] };
  const emulatorCpu: Record<string, number[]> = { "sqs-jobs": [], raw: [] };
  const ratios: number[] = [];
  try {
    for (let rep = 0; rep < REPETITIONS; rep++) {
      const order = rep % 2 === 0 ? (["sqs-jobs", "raw"] as const) : (["raw", "sqs-jobs"] as const);
      const jobsPerSec: Record<string, number> = {};
      for (const name of order) {
        const bucket = `bench-payloads-${rep}-${name}`;
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
        const queueUrl = await createQueue(sqs, `bench-payloads-${process.pid}-${rep}-${name}`);
        const cpu0 = ownCpuMs();
        const emu0 = processCpuMs(fauxqs.pid);
        const t0 = performance.now();
        await METHODS[name]({ sqs, s3, bucket, queueUrl }, payloads);
        const elapsedMs = performance.now() - t0;
        clientCpu[name]?.push((ownCpuMs() - cpu0) / JOBS);
        emulatorCpu[name]?.push((processCpuMs(fauxqs.pid) - emu0) / JOBS);
        // A method must not win by losing a message or an object.
        const held = await countMessages(sqs, queueUrl);
        const stored = await objectCount(s3, bucket);
        if (held !== JOBS || stored !== JOBS) {
          throw new Error(`${name}: ${held} messages and ${stored} objects for ${JOBS} jobs`);
        }
        await deleteQueue(sqs, queueUrl);
        jobsPerSec[name] = (JOBS * 1000) / elapsedMs;
        rates[name]?.push(jobsPerSec[name]);
      }
      ratios.push((jobsPerSec["sqs-jobs"] as number) / (jobsPerSec.raw as number));
    }
    const ratio = spread(ratios, 2);
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
      jobsPerSec: { "sqs-jobs": spread(rates["sqs-jobs"] ?? [], 1), raw: spread(rates.raw ?? [], 1) },
      ratio,
      clientCpuMsPerJob: {
        "sqs-jobs": spread(clientCpu["sqs-jobs"] ?? [], 1),
        raw: spread(clientCpu.raw ?? [], 1),
      },
      emulatorCpuMsPerJob: {
        "sqs-jobs": spread(emulatorCpu["sqs-jobs"] ?? [], 1),
        raw: spread(emulatorCpu.raw ?? [], 1),
      },
      targets: { "send through S3 >= 0.9x a raw PutObject + SendMessage loop": ratio.median >= 0.9 },
    };
    await writeResults(args.out, results);
    console.log(JSON.stringify(results, null, 2));
    console.log(`ratio median ${round(ratio.median, 2)}`);
  } finally {
    sqs.destroy();
    s3.destroy();
    await fauxqs.stop();
  }
}

await main();
