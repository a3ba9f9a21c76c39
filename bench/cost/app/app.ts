// The cost bench's app: a queue without a ledger (the plain scenario) and one with (the others),
// both consumed by Lambda through an event source mapping of batch size 10.
import { fileURLToPath } from "node:url";
import { App, Stack } from "aws-cdk-lib";
import { JobLedger, JobQueue, JobTopic } from "../../../cdk/lib/index.ts";
import {
  calledJob,
  childJob,
  flowDoneJob,
  laterJob,
  offloadedJob,
  plainJob,
  publishedJob,
  rateLimitedJob,
  trackedJob,
  uniqueJob,
} from "./jobs.ts";

const app = new App();
const stack = new Stack(app, "CostBench");
const entry = fileURLToPath(new URL("./handler.ts", import.meta.url));
new JobQueue(stack, "Plain", { name: "cost-plain", jobs: [plainJob], entry, alarms: { enabled: false } });
const tracked = new JobQueue(stack, "Tracked", {
  name: "cost-tracked",
  jobs: [
    trackedJob,
    uniqueJob,
    laterJob,
    calledJob,
    childJob,
    flowDoneJob,
    offloadedJob,
    rateLimitedJob,
    publishedJob,
  ],
  entry,
  ledger: new JobLedger(stack, "Ledger"),
  payloads: {},
  alarms: { enabled: false },
});
// Fan-out: published jobs reach the tracked queue through a topic (one subscription).
new JobTopic(stack, "Events", { name: "cost-events" }).subscribe(tracked, { jobs: [publishedJob] });
app.synth();
