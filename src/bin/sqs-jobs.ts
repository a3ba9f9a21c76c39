#!/usr/bin/env node
import { nodeTooOld } from "../core/node-version.ts";

const tooOld = nodeTooOld([22, 12], "sqs-jobs");
if (tooOld !== undefined) {
  process.stderr.write(`error: ${tooOld}\n`);
  process.exit(1);
}
// Loaded only now: on an older Node its imports would fail before the check above could speak.
const { launch } = await import("./launch.ts");
process.exitCode = await launch(process.argv.slice(2));
