import { initProject, initSummary } from "sqs-jobs/internal/init/init-project";
import { type Command, stringOption } from "../command.ts";

export const initCommand: Command = {
  name: "init",
  summary: "write a new project: a job, its handler, a CDK stack and a test",
  help: `Usage: sqs-jobs init [dir] [--name NAME]

Writes a new project into <dir> (default: the current directory), which must be
new or empty (a .git is fine): package.json ("type": "module", scripts dev,
test, typecheck and deploy), tsconfig.json, cdk.json, cdk/app.ts (an App, a
Stack, a JobLedger and a JobQueue), src/jobs.ts (one job), src/handler.ts (its
Lambda entry, bindings exported once), test/jobs.test.ts (the testing kit),
.gitignore and README.md. It never overwrites a file.

Options:
  --name NAME  the npm package name (default: the directory's name)

Examples:
  sqs-jobs init my-jobs
  cd my-jobs && npm install && npm test`,
  options: { name: { type: "string" } },
  args: { min: 0, max: 1 },
  async run(ctx, [dir = "."], values) {
    const name = stringOption(values, "name");
    const result = await initProject(dir, name === undefined ? {} : { name });
    ctx.out(ctx.json ? JSON.stringify(result, null, 2) : initSummary(result, process.cwd()));
    return 0;
  },
};
