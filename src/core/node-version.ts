/**
 * Why this Node.js cannot run `what`, or `undefined` when it can. Checked before the modules that
 * need a newer Node load: they would fail with errors that say nothing of the version (such as
 * "No such built-in module: node:sqlite" on Node 20).
 */
export function nodeTooOld(
  minimum: readonly [major: number, minor: number],
  what: string,
  version: string = process.versions.node,
): string | undefined {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  const [needMajor, needMinor] = minimum;
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return undefined;
  return `${what} needs Node.js >= ${needMajor}.${needMinor} (this is Node.js ${version}); install Node.js 22 or 24 (the Lambda runtimes nodejs22.x and nodejs24.x) and run it again`;
}
