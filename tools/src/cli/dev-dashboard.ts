import type { SchedulerClient } from "@aws-sdk/client-scheduler";
import { createDynamoDbClient } from "sqs-jobs/internal/core/dynamodb-client";
import { createLambdaClient } from "sqs-jobs/internal/core/lambda-client";
import { createSqsClient } from "sqs-jobs/internal/core/sqs-client";
import { clientConfig } from "sqs-jobs/internal/core/sqs-connect";
import { LEDGER_TABLE_ENV } from "sqs-jobs/internal/ledger/table-layout";
import { loadSchedulerSdk } from "sqs-jobs/internal/schedule/one-time";
import { createDashboard } from "../dashboard/dashboard.ts";
import { LocalRates } from "../dashboard/rates.ts";
import type { DevEvent, DevStack } from "../local/dev-stack.ts";

/** Where `sqs-jobs dev` serves the dashboard on its endpoint. */
export const DEV_DASHBOARD_PATH = "/_sqs-jobs/dashboard/";

/**
 * The dashboard of `sqs-jobs dev`, served on the stack's own endpoint under
 * {@link DEV_DASHBOARD_PATH}, with per-minute rates counted from the stack's batch events: feed it
 * every event from the start (`record`), then `mount` it once the stack runs.
 */
export class DevDashboard {
  readonly #rates = new LocalRates();
  #close: (() => void) | undefined;

  record(event: DevEvent): void {
    if (event.type === "batch") this.#rates.record(event.queueArn, event);
  }

  /** Serves the dashboard on the stack; returns its URL with the token. */
  mount(stack: DevStack, version: string): string {
    const target = {
      endpoint: stack.endpoint,
      region: stack.region,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    };
    const sqs = createSqsClient(target);
    const lambda = createLambdaClient(target);
    const dynamodb = createDynamoDbClient(target);
    let scheduler: Promise<SchedulerClient> | undefined;
    const dashboard = createDashboard({
      sqs,
      lambda,
      dynamodb: async () => dynamodb,
      ledgerTable: stack.ledgerEnvironment[LEDGER_TABLE_ENV],
      scheduler: () => {
        scheduler ??= loadSchedulerSdk().then(
          (sdk) => new sdk.SchedulerClient(clientConfig(target, "SCHEDULER")),
        );
        return scheduler;
      },
      rates: this.#rates,
      target: { endpoint: stack.endpoint, region: stack.region },
      version,
      listenHost: new URL(stack.endpoint).hostname,
    });
    stack.mount(DEV_DASHBOARD_PATH, (req, res, path) => dashboard.handle(req, res, path));
    this.#close = () => {
      dashboard.close();
      sqs.destroy();
      lambda.destroy();
      dynamodb.destroy();
      void scheduler?.then((client) => client.destroy());
    };
    return `${stack.endpoint}${DEV_DASHBOARD_PATH}#token=${dashboard.token}`;
  }

  close(): void {
    this.#close?.();
  }
}
