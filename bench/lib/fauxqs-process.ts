import { fileURLToPath } from "node:url";
import { type ServerProcess, startServerProcess } from "./server-process.ts";

export type FauxqsProcess = ServerProcess;

/** fauxqs on loopback only, as `sqs-jobs dev` runs it (fauxqs's own CLI binds every interface). */
const CLI = fileURLToPath(new URL("../../test/reliability/fixtures/fauxqs-child.ts", import.meta.url));

/** Starts fauxqs in its own process (see {@link startServerProcess}). */
export function startFauxqsProcess(options: { readonly timeoutMs?: number } = {}): Promise<FauxqsProcess> {
  return startServerProcess({ name: "fauxqs", script: CLI, portVariable: "FAUXQS_PORT", ...options });
}
