import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { isRunning } from "../local/directory-claim.ts";
import { appCommand, readCdkJson, synthesize } from "../local/synth.ts";
import { synthKey } from "./synth-inputs.ts";

export interface CachedAssembly {
  /** The cloud assembly's directory. */
  readonly dir: string;
  /** The key it is cached under (see {@link synthKey}). */
  readonly key: string;
  /** False when it came from the cache (or from another process's synth of the same key). */
  readonly synthesized: boolean;
}

const WAIT_POLL_MS = 100;
/** Assemblies kept besides the one in use: the latest keys, for switching back and forth. */
const KEEP = 4;
/** An assembly used this recently is never removed: a test may be starting from it. */
const IN_USE_MS = 10 * 60_000;
const KEY_NAME = /^[0-9a-f]{32}$/;

/**
 * Removes the assemblies of older keys, but the {@link KEEP} most recently used and any used in
 * the last {@link IN_USE_MS}: every change to the app leaves one behind (about 2 MB for the
 * example app). A use is a hit or a synth, marked on the directory's modification time.
 */
async function prune(root: string): Promise<void> {
  const now = Date.now();
  const keys = (await readdir(root)).filter((name) => KEY_NAME.test(name));
  const used = await Promise.all(
    keys.map(async (key) => ({
      key,
      at: (await stat(join(root, key)).catch(() => undefined))?.mtimeMs ?? now,
    })),
  );
  const old = used
    .sort((a, b) => b.at - a.at)
    .slice(KEEP + 1)
    .filter((u) => now - u.at > IN_USE_MS);
  await Promise.all(old.map((u) => rm(join(root, u.key), { recursive: true, force: true })));
}

/**
 * Takes the lock of a key's synth: a file holding this process's id, created only if absent. A
 * lock whose process is gone (killed mid-synth) is taken over.
 */
async function tryLock(lock: string): Promise<boolean> {
  try {
    await writeFile(lock, String(process.pid), { flag: "wx" });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const holder = Number(await readFile(lock, "utf8").catch(() => ""));
    // An empty file is a lock being written this instant: its holder is alive.
    if (holder === 0 || isRunning(holder)) return false;
    await rm(lock, { force: true });
    return tryLock(lock);
  }
}

/**
 * The app's cloud assembly, synthesized once per {@link synthKey} and kept under
 * `<cwd>/<cacheDir>/<key>`. Test files that start together synthesize once: the first takes the
 * key's lock and the others wait for its assembly. The synth writes into a directory of its own
 * that is renamed into place when complete, so no one ever reads a half-written assembly.
 */
export async function cachedAssembly(options: {
  readonly cwd: string;
  readonly app: string | undefined;
  readonly cacheDir: string;
}): Promise<CachedAssembly> {
  const cdkJson = await readCdkJson(options.cwd, options.app === undefined);
  const command = options.app ?? appCommand(cdkJson, options.cwd);
  const key = await synthKey({ cwd: options.cwd, command, cdkJson });
  const root = resolve(options.cwd, options.cacheDir);
  const dir = join(root, key);
  const lock = join(root, `${key}.lock`);
  await mkdir(root, { recursive: true });
  for (;;) {
    if (existsSync(join(dir, "manifest.json"))) {
      const now = new Date();
      await utimes(dir, now, now).catch(() => undefined);
      return { dir, key, synthesized: false };
    }
    if (await tryLock(lock)) break;
    await delay(WAIT_POLL_MS);
  }
  const scratch = join(root, `synth-${randomUUID()}`);
  try {
    // Another process may have finished this key between our check and our lock.
    if (existsSync(join(dir, "manifest.json"))) return { dir, key, synthesized: false };
    await synthesize({ app: command, cwd: options.cwd, outDir: scratch });
    await rename(scratch, dir);
  } finally {
    await rm(scratch, { recursive: true, force: true });
    await rm(lock, { force: true });
  }
  await prune(root);
  return { dir, key, synthesized: true };
}
