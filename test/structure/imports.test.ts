import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The house's rules on imports, read from the sources: the runtime (src/) never imports the tools
 * (tools/src/); the tools reach the runtime only as `sqs-jobs/internal/*`, `sqs-jobs` or
 * `sqs-jobs/cdk`, never by a relative path out of their package; the dashboard does not import the
 * local stack; and no file imports itself through others, type-only imports included.
 */

const REPO = path.resolve(import.meta.dirname, "..", "..");

function sources(dir: string): string[] {
  return readdirSync(path.join(REPO, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .map((f) => path.join(dir, f));
}

const FILES = [...sources("src"), ...sources("tools/src"), ...sources("cdk/lib")];
/** src/init's templates hold a new project's code in strings: their imports are not this house's. */
const TEMPLATE = /^src\/init\/template-/;

/** Every module a file names in an import, an export-from or a dynamic import with a literal. */
function specifiers(file: string): string[] {
  const text = readFileSync(path.join(REPO, file), "utf8");
  const found = [
    ...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/gms),
    ...text.matchAll(/^\s*import\s+"([^"]+)"/gm),
    ...text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g),
  ];
  return found.map((m) => m[1] ?? "");
}

/** The repository file a specifier names, or undefined for a package outside this repository. */
function target(from: string, spec: string): string | undefined {
  if (spec.startsWith(".")) return path.normalize(path.join(path.dirname(from), spec));
  const internal = /^sqs-jobs\/internal\/(.+)$/.exec(spec);
  if (internal) return `src/${internal[1]}.ts`;
  if (spec === "sqs-jobs") return "src/index.ts";
  if (spec === "sqs-jobs/cdk") return "cdk/lib/index.ts";
  return undefined;
}

const edges = new Map(
  FILES.map((file) => [
    file,
    (TEMPLATE.test(file) ? [] : specifiers(file)).flatMap((spec) => {
      const to = target(file, spec);
      return to === undefined ? [] : [{ spec, to }];
    }),
  ]),
);

describe("imports", () => {
  it("never run from the runtime into the tools", () => {
    const wrong = FILES.filter((f) => !f.startsWith("tools/")).flatMap((file) =>
      (edges.get(file) ?? []).filter((e) => e.to.startsWith("tools/")).map((e) => `${file} -> ${e.spec}`),
    );
    expect(wrong).toEqual([]);
  });

  it("from the tools reach the runtime by its package name only", () => {
    const wrong = FILES.filter((f) => f.startsWith("tools/")).flatMap((file) =>
      (edges.get(file) ?? [])
        .filter((e) => e.spec.startsWith(".") && !e.to.startsWith("tools/"))
        .map((e) => `${file} -> ${e.spec}`),
    );
    expect(wrong).toEqual([]);
  });

  it("from the dashboard never reach the local stack", () => {
    const wrong = FILES.filter((f) => f.startsWith("tools/src/dashboard/")).flatMap((file) =>
      (edges.get(file) ?? [])
        .filter((e) => e.to.startsWith("tools/src/local/"))
        .map((e) => `${file} -> ${e.spec}`),
    );
    expect(wrong).toEqual([]);
  });

  it("name files that exist", () => {
    const missing = FILES.flatMap((file) =>
      (edges.get(file) ?? []).filter((e) => !edges.has(e.to)).map((e) => `${file} -> ${e.spec}`),
    );
    expect(missing).toEqual([]);
  });

  it("form no cycle, type-only imports included", () => {
    // Tarjan's strongly connected components: a component of more than one file is a cycle.
    let counter = 0;
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    const visit = (file: string): void => {
      index.set(file, counter);
      low.set(file, counter);
      counter++;
      stack.push(file);
      onStack.add(file);
      for (const { to } of edges.get(file) ?? []) {
        if (!edges.has(to)) continue;
        if (!index.has(to)) {
          visit(to);
          low.set(file, Math.min(low.get(file) ?? 0, low.get(to) ?? 0));
        } else if (onStack.has(to)) {
          low.set(file, Math.min(low.get(file) ?? 0, index.get(to) ?? 0));
        }
      }
      if (low.get(file) === index.get(file)) {
        const component: string[] = [];
        let member: string | undefined;
        do {
          member = stack.pop();
          if (member === undefined) break;
          onStack.delete(member);
          component.push(member);
        } while (member !== file);
        const selfLoop = (edges.get(file) ?? []).some((e) => e.to === file);
        if (component.length > 1 || selfLoop) cycles.push(component.sort());
      }
    };
    for (const file of FILES) if (!index.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });
});
