import { parseArgs } from "node:util";
import { initProject, initSummary } from "../init/init-project.ts";

const USAGE = "usage: sqs-jobs init [dir] [--name NAME]";

/**
 * `sqs-jobs init [dir] [--name NAME]` where the tools are not installed yet (the first command of
 * a new project). The tools' CLI has the same command, with its help and `--json`. Exits 2 on a
 * usage mistake, 1 when the project cannot be written (a directory that is not empty...).
 */
export async function initFromArgs(args: readonly string[]): Promise<number> {
  let dir: string;
  let name: string | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: { name: { type: "string" } },
      allowPositionals: true,
    });
    if (positionals.length > 1) throw new Error("init takes one directory");
    dir = positionals[0] ?? ".";
    name = values.name;
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  try {
    const result = await initProject(dir, name === undefined ? {} : { name });
    process.stdout.write(`${initSummary(result, process.cwd())}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
