/**
 * fauxqs in its own process with SQLite persistence, so a test can stop and restart the emulator
 * under a running worker: `node test/reliability/fauxqs-child.ts`, with FAUXQS_PORT (0 = any) and
 * FAUXQS_DATA_DIR. Prints the port once listening; stops cleanly on SIGTERM.
 */
import { startFauxqs } from "fauxqs";

const server = await startFauxqs({
  port: Number(process.env.FAUXQS_PORT ?? 0),
  host: "127.0.0.1",
  logger: false,
  dataDir: process.env.FAUXQS_DATA_DIR,
});
process.stdout.write(`port ${server.port}\n`);
process.once("SIGTERM", () => {
  server.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
