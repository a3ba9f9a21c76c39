import { SQSClient } from "@aws-sdk/client-sqs";
import { endpointFromEnv } from "./env.ts";

/**
 * The SQS client sqs-jobs creates when the caller passes none. With an endpoint set
 * (`AWS_ENDPOINT_URL_SQS` or `AWS_ENDPOINT_URL`, e.g. LocalStack or `sqs-jobs dev`) it must not
 * send to the queue URL's own host: emulators hand out URLs such as
 * `http://sqs.us-east-1.localhost:4566/...` whose names do not resolve, so every call would fail
 * with ENOTFOUND.
 */
export function createSqsClient(): SQSClient {
  const endpoint = endpointFromEnv("SQS");
  return endpoint === undefined
    ? new SQSClient({})
    : new SQSClient({ endpoint, useQueueUrlAsEndpoint: false });
}
