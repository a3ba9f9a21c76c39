import { execFile } from "node:child_process";
import { mkdir, stat, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build, type Metafile } from "esbuild";
import { sqsJobsBundling } from "../../cdk/lib/bundling.ts";
import { UNTRACED } from "../../cdk/untraced.ts";
import { round, spread } from "../lib/stats.ts";

const run = promisify(execFile);
const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
/** Under the repo (and gitignored), so a bundle's external `@aws-sdk/*` resolve from its node_modules. */
const OUT_DIR = root("bench/.tmp/cold-start");

interface Entry {
  readonly name: string;
  readonly description: string;
  readonly entry: string;
  /** A part of a consumer, timed to show where the import time goes; no ratio is taken. */
  readonly part?: true;
}

export const ENTRIES: readonly Entry[] = [
  {
    name: "sqs-jobs (handlers/build-report.ts)",
    description: "the example's build-report consumer: createSqsHandler + handle, zod/mini schemas, S3 store",
    entry: root("handlers/build-report.ts"),
  },
  {
    name: "Powertools batch + zod",
    description:
      "the same consumer with @aws-lambda-powertools/batch (BatchProcessor + processPartialResponse) and zod, as Powertools' docs show",
    entry: root("bench/consumer/fixtures/powertools-report.ts"),
  },
  {
    name: "Powertools batch + zod/mini",
    description: "the same with zod/mini: what the consumer library weighs, the schema library set aside",
    entry: root("bench/consumer/fixtures/powertools-report-mini.ts"),
  },
  {
    name: "part: sqs-jobs alone",
    description: "createSqsHandler([]): the consumer library at load, no job or schema",
    entry: root("bench/consumer/fixtures/sqs-jobs-alone.ts"),
    part: true,
  },
  {
    name: "part: Powertools batch alone",
    description: "BatchProcessor + processPartialResponse at load, no schema",
    entry: root("bench/consumer/fixtures/powertools-alone.ts"),
    part: true,
  },
  {
    name: "part: the example's schema alone",
    description: "handlers/jobs/build-report.ts: defineJob with its zod/mini schema, no consumer",
    entry: root("bench/consumer/fixtures/report-schema-alone.ts"),
    part: true,
  },
];

interface Bundle {
  readonly file: string;
  readonly bytes: number;
  readonly mapBytes: number;
  /** The external modules the bundle imports at load (the AWS SDK packages). */
  readonly externals: readonly string[];
  /** External modules it imports only when first needed (`import()`), so not at load. */
  readonly lazyExternals: readonly string[];
}

/**
 * Bundles like the JobQueue construct does: NodejsFunction's esbuild call with sqsJobsBundling()'s
 * settings (minified ESM, source map, keepNames, the require shim banner, `@aws-sdk/*` external)
 * and the target NodejsFunction derives from the default runtime, nodejs24.x. `@opentelemetry/api`
 * is left out as the example app leaves it (cdk/untraced.ts): this repository installs it for
 * its tests, a project that does not trace has not, and its bundle then does not hold it.
 */
async function bundle(entry: Entry, index: number): Promise<Bundle> {
  const settings = sqsJobsBundling(UNTRACED);
  const outfile = `${OUT_DIR}/${index}/index.mjs`;
  const result = await build({
    entryPoints: [entry.entry],
    outfile,
    bundle: true,
    platform: "node",
    target: "node24",
    format: "esm",
    minify: settings.minify === true,
    sourcemap: settings.sourceMap === true,
    keepNames: settings.keepNames === true,
    mainFields: settings.mainFields,
    banner: settings.banner === undefined ? undefined : { js: settings.banner },
    external: settings.externalModules,
    metafile: true,
    logLevel: "error",
  });
  return {
    file: outfile,
    bytes: (await stat(outfile)).size,
    mapBytes: (await stat(`${outfile}.map`)).size,
    externals: externalImports(result.metafile, false),
    lazyExternals: externalImports(result.metafile, true),
  };
}

function externalImports(metafile: Metafile, dynamic: boolean): string[] {
  const out = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const imported of output.imports) {
      if (!imported.external || !imported.path.startsWith("@aws-sdk/")) continue;
      if ((imported.kind === "dynamic-import") === dynamic) out.add(imported.path);
    }
  }
  return [...out].sort();
}

/**
 * Import time of the bundle in a fresh Node process, in ms. With `preload`, the bundle's external
 * SDK modules are imported first, off the clock, so only the bundle's own evaluation is timed
 * (including what it builds at load, such as SDK clients).
 */
async function importMs(b: Bundle, preload: boolean): Promise<number> {
  const pre = preload ? b.externals.map((m) => `await import(${JSON.stringify(m)});`).join("") : "";
  // `import.meta.resolve` from the bundle's directory, so the SDK comes from the repo's node_modules.
  const script = `${pre}const t=process.hrtime.bigint();await import(${JSON.stringify(b.file)});console.log(Number(process.hrtime.bigint()-t));`;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
    cwd: root("bench/.tmp/cold-start"),
    env: { ...process.env, AWS_REGION: "us-east-1", EXAMPLE_BUCKET: "bench", NODE_OPTIONS: "" },
  });
  return Number(stdout.trim()) / 1e6;
}

export async function runColdStart(options: { readonly processes: number }) {
  await mkdir(OUT_DIR, { recursive: true });
  const bundles = await Promise.all(ENTRIES.map((e, i) => bundle(e, i)));
  const samples = ENTRIES.map(() => ({ whole: [] as number[], own: [] as number[] }));
  // An empty module: what any import costs (the ESM loader, reading a file), a floor for the rest.
  const empty: Bundle = {
    file: `${OUT_DIR}/empty.mjs`,
    bytes: 0,
    mapBytes: 0,
    externals: [],
    lazyExternals: [],
  };
  await writeFile(empty.file, "export {};\n");
  const floor: number[] = [];
  // One untimed import each, so the files are in the page cache before any figure is kept.
  for (const b of bundles) await importMs(b, false);
  for (let p = 0; p < options.processes; p++) {
    for (let k = 0; k < bundles.length; k++) {
      const i = (p + k) % bundles.length;
      const b = bundles[i] as Bundle;
      const s = samples[i] as { whole: number[]; own: number[] };
      s.whole.push(await importMs(b, false));
      s.own.push(await importMs(b, true));
    }
    floor.push(await importMs(empty, false));
  }
  const results = Object.fromEntries(
    ENTRIES.map((e, i) => {
      const b = bundles[i] as Bundle;
      const s = samples[i] as { whole: number[]; own: number[] };
      console.log(
        `cold start ${e.name.padEnd(36)} ${round(b.bytes / 1024, 1)} KiB  import ${round(spread(s.whole, 2).median, 1)} ms (bundle only ${round(spread(s.own, 2).median, 1)} ms)`,
      );
      return [
        e.name,
        {
          description: e.description,
          bundleBytes: b.bytes,
          bundleKiB: round(b.bytes / 1024, 1),
          sourceMapBytes: b.mapBytes,
          externalImports: b.externals,
          lazyExternalImports: b.lazyExternals,
          importMsWithSdk: spread(s.whole, 2),
          importMsBundleOnly: spread(s.own, 2),
        },
      ];
    }),
  );
  const ours = ENTRIES[0]?.name ?? "";
  const ratio = (other: string) => {
    const i = ENTRIES.findIndex((e) => e.name === other);
    const a = samples[0] as { whole: number[]; own: number[] };
    const b = samples[i] as { whole: number[]; own: number[] };
    const ba = bundles[0] as Bundle;
    const bb = bundles[i] as Bundle;
    // Per-process ratios: process p of each bundle ran back to back.
    return {
      size: round(ba.bytes / bb.bytes, 3),
      importWithSdk: spread(
        a.whole.map((x, k) => x / (b.whole[k] ?? Number.NaN)),
        2,
      ),
      importBundleOnly: spread(
        a.own.map((x, k) => x / (b.own[k] ?? Number.NaN)),
        2,
      ),
    };
  };
  return {
    bundling:
      "esbuild JS API with cdk/lib/bundling.ts sqsJobsBundling(): bundle, platform node, target node24, ESM, minify, sourcemap (size excludes the .map), keepNames, require-shim banner, external @aws-sdk/*",
    processes: options.processes,
    importMethods: {
      importMsWithSdk:
        "fresh `node -e` process, time of `await import(bundle)`: includes loading every @aws-sdk package the bundle imports at load from the repo's node_modules (all three bundles import client-s3 for the example's store; sqs-jobs imports client-sqs only when a record first needs an SQS call, so not on the clock)",
      importMsBundleOnly:
        "the same, with the @aws-sdk packages the bundle imports at load imported first, off the clock: the bundle's own evaluation, including what it builds at load",
    },
    emptyModuleImportMs: spread(floor, 2),
    bundles: results,
    ratios: Object.fromEntries(
      ENTRIES.slice(1)
        .filter((e) => e.part !== true)
        .map((e) => [`${ours} vs ${e.name}`, ratio(e.name)]),
    ),
  };
}
