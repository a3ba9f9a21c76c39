import type { CliContext } from "./context.ts";

/**
 * Resolves on the first SIGINT/SIGTERM; a second one exits at once. Listening starts when this is
 * called: before a long-running command says "Press Ctrl-C", or a Ctrl-C right after it would meet
 * Node's default action and kill the process without stopping anything.
 */
export function untilSignal(ctx: CliContext): Promise<void> {
  return new Promise<void>((resolve) => {
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (signalled) {
        ctx.note(`${signal} again: exiting without waiting`);
        process.exit(130);
      }
      signalled = true;
      resolve();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}
