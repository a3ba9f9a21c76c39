import { cp, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Where a dev stack puts its functions' code. Lambda unpacks a function's code into /var/task, a
 * root of its own: no package.json above it says `"type": "module"`, and no node_modules above it
 * lends it packages its bundle left out. Run from inside the project's cdk.out, a CommonJS
 * `index.js` would load as an ES module ("require is not defined in ES module scope"), so each
 * function runs from a copy in a directory of its own under the system's temporary directory.
 */
export class CodeRoots {
  readonly #dir: string;

  private constructor(dir: string) {
    this.#dir = dir;
  }

  static async create(): Promise<CodeRoots> {
    return new CodeRoots(await mkdtemp(join(tmpdir(), "sqs-jobs-dev-")));
  }

  /** Copies an asset directory to a root of its own and returns that root. */
  async stage(assetDir: string, name: string): Promise<string> {
    const root = join(this.#dir, name);
    await cp(assetDir, root, { recursive: true });
    // Without a package.json of its own, Node would look for one further up (the temporary
    // directory could sit inside a project); on Lambda nothing is further up, so .js is CommonJS.
    const own = await stat(join(root, "package.json")).catch(() => undefined);
    if (own === undefined) await writeFile(join(root, "package.json"), "{}\n");
    return root;
  }

  async remove(): Promise<void> {
    await rm(this.#dir, { recursive: true, force: true });
  }
}
