/**
 * The generated site in a child process of its own: on the web a site's pages are served by
 * another machine, not on the auditors' CPU. `forkSiteServer` starts this file; it answers
 * `{ url }` over IPC once it listens, and stops on "stop" (or when the parent goes away).
 */
import { fork } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { type SiteServerOptions, startSiteServer } from "./site-server.ts";

/** The site's address and how to stop its process. */
export interface ForkedSite {
  readonly url: string;
  stop(): Promise<void>;
}

export async function forkSiteServer(options: SiteServerOptions): Promise<ForkedSite> {
  const child = fork(fileURLToPath(import.meta.url), [JSON.stringify(options)], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  // Resolves with the exit code; a child that could not start emits "error" instead, handled below.
  const exited = once(child, "exit").then(
    ([code]) => code as number | null,
    () => null,
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.once("message", (message) => resolve((message as { url: string }).url));
    child.once("error", reject);
    exited.then((code) =>
      reject(new Error(`the site's process ended before it listened (exit code ${code})`)),
    );
  });
  return {
    url,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send("stop");
      await exited;
    },
  };
}

async function serveInThisProcess(send: (message: unknown) => void): Promise<void> {
  const site = await startSiteServer(JSON.parse(process.argv[2] ?? "{}") as SiteServerOptions);
  process.on("message", (message) => {
    if (message === "stop") void site.stop().then(() => process.disconnect());
  });
  process.on("disconnect", () => process.exit(0));
  send({ url: site.url });
}

// Started by forkSiteServer: serve. Imported: only forkSiteServer is used.
const send = process.send?.bind(process);
if (send !== undefined && process.argv[1] === fileURLToPath(import.meta.url)) await serveInThisProcess(send);
