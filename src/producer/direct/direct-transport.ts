import { createHash } from "node:crypto";
import { channel } from "node:diagnostics_channel";
import { setTimeout as sleep } from "node:timers/promises";
import type {
  SendMessageBatchRequest,
  SendMessageBatchResult,
  SendMessageRequest,
  SendMessageResult,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { SignatureV4 } from "@smithy/signature-v4";
import { type AttemptWatch, noteAttemptFailure } from "../attempt-watch.ts";
import type { SendTransport } from "../transport.ts";
import { type BaseEndpoint, baseEndpoint, endpointFor } from "./endpoint.ts";
import { Connections } from "./http-post.ts";
import { RetryQuota, retryDelayMs, retryKind } from "./retry.ts";
import { serviceError } from "./service-error.ts";

type Action = "SendMessage" | "SendMessageBatch";

/** Published on {@link DIRECT_REQUEST_CHANNEL} before each HTTP attempt. */
export interface DirectRequestMessage {
  readonly action: Action;
  /** 1 for the first attempt of a call, 2 for its first retry... */
  readonly attempt: number;
}

/**
 * A `node:diagnostics_channel` name on which the direct transport announces every HTTP attempt,
 * the SDK's own retries' equivalent included; with no subscriber it costs nothing. The benchmark
 * counts requests with it, since the direct path passes no SDK middleware.
 */
export const DIRECT_REQUEST_CHANNEL = "sqs-jobs:direct-transport:request";
const requests = channel(DIRECT_REQUEST_CHANNEL);

/** Longest wait for one attempt's complete answer; the SDK has no default, we want one. */
const REQUEST_TIMEOUT_MS = 30_000;
const USER_AGENT = `sqs-jobs md/transport#direct lang/js md/nodejs#${process.versions.node}`;

interface Settings {
  readonly signer: SignatureV4;
  readonly base: BaseEndpoint;
  readonly maxAttempts: number;
}

async function resolveSettings(config: SQSClient["config"], givenEndpoint: boolean): Promise<Settings> {
  const [region, maxAttempts] = await Promise.all([config.region(), config.maxAttempts()]);
  const signer = new SignatureV4({
    credentials: config.credentials,
    region,
    service: "sqs",
    sha256: config.sha256,
    uriEscapePath: true,
  });
  return { signer, base: await baseEndpoint(config, region, givenEndpoint), maxAttempts };
}

/**
 * Sends SendMessage and SendMessageBatch as signed AWS JSON 1.0 requests over keep-alive
 * connections, without the SDK's middleware stack, with the SDK client's credentials, region,
 * endpoint and maxAttempts. Retries like the SDK's standard mode; checks each stored body's MD5
 * like the SDK. What it does not replicate is listed in docs/transport.md.
 */
export function createDirectTransport(sqs: SQSClient): SendTransport {
  const connections = new Connections();
  const quota = new RetryQuota();
  let settings: Promise<Settings> | undefined;
  const givenEndpoint = sqs.config.endpoint !== undefined;

  const call = async (action: Action, queueUrl: string | undefined, body: string, watch: AttemptWatch) => {
    settings ??= resolveSettings(sqs.config, givenEndpoint).catch((error: unknown) => {
      settings = undefined;
      throw error;
    });
    const { signer, base, maxAttempts } = await settings;
    const url = endpointFor(base, queueUrl);
    let lastCost: number | undefined;
    let totalRetryDelay = 0;
    for (let attempt = 1; ; attempt++) {
      const signed = await signer.sign(
        {
          method: "POST",
          protocol: url.protocol,
          hostname: url.hostname,
          port: url.port === "" ? undefined : Number(url.port),
          path: url.pathname,
          query: {},
          headers: {
            host: url.host,
            "content-type": "application/x-amz-json-1.0",
            "x-amz-target": `AmazonSQS.${action}`,
            // Asks SQS for the query-compatible error code header, as the SDK does.
            "x-amzn-query-mode": "true",
            "user-agent": USER_AGENT,
          },
          body,
        },
        // The offset the SDK learnt from a clock-skew error on this client's other calls.
        { signingDate: new Date(Date.now() + sqs.config.systemClockOffset) },
      );
      if (requests.hasSubscribers) requests.publish({ action, attempt } satisfies DirectRequestMessage);
      let error: unknown;
      try {
        const answer = await connections.post(url, signed.headers, body, REQUEST_TIMEOUT_MS);
        if (answer.status === 200) {
          quota.succeeded(lastCost);
          return JSON.parse(answer.body) as unknown;
        }
        error = serviceError(answer.status, answer.headers, answer.body);
      } catch (thrown) {
        error = thrown;
      }
      noteAttemptFailure(watch, error);
      const kind = retryKind(error);
      const cost = kind !== undefined && attempt < maxAttempts ? quota.take(kind) : undefined;
      if (kind === undefined || cost === undefined) {
        throw withAttempts(error, attempt, totalRetryDelay);
      }
      lastCost = cost;
      const delay = retryDelayMs(kind, attempt - 1);
      totalRetryDelay += delay;
      await sleep(delay);
    }
  };

  return {
    async sendMessage(input, watch) {
      const out = (await call("SendMessage", input.QueueUrl, wireJson(input), watch)) as SendMessageResult;
      if (out.MD5OfMessageBody !== md5(input.MessageBody)) {
        throw new Error(`Invalid MD5 checksum on message: ${out.MessageId ?? "(no id)"}`);
      }
      return out;
    },
    async sendMessageBatch(input, watch) {
      const out = (await call(
        "SendMessageBatch",
        input.QueueUrl,
        wireJson(input),
        watch,
      )) as SendMessageBatchResult;
      checkBatchDigests(input, out);
      return out;
    },
  };
}

function md5(body: string | undefined): string {
  return createHash("md5")
    .update(body ?? "", "utf8")
    .digest("hex");
}

/** The SDK's check: every stored entry's MD5OfMessageBody matches the body sent. */
function checkBatchDigests(input: SendMessageBatchRequest, out: SendMessageBatchResult): void {
  const bad: string[] = [];
  for (const stored of out.Successful ?? []) {
    const sent = input.Entries?.find((e) => e.Id === stored.Id);
    if (sent !== undefined && stored.MD5OfMessageBody !== md5(sent.MessageBody)) {
      bad.push(stored.MessageId ?? "(no id)");
    }
  }
  if (bad.length > 0) throw new Error(`Invalid MD5 checksum on messages: ${bad.join(", ")}`);
}

/** Like the SDK's retry middleware, the final error says how many attempts the call made. */
function withAttempts(error: unknown, attempts: number, totalRetryDelay: number): unknown {
  if (typeof error !== "object" || error === null) return error;
  const e = error as { $metadata?: Record<string, unknown> };
  e.$metadata ??= {};
  e.$metadata.attempts = attempts;
  e.$metadata.totalRetryDelay = totalRetryDelay;
  return error;
}

/**
 * The request as AWS JSON 1.0: the SDK's input shape as it is, except binary attribute values,
 * which travel as base64 (JSON.stringify would turn a Uint8Array into an object of indexes).
 */
function wireJson(input: SendMessageRequest | SendMessageBatchRequest): string {
  return hasBinary(input) ? JSON.stringify(input, base64Bytes) : JSON.stringify(input);
}

function base64Bytes(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return raw instanceof Uint8Array ? Buffer.from(raw).toString("base64") : value;
}

function hasBinary(input: SendMessageRequest | SendMessageBatchRequest): boolean {
  const entries = "Entries" in input ? (input.Entries ?? []) : [input];
  for (const entry of entries) {
    for (const value of Object.values(entry.MessageAttributes ?? {})) {
      if (value.BinaryValue !== undefined || value.BinaryListValues !== undefined) return true;
    }
  }
  return false;
}
