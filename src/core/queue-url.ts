import { ConfigError } from "./errors.ts";

/**
 * The one place that reads SQS queue identifiers: names, URLs
 * (`https://sqs.REGION.amazonaws.com/ACCOUNT/NAME`), ARNs (`arn:PARTITION:sqs:REGION:ACCOUNT:NAME`)
 * and the RedrivePolicy attribute. Pure functions: nothing here calls AWS.
 */

/** The fields of an SQS queue ARN. */
export interface QueueArn {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly name: string;
}

const URL_PATTERN = /^https?:\/\//i;

/** Whether the text is a URL (`http(s)://...`), as opposed to a queue name or an ARN. */
export function isQueueUrl(text: string): boolean {
  return URL_PATTERN.test(text);
}

/** The fields of an SQS queue ARN, or `undefined` when the text is not one. */
export function parseQueueArn(text: string): QueueArn | undefined {
  const parts = text.split(":");
  const [prefix, partition, service, region, account, name] = parts;
  if (parts.length !== 6 || prefix !== "arn" || service !== "sqs" || !partition || !name) return undefined;
  return { partition, region: region ?? "", account: account ?? "", name };
}

/** A queue's name from its name, URL or ARN: the last path segment or the last ARN field. */
export function queueNameOf(nameUrlOrArn: string): string {
  const arn = parseQueueArn(nameUrlOrArn);
  if (arn !== undefined) return arn.name;
  const parts = nameUrlOrArn.replace(/\/+$/, "").split("/");
  return parts[parts.length - 1] ?? nameUrlOrArn;
}

/** SQS requires FIFO queue names to end in `.fifo`, so the name, URL or ARN says it. */
export function isFifoQueue(nameUrlOrArn: string): boolean {
  return queueNameOf(nameUrlOrArn).endsWith(".fifo");
}

/**
 * The URL of the queue an ARN names, by SQS's URL pattern. Clients that sqs-jobs creates with an
 * endpoint set do not send to the URL's host, so the pattern also works against LocalStack and
 * `sqs-jobs dev`.
 *
 * @throws {ConfigError} not an SQS queue ARN with a region and an account
 */
export function queueUrlFromArn(arn: string): string {
  const parsed = parseQueueArn(arn);
  if (parsed === undefined || parsed.region === "" || parsed.account === "") {
    throw new ConfigError(
      `"${arn.slice(0, 200)}" is not an SQS queue ARN (arn:aws:sqs:REGION:ACCOUNT:NAME); pass queueUrl explicitly`,
    );
  }
  const domain = parsed.partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
  return `https://sqs.${parsed.region}.${domain}/${parsed.account}/${parsed.name}`;
}

/**
 * The ARN of the queue a URL names: the account and name from the path, the region from an AWS
 * host (`sqs.REGION.amazonaws.com`, the legacy `REGION.queue.amazonaws.com`) or else `region`
 * (a local endpoint's URL such as `http://127.0.0.1:4566/000000000000/q` has none).
 *
 * @throws {ConfigError} the URL has no account and name, or no region could be found
 */
export function queueArnFromUrl(queueUrl: string, region?: string): string {
  const url = URL.canParse(queueUrl) ? new URL(queueUrl) : undefined;
  const [account, name] = url?.pathname.split("/").filter((p) => p !== "") ?? [];
  const host = url?.hostname ?? "";
  const fromHost =
    /^sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(host) ??
    /^([a-z0-9-]+)\.queue\.amazonaws\.com(\.cn)?$/.exec(host);
  const queueRegion = fromHost?.[1] ?? region;
  if (account === undefined || name === undefined || queueRegion === undefined || queueRegion === "") {
    throw new ConfigError(
      `cannot tell the queue ARN of "${queueUrl.slice(0, 200)}": a queue URL is https://sqs.REGION.amazonaws.com/ACCOUNT/NAME, and a local URL needs the client's region`,
    );
  }
  const partition =
    fromHost?.[2] !== undefined || queueRegion.startsWith("cn-")
      ? "aws-cn"
      : queueRegion.startsWith("us-gov-")
        ? "aws-us-gov"
        : "aws";
  return `arn:${partition}:sqs:${queueRegion}:${account}:${name}`;
}

/**
 * The DLQ ARN of a RedrivePolicy attribute, or `undefined` when there is none. A policy SQS
 * accepted is always JSON; anything else means "no usable DLQ".
 */
export function deadLetterTargetArn(redrivePolicy: string | undefined): string | undefined {
  if (redrivePolicy === undefined || redrivePolicy === "") return undefined;
  try {
    const parsed: unknown = JSON.parse(redrivePolicy);
    if (typeof parsed === "object" && parsed !== null && "deadLetterTargetArn" in parsed) {
      const arn = parsed.deadLetterTargetArn;
      return typeof arn === "string" && arn !== "" ? arn : undefined;
    }
  } catch {
    return undefined;
  }
  return undefined;
}
