import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const REPO = new URL("../../", import.meta.url);
const read = (file: string) => readFileSync(new URL(file, REPO), "utf8");

/** The names an entry point's barrel exports, split into values and types. */
function barrel(file: string): { values: string[]; types: string[] } {
  const values: string[] = [];
  const types: string[] = [];
  for (const [, typeOnly, list] of read(file).matchAll(/export (type )?\{([^}]*)\}/g)) {
    for (const raw of (list ?? "").split(",")) {
      const name = raw.trim();
      if (name === "") continue;
      if (typeOnly !== undefined || name.startsWith("type ")) types.push(name.replace(/^type /, ""));
      else values.push(name);
    }
  }
  return { values: values.sort(), types: types.sort() };
}

/** The names the reference's "API at a glance" (docs/reference.md) lists under an entry point's heading. */
function documented(entry: string): string[] {
  const section = read("docs/reference.md").split("## API at a glance")[1]?.split("\n## ")[0] ?? "";
  const part = section.split(`**\`${entry}\`**`)[1]?.split("\n**`")[0] ?? "";
  return [...part.matchAll(/`([A-Za-z_]\w*)`/g)].map((m) => m[1] as string).sort();
}

describe("the public API is what the reference documents", () => {
  it.each([
    ["sqs-jobs", "src/index.ts", "../../src/index.ts"],
    ["sqs-jobs/cdk", "cdk/lib/index.ts", "../../cdk/lib/index.ts"],
    ["sqs-jobs-tools/testing", "tools/src/testing/index.ts", "../../tools/src/testing/index.ts"],
  ])("%s exports exactly the names listed in the reference", async (entry, file, module) => {
    const { values, types } = barrel(file);
    const runtime = Object.keys(await import(module)).sort();
    // The barrel's value exports are what a user can import at run time...
    expect(runtime).toEqual(values);
    // ...and every exported name, value or type, is in the reference's list, and nothing more.
    expect(documented(entry)).toEqual([...values, ...types].sort());
  });
});
