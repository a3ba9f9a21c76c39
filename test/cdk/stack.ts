import * as path from "node:path";
import { App, type Duration, Stack } from "aws-cdk-lib";
import type { Template } from "aws-cdk-lib/assertions";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { expect } from "vitest";
import { z } from "zod/mini";
import { defineJob } from "../../src/index.ts";

/** The entry of construct tests; bundling is skipped, so its content does not matter. */
export const FIXTURE_ENTRY = path.join(import.meta.dirname, "fixtures", "consumer.ts");

/** A stack whose NodejsFunctions skip esbuild, so construct tests take milliseconds. */
export function testStack(): Stack {
  const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
  return new Stack(app, "Test");
}

/** A plain function with inline code, for tests of `consumer`. */
export function inlineFunction(stack: Stack, id: string, timeout?: Duration): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: "index.handler",
    code: lambda.Code.fromInline("exports.handler = async () => ({ batchItemFailures: [] });"),
    timeout,
  });
}

export const job = (name: string, timeoutSeconds?: number, maxAttempts?: number) =>
  defineJob({
    name,
    schema: z.object({ id: z.string() }),
    timeoutSeconds,
    retry: maxAttempts === undefined ? undefined : { maxAttempts },
  });

export type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** Every IAM action granted in the template, with the policy that grants it. */
export function iamActions(template: Template): string[] {
  const policies = template.findResources("AWS::IAM::Policy") as Resources;
  return Object.values(policies).flatMap((p) => {
    const doc = p.Properties?.PolicyDocument as { Statement: { Action: string | string[] }[] };
    return doc.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
  });
}

type Statement = { Action: string | string[]; Resource: { "Fn::GetAtt"?: [string, string] }; Effect: string };

/**
 * The grants of the role whose logical id starts with `rolePrefix`, as sorted actions and the logical
 * id of the resource they apply to.
 */
export function grantsOf(template: Template, rolePrefix: string): { actions: string[]; resource: string }[] {
  const policies = Object.values(template.findResources("AWS::IAM::Policy") as Resources);
  const policy = policies.find((p) => JSON.stringify(p.Properties?.Roles).includes(`"${rolePrefix}`));
  if (policy === undefined) throw new Error(`no policy for role ${rolePrefix}`);
  const document = policy.Properties?.PolicyDocument as { Statement: Statement[] };
  const statements = document.Statement;
  return statements.map((s) => {
    expect(s.Effect).toBe("Allow");
    return {
      actions: (Array.isArray(s.Action) ? [...s.Action] : [s.Action]).sort(),
      resource: s.Resource["Fn::GetAtt"]?.[0] ?? JSON.stringify(s.Resource),
    };
  });
}
