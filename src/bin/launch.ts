/**
 * The `sqs-jobs` command. It ships with the runtime package, so that `npx sqs-jobs init` works in
 * an empty folder, but every command lives in the tools package (sqs-jobs-tools, a dev
 * dependency): production installs carry no emulator, dashboard or CLI code. When the tools are not
 * installed, `init` still runs (it writes files, with node:fs alone), and any other command says how
 * to get them instead of failing on a missing module.
 */
export async function launch(args: readonly string[]): Promise<number> {
  const tools = await loadTools();
  if (tools !== undefined) return tools.run(args);
  // `npx sqs-jobs init` in an empty folder has only this package: init needs nothing else.
  if (args[0] === "init") return (await import("./init-command.ts")).initFromArgs(args.slice(1));
  process.stderr.write(
    "error: the sqs-jobs commands come with the tools package; install it as a dev dependency:\n" +
      "  npm i -D sqs-jobs-tools\n",
  );
  return 1;
}

interface Tools {
  run(args: readonly string[]): Promise<number>;
}

// A name in a variable, so that building this package does not compile the tools package into it.
const TOOLS_CLI = "sqs-jobs-tools/cli";

async function loadTools(): Promise<Tools | undefined> {
  try {
    return (await import(TOOLS_CLI)) as Tools;
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/** Node's error for a package that is not installed, naming the tools package itself. */
function isMissing(error: unknown): boolean {
  return (
    error instanceof Error &&
    "code" in error &&
    error.code === "ERR_MODULE_NOT_FOUND" &&
    error.message.includes("'sqs-jobs-tools'")
  );
}
