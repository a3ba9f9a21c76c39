/**
 * Lambda's Invoke API for one consumer function, in its own process on loopback:
 * `node bench/ledger/lambda-child.ts` with LAMBDA_PORT. It answers
 * POST /2015-03-31/functions/<name>/invocations by running the sqs-jobs handler on the event, as
 * Lambda (and `sqs-jobs dev`) would. Stops on SIGTERM.
 */
import { createServer } from "node:http";
import { createSqsHandler, handle, type LambdaContext, type SqsEvent } from "../../src/index.ts";
import { squareJob } from "./call-job.ts";

const handler = createSqsHandler([handle(squareJob, (p) => ({ square: p.n * p.n }))], {
  logLevel: "silent",
  metrics: false,
});
const context: LambdaContext = {
  functionName: "square",
  awsRequestId: "bench",
  getRemainingTimeInMillis: () => 60_000,
} as LambdaContext;

const server = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (req.method !== "POST") {
    res.writeHead(404).end();
    return;
  }
  const out = await handler(JSON.parse(Buffer.concat(chunks).toString()) as SqsEvent, context);
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(out));
});
server.listen(Number(process.env.LAMBDA_PORT ?? 0), "127.0.0.1");
process.once("SIGTERM", () => {
  server.close(() => process.exit(0));
});
