import { SQSClient } from "@aws-sdk/client-sqs";
import { endpointFromEnv } from "./env.ts";

/** Where a client sqs-jobs creates should talk to; both default to the environment. */
export interface ClientTarget {
  /** @default `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`, then AWS itself */
  readonly endpoint?: string;
  /** @default the SDK's region chain (`AWS_REGION`, the profile...) */
  readonly region?: string;
  /** @default the SDK's credential chain */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/**
 * The SQS client sqs-jobs creates when the caller passes none. With an endpoint set
 * (`AWS_ENDPOINT_URL_SQS` or `AWS_ENDPOINT_URL`, e.g. LocalStack or `sqs-jobs dev`) it must not
 * send to the queue URL's own host: emulators hand out URLs such as
 * `http://sqs.us-east-1.localhost:4566/...` whose names do not resolve, so every call would fail
 * with ENOTFOUND.
 */
export function createSqsClient(target: ClientTarget = {}): SQSClient {
  const endpoint = target.endpoint ?? endpointFromEnv("SQS");
  const common = {
    ...(target.region === undefined ? {} : { region: target.region }),
    ...(target.credentials === undefined ? {} : { credentials: target.credentials }),
  };
  return endpoint === undefined
    ? new SQSClient(common)
    : new SQSClient({ ...common, endpoint, useQueueUrlAsEndpoint: false });
}
