import { App } from "aws-cdk-lib";
import { SqsJobsExampleStack } from "./example-stack.ts";

// No env: the stack synthesizes without credentials and deploys to the CLI's account and region.
const app = new App();
new SqsJobsExampleStack(app, "SqsJobsExample", {
  description: "sqs-jobs example: report and email job queues with an HTTP producer",
});
app.synth();
