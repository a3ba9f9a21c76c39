// One queue with a job ledger and a nightly schedule, for the dashboard's jobs and schedules pages
// in the browser: a job that succeeds with a result, one that dies at once.
import { fileURLToPath } from "node:url";
import { App, Stack } from "aws-cdk-lib";
import { JobLedger, JobQueue } from "../../../cdk/lib/index.ts";
import { chargeCard, makeThumbnail } from "./jobs.ts";

const app = new App();
const stack = new Stack(app, "DashboardLedgerFixture");
const queue = new JobQueue(stack, "Shop", {
  name: "shop",
  jobs: [makeThumbnail, chargeCard],
  entry: fileURLToPath(new URL("./handler.ts", import.meta.url)),
  ledger: new JobLedger(stack, "Ledger"),
  alarms: { enabled: false },
});
queue.schedule("NightlyThumbnails", {
  job: makeThumbnail,
  payload: { key: "nightly.png" },
  cron: "0 3 * * ? *",
  timezone: "Europe/Berlin",
});
app.synth();
