// A plain CDK app (no sqs-jobs construct) to test the local stack's Lambda emulation on its own.
import { fileURLToPath } from "node:url";
import { App, Duration, Stack } from "aws-cdk-lib";
import { Runtime } from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { Queue } from "aws-cdk-lib/aws-sqs";

const app = new App();
const stack = new Stack(app, "DevFixture");
const dlq = new Queue(stack, "Dlq");
const work = new Queue(stack, "Work", {
  visibilityTimeout: Duration.seconds(2),
  deadLetterQueue: { queue: dlq, maxReceiveCount: 2 },
});
const out = new Queue(stack, "Out");
// Consumed by the same function: the control that shows a paused Work mapping could have run.
const control = new Queue(stack, "Control");
const fn = new NodejsFunction(stack, "Echo", {
  entry: fileURLToPath(new URL("./handler.ts", import.meta.url)),
  runtime: Runtime.NODEJS_24_X,
  timeout: Duration.seconds(2),
  environment: { OUT_QUEUE_URL: out.queueUrl, WORK_QUEUE_ARN: work.queueArn },
  bundling: { format: OutputFormat.ESM, externalModules: ["@aws-sdk/*"], forceDockerBundling: false },
});
fn.addEventSource(new SqsEventSource(work, { batchSize: 5, reportBatchItemFailures: true }));
fn.addEventSource(new SqsEventSource(control, { batchSize: 5, reportBatchItemFailures: true }));
out.grantSendMessages(fn);
app.synth();
