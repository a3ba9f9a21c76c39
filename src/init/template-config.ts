import type { ProjectNames } from "./project-names.ts";

/**
 * The ranges a new project installs besides sqs-jobs itself, as the README's Install section
 * gives them, but for the cdk CLI: `^2.1148.1`, not `~`. `^2.276.0` installs the newest
 * aws-cdk-lib 2.x, whose cloud assembly a 2.1148 CLI may be too old to read; the newest 2.x CLI
 * reads every older one, and `^` keeps it off 3.x, which cannot read 2.x assemblies.
 */
const DEPENDENCIES = {
  "aws-cdk-lib": "^2.276.0",
  constructs: "^10.0.0",
  esbuild: "^0.28.0",
  zod: "^4.0.0",
};
const DEV_DEPENDENCIES = {
  "@types/node": "^24.0.0",
  "aws-cdk": "^2.1148.1",
  typescript: "~5.9.0",
  vitest: "^5.1.0",
};

/**
 * package.json: an ES module package (npm's default, commonjs, fails on the first `import`), on a
 * Node that runs `node cdk/app.ts` (type stripping without a flag: 22.18), with the scripts a new
 * user reaches for first.
 */
export function packageJson(names: ProjectNames, sqsJobsRange: string): string {
  const manifest = {
    name: names.packageName,
    version: "0.1.0",
    private: true,
    type: "module",
    engines: { node: ">=22.18" },
    scripts: {
      dev: "sqs-jobs dev",
      test: "vitest run",
      typecheck: "tsc",
      deploy: "cdk deploy",
    },
    dependencies: { "sqs-jobs": sqsJobsRange, ...DEPENDENCIES },
    devDependencies: { "sqs-jobs-tools": sqsJobsRange, ...DEV_DEPENDENCIES },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/**
 * tsconfig.json for Node running the `.ts` files as they are: `.ts` in import paths
 * (allowImportingTsExtensions, which needs noEmit), only erasable syntax, and `nodenext` so the
 * `sqs-jobs/cdk` and `sqs-jobs-tools/testing` subpaths resolve.
 */
export const TSCONFIG = `${JSON.stringify(
  {
    compilerOptions: {
      target: "es2023",
      module: "nodenext",
      moduleResolution: "nodenext",
      allowImportingTsExtensions: true,
      noEmit: true,
      erasableSyntaxOnly: true,
      verbatimModuleSyntax: true,
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: true,
      types: ["node"],
    },
    include: ["cdk", "src", "test"],
  },
  null,
  2,
)}\n`;

export const CDK_JSON = `${JSON.stringify(
  {
    app: "node cdk/app.ts",
    watch: { include: ["cdk/**", "src/**"] },
  },
  null,
  2,
)}\n`;

export const GITIGNORE = `node_modules
cdk.out
.sqs-jobs
`;

export function readme(names: ProjectNames): string {
  return `# ${names.packageName}

Background jobs on SQS and Lambda with [sqs-jobs](https://www.npmjs.com/package/sqs-jobs): the job in \`src/jobs.ts\`, its handler in \`src/handler.ts\`, the stack in \`cdk/app.ts\`.
\`npm test\` runs the job in a local stack, \`npm run dev\` runs the whole app locally (no AWS, no Docker), \`npm run deploy\` deploys it.
`;
}
