import { codeBlocks, shellCommands, words } from "../docs/markdown-blocks.ts";

/**
 * The npm arguments of the README's "Install" section, with `sqs-jobs` and `sqs-jobs-tools`
 * replaced by the tarballs under test: what a user runs, so the package test installs nothing the README does not say.
 * Commands with the same flags are merged (one `npm install` for dependencies, one for `-D`): the
 * same packages end up installed, in half the npm runs.
 */
export function installCommands(
  readme: string,
  tarballs: { readonly runtime: string; readonly tools: string },
): string[][] {
  const blocks = codeBlocks(readme).filter((b) => b.section === "Install" && b.lang === "sh");
  const commands = blocks.flatMap((b) => shellCommands(b.code)).map(words);
  if (commands.length === 0) throw new Error('the README has no sh block under "## Install"');
  const merged = new Map<string, string[]>();
  for (const command of commands) {
    const [npm, verb, ...args] = command;
    if (npm !== "npm" || (verb !== "i" && verb !== "install")) {
      throw new Error(`the Install section may only run npm install, not: ${command.join(" ")}`);
    }
    const flags = args.filter((a) => a.startsWith("-"));
    const packages = args
      .filter((a) => !a.startsWith("-"))
      .map((a) => (a === "sqs-jobs" ? tarballs.runtime : a === "sqs-jobs-tools" ? tarballs.tools : a));
    const key = flags.join(" ");
    merged.set(key, [...(merged.get(key) ?? []), ...packages]);
  }
  return [...merged].map(([flags, packages]) => [
    "install",
    ...(flags === "" ? [] : flags.split(" ")),
    ...packages,
  ]);
}
