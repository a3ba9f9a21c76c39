// One queue of two jobs whose consumer dead-letters them at once, for the dashboard's browser test:
// two reasons (poison, permanent) and two job names to filter by.
import { fileURLToPath } from "node:url";
import { App, Stack } from "aws-cdk-lib";
import { JobQueue } from "../../../cdk/lib/index.ts";
import { resizeImage, sendInvoice } from "./jobs.ts";

const app = new App();
const stack = new Stack(app, "DashboardFixture");
new JobQueue(stack, "Media", {
  name: "media",
  jobs: [sendInvoice, resizeImage],
  entry: fileURLToPath(new URL("./handler.ts", import.meta.url)),
  alarms: { enabled: false },
});
app.synth();
