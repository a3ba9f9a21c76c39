/**
 * The entry of dynalite's child process (`startLocalDynamoDb({ process: "own" })`): the same
 * server as in the stack's process, so its CPU is not the consumers'. The parent passes the key
 * and the store's path in the environment (not on the command line, which other users can list),
 * reads `{ port }` back over IPC, and sends "stop" to close it; a parent that goes away ends it too.
 */
import { listenDynalite } from "./dynalite-server.ts";

const send = process.send?.bind(process);
if (send === undefined)
  throw new Error("dynalite-process runs as a child of the local stack (an IPC channel)");
const key = process.env.SQS_JOBS_DYNALITE_KEY;
if (key === undefined || key === "") throw new Error("dynalite-process needs SQS_JOBS_DYNALITE_KEY");
const server = await listenDynalite({
  key,
  path: process.env.SQS_JOBS_DYNALITE_PATH,
});
const stop = async () => {
  await server.close();
  process.disconnect();
};
process.on("message", (message) => {
  if (message === "stop") void stop();
});
process.on("disconnect", () => process.exit(0));
send({ port: server.port });
