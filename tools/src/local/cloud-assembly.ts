import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ConfigError } from "sqs-jobs/internal/core/errors";

/** A CloudFormation resource as it stands in a synthesized template. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

export interface StackTemplate {
  readonly stackName: string;
  readonly resources: Readonly<Record<string, TemplateResource>>;
  /** The stack's outputs (`CfnOutput`), values still intrinsic functions. */
  readonly outputs: Readonly<Record<string, { readonly Value?: unknown; readonly Description?: string }>>;
}

interface Manifest {
  readonly artifacts?: Record<
    string,
    {
      readonly type?: string;
      readonly properties?: { readonly templateFile?: string; readonly stackName?: string };
    }
  >;
}

/** Reads every stack template of a cloud assembly directory (a `cdk.out`). */
export async function readCloudAssembly(dir: string): Promise<StackTemplate[]> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")) as Manifest;
  } catch (cause) {
    throw new ConfigError(`${dir} is not a CDK cloud assembly (no readable manifest.json)`, { cause });
  }
  const stacks: StackTemplate[] = [];
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type !== "aws:cloudformation:stack" || artifact.properties?.templateFile === undefined)
      continue;
    const template = JSON.parse(await readFile(join(dir, artifact.properties.templateFile), "utf8")) as {
      Resources?: Record<string, TemplateResource>;
      Outputs?: StackTemplate["outputs"];
    };
    stacks.push({
      stackName: artifact.properties.stackName ?? id,
      resources: template.Resources ?? {},
      outputs: template.Outputs ?? {},
    });
  }
  if (stacks.length === 0)
    throw new ConfigError(`the cloud assembly in ${dir} holds no CloudFormation stack`);
  return stacks;
}
