import { SQSClient } from "@aws-sdk/client-sqs";
import { type DevEvent, type DevStack, startDevStack } from "../../tools/src/local/dev-stack.ts";
import { fixtureAssembly } from "./fixture-assembly.ts";

/** A dev stack run in-process by one test file, with what its tests need to reach it. */
export interface TestDevStack {
  readonly stack: DevStack;
  /** The app's cloud assembly, shared with other files: read it, never write into it. */
  readonly assembly: string;
  /** Endpoint, region and dummy credentials, for any AWS client of the test. */
  readonly client: {
    readonly endpoint: string;
    readonly region: string;
    readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  };
  readonly sqs: SQSClient;
  /** Every batch the stack's pollers ran, in order. */
  readonly batches: readonly { readonly records: number; readonly failed: number }[];
  /** Every error event's message (a failed invocation, a failed poll...), in order. */
  readonly errors: readonly string[];
  /** The URL of the queue whose logical id starts with `prefix`. */
  queueUrl(prefix: string): string;
  stop(): Promise<void>;
}

/**
 * Starts `sqs-jobs dev` on a free port for one of the repository's CDK fixture apps, from its
 * assembly synthesized once for every file that starts it (./fixture-assembly.ts).
 */
export async function startTestDevStack(options: {
  /** The fixture app's file, e.g. `test/local/fixture-app/app.ts`. */
  readonly appFile: string;
  /** Also sees every event of the stack (the dashboard counts its rates from them). */
  readonly onEvent?: (event: DevEvent) => void;
}): Promise<TestDevStack> {
  const batches: { records: number; failed: number }[] = [];
  const errors: string[] = [];
  const assembly = await fixtureAssembly(options.appFile);
  const stack = await startDevStack({
    app: assembly,
    port: 0,
    onEvent: (e) => {
      if (e.type === "batch") batches.push({ records: e.records, failed: e.failed });
      if (e.type === "error") errors.push(e.message);
      options.onEvent?.(e);
    },
  });
  const client = {
    endpoint: stack.endpoint,
    region: stack.region,
    credentials: { accessKeyId: "t", secretAccessKey: "t" },
  };
  const sqs = new SQSClient({ ...client, useQueueUrlAsEndpoint: false });
  return {
    stack,
    assembly,
    client,
    sqs,
    batches,
    errors,
    queueUrl(prefix) {
      const q = stack.queues.find((x) => x.logicalId.startsWith(prefix));
      if (q === undefined) throw new Error(`no queue ${prefix}`);
      return q.url;
    },
    async stop() {
      sqs.destroy();
      await stack.stop();
    },
  };
}
