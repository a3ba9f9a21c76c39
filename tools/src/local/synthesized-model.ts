import { type AppModel, buildAppModel } from "./app-model.ts";
import { readCloudAssembly } from "./cloud-assembly.ts";
import { synthesize } from "./synth.ts";

/**
 * The app of a CDK project, synthesized and read from its templates. Loaded only for a CDK app:
 * a model given in code needs neither the synth nor the template reader.
 */
export async function synthesizedModel(options: {
  readonly app?: string | undefined;
  readonly cwd: string;
  readonly outDir?: string | undefined;
}): Promise<AppModel> {
  const assemblyDir = await synthesize({
    app: options.app,
    cwd: options.cwd,
    outDir: options.outDir ?? ".sqs-jobs/cdk.out",
  });
  return buildAppModel(await readCloudAssembly(assemblyDir), assemblyDir);
}
