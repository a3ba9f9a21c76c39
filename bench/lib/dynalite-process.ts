import { fileURLToPath } from "node:url";
import { type ServerProcess, startServerProcess } from "./server-process.ts";

const CHILD = fileURLToPath(new URL("./dynalite-child.ts", import.meta.url));

/** Starts dynalite in its own process on loopback (see {@link startServerProcess}). */
export function startDynaliteProcess(options: { readonly timeoutMs?: number } = {}): Promise<ServerProcess> {
  return startServerProcess({ name: "dynalite", script: CHILD, portVariable: "DYNALITE_PORT", ...options });
}
