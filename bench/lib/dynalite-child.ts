/**
 * dynalite (DynamoDB in memory) in its own process, on loopback only: `node bench/lib/dynalite-child.ts`
 * with DYNALITE_PORT. Tables are created and deleted at once (no CREATING phase to wait out).
 * Stops on SIGTERM.
 */
import dynalite from "dynalite";

const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(Number(process.env.DYNALITE_PORT ?? 0), "127.0.0.1");
process.once("SIGTERM", () => {
  server.close(() => process.exit(0));
});
