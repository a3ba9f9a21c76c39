import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { getCompileCacheDir } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FunctionRuntime } from "../../tools/src/local/function-runtime.ts";

/**
 * The local Lambda environments on their own, with a tiny handler module: one invocation per
 * environment at a time, and an error nobody handled ending its environment as Lambda's Node.js
 * runtime does.
 */
const HANDLER = `
import { randomUUID } from "node:crypto";
import { getCompileCacheDir } from "node:module";
const environment = randomUUID();
let invocations = 0;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export async function handler(event) {
  invocations++;
  if (event.kind === "stray") {
    void (async () => { await sleep(20); throw new Error("stray work failed"); })();
    await sleep(300);
  }
  if (event.kind === "last-tick") void Promise.reject(new Error("rejected as the handler returned"));
  if (event.kind === "throw-later") {
    setTimeout(() => { throw new TypeError("thrown from a timer"); }, 20);
    await sleep(300);
  }
  if (event.kind === "slow") await sleep(300);
  if (event.kind === "compile-cache") {
    await sleep(300);
    return { environment, cacheDir: getCompileCacheDir() ?? null };
  }
  return { environment, invocations };
}
`;

let dir: string;
const runtimes: FunctionRuntime[] = [];

function runtime(): FunctionRuntime {
  const fn = new FunctionRuntime({
    name: "probe",
    codeDir: dir,
    handler: "index.handler",
    timeoutSeconds: 5,
    env: {},
    region: "us-east-1",
    onLog: () => {},
  });
  runtimes.push(fn);
  return fn;
}

interface Probe {
  readonly environment: string;
  readonly invocations: number;
}

async function ok(fn: FunctionRuntime, kind: string): Promise<Probe> {
  const outcome = await fn.invoke({ kind });
  if (!outcome.ok) throw new Error(`${kind} failed: ${outcome.errorType}: ${outcome.errorMessage}`);
  return outcome.result as Probe;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sqs-jobs-runtime-"));
  await writeFile(join(dir, "index.mjs"), HANDLER);
  // Loading takes longer than the 1 s timeout, as a cold start of a big bundle can on a busy machine
  await writeFile(
    join(dir, "slow.mjs"),
    "await new Promise((r) => setTimeout(r, 1500));\nexport const handler = async () => 'loaded';\n",
  );
});

afterAll(async () => {
  await Promise.all(runtimes.map((fn) => fn.stop()));
  await rm(dir, { recursive: true, force: true });
});

describe("local function environments", () => {
  it("times the init phase (loading the code) apart from the invocation, as Lambda does", async () => {
    const fn = new FunctionRuntime({
      name: "slow-init",
      codeDir: dir,
      handler: "slow.handler",
      timeoutSeconds: 1,
      env: {},
      region: "us-east-1",
      onLog: () => {},
    });
    runtimes.push(fn);
    expect(await fn.invoke({})).toEqual({ ok: true, result: "loaded" });
  });

  it("reuses a warm environment for invocations one after another", async () => {
    const fn = runtime();
    const first = await ok(fn, "plain");
    const second = await ok(fn, "plain");
    expect(second).toEqual({ environment: first.environment, invocations: 2 });
  });

  it.each([
    ["an unhandled rejection", "stray", "Runtime.UnhandledPromiseRejection", "Error: stray work failed"],
    [
      "a rejection left behind as the handler returns",
      "last-tick",
      "Runtime.UnhandledPromiseRejection",
      "Error: rejected as the handler returned",
    ],
    ["an uncaught exception", "throw-later", "TypeError", "thrown from a timer"],
  ])(
    "fails the invocation with %s as Lambda's runtime does, and the next one starts fresh",
    async (_label, kind, errorType, errorMessage) => {
      // Given a warm environment
      const fn = runtime();
      const warm = await ok(fn, "plain");
      // When an invocation leaves an error nobody handles
      const outcome = await fn.invoke({ kind });
      // Then that invocation fails with the runtime's error, and the environment is gone
      expect(outcome).toEqual({ ok: false, errorType, errorMessage });
      const next = await ok(fn, "plain");
      expect(next.environment).not.toBe(warm.environment);
      expect(next.invocations).toBe(1);
    },
  );

  it("runs concurrent invocations in separate environments, so a crash fails only its own", async () => {
    // Given three invocations at once, the middle one leaving an unhandled rejection
    const fn = runtime();
    const [slow, stray, other] = await Promise.all([
      fn.invoke({ kind: "slow" }),
      fn.invoke({ kind: "stray" }),
      fn.invoke({ kind: "slow" }),
    ]);
    // Then only that one fails, and its neighbours each ran alone in their own environment
    expect(stray).toMatchObject({ ok: false, errorType: "Runtime.UnhandledPromiseRejection" });
    expect(slow).toMatchObject({ ok: true, result: { invocations: 1 } });
    expect(other).toMatchObject({ ok: true, result: { invocations: 1 } });
    const environments = [slow, other].map((o) => (o.ok ? (o.result as Probe).environment : ""));
    expect(new Set(environments).size).toBe(2);
  });

  it("load code with Node's compile cache, which keeps compiled code but no module state", async () => {
    // When two invocations run at once, in two environments
    const fn = runtime();
    const outcomes = await Promise.all([
      fn.invoke({ kind: "compile-cache" }),
      fn.invoke({ kind: "compile-cache" }),
    ]);
    // Then each has the compile cache on, and module state of its own
    for (const outcome of outcomes)
      expect(outcome).toMatchObject({ ok: true, result: { cacheDir: expect.any(String) } });
    const environments = outcomes.map((o) => (o.ok ? (o.result as Probe).environment : ""));
    expect(new Set(environments).size).toBe(2);
    // And the process that runs them keeps its own setting
    expect(getCompileCacheDir()).toBe(
      process.env.NODE_COMPILE_CACHE === undefined ? undefined : expect.any(String),
    );
  });
});
