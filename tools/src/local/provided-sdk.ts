import * as nodeModule from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * Lambda's Node.js runtime provides the AWS SDK v3: bundles leave `@aws-sdk/*` out and import it
 * from the runtime. Locally the function's code runs from a root of its own with no node_modules,
 * so an `@aws-sdk/*` import (or require) that finds nothing there is resolved from the project
 * (the user's installed clients), then from sqs-jobs' own dependencies.
 */
export function provideAwsSdk(projectDir: string): void {
  // Synchronous in-thread hooks arrived in Node 22.15; before, bundles must carry the SDK.
  if (typeof nodeModule.registerHooks !== "function") {
    console.error("sqs-jobs dev: Node >= 22.15 is needed to provide @aws-sdk/* to function code");
    return;
  }
  const providers = [
    nodeModule.createRequire(join(projectDir, "package.json")),
    nodeModule.createRequire(import.meta.url),
  ];
  let fallingBack = false;
  nodeModule.registerHooks({
    resolve(specifier, context, nextResolve) {
      try {
        return nextResolve(specifier, context);
      } catch (error) {
        if (fallingBack || !specifier.startsWith("@aws-sdk/")) throw error;
        // require.resolve below runs this hook again: let that run resolve plainly.
        fallingBack = true;
        try {
          for (const provider of providers) {
            const path = resolveWith(provider, specifier);
            if (path !== undefined) return { url: pathToFileURL(path).href, shortCircuit: true };
          }
        } finally {
          fallingBack = false;
        }
        throw error;
      }
    },
  });
}

function resolveWith(provider: NodeJS.Require, specifier: string): string | undefined {
  try {
    return provider.resolve(specifier);
  } catch {
    return undefined;
  }
}
