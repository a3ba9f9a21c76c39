import type { AppModel } from "./app-model.ts";
import type { CodeRoots } from "./code-root.ts";
import type { DevEvent } from "./dev-event.ts";
import { FunctionRuntime, type LocalFunction } from "./function-runtime.ts";
import { type ResolveContext, resolveValue, Unresolved } from "./intrinsics.ts";

/** A function of the model, with what an in-process handler needs to reach the local endpoint. */
export interface InProcessRequest {
  readonly logicalId: string;
  readonly name: string;
  readonly timeoutSeconds: number;
  /** Its environment, resolved to local resources. */
  readonly environment: Readonly<Record<string, string>>;
  readonly endpoint: string;
  readonly region: string;
}

export interface AppFunctions {
  /** By function name, as the Lambda API finds them. */
  readonly byName: Map<string, { readonly runtime: LocalFunction; readonly arn: string }>;
  /** By logical id, as the template's event source mappings name them. */
  readonly byLogicalId: ReadonlyMap<string, LocalFunction>;
  /** Each loaded function's environment, resolved to local resources. */
  readonly environments: readonly Readonly<Record<string, string>>[];
}

/**
 * Loads each function of the app: in this process when `inProcess` takes it, else its bundled
 * code asset in a worker thread, with its environment resolved to local resources. A function
 * with neither (inline code) is skipped and reported.
 */
export async function loadFunctions(
  model: AppModel,
  parts: {
    readonly resolve: ResolveContext;
    readonly endpoint: string;
    readonly cwd: string;
    readonly codeRoots: CodeRoots;
    readonly inProcess: ((fn: InProcessRequest) => LocalFunction | undefined) | undefined;
    readonly emit: (event: DevEvent) => void;
  },
): Promise<AppFunctions> {
  const { resolve, endpoint, emit } = parts;
  const { region } = resolve;
  const byName = new Map<string, { runtime: LocalFunction; arn: string }>();
  const byLogicalId = new Map<string, LocalFunction>();
  const environments: Record<string, string>[] = [];
  for (const fn of model.functions) {
    const skip = () =>
      emit({
        type: "error",
        functionName: fn.name,
        message: "no bundled code asset: skipped (inline code is not run locally)",
      });
    if (fn.codeDir === undefined && parts.inProcess === undefined) {
      skip();
      continue;
    }
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(fn.environment)) {
      const resolved = resolveValue(value, resolve);
      if (resolved instanceof Unresolved) {
        emit({
          type: "error",
          functionName: fn.name,
          message: `environment variable ${key} (${resolved.what}) has no local value; left empty`,
        });
        env[key] = "";
      } else {
        env[key] = resolved;
      }
    }
    let runtime = parts.inProcess?.({ ...fn, environment: env, endpoint, region });
    if (runtime === undefined) {
      if (fn.codeDir === undefined) {
        skip();
        continue;
      }
      runtime = new FunctionRuntime({
        name: fn.name,
        codeDir: await parts.codeRoots.stage(fn.codeDir, fn.logicalId),
        projectDir: parts.cwd,
        handler: fn.handler,
        timeoutSeconds: fn.timeoutSeconds,
        region,
        env: localEnvironment(env, endpoint, region, fn.name, fn.timeoutSeconds),
        onLog: (line) => emit({ type: "log", functionName: fn.name, line }),
      });
    }
    environments.push(env);
    byName.set(fn.name, { runtime, arn: resolve.resources.get(fn.logicalId)?.attributes.Arn ?? "" });
    byLogicalId.set(fn.logicalId, runtime);
  }
  return { byName, byLogicalId, environments };
}

/** What a Lambda environment would have, pointed at the local endpoint. */
function localEnvironment(
  env: Record<string, string>,
  endpoint: string,
  region: string,
  functionName: string,
  timeoutSeconds: number,
): Record<string, string> {
  const keep: Record<string, string> = {};
  for (const key of ["PATH", "HOME", "TZ", "LANG", "TMPDIR"]) {
    const value = process.env[key];
    if (value !== undefined) keep[key] = value;
  }
  return {
    ...keep,
    ...env,
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128",
    AWS_LAMBDA_FUNCTION_TIMEOUT: String(timeoutSeconds),
    SQS_JOBS_LOCAL: "1",
  };
}
