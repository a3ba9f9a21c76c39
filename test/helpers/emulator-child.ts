/**
 * The tests' endpoint in a process of its own, for the global set-up (which vite runs without
 * import.meta.resolve, which fauxqs's loader needs): `node test/helpers/emulator-child.ts`. Prints
 * `endpoint <url>` once listening; stops on SIGTERM, or when its parent goes (stdin closes), so a
 * killed test run leaves no port bound.
 */
import { startTestEmulator } from "./emulator.ts";

const stack = await startTestEmulator();
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  stack.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once("SIGTERM", stop);
process.stdin.on("close", stop).resume();
process.stdout.write(`endpoint ${stack.endpoint}\n`);
